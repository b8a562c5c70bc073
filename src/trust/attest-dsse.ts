// in-toto statements in DSSE envelopes, and key-signed Sigstore bundles around them: the
// building blocks of attestations and of cosign v3's bundle-format image signatures.
import type { KeyObject } from 'node:crypto';
import { dsse } from '@sigstore/core';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustError } from './errors.js';
import { publicKeyHint } from './blob.js';
import { signBytes, verifyBytes } from './keys.js';
import { goJson } from './simple-signing.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const STATEMENT_V1 = 'https://in-toto.io/Statement/v1';
/** The predicate of a cosign v3 image signature (`types.CosignSignPredicateType`). */
export const COSIGN_SIGN_PREDICATE = 'https://sigstore.dev/cosign/sign/v1';
export const BUNDLE_V03_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

export interface Statement {
  _type: string;
  subject: Array<{ name?: string; digest: Record<string, string>; annotations?: Record<string, unknown> }>;
  predicateType: string;
  predicate: unknown;
}

export interface Envelope {
  payloadType: string;
  payload: Buffer;
  signatures: Array<{ keyid: string; sig: Buffer }>;
}

/** An in-toto v1 statement about one image digest; `name` is left out when not given (cosign sign/v1). */
export function createStatement(imageDigest: string, predicateType: string, predicate: unknown, name?: string): Buffer {
  const [algorithm, hex] = imageDigest.split(':') as [string, string];
  const subject = name === undefined ? { digest: { [algorithm]: hex } } : { name, digest: { [algorithm]: hex } };
  return Buffer.from(`{"_type":${goJson(STATEMENT_V1)},"subject":[${goJson(subject)}],"predicateType":${goJson(predicateType)},"predicate":${goJson(predicate)}}`);
}

/** Signs PAE(payloadType, payload) with the key. */
export function signEnvelope(key: KeyObject, payloadType: string, payload: Buffer): Envelope {
  return { payloadType, payload, signatures: [{ keyid: '', sig: signBytes(key, dsse.preAuthEncoding(payloadType, payload)) }] };
}

/** The envelope JSON cosign puts in a `.att` layer. */
export function envelopeJson(env: Envelope): Buffer {
  const sigs = env.signatures.map((s) => `{"keyid":${goJson(s.keyid)},"sig":${goJson(s.sig.toString('base64'))}}`).join(',');
  return Buffer.from(`{"payloadType":${goJson(env.payloadType)},"payload":${goJson(env.payload.toString('base64'))},"signatures":[${sigs}]}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses envelope JSON (a `.att` layer, or a bundle's `dsseEnvelope`); BAD_BUNDLE when malformed. */
export function parseEnvelope(doc: unknown, input: string): Envelope {
  if (!isRecord(doc) || typeof doc.payloadType !== 'string' || typeof doc.payload !== 'string' || !Array.isArray(doc.signatures)) {
    throw new TrustError('BAD_BUNDLE', 'DSSE envelope needs payloadType, payload and signatures', { input });
  }
  const signatures = doc.signatures.map((s, i) => {
    if (!isRecord(s) || typeof s.sig !== 'string') throw new TrustError('BAD_BUNDLE', `DSSE signature ${i} has no sig`, { input });
    return { keyid: typeof s.keyid === 'string' ? s.keyid : '', sig: Buffer.from(s.sig, 'base64') };
  });
  if (signatures.length === 0) throw new TrustError('BAD_BUNDLE', 'DSSE envelope has no signatures', { input });
  return { payloadType: doc.payloadType, payload: Buffer.from(doc.payload, 'base64'), signatures };
}

/** True when one of the envelope's signatures verifies with the key over the PAE. */
export function verifyEnvelope(key: KeyObject, env: Envelope): boolean {
  const pae = dsse.preAuthEncoding(env.payloadType, env.payload);
  return env.signatures.some((s) => verifyBytes(key, pae, s.sig));
}

/** Parses a statement and checks it is about `imageDigest` (cosign's IntotoSubjectClaimVerifier). */
export function checkStatement(env: Envelope, imageDigest: string, input: string): Statement {
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) throw new TrustError('BAD_BUNDLE', `DSSE payload type ${JSON.stringify(env.payloadType)} is not ${IN_TOTO_PAYLOAD_TYPE}`, { input });
  let doc: unknown;
  try {
    doc = JSON.parse(env.payload.toString('utf8'));
  } catch (e) {
    throw new TrustError('BAD_BUNDLE', `in-toto statement is not JSON: ${(e as Error).message}`, { input, cause: e });
  }
  if (!isRecord(doc) || typeof doc._type !== 'string' || !Array.isArray(doc.subject) || typeof doc.predicateType !== 'string') {
    throw new TrustError('BAD_BUNDLE', 'in-toto statement needs _type, subject and predicateType', { input });
  }
  const [algorithm, hex] = imageDigest.split(':') as [string, string];
  const matches = doc.subject.some((s) => isRecord(s) && isRecord(s.digest) && s.digest[algorithm] === hex);
  if (!matches) throw new TrustError('WRONG_DIGEST', `statement subjects do not include the image digest ${imageDigest}`, { input });
  return doc as unknown as Statement;
}

/** A bundle v0.3 holding a key-signed envelope, with no transparency-log entry (key-pair, offline). */
export function keyBundle(key: KeyObject, env: Envelope): unknown {
  return {
    mediaType: BUNDLE_V03_MEDIA_TYPE,
    verificationMaterial: { publicKey: { hint: publicKeyHint(key) }, tlogEntries: [], timestampVerificationData: { rfc3161Timestamps: [] } },
    dsseEnvelope: {
      payload: env.payload.toString('base64'),
      payloadType: env.payloadType,
      signatures: env.signatures.map((s) => ({ sig: s.sig.toString('base64'), keyid: s.keyid })),
    },
  };
}

/** The envelope of a DSSE bundle, after checking the bundle's shape with @sigstore/bundle. */
export function bundleEnvelope(bundle: unknown, input: string): Envelope {
  try {
    bundleFromJSON(bundle);
  } catch (e) {
    throw new TrustError('BAD_BUNDLE', `not a valid Sigstore bundle: ${(e as Error).message}`, { input, cause: e });
  }
  const env = isRecord(bundle) ? bundle.dsseEnvelope : undefined;
  if (!env) throw new TrustError('BAD_BUNDLE', 'bundle holds a message signature, not a DSSE envelope about the image', { input });
  return parseEnvelope(env, input);
}
