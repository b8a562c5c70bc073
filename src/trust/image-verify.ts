// Verifying an image's signatures: bundle referrers first, then the legacy `.sig` tag.
// Every stored signature gets its own result (verified, or why not), so the output can say
// which verified, whose they are and when they were logged; the image verifies when one does.
import type { KeyObject } from 'node:crypto';
import type { OpenOptions } from '../oci/index.js';
import { bundleEnvelope, checkStatement, COSIGN_SIGN_PREDICATE, verifyEnvelope, type Envelope, type Statement } from './attest-dsse.js';
import { TrustError, type TrustErrorCode } from './errors.js';
import { checkHashedRekord, parseRekorBundle, verifyRekorBundle } from './image-rekor.js';
import { resolveTarget, type ImageTarget } from './image-target.js';
import { verifyBytes } from './keys.js';
import { CosignAnnotations } from './oci-store.js';
import { readBundles, readLegacy, type BundleEntry, type LegacyEntry } from './oci-store-read.js';
import { checkSimpleSigning } from './simple-signing.js';
import { verifyBundle, type IdentityPolicy } from './verify-bundle.js';

export interface VerifyImageOptions extends OpenOptions {
  /** Key-pair verification. */
  key?: KeyObject;
  /** Keyless verification: who must have signed (needs `trustedRoot`). */
  identity?: IdentityPolicy;
  /** TrustedRoot JSON: required for keyless; with a key, lets Rekor entries be checked. */
  trustedRoot?: unknown;
}

export interface SignatureCheck {
  format: 'legacy' | 'bundle';
  /** Where it is stored: `registry/repo:sha256-….sig#2`, `registry/repo@sha256:…`. */
  location: string;
  verified: boolean;
  code?: TrustErrorCode;
  reason?: string;
  /** Who signed: the key, or the certificate's subject and issuer. */
  signer?: { key?: boolean; subject?: string; issuer?: string };
  /** When the transparency log integrated it (only when checked against the trusted root). */
  integratedTime?: Date;
  tlogIndex?: string;
}

export interface ImageVerification {
  reference: string;
  digest: string;
  verified: boolean;
  signatures: SignatureCheck[];
}

/** The materials a verifier checks one signature against. */
export interface Verifier {
  key?: KeyObject;
  identity?: IdentityPolicy;
  trustedRoot?: unknown;
}

export function checkVerifier(v: Verifier): void {
  if (!v.key && !v.identity) throw new TrustError('BAD_KEY', 'verify with a key, or with a certificate identity and issuer');
  if (v.identity && !v.key && !v.trustedRoot) throw new TrustError('BAD_TRUSTED_ROOT', 'keyless verification needs a trusted root');
}

function failed(base: Omit<SignatureCheck, 'verified'>, e: unknown): SignatureCheck {
  if (e instanceof TrustError) return { ...base, verified: false, code: e.code, reason: e.message };
  throw e;
}

/** A DSSE envelope from a legacy `.att` layer or a bundle, verified with the key or keylessly. */
export function verifyDsse(env: Envelope, bundle: unknown, v: Verifier, imageDigest: string, input: string): { statement: Statement; check: Omit<SignatureCheck, 'format' | 'location' | 'verified'> } {
  const check: Omit<SignatureCheck, 'format' | 'location' | 'verified'> = {};
  if (v.key && bundle === undefined) {
    // A legacy `.att` layer: the envelope alone.
    if (!verifyEnvelope(v.key, env)) throw new TrustError('BAD_SIGNATURE', 'DSSE signature does not verify with the key', { input });
    check.signer = { key: true };
  } else {
    // Key bundles: their log entries are checked when a trusted root is given (and there are some).
    const logged = Array.isArray((bundle as { verificationMaterial?: { tlogEntries?: unknown } }).verificationMaterial?.tlogEntries) &&
      ((bundle as { verificationMaterial: { tlogEntries: unknown[] } }).verificationMaterial.tlogEntries.length > 0);
    const keyOpts = v.key ? { publicKey: v.key, ignoreTlog: v.trustedRoot === undefined || !logged } : { identity: v.identity };
    const r = verifyBundle(bundle, undefined, { trustedRoot: v.trustedRoot, ...keyOpts });
    check.signer = r.signer;
    if (r.integratedTime) check.integratedTime = r.integratedTime;
    if (r.tlogIndex) check.tlogIndex = r.tlogIndex;
  }
  return { statement: checkStatement(env, imageDigest, input), check };
}

function verifyLegacyEntry(e: LegacyEntry, v: Verifier, imageDigest: string): SignatureCheck {
  const location = `${e.location}#${e.index}`;
  const base = { format: 'legacy' as const, location };
  try {
    if (e.problem) throw e.problem;
    const payload = e.payload as Buffer;
    const sigB64 = e.annotations[CosignAnnotations.signature];
    if (typeof sigB64 !== 'string' || sigB64 === '' || !/^[A-Za-z0-9+/]+={0,2}$/.test(sigB64)) {
      throw new TrustError('BAD_BUNDLE', `annotation ${CosignAnnotations.signature} is missing or not base64`, { input: location });
    }
    const rekor = e.annotations[CosignAnnotations.bundle];
    const out: SignatureCheck = { ...base, verified: false };
    if (v.key) {
      if (!verifyBytes(v.key, payload, Buffer.from(sigB64, 'base64'))) throw new TrustError('BAD_SIGNATURE', 'signature does not verify with the key', { input: location });
      out.signer = { key: true };
      if (rekor !== undefined && v.trustedRoot) {
        const logged = verifyRekorBundle(parseRekorBundle(rekor, location), v.trustedRoot, location);
        checkHashedRekord(logged.body, payload, sigB64, { key: v.key }, location);
        out.integratedTime = logged.integratedTime;
        out.tlogIndex = logged.logIndex;
      }
    } else {
      const content = { messageSignature: { messageDigest: { algorithm: 'SHA2_256', digest: Buffer.from(e.layer.digest.slice('sha256:'.length), 'hex').toString('base64') }, signature: sigB64 } };
      const r = verifyBundle(legacyToBundle(e.annotations, content, location), payload, { trustedRoot: v.trustedRoot, identity: v.identity });
      out.signer = r.signer;
      if (r.integratedTime) out.integratedTime = r.integratedTime;
      if (r.tlogIndex) out.tlogIndex = r.tlogIndex;
    }
    checkSimpleSigning(payload, imageDigest, location);
    return { ...out, verified: true };
  } catch (err) {
    return failed(base, err);
  }
}

