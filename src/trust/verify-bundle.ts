import { createHash, type KeyObject } from 'node:crypto';
import {
  BUNDLE_V01_MEDIA_TYPE,
  BUNDLE_V02_MEDIA_TYPE,
  BUNDLE_V03_LEGACY_MEDIA_TYPE,
  BUNDLE_V03_MEDIA_TYPE,
  bundleFromJSON,
  ValidationError,
  type Bundle,
} from '@sigstore/bundle';
import { X509Certificate } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { PolicyError, toSignedEntity, toTrustMaterial, VerificationError, Verifier, type SignedEntity, type TrustMaterial } from '@sigstore/verify';
import { TrustError, type TrustErrorCode } from './errors.js';
import { parseTrustedRoot } from './trusted-root.js';

/**
 * Who may have signed. `subject`/`issuer` match exactly; the RegExp forms are JavaScript
 * regular expressions matched unanchored, as cosign's `--certificate-identity-regexp` is
 * (anchor them with ^…$ to pin them). A keyless bundle needs a subject and an issuer rule.
 */
export interface IdentityPolicy {
  subject?: string;
  subjectRegExp?: string;
  issuer?: string;
  issuerRegExp?: string;
}

/** The artifact a bundle is over: its bytes, or its digest `sha256:<hex>` (DSSE bundles only). */
export type BundleArtifact = Buffer | { digest: string } | undefined;

export interface VerifyBundleOptions {
  /** trusted_root.json content (see loadTrustedRoot); needed unless a key bundle is checked with ignoreTlog. */
  trustedRoot?: unknown;
  /** Verify a key-signed bundle with this public key (cosign `--key`). */
  publicKey?: KeyObject;
  /** Required for certificate (keyless) bundles. */
  identity?: IdentityPolicy;
  /** Do not require or check transparency-log entries (cosign `--insecure-ignore-tlog`). */
  ignoreTlog?: boolean;
  /** The time a certificate is checked at when the bundle carries no log or timestamp time; defaults to now. */
  now?: Date;
}

export interface VerifiedSigner {
  signer: { subject?: string; issuer?: string; key?: boolean };
  /** When the transparency log integrated the entry (from the log's signed promise). */
  integratedTime?: Date;
  tlogIndex?: string;
  /** When a timestamp authority countersigned the signature (RFC 3161), if one did. */
  timestampAuthorityTime?: Date;
}

export const BUNDLE_MEDIA_TYPES = [BUNDLE_V01_MEDIA_TYPE, BUNDLE_V02_MEDIA_TYPE, BUNDLE_V03_LEGACY_MEDIA_TYPE, BUNDLE_V03_MEDIA_TYPE] as const;
const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parse a Sigstore bundle (v0.1–v0.3) from JSON text or a parsed object; anything else is BAD_BUNDLE. */
export function parseBundle(input: unknown, name?: string): Bundle {
  let doc = input;
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    try {
      doc = JSON.parse(input.toString());
    } catch (e) {
      throw new TrustError('BAD_BUNDLE', `bundle is not JSON: ${(e as Error).message}`, { input: name });
    }
  }
  if (!isRecord(doc)) throw new TrustError('BAD_BUNDLE', 'bundle is not a JSON object', { input: name });
  if (!(BUNDLE_MEDIA_TYPES as readonly unknown[]).includes(doc.mediaType)) {
    throw new TrustError('BAD_BUNDLE', `unsupported bundle mediaType ${JSON.stringify(doc.mediaType)}: want a Sigstore bundle v0.1, v0.2 or v0.3`, { input: name });
  }
  try {
    return bundleFromJSON(doc);
  } catch (e) {
    const detail = e instanceof ValidationError ? `missing or invalid ${e.fields.join(', ')}` : (e as Error).message;
    throw new TrustError('BAD_BUNDLE', `malformed Sigstore bundle: ${detail}`, { input: name, cause: e });
  }
}

// Converting a trusted root to trust material parses every certificate and key; do it once per root.
const materialCache = new WeakMap<object, TrustMaterial>();

