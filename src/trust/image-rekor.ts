// The Rekor evidence cosign keeps beside a legacy signature (the `dev.sigstore.cosign/bundle`
// annotation: a SignedEntryTimestamp over the entry), checked offline against a trusted
// root's transparency-log keys. This is what lets `verify` say when a signature was logged.
import { createHash, createPublicKey, verify as cryptoVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { json } from '@sigstore/core';
import { TrustError } from './errors.js';

/** cosign's bundle.RekorBundle (Go field names, no JSON tags). */
export interface RekorBundle {
  SignedEntryTimestamp: string;
  Payload: { body: string; integratedTime: number; logIndex: number; logID: string };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses the `dev.sigstore.cosign/bundle` annotation; BAD_BUNDLE when it is not a RekorBundle. */
export function parseRekorBundle(text: string, input: string): RekorBundle {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new TrustError('BAD_BUNDLE', `Rekor bundle annotation is not JSON: ${(e as Error).message}`, { input, cause: e });
  }
  const p = isRecord(doc) ? doc.Payload : undefined;
  if (!isRecord(doc) || typeof doc.SignedEntryTimestamp !== 'string' || !isRecord(p) ||
    typeof p.body !== 'string' || typeof p.logID !== 'string' || !/^[0-9a-f]{64}$/.test(p.logID) ||
    !Number.isSafeInteger(p.integratedTime) || !Number.isSafeInteger(p.logIndex)) {
    throw new TrustError('BAD_BUNDLE', 'Rekor bundle annotation lacks SignedEntryTimestamp or Payload {body, integratedTime, logIndex, logID}', { input });
  }
  return { SignedEntryTimestamp: doc.SignedEntryTimestamp, Payload: { body: p.body, integratedTime: p.integratedTime as number, logIndex: p.logIndex as number, logID: p.logID } };
}

interface TlogKey {
  key: KeyObject;
  start?: Date;
  end?: Date;
}

/** The transparency-log keys of a TrustedRoot JSON, by hex log ID. */
export function tlogKeys(trustedRoot: unknown): Map<string, TlogKey> {
  const out = new Map<string, TlogKey>();
  const tlogs = isRecord(trustedRoot) && Array.isArray(trustedRoot.tlogs) ? trustedRoot.tlogs : [];
  for (const t of tlogs) {
    if (!isRecord(t) || !isRecord(t.logId) || !isRecord(t.publicKey) || typeof t.logId.keyId !== 'string' || typeof t.publicKey.rawBytes !== 'string') continue;
    try {
      const key = createPublicKey({ key: Buffer.from(t.publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' });
      const validFor = isRecord(t.publicKey.validFor) ? t.publicKey.validFor : {};
      const entry: TlogKey = { key };
      if (typeof validFor.start === 'string') entry.start = new Date(validFor.start);
      if (typeof validFor.end === 'string') entry.end = new Date(validFor.end);
      out.set(Buffer.from(t.logId.keyId, 'base64').toString('hex'), entry);
    } catch {
      // a key we cannot load cannot vouch for anything
    }
  }
  return out;
}

export interface LoggedEntry {
  integratedTime: Date;
  logIndex: string;
  /** The decoded canonical entry body. */
  body: Record<string, unknown>;
}

/**
 * Checks a SignedEntryTimestamp: the log's key (chosen by log ID from the trusted root,
 * valid at the integrated time) signed the canonical JSON of {body, integratedTime,
 * logID, logIndex}. TLOG on any failure.
 */
export function verifyRekorBundle(rb: RekorBundle, trustedRoot: unknown, input: string): LoggedEntry {
  const log = tlogKeys(trustedRoot).get(rb.Payload.logID);
  if (!log) throw new TrustError('TLOG', `transparency log ${rb.Payload.logID.slice(0, 16)}… is not in the trusted root`, { input });
  const when = new Date(rb.Payload.integratedTime * 1000);
  if ((log.start && when < log.start) || (log.end && when > log.end)) {
    throw new TrustError('TLOG', `entry integrated at ${when.toISOString()}, outside the log key's validity`, { input });
  }
  const signed = Buffer.from(json.canonicalize({ body: rb.Payload.body, integratedTime: rb.Payload.integratedTime, logID: rb.Payload.logID, logIndex: rb.Payload.logIndex }));
  const sig = Buffer.from(rb.SignedEntryTimestamp, 'base64');
  const type = log.key.asymmetricKeyType;
  const ok = type === 'ed25519' ? cryptoVerify(null, signed, log.key, sig) : cryptoVerify('sha256', signed, log.key, sig);
  if (!ok) throw new TrustError('TLOG', 'SignedEntryTimestamp does not verify with the transparency log key', { input });
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(rb.Payload.body, 'base64').toString('utf8'));
  } catch {
    throw new TrustError('TLOG', 'Rekor entry body is not JSON', { input });
  }
  if (!isRecord(body)) throw new TrustError('TLOG', 'Rekor entry body is not an object', { input });
  return { integratedTime: when, logIndex: String(rb.Payload.logIndex), body };
}

function spkiOf(pem: string): Buffer | undefined {
  try {
    const key = pem.includes('CERTIFICATE') ? new X509Certificate(pem).publicKey : createPublicKey(pem);
    return key.export({ format: 'der', type: 'spki' });
  } catch {
    return undefined;
  }
}

/**
 * A hashedrekord entry must be about this signature: same payload hash, same signature,
 * and the same verification key (or certificate). TLOG when it is about something else.
 */
export function checkHashedRekord(body: Record<string, unknown>, payload: Buffer, signatureB64: string, signer: { key?: KeyObject; certificatePem?: string }, input: string): void {
  const spec = isRecord(body.spec) ? body.spec : {};
  const hash = isRecord(spec.data) && isRecord(spec.data.hash) ? spec.data.hash : {};
  const sig = isRecord(spec.signature) ? spec.signature : {};
  const pub = isRecord(sig.publicKey) && typeof sig.publicKey.content === 'string' ? Buffer.from(sig.publicKey.content, 'base64').toString('utf8') : '';
  if (body.kind !== 'hashedrekord') throw new TrustError('TLOG', `Rekor entry kind ${JSON.stringify(body.kind)} is not hashedrekord`, { input });
  if (hash.algorithm !== 'sha256' || hash.value !== createHash('sha256').update(payload).digest('hex')) {
    throw new TrustError('TLOG', 'Rekor entry is for another payload', { input });
  }
  if (typeof sig.content !== 'string' || !Buffer.from(sig.content, 'base64').equals(Buffer.from(signatureB64, 'base64'))) {
    throw new TrustError('TLOG', 'Rekor entry is for another signature', { input });
  }
  const logged = spkiOf(pub);
  const ours = signer.key ? signer.key.export({ format: 'der', type: 'spki' }) : signer.certificatePem ? spkiOf(signer.certificatePem) : undefined;
  if (!logged || !ours || !logged.equals(ours)) throw new TrustError('TLOG', 'Rekor entry names another key or certificate', { input });
}
