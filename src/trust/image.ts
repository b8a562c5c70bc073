// Signing an image by digest, stored as cosign stores it: a simple-signing layer in the
// legacy `.sig` manifest, and/or (cosign v3's format) a Sigstore bundle v0.3 around an
// in-toto sign/v1 statement, pushed as an OCI 1.1 referrer of the image.
import type { KeyObject } from 'node:crypto';
import type { OpenOptions } from '../oci/index.js';
import { COSIGN_SIGN_PREDICATE, createStatement, IN_TOTO_PAYLOAD_TYPE, keyBundle, signEnvelope } from './attest-dsse.js';
import { TrustError } from './errors.js';
import { resolveTarget, type ImageTarget } from './image-target.js';
import { signBytes } from './keys.js';
import { keySigner, type KeySignOptions } from './blob.js';
import { buildBundle, createWitnesses, signKeyless, type KeylessOptions, type KeylessPayload } from './keyless.js';
import { appendLegacyLayer, CosignAnnotations, CosignMediaTypes, pushReferrer, type ReferrerPath } from './oci-store.js';
import { createSimpleSigning } from './simple-signing.js';

/** `legacy`: the `.sig` tag (cosign v1/v2); `bundle`: the referrer (cosign v3); `both` (default) for either verifier. */
export type SignatureFormat = 'legacy' | 'bundle' | 'both';

export interface Signer {
  /** Key-pair signing. */
  key?: KeyObject;
  /** With a key: upload to this Rekor (cosign does by default); without, nothing is logged. */
  keyTlog?: KeySignOptions;
  /** Keyless signing through Fulcio (and Rekor unless tlogUpload is false). */
  keyless?: KeylessOptions;
}

/** True when signing goes through Sigstore services (keyless, or a key witnessed by Rekor/TSA). */
function witnessed(s: Signer): boolean {
  return !!s.keyless || (!!s.keyTlog && ((!!s.keyTlog.rekorURL && s.keyTlog.tlogUpload !== false) || !!s.keyTlog.tsaURL));
}

/** A bundle over `data` from the Sigstore services: keyless, or key-signed and witnessed. */
export async function signWithServices(s: Signer, data: KeylessPayload): Promise<unknown> {
  if (s.keyless) return signKeyless(data, s.keyless);
  return buildBundle(data, keySigner(s.key as KeyObject), createWitnesses(s.keyTlog ?? {}));
}

export interface SignImageOptions extends OpenOptions, Signer {
  format?: SignatureFormat;
  /** Sign what a tag-only reference resolves to (otherwise refused). */
  resolve?: boolean;
  /** cosign `-a key=value`: simple-signing `optional`, and the statement subject's annotations. */
  annotations?: Record<string, string>;
  /** `org.opencontainers.image.created` of the referrer (default: SOURCE_DATE_EPOCH, else now). */
  now?: Date;
}

export interface SignImageResult {
  /** The reference as named, normalized. */
  reference: string;
  /** `registry/repository`, for printing `repository@digest`. */
  repository: string;
  /** The digest signed. */
  digest: string;
  resolvedFromTag: boolean;
  legacy?: { tag: string; manifestDigest: string; appended: boolean };
  bundle?: { manifestDigest: string; path: ReferrerPath };
}