function trustMaterialFor(root: unknown): TrustMaterial {
  if (!isRecord(root)) throw new TrustError('BAD_TRUSTED_ROOT', 'trusted root is not a JSON object');
  const hit = materialCache.get(root);
  if (hit) return hit;
  parseTrustedRoot(root);
  let tm: TrustMaterial;
  try {
    tm = toTrustMaterial(TrustedRoot.fromJSON(root));
  } catch (e) {
    throw new TrustError('BAD_TRUSTED_ROOT', `trusted root has an unusable key or certificate: ${(e as Error).message}`, { cause: e });
  }
  materialCache.set(root, tm);
  return tm;
}

const EMPTY_MATERIAL: TrustMaterial = {
  certificateAuthorities: [],
  timestampAuthorities: [],
  tlogs: [],
  ctlogs: [],
  publicKey: () => {
    throw new VerificationError({ code: 'PUBLIC_KEY_ERROR', message: 'no public key given' });
  },
};

/** Map @sigstore/verify's failure codes onto ours, keeping its message as the reason. */
function toTrustError(e: unknown): TrustError {
  if (e instanceof TrustError) return e;
  if (e instanceof PolicyError) return new TrustError('IDENTITY_MISMATCH', e.message, { cause: e });
  if (e instanceof VerificationError) {
    const causeMsg = e.cause instanceof Error ? `: ${e.cause.message}` : '';
    const byCode: Record<string, TrustErrorCode> = {
      TLOG_ERROR: 'TLOG',
      TLOG_INCLUSION_PROOF_ERROR: 'TLOG',
      TLOG_INCLUSION_PROMISE_ERROR: 'TLOG',
      TLOG_MISSING_INCLUSION_ERROR: 'TLOG',
      TLOG_BODY_ERROR: 'TLOG',
      CERTIFICATE_ERROR: 'UNTRUSTED',
      PUBLIC_KEY_ERROR: 'UNTRUSTED',
      TIMESTAMP_ERROR: 'UNTRUSTED',
      SIGNATURE_ERROR: 'BAD_SIGNATURE',
      NOT_IMPLEMENTED_ERROR: 'BAD_BUNDLE',
    };
    let code = byCode[e.code] ?? 'UNTRUSTED';
    if (e.code === 'CERTIFICATE_ERROR' && /expired/.test(`${e.message}${causeMsg}`)) code = 'EXPIRED';
    const what: Record<TrustErrorCode, string> = {
      TLOG: 'transparency log entry does not verify',
      UNTRUSTED: 'not trusted by the trusted root',
      BAD_SIGNATURE: 'signature does not verify',
      EXPIRED: 'certificate not valid at the signing time',
      BAD_BUNDLE: 'unsupported bundle content',
    } as Record<TrustErrorCode, string>;
    return new TrustError(code, `${what[code]} (${e.message}${causeMsg})`, { cause: e });
  }
  return new TrustError('BAD_BUNDLE', `bundle could not be verified: ${(e as Error).message}`, { cause: e });
}

function sha256Hex(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

function parseDigest(d: string): { alg: string; hex: string } {
  const m = /^(sha256|sha384|sha512):([0-9a-f]+)$/.exec(d);
  if (!m) throw new TrustError('WRONG_DIGEST', `artifact digest "${d}" is not <algorithm>:<hex>`, { input: d });
  return { alg: m[1], hex: m[2] };
}

/** Check the bundle's content is about this artifact: the message digest, or the in-toto subject. */
function checkArtifact(bundle: Bundle, artifact: BundleArtifact): void {
  const content = bundle.content;
  if (content.$case === 'messageSignature') {
    if (!Buffer.isBuffer(artifact)) {
      throw new TrustError('BAD_BUNDLE', 'a message-signature bundle is verified over the artifact bytes, not a digest');
    }
    const want = Buffer.from(content.messageSignature.messageDigest.digest).toString('hex');
    const got = sha256Hex(artifact);
    if (want !== got) throw new TrustError('WRONG_DIGEST', `artifact sha256:${got} does not match the bundle's message digest sha256:${want}`);
    return;
  }
  if (artifact === undefined) return;
  const env = content.dsseEnvelope;
  const want = Buffer.isBuffer(artifact) ? { alg: 'sha256', hex: sha256Hex(artifact) } : parseDigest(artifact.digest);
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
    // Not a statement: the payload itself is what was signed.
    const hex = createHash(want.alg).update(env.payload).digest('hex');
    if (hex !== want.hex) throw new TrustError('WRONG_DIGEST', `artifact ${want.alg}:${want.hex} is not the DSSE payload (${want.alg}:${hex})`);
    return;
  }
  let statement: unknown;
  try {
    statement = JSON.parse(Buffer.from(env.payload).toString('utf8'));
  } catch {
    throw new TrustError('BAD_BUNDLE', 'DSSE payload claims to be an in-toto statement but is not JSON');
  }
  const subjects = isRecord(statement) && Array.isArray(statement.subject) ? statement.subject : [];
  const found = subjects.some((s) => isRecord(s) && isRecord(s.digest) && s.digest[want.alg] === want.hex);
  // cosign's IntotoSubjectClaimVerifier does the same check; @sigstore/verify leaves it to callers.
  if (!found) throw new TrustError('WRONG_DIGEST', `artifact ${want.alg}:${want.hex} does not match any subject digest in the in-toto statement`);
}

