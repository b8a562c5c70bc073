/**
 * verifyImages rules (Kyverno api/kyverno/v1 image_verification_types.go), checked field by
 * field and normalized once: deprecated `image`/`key`/`subject`/`issuer` converted, several PEM
 * keys in one `publicKeys` split into one entry each (ExpandStaticKeys), counts defaulted, and a
 * `verificationKey` naming exactly what the signature checks depend on, so two rules (or two
 * requests) asking the same question about one digest share one verification.
 */
import type { FailureAction } from '../types.js';
import { compileConditions, parseAction } from './checks.js';
import type { Checker, Json } from './checks.js';
import type { CompiledConditions } from './conditions.js';

export interface RekorSpec {
  readonly url?: string;
  readonly pubkey?: string;
  readonly ignoreTlog: boolean;
}

export interface CtlogSpec {
  readonly pubkey?: string;
  readonly ignoreSCT: boolean;
  readonly tsaCertChain?: string;
}

/** One attestor entry; `path` is Kyverno's (`.attestors[0].entries[1].keys`) for messages. */
export type AttestorSpec =
  | { readonly kind: 'key'; readonly path: string; readonly publicKey: string; readonly rekor?: RekorSpec; readonly ctlog?: CtlogSpec; readonly unsupported?: string }
  | {
      readonly kind: 'keyless';
      readonly path: string;
      readonly subject?: string;
      readonly subjectRegExp?: string;
      readonly issuer?: string;
      readonly issuerRegExp?: string;
      readonly roots?: string;
      readonly rekor?: RekorSpec;
      readonly ctlog?: CtlogSpec;
      readonly unsupported?: string;
    }
  | { readonly kind: 'nested'; readonly path: string; readonly set: AttestorSetSpec }
  /** Certificates, KMS and Secret keys: accepted, answered with an error naming the feature. */
  | { readonly kind: 'unsupported'; readonly path: string; readonly unsupported: string };

export interface AttestorSetSpec {
  /** Entries that must verify: `count`, or all of them. */
  readonly required: number;
  readonly entries: readonly AttestorSpec[];
}

export interface AttestationSpec {
  readonly path: string;
  /** `type`, or the deprecated `predicateType`: compared with the statement's predicateType. */
  readonly predicateType: string;
  readonly attestors: readonly AttestorSetSpec[];
  /** AnyAllConditions blocks, all of which must hold for every statement of the type. */
  readonly conditions: readonly CompiledConditions[];
}

export interface CompiledImageVerification {
  readonly index: number;
  readonly type: 'Cosign' | 'SigstoreBundle' | 'Notary';
  readonly imageReferences: readonly string[];
  readonly skipImageReferences: readonly string[];
  readonly attestors: readonly AttestorSetSpec[];
  readonly attestations: readonly AttestationSpec[];
  readonly required: boolean;
  readonly verifyDigest: boolean;
  readonly mutateDigest: boolean;
  readonly useCache: boolean;
  readonly failureAction: FailureAction | undefined;
  readonly allowInsecureRegistry: boolean;
  /** imageRegistryCredentials.secrets: extra pull secrets (in the configured namespace). */
  readonly credentialSecrets: readonly string[];
  /** Rule-level features this engine does not evaluate (Notary, repository, annotations…). */
  readonly unsupported: readonly string[];
  /** Canonical JSON of what the signature and attestation checks depend on (not conditions). */
  readonly verificationKey: string;
}

