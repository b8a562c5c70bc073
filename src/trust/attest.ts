// Attestations: an in-toto v1 statement about the image digest with a typed predicate
// (SBOM, provenance, scan result, or any URI), signed in a DSSE envelope and stored as
// cosign stores it: a layer of the `.att` manifest, and/or a bundle v0.3 referrer.
// verify-attestation checks the signature, the subject, the type and a condition on the
// predicate: a JMESPath expression (Kyverno's dialect, from policy/) that must be truthy.
import { UsageError } from '../errors/index.js';
import { parseReference, type OpenOptions } from '../oci/index.js';
import { bundleEnvelope, createStatement, envelopeJson, IN_TOTO_PAYLOAD_TYPE, keyBundle, parseEnvelope, signEnvelope, type Envelope, type Statement } from './attest-dsse.js';
import { TrustError } from './errors.js';
import { createdAt, legacyAnnotationsFromBundle, signWithServices, witnessedSigner, type SignatureFormat, type Signer } from './image.js';
import { resolveTarget } from './image-target.js';
import { checkVerifier, isSignatureBundle, legacyToBundle, verifyDsse, type SignatureCheck, type Verifier } from './image-verify.js';
import { appendLegacyLayer, CosignAnnotations, CosignMediaTypes, pushReferrer, type ReferrerPath } from './oci-store.js';
import { readBundles, readLegacy } from './oci-store-read.js';

/** cosign's short predicate names (`cosign attest --type`) and the URIs they stand for. */
export const PREDICATE_TYPES: Readonly<Record<string, string>> = {
  custom: 'https://cosign.sigstore.dev/attestation/v1',
  cyclonedx: 'https://cyclonedx.org/bom',
  spdx: 'https://spdx.dev/Document',
  spdxjson: 'https://spdx.dev/Document',
  slsaprovenance: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance02: 'https://slsa.dev/provenance/v0.2',
  slsaprovenance1: 'https://slsa.dev/provenance/v1',
  vuln: 'https://cosign.sigstore.dev/attestation/vuln/v1',
  openvex: 'https://openvex.dev/ns',
};

/** A short name or a URI (with a scheme) → the predicate type URI. */
export function predicateTypeOf(type: string): string {
  const known = PREDICATE_TYPES[type];
  if (known) return known;
  if (/^[a-z][a-z0-9+.-]*:\S+$/i.test(type)) return type;
  throw new UsageError('BAD_FLAG', `unknown predicate type ${JSON.stringify(type)}: want one of ${Object.keys(PREDICATE_TYPES).join(', ')} or a URI`, { input: '--type' });
}

export interface AttestOptions extends OpenOptions, Signer {
  format?: SignatureFormat;
  resolve?: boolean;
  now?: Date;
}

export interface AttestResult {
  reference: string;
  /** `registry/repository`, for printing `repository@digest`. */
  repository: string;
  digest: string;
  predicateType: string;
  resolvedFromTag: boolean;
  legacy?: { tag: string; manifestDigest: string; appended: boolean };
  bundle?: { manifestDigest: string; path: ReferrerPath };
}

/** Signs a statement about `ref` with `predicate` and stores it (`.att` layer and/or referrer). */
export async function attestImage(ref: string, predicate: unknown, type: string, opts: AttestOptions): Promise<AttestResult> {
  if (!opts.key === !opts.keyless) throw new TrustError('BAD_KEY', 'attest with exactly one of a key or an identity token');
  const predicateType = predicateTypeOf(type);
  const format = opts.format ?? 'both';
  const target = await resolveTarget(ref, { ...opts, requireDigest: true, allowTag: opts.resolve });
  if (!target.registry) throw new TrustError('BAD_BUNDLE', 'attestations can only be written to a registry', { input: target.name });
  const { client, repo } = target.registry;
  const statement = createStatement(target.digest, predicateType, predicate, target.subjectName);
  const sign = async (): Promise<{ env: Envelope; bundle: unknown }> => {
    if (opts.key && !witnessedSigner(opts)) {
      const env = signEnvelope(opts.key, IN_TOTO_PAYLOAD_TYPE, statement);
      return { env, bundle: keyBundle(opts.key, env) };
    }
    const bundle = await signWithServices(opts, { dsse: { payloadType: IN_TOTO_PAYLOAD_TYPE, payload: statement } });
    return { env: bundleEnvelope(bundle, target.name), bundle };
  };
  const result: AttestResult = { reference: target.name, repository: target.subjectName, digest: target.digest, predicateType, resolvedFromTag: target.resolvedFromTag };
  if (format !== 'bundle') {
    const { env, bundle } = await sign();
    // cosign leaves the signature annotation empty for attestations: the signature is in the envelope.
    const annotations: Record<string, string> = { ...(witnessedSigner(opts) ? legacyAnnotationsFromBundle(bundle) : {}), [CosignAnnotations.signature]: '' };
    annotations[CosignAnnotations.predicateType] = predicateType;
    result.legacy = await appendLegacyLayer(client, repo, target.digest, 'att', { mediaType: CosignMediaTypes.dsseEnvelope, payload: envelopeJson(env), annotations });
  }
  if (format !== 'legacy') {
    const { bundle } = await sign();
    const annotations = {
      [CosignAnnotations.bundleContent]: 'dsse-envelope',
      [CosignAnnotations.bundlePredicateType]: predicateType,
      [CosignAnnotations.created]: createdAt(opts.now),
    };
    result.bundle = await pushReferrer(client, repo, target.descriptor, Buffer.from(JSON.stringify(bundle)), annotations);
  }
  return result;
}