function compileRegExp(src: string, flag: string): RegExp {
  try {
    return new RegExp(src);
  } catch (e) {
    throw new TrustError('IDENTITY_MISMATCH', `invalid regular expression for ${flag}: ${(e as Error).message}`, { input: src, exitCode: 2 });
  }
}

function checkIdentity(policy: IdentityPolicy | undefined, subject: string | undefined, issuer: string | undefined): void {
  const p = policy ?? {};
  if ((p.subject === undefined && p.subjectRegExp === undefined) || (p.issuer === undefined && p.issuerRegExp === undefined)) {
    // cosign refuses too: a Fulcio certificate alone says only that *someone* signed.
    throw new TrustError('IDENTITY_MISMATCH', 'keyless bundle needs an identity policy: a certificate identity (or regexp) and an OIDC issuer (or regexp)', {
      exitCode: 2,
    });
  }
  const subjOk = p.subject !== undefined ? subject === p.subject : subject !== undefined && compileRegExp(p.subjectRegExp ?? '', '--certificate-identity-regexp').test(subject);
  if (!subjOk) {
    throw new TrustError('IDENTITY_MISMATCH', `certificate identity ${JSON.stringify(subject ?? null)} does not match ${p.subject !== undefined ? JSON.stringify(p.subject) : `/${p.subjectRegExp}/`}`);
  }
  const issOk = p.issuer !== undefined ? issuer === p.issuer : issuer !== undefined && compileRegExp(p.issuerRegExp ?? '', '--certificate-oidc-issuer-regexp').test(issuer);
  if (!issOk) {
    throw new TrustError('IDENTITY_MISMATCH', `certificate OIDC issuer ${JSON.stringify(issuer ?? null)} does not match ${p.issuer !== undefined ? JSON.stringify(p.issuer) : `/${p.issuerRegExp}/`}`);
  }
}

/** Before handing over to @sigstore/verify, name the common misconfigurations in plain words. */
function precheckTrust(bundle: Bundle, entity: SignedEntity, tm: TrustMaterial, opts: VerifyBundleOptions): void {
  if (!opts.ignoreTlog) {
    if (bundle.verificationMaterial.tlogEntries.length === 0) {
      throw new TrustError('TLOG', 'bundle has no transparency log entry (it was signed without tlog upload); verify with --insecure-ignore-tlog only if that was intended');
    }
    for (const e of bundle.verificationMaterial.tlogEntries) {
      const id = Buffer.from(e.logId.keyId);
      if (!tm.tlogs.some((t) => t.logID.equals(id))) {
        throw new TrustError('TLOG', `the trusted root has no transparency log with ID ${id.toString('base64')}, which logged this bundle (entry ${e.logIndex})`);
      }
    }
  }
  const key = entity.key;
  if (key.$case === 'certificate' && entity.timestamps.length === 0) {
    // With no log or timestamp-authority time, the only time to check the certificate at is now.
    const now = opts.now ?? new Date();
    const cert = key.certificate;
    if (now > cert.notAfter) {
      throw new TrustError('EXPIRED', `certificate expired at ${cert.notAfter.toISOString()} and the bundle has no transparency-log or timestamp-authority time proving it was used before then`);
    }
    if (now < cert.notBefore) throw new TrustError('EXPIRED', `certificate is not valid before ${cert.notBefore.toISOString()}`);
    throw new TrustError('TLOG', 'keyless bundle has neither a transparency-log entry nor an RFC 3161 timestamp, so when it was signed cannot be proven');
  }
}