const ENTRY_FIELDS = [
  'failureAction',
  'type',
  'image',
  'imageReferences',
  'skipImageReferences',
  'key',
  'roots',
  'subject',
  'issuer',
  'additionalExtensions',
  'attestors',
  'attestations',
  'annotations',
  'repository',
  'cosignOCI11',
  'mutateDigest',
  'verifyDigest',
  'validate',
  'required',
  'imageRegistryCredentials',
  'useCache',
];
const ATTESTOR_FIELDS = ['keys', 'certificates', 'keyless', 'attestor', 'annotations', 'repository', 'signatureAlgorithm'];
const KEYS_FIELDS = ['publicKeys', 'signatureAlgorithm', 'kms', 'secret', 'rekor', 'ctlog'];
const KEYLESS_FIELDS = ['rekor', 'ctlog', 'issuer', 'issuerRegExp', 'subject', 'subjectRegExp', 'roots', 'additionalExtensions'];
const CERT_FIELDS = ['cert', 'certChain', 'rekor', 'ctlog'];
const REKOR_FIELDS = ['url', 'pubkey', 'ignoreTlog'];
const CTLOG_FIELDS = ['ignoreSCT', 'pubkey', 'tsaCertChain'];
const ATTESTATION_FIELDS = ['name', 'predicateType', 'type', 'attestors', 'conditions'];
const PEM_KEY_END = '-----END PUBLIC KEY-----';
/** Nested attestors deeper than this are refused (a policy is untrusted input). */
const MAX_NESTING = 8;