/**
 * A keyless legacy layer (`.sig` or `.att`) as the v0.1 bundle it amounts to, for the
 * bundle verifier: the certificate (and chain) and Rekor bundle from the annotations,
 * around `content` (the message signature, or the DSSE envelope).
 */
export function legacyToBundle(annotations: Record<string, string>, content: { messageSignature: unknown } | { dsseEnvelope: unknown }, input: string): unknown {
  const certificatePem = annotations[CosignAnnotations.certificate];
  if (!certificatePem) throw new TrustError('UNTRUSTED', `no ${CosignAnnotations.certificate} annotation: a key-signed signature needs --key`, { input });
  const rekor = annotations[CosignAnnotations.bundle];
  const der = (pem: string) => pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  const certs = [certificatePem, ...(annotations[CosignAnnotations.chain] ?? '').split(/(?<=-----END CERTIFICATE-----)\s*/)].map(der).filter(Boolean);
  const tlogEntries = [];
  if (rekor !== undefined) {
    const rb = parseRekorBundle(rekor, input);
    let body: { kind?: string; apiVersion?: string };
    try {
      body = JSON.parse(Buffer.from(rb.Payload.body, 'base64').toString('utf8')) as typeof body;
    } catch {
      throw new TrustError('BAD_BUNDLE', 'Rekor bundle annotation: the entry body is not JSON', { input });
    }
    tlogEntries.push({
      logIndex: String(rb.Payload.logIndex),
      logId: { keyId: Buffer.from(rb.Payload.logID, 'hex').toString('base64') },
      kindVersion: { kind: body.kind ?? 'hashedrekord', version: body.apiVersion ?? '0.0.1' },
      integratedTime: String(rb.Payload.integratedTime),
      inclusionPromise: { signedEntryTimestamp: rb.SignedEntryTimestamp },
      canonicalizedBody: rb.Payload.body,
    });
  }
  return {
    mediaType: 'application/vnd.dev.sigstore.bundle+json;version=0.1',
    verificationMaterial: { x509CertificateChain: { certificates: certs.map((rawBytes) => ({ rawBytes })) }, tlogEntries },
    ...content,
  };
}

function verifyBundleEntry(e: BundleEntry, v: Verifier, imageDigest: string): SignatureCheck {
  const base = { format: 'bundle' as const, location: e.location };
  try {
    if (e.problem) throw e.problem;
    const env = bundleEnvelope(e.bundle, e.location);
    const { statement, check } = verifyDsse(env, e.bundle, v, imageDigest, e.location);
    if (statement.predicateType !== COSIGN_SIGN_PREDICATE) throw new TrustError('BAD_BUNDLE', `statement predicate ${statement.predicateType} is not an image signature`, { input: e.location });
    return { ...base, ...check, verified: true };
  } catch (err) {
    return failed(base, err);
  }
}

/** Signature referrers: bundles whose (unsigned) annotation says they are not attestations. */
export function isSignatureBundle(e: BundleEntry): boolean {
  const type = e.annotations[CosignAnnotations.bundlePredicateType];
  return type === undefined || type === COSIGN_SIGN_PREDICATE;
}

export async function verifyTargetSignatures(target: ImageTarget, v: Verifier): Promise<ImageVerification> {
  const bundles = (await readBundles(target.reader, target.digest)).filter(isSignatureBundle);
  const legacy = await readLegacy(target.reader, target.digest, 'sig');
  const signatures = [...bundles.map((b) => verifyBundleEntry(b, v, target.digest)), ...legacy.map((l) => verifyLegacyEntry(l, v, target.digest))];
  return { reference: target.name, digest: target.digest, verified: signatures.some((s) => s.verified), signatures };
}

/** Verifies the signatures of `ref` (a registry reference or `oci:DIR[:TAG]`). Never throws for a bad signature: see `verified`. */
export async function verifyImage(ref: string, opts: VerifyImageOptions): Promise<ImageVerification> {
  checkVerifier(opts);
  return verifyTargetSignatures(await resolveTarget(ref, opts), opts);
}

/** Throws the most telling failure unless something verified: NO_SIGNATURES when nothing is stored. */
export function requireVerified(r: { reference: string; digest: string; verified: boolean; signatures: SignatureCheck[] }, what = 'signatures'): void {
  if (r.verified) return;
  const first = r.signatures[0];
  if (!first) throw new TrustError('NO_SIGNATURES', `no ${what} found for ${r.digest}`, { input: r.reference });
  // Prefer a verification failure over a malformed neighbour: it says more about the image.
  const telling = r.signatures.find((s) => s.code !== 'BAD_BUNDLE') ?? first;
  throw new TrustError(telling.code ?? 'BAD_SIGNATURE', `none of ${r.signatures.length} ${what} verified; ${telling.location}: ${telling.reason ?? 'failed'}`, { input: r.reference });
}