/** Verify a Sigstore bundle (v0.1–v0.3) over an artifact (bytes or digest) against trust material, offline. */
export function verifyBundle(bundleInput: unknown, artifact: BundleArtifact, opts: VerifyBundleOptions): VerifiedSigner {
  const bundle = parseBundle(bundleInput);
  const vm = bundle.verificationMaterial.content;
  const keyed = vm.$case === 'publicKey';
  if (keyed && !opts.publicKey) throw new TrustError('UNTRUSTED', `bundle is signed with a key (hint ${JSON.stringify(vm.publicKey.hint)}): pass the public key`, { exitCode: 2 });
  if (!keyed && opts.publicKey) throw new TrustError('UNTRUSTED', 'bundle is signed with a certificate, not a key: verify it with a certificate identity and issuer', { exitCode: 2 });
  checkArtifact(bundle, artifact);

  if (opts.trustedRoot === undefined && !(keyed && opts.ignoreTlog)) {
    throw new TrustError('BAD_TRUSTED_ROOT', 'no trusted root given: needed to check the transparency log, timestamps and certificate chain');
  }
  const base = opts.trustedRoot === undefined ? EMPTY_MATERIAL : trustMaterialFor(opts.trustedRoot);
  const publicKey = opts.publicKey;
  // cosign's --key ignores the bundle's key hint: the key the user names is the one that counts.
  const tm: TrustMaterial = publicKey ? { ...base, publicKey: () => ({ publicKey, validFor: () => true }) } : base;

  let entity: SignedEntity;
  try {
    entity = toSignedEntity(bundle, Buffer.isBuffer(artifact) ? artifact : undefined);
  } catch (e) {
    throw new TrustError('BAD_BUNDLE', `bundle verification material is unreadable: ${(e as Error).message}`, { cause: e });
  }
  if (opts.ignoreTlog) {
    entity = { ...entity, tlogEntries: [], timestamps: entity.timestamps.filter((t) => t.$case === 'timestamp-authority') };
  }
  precheckTrust(bundle, entity, tm, opts);

  const verifier = new Verifier(tm, {
    tlogThreshold: opts.ignoreTlog ? 0 : 1,
    ctlogThreshold: keyed ? 0 : 1,
    timestampThreshold: keyed && entity.timestamps.length === 0 ? 0 : 1,
  });
  let signer;
  try {
    signer = verifier.verify(entity);
  } catch (e) {
    throw toTrustError(e);
  }

  let subject: string | undefined;
  let issuer: string | undefined;
  if (!keyed) {
    subject = signer.identity?.subjectAlternativeName;
    issuer = signer.identity?.extensions?.issuer;
    checkIdentity(opts.identity, subject, issuer);
  }

  const logged = entity.tlogEntries.find((e) => e.integratedTime && e.integratedTime !== '0');
  const tsa = entity.timestamps.find((t) => t.$case === 'timestamp-authority');
  return {
    signer: keyed ? { key: true } : { subject, issuer },
    ...(logged ? { integratedTime: new Date(Number(logged.integratedTime) * 1000), tlogIndex: logged.logIndex } : {}),
    ...(!logged && entity.tlogEntries[0] ? { tlogIndex: entity.tlogEntries[0].logIndex } : {}),
    ...(tsa && tsa.$case === 'timestamp-authority' ? { timestampAuthorityTime: tsa.timestamp.signingTime } : {}),
  };
}

/** The leaf certificate of a keyless bundle, for display (`undefined` for key bundles). */
export function bundleCertificate(bundleInput: unknown): X509Certificate | undefined {
  const vm = parseBundle(bundleInput).verificationMaterial.content;
  if (vm.$case === 'certificate') return X509Certificate.parse(Buffer.from(vm.certificate.rawBytes));
  if (vm.$case === 'x509CertificateChain') return X509Certificate.parse(Buffer.from(vm.x509CertificateChain.certificates[0].rawBytes));
  return undefined;
}