export function createdAt(now?: Date): string {
  const epoch = process.env.SOURCE_DATE_EPOCH;
  const when = now ?? (epoch && /^\d+$/.test(epoch) ? new Date(Number(epoch) * 1000) : new Date());
  return when.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function witnessedSigner(s: Signer): boolean {
  return witnessed(s);
}

function checkSigner(s: Signer): void {
  if (!s.key === !s.keyless) throw new TrustError('BAD_KEY', 'sign with exactly one of a key or an identity token');
}

function writableTarget(t: ImageTarget): NonNullable<ImageTarget['registry']> {
  if (!t.registry) throw new TrustError('BAD_BUNDLE', 'signatures can only be written to a registry (oci: layouts are read-only here)', { input: t.name });
  return t.registry;
}

function b64(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** A keyless messageSignature bundle → cosign's legacy layer annotations (signature, certificate, Rekor bundle). */
export function legacyAnnotationsFromBundle(bundle: unknown): Record<string, string> {
  const b = bundle as {
    messageSignature?: { signature?: string };
    verificationMaterial?: {
      certificate?: { rawBytes?: string };
      x509CertificateChain?: { certificates?: Array<{ rawBytes?: string }> };
      tlogEntries?: Array<{ logIndex?: string; logId?: { keyId?: string }; integratedTime?: string; inclusionPromise?: { signedEntryTimestamp?: string }; canonicalizedBody?: string }>;
    };
  };
  const pem = (der: string) => `-----BEGIN CERTIFICATE-----\n${(der.match(/.{1,64}/g) ?? []).join('\n')}\n-----END CERTIFICATE-----\n`;
  const vm = b.verificationMaterial ?? {};
  const certs = vm.certificate?.rawBytes ? [vm.certificate.rawBytes] : (vm.x509CertificateChain?.certificates ?? []).map((c) => b64(c.rawBytes));
  const out: Record<string, string> = { [CosignAnnotations.signature]: b64(b.messageSignature?.signature) };
  if (certs[0]) out[CosignAnnotations.certificate] = pem(certs[0]);
  if (certs.length > 1) out[CosignAnnotations.chain] = certs.slice(1).map(pem).join('');
  const e = vm.tlogEntries?.[0];
  if (e?.inclusionPromise?.signedEntryTimestamp && e.canonicalizedBody && e.logId?.keyId) {
    // Go's json.Marshal of bundle.RekorBundle: field order as declared, numbers unquoted.
    const payload = `{"body":${JSON.stringify(e.canonicalizedBody)},"integratedTime":${Number(e.integratedTime)},"logIndex":${Number(e.logIndex)},"logID":${JSON.stringify(Buffer.from(e.logId.keyId, 'base64').toString('hex'))}}`;
    out[CosignAnnotations.bundle] = `{"SignedEntryTimestamp":${JSON.stringify(e.inclusionPromise.signedEntryTimestamp)},"Payload":${payload}}`;
  }
  return out;
}

/** Signs `ref` (REF@DIGEST, or a tag with `resolve`) and stores the signature in its repository. */
export async function signImage(ref: string, opts: SignImageOptions): Promise<SignImageResult> {
  checkSigner(opts);
  const format = opts.format ?? 'both';
  const target = await resolveTarget(ref, { ...opts, requireDigest: true, allowTag: opts.resolve });
  const { client, repo } = writableTarget(target);
  const result: SignImageResult = { reference: target.name, repository: target.subjectName, digest: target.digest, resolvedFromTag: target.resolvedFromTag };

  if (format !== 'bundle') {
    const payload = createSimpleSigning(target.dockerReference, target.digest, opts.annotations);
    const annotations = witnessed(opts)
      ? legacyAnnotationsFromBundle(await signWithServices(opts, payload))
      : { [CosignAnnotations.signature]: signBytes(opts.key as KeyObject, payload).toString('base64') };
    result.legacy = await appendLegacyLayer(client, repo, target.digest, 'sig', { mediaType: CosignMediaTypes.simpleSigning, payload, annotations });
  }
  if (format !== 'legacy') {
    const predicate = {};
    const statement = createStatement(target.digest, COSIGN_SIGN_PREDICATE, predicate);
    const bundle = witnessed(opts)
      ? await signWithServices(opts, { dsse: { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: statement } })
      : keyBundle(opts.key as KeyObject, signEnvelope(opts.key as KeyObject, IN_TOTO_PAYLOAD_TYPE, statement));
    const annotations = {
      [CosignAnnotations.bundleContent]: 'dsse-envelope',
      [CosignAnnotations.bundlePredicateType]: COSIGN_SIGN_PREDICATE,
      [CosignAnnotations.created]: createdAt(opts.now),
    };
    result.bundle = await pushReferrer(client, repo, target.descriptor, Buffer.from(JSON.stringify(bundle)), annotations);
  }
  return result;
}