function isMap(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function optString(c: Checker, m: Json, key: string, path: string): string | undefined {
  const v = m[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw c.fail(`${path}.${key}`, 'expected a string');
  return v;
}

function optBool(c: Checker, m: Json, key: string, path: string, dflt: boolean): boolean {
  const v = m[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw c.fail(`${path}.${key}`, 'expected a boolean');
  return v;
}

function stringList(c: Checker, v: unknown, path: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw c.fail(path, 'expected a list of strings');
  return v as string[];
}

function compileRekor(c: Checker, v: unknown, path: string): RekorSpec | undefined {
  if (v === undefined || v === null) return undefined;
  const m = c.map(v, path);
  c.known(m, REKOR_FIELDS, path);
  const url = optString(c, m, 'url', path);
  const pubkey = optString(c, m, 'pubkey', path);
  return { ...(url ? { url } : {}), ...(pubkey ? { pubkey } : {}), ignoreTlog: optBool(c, m, 'ignoreTlog', path, false) };
}

function compileCtlog(c: Checker, v: unknown, path: string): CtlogSpec | undefined {
  if (v === undefined || v === null) return undefined;
  const m = c.map(v, path);
  c.known(m, CTLOG_FIELDS, path);
  const pubkey = optString(c, m, 'pubkey', path);
  const tsaCertChain = optString(c, m, 'tsaCertChain', path);
  return { ...(pubkey ? { pubkey } : {}), ...(tsaCertChain ? { tsaCertChain } : {}), ignoreSCT: optBool(c, m, 'ignoreSCT', path, false) };
}

/** `publicKeys` holding several PEM keys: one entry per key, as Kyverno's splitPEM does. */
export function splitPublicKeys(pem: string): string[] {
  if (!pem.includes(PEM_KEY_END)) return [pem];
  const parts = pem.split(PEM_KEY_END);
  return parts.slice(0, -1).map((p) => `${p.trim()}\n${PEM_KEY_END}\n`);
}

function compileAttestor(c: Checker, raw: unknown, path: string, kyvernoPath: string, depth: number): AttestorSpec[] {
  const a = c.map(raw, path);
  c.known(a, ATTESTOR_FIELDS, path);
  const kinds = ['keys', 'certificates', 'keyless', 'attestor'].filter((k) => a[k] !== undefined && a[k] !== null);
  if (kinds.length !== 1) throw c.fail(path, 'keys, certificates, keyless, or a nested attestor is required (exactly one)');
  // Fields that change where or what is checked; not evaluated here, so never silently ignored.
  const extra: string[] = [];
  if (a.repository !== undefined && a.repository !== '') extra.push('attestor repository');
  if (isMap(a.annotations) && Object.keys(a.annotations).length > 0) extra.push('attestor annotations');
  const unsupported = extra.length > 0 ? extra.join(', ') : undefined;
  if (kinds[0] === 'keys') {
    const p = `${path}.keys`;
    const k = c.map(a.keys, p);
    c.known(k, KEYS_FIELDS, p);
    const publicKeys = optString(c, k, 'publicKeys', p);
    const algorithm = optString(c, k, 'signatureAlgorithm', p) ?? optString(c, a, 'signatureAlgorithm', path);
    if (algorithm !== undefined && algorithm !== 'sha256' && algorithm !== 'sha512') throw c.fail(`${p}.signatureAlgorithm`, 'Invalid signature algorithm provided (sha256 or sha512)');
    const rekor = compileRekor(c, k.rekor, `${p}.rekor`);
    const ctlog = compileCtlog(c, k.ctlog, `${p}.ctlog`);
    if (publicKeys === undefined || publicKeys.trim() === '') {
      if (k.kms === undefined && k.secret === undefined) throw c.fail(p, 'A public key, kms key or secret is required');
      return [{ kind: 'unsupported', path: `${kyvernoPath}.keys`, unsupported: k.kms !== undefined ? 'keys.kms' : 'keys.secret' }];
    }
    return splitPublicKeys(publicKeys).map((publicKey) => ({
      kind: 'key' as const,
      path: `${kyvernoPath}.keys`,
      publicKey,
      ...(rekor ? { rekor } : {}),
      ...(ctlog ? { ctlog } : {}),
      ...(unsupported ? { unsupported } : {}),
    }));
  }
  if (kinds[0] === 'keyless') {
    const p = `${path}.keyless`;
    const k = c.map(a.keyless, p);
    c.known(k, KEYLESS_FIELDS, p);
    const fields = ['subject', 'subjectRegExp', 'issuer', 'issuerRegExp', 'roots'] as const;
    const out: Record<string, string> = {};
    for (const f of fields) {
      const v = optString(c, k, f, p);
      if (v !== undefined && v !== '') out[f] = v;
    }
    const rekor = compileRekor(c, k.rekor, `${p}.rekor`);
    const ctlog = compileCtlog(c, k.ctlog, `${p}.ctlog`);
    const ext = isMap(k.additionalExtensions) && Object.keys(k.additionalExtensions).length > 0 ? 'keyless.additionalExtensions' : undefined;
    const why = [unsupported, ext].filter((x) => x !== undefined).join(', ');
    return [{ kind: 'keyless', path: `${kyvernoPath}.keyless`, ...out, ...(rekor ? { rekor } : {}), ...(ctlog ? { ctlog } : {}), ...(why ? { unsupported: why } : {}) }];
  }
  if (kinds[0] === 'certificates') {
    const p = `${path}.certificates`;
    const k = c.map(a.certificates, p);
    c.known(k, CERT_FIELDS, p);
    if (!k.cert && !k.certChain) throw c.fail(p, 'cert or certChain required');
    return [{ kind: 'unsupported', path: `${kyvernoPath}.certificates`, unsupported: 'certificates' }];
  }
  if (depth >= MAX_NESTING) throw c.fail(`${path}.attestor`, `nested attestors deeper than ${MAX_NESTING} levels`);
  return [{ kind: 'nested', path: `${kyvernoPath}.attestor`, set: compileAttestorSet(c, a.attestor, `${path}.attestor`, `${kyvernoPath}.attestor`, depth + 1) }];
}

function compileAttestorSet(c: Checker, raw: unknown, path: string, kyvernoPath: string, depth = 0): AttestorSetSpec {
  const s = c.map(raw, path);
  c.known(s, ['count', 'entries'], path);
  if (!Array.isArray(s.entries) || s.entries.length === 0) throw c.fail(`${path}.entries`, 'An entry is required');
  // Expanded per entry; a multi-key entry keeps the Kyverno path of the entry it came from.
  const entries = s.entries.flatMap((e, i) => compileAttestor(c, e, `${path}.entries[${i}]`, `${kyvernoPath}.entries[${i}]`, depth));
  let required = entries.length;
  if (s.count !== undefined && s.count !== null) {
    if (typeof s.count !== 'number' || !Number.isInteger(s.count) || s.count < 0) throw c.fail(`${path}.count`, 'expected a positive integer');
    if (s.count > entries.length) throw c.fail(`${path}.count`, 'Count cannot exceed length of entries');
    if (s.count > 0) required = s.count;
  }
  return { required, entries };
}

function compileAttestorSets(c: Checker, raw: unknown, path: string, kyvernoPath: string): AttestorSetSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw c.fail(path, 'expected a list of attestor sets');
  return raw.map((s, i) => compileAttestorSet(c, s, `${path}[${i}]`, `${kyvernoPath}[${i}]`));
}

function compileAttestation(c: Checker, raw: unknown, path: string, kyvernoPath: string, ruleAttestors: AttestorSetSpec[]): AttestationSpec {
  const a = c.map(raw, path);
  c.known(a, ATTESTATION_FIELDS, path);
  const predicateType = optString(c, a, 'type', path) || optString(c, a, 'predicateType', path);
  if (!predicateType) throw c.fail(path, 'an attestation needs a type (or predicateType)');
  let attestors = compileAttestorSets(c, a.attestors, `${path}.attestors`, `${kyvernoPath}.attestors`);
  // Kyverno fetches unverified statements when none are given; here the rule's attestors must sign them.
  if (attestors.length === 0) attestors = ruleAttestors;
  if (attestors.length === 0) throw c.fail(`${path}.attestors`, 'an attestation needs attestors (on the attestation or on the verifyImages entry) to verify its signature');
  const conditions: CompiledConditions[] = [];
  if (a.conditions !== undefined && a.conditions !== null) {
    if (!Array.isArray(a.conditions)) throw c.fail(`${path}.conditions`, 'expected a list of {any, all} blocks');
    a.conditions.forEach((b, i) => {
      const cc = compileConditions(c, b, `${path}.conditions[${i}]`);
      if (cc) conditions.push(cc);
    });
  }
  return { path: kyvernoPath, predicateType, attestors, conditions };
}

function stripConditions(a: AttestationSpec): unknown {
  return { type: a.predicateType, attestors: a.attestors };
}

/** Kyverno's ImageVerification.Convert plus validation; `path` is the entry's field path. */
export function compileImageVerification(c: Checker, raw: unknown, path: string, index: number): CompiledImageVerification {
  const v = c.map(raw, path);
  c.known(v, ENTRY_FIELDS, path);
  const type = optString(c, v, 'type', path) ?? 'Cosign';
  if (type !== 'Cosign' && type !== 'SigstoreBundle' && type !== 'Notary') throw c.fail(`${path}.type`, `expected Cosign, SigstoreBundle or Notary, found ${JSON.stringify(type)}`);
  const imageReferences = stringList(c, v.imageReferences, `${path}.imageReferences`);
  const image = optString(c, v, 'image', path);
  if (image) imageReferences.push(image);
  if (imageReferences.length === 0) throw c.fail(`${path}.imageReferences`, 'An image reference is required');
  const skipImageReferences = stringList(c, v.skipImageReferences, `${path}.skipImageReferences`);
  const attestors = compileAttestorSets(c, v.attestors, `${path}.attestors`, '.attestors');
  // Deprecated single-attestor fields become one attestor set, as Convert() does.
  const key = optString(c, v, 'key', path);
  const subject = optString(c, v, 'subject', path);
  const issuer = optString(c, v, 'issuer', path);
  const roots = optString(c, v, 'roots', path);
  if (key) attestors.push({ required: 1, entries: splitPublicKeys(key).map((publicKey) => ({ kind: 'key', path: `.attestors[${attestors.length}].entries[0].keys`, publicKey })) });
  else if (subject || issuer || roots) {
    attestors.push({
      required: 1,
      entries: [{ kind: 'keyless', path: `.attestors[${attestors.length}].entries[0].keyless`, ...(subject ? { subject } : {}), ...(issuer ? { issuer } : {}), ...(roots ? { roots } : {}) }],
    });
  }
  if (v.attestations !== undefined && v.attestations !== null && !Array.isArray(v.attestations)) throw c.fail(`${path}.attestations`, 'expected a list');
  const attestations = ((v.attestations as unknown[] | undefined) ?? []).map((a, i) => compileAttestation(c, a, `${path}.attestations[${i}]`, `.attestations[${i}]`, attestors));
  const unsupported: string[] = [];
  if (type === 'Notary') unsupported.push('type Notary');
  if (typeof v.repository === 'string' && v.repository !== '') unsupported.push('repository');
  if (isMap(v.annotations) && Object.keys(v.annotations).length > 0) unsupported.push('annotations');
  if (isMap(v.additionalExtensions) && Object.keys(v.additionalExtensions).length > 0) unsupported.push('additionalExtensions');
  if (v.cosignOCI11 === true) unsupported.push('cosignOCI11');
  if (v.validate !== undefined && v.validate !== null) unsupported.push('validate');
  let allowInsecureRegistry = false;
  let credentialSecrets: string[] = [];
  if (v.imageRegistryCredentials !== undefined && v.imageRegistryCredentials !== null) {
    const p = `${path}.imageRegistryCredentials`;
    const rc = c.map(v.imageRegistryCredentials, p);
    c.known(rc, ['allowInsecureRegistry', 'providers', 'secrets'], p);
    allowInsecureRegistry = optBool(c, rc, 'allowInsecureRegistry', p, false);
    credentialSecrets = stringList(c, rc.secrets, `${p}.secrets`);
    if (stringList(c, rc.providers, `${p}.providers`).some((x) => x !== 'default')) unsupported.push('imageRegistryCredentials.providers');
  }
  const failureAction = v.failureAction === undefined || v.failureAction === null ? undefined : parseAction(c, v.failureAction, `${path}.failureAction`);
  return {
    index,
    type,
    imageReferences,
    skipImageReferences,
    attestors,
    attestations,
    required: optBool(c, v, 'required', path, true),
    verifyDigest: optBool(c, v, 'verifyDigest', path, true),
    mutateDigest: optBool(c, v, 'mutateDigest', path, true),
    useCache: optBool(c, v, 'useCache', path, true),
    failureAction,
    allowInsecureRegistry,
    credentialSecrets,
    unsupported,
    verificationKey: JSON.stringify({ attestors, attestations: attestations.map(stripConditions) }),
  };
}

export interface CompiledVerifyImages {
  readonly entries: readonly CompiledImageVerification[];
  /** Entries with `{{ }}`: kept raw, substituted and compiled per evaluation. */
  readonly dynamic: ReadonlyArray<{ readonly index: number; readonly raw: unknown }>;
  /** Any entry set to Enforce wins; else any Audit; else the policy's action applies. */
  readonly failureAction: FailureAction | undefined;
}

function hasVars(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('{{');
  if (Array.isArray(v)) return v.some(hasVars);
  if (isMap(v)) return Object.values(v).some(hasVars);
  return false;
}

/**
 * The entry without its attestation conditions: those are evaluated against each statement's
 * predicate later, so their `{{ }}` are not the entry's own variables.
 */
export function withoutConditions(entry: unknown): { rest: unknown; conditions: unknown[] } {
  if (!isMap(entry) || !Array.isArray(entry.attestations)) return { rest: entry, conditions: [] };
  const conditions: unknown[] = [];
  const attestations = entry.attestations.map((a) => {
    if (!isMap(a)) {
      conditions.push(undefined);
      return a;
    }
    const { conditions: cond, ...other } = a;
    conditions.push(cond);
    return other;
  });
  return { rest: { ...entry, attestations }, conditions };
}

/** Puts the conditions taken by withoutConditions back (after substitution of the rest). */
export function withConditions(rest: unknown, conditions: unknown[]): unknown {
  if (!isMap(rest) || !Array.isArray(rest.attestations)) return rest;
  return { ...rest, attestations: rest.attestations.map((a, i) => (isMap(a) && conditions[i] !== undefined ? { ...a, conditions: conditions[i] } : a)) };
}

/** A rule's `verifyImages` list. Entries with variables are checked once with them in place. */
export function compileVerifyImages(c: Checker, raw: unknown, path: string): CompiledVerifyImages {
  if (!Array.isArray(raw) || raw.length === 0) throw c.fail(path, 'expected a non-empty list of image verifications');
  const entries: CompiledImageVerification[] = [];
  const dynamic: Array<{ index: number; raw: unknown }> = [];
  raw.forEach((e, i) => {
    c.variables(e, `${path}[${i}]`);
    if (hasVars(withoutConditions(e).rest)) dynamic.push({ index: i, raw: e });
    entries.push(compileImageVerification(c, e, `${path}[${i}]`, i));
  });
  const actions = entries.map((e) => e.failureAction);
  const failureAction = actions.includes('Enforce') ? 'Enforce' : actions.includes('Audit') ? 'Audit' : undefined;
  return { entries, dynamic, failureAction };
}