/**
 * For `sbom --attest` and `image --attest`: attach a predicate to the image that was
 * scanned. Pass the digest that was read (ImageSource.indexDigest ?? manifestDigest) so the
 * attestation is about exactly that image, even if the tag has moved since.
 */
export async function attachAttestation(ref: string, predicate: unknown, type: string, opts: AttestOptions & { digest?: string }): Promise<AttestResult> {
  let pinned = ref;
  if (opts.digest) {
    const r = parseReference(ref);
    pinned = `${r.registry}/${r.repository}@${opts.digest}`;
  }
  return attestImage(pinned, predicate, type, { ...opts, resolve: opts.resolve ?? true });
}

export interface VerifyAttestationOptions extends OpenOptions, Verifier {
  /** Short name or URI; only attestations of this type count. */
  type?: string;
  /** A JMESPath expression over the predicate that must be truthy (false, null, "", [] and {} are not). */
  condition?: string;
}

export interface AttestationCheck extends SignatureCheck {
  predicateType?: string;
  /** The verified statement (present only when the signature verified). */
  statement?: Statement;
}

export interface AttestationVerification {
  reference: string;
  digest: string;
  verified: boolean;
  attestations: AttestationCheck[];
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Verifies `ref`'s attestations (referrers first, then `.att`) of the wanted type, and the condition. */
export async function verifyAttestations(ref: string, opts: VerifyAttestationOptions): Promise<AttestationVerification> {
  checkVerifier(opts);
  const wanted = opts.type === undefined ? undefined : predicateTypeOf(opts.type);
  const policy = opts.condition === undefined ? undefined : await import('../policy/index.js');
  if (policy && opts.condition !== undefined) policy.checkExpression(opts.condition);
  const target = await resolveTarget(ref, opts);
  const candidates: Array<{ format: 'legacy' | 'bundle'; location: string; claimedType?: string; load(): Envelope; bundle?: unknown }> = [];
  for (const b of await readBundles(target.reader, target.digest)) {
    if (isSignatureBundle(b)) continue;
    candidates.push({
      format: 'bundle', location: b.location, claimedType: b.annotations[CosignAnnotations.bundlePredicateType], bundle: b.bundle,
      load: () => {
        if (b.problem) throw b.problem;
        return bundleEnvelope(b.bundle, b.location);
      },
    });
  }
  for (const l of await readLegacy(target.reader, target.digest, 'att')) {
    const location = `${l.location}#${l.index}`;
    const c: (typeof candidates)[number] = {
      format: 'legacy', location, claimedType: l.annotations[CosignAnnotations.predicateType],
      load: () => {
        if (l.problem) throw l.problem;
        let doc: unknown;
        try {
          doc = JSON.parse((l.payload as Buffer).toString('utf8'));
        } catch (e) {
          throw new TrustError('BAD_BUNDLE', `DSSE envelope is not JSON: ${(e as Error).message}`, { input: location, cause: e });
        }
        const env = parseEnvelope(doc, location);
        // Keyless: the certificate and Rekor bundle annotations around the envelope make a bundle.
        if (!opts.key) c.bundle = legacyToBundle(l.annotations, { dsseEnvelope: doc }, location);
        return env;
      },
    };
    candidates.push(c);
  }
  const attestations: AttestationCheck[] = [];
  for (const c of candidates) {
    const base = { format: c.format, location: c.location };
    try {
      const env = c.load();
      const { statement, check } = verifyDsse(env, c.bundle, opts, target.digest, c.location);
      if (wanted && statement.predicateType !== wanted) continue;
      const out: AttestationCheck = { ...base, ...check, verified: true, predicateType: statement.predicateType, statement };
      if (policy && opts.condition !== undefined) {
        const root = typeof statement.predicate === 'object' && statement.predicate !== null && !Array.isArray(statement.predicate) ? (statement.predicate as Record<string, unknown>) : {};
        const ctx: import('../policy/index.js').VariableContext = { root, now: new Date(), with: () => ctx };
        if (!truthy(policy.search(opts.condition, ctx, 'nil'))) {
          Object.assign(out, { verified: false, code: 'UNTRUSTED', reason: `condition ${JSON.stringify(opts.condition)} is not satisfied by the predicate` });
        }
      }
      attestations.push(out);
    } catch (e) {
      if (!(e instanceof TrustError)) throw e;
      if (wanted && c.claimedType !== undefined && c.claimedType !== wanted) continue;
      attestations.push({ ...base, verified: false, code: e.code, reason: e.message, ...(c.claimedType ? { predicateType: c.claimedType } : {}) });
    }
  }
  return { reference: target.name, digest: target.digest, verified: attestations.some((a) => a.verified), attestations };
}
