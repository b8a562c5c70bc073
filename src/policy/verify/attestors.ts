/**
 * What one attestor entry asks of the trust module: a public key, or a keyless identity, and
 * the trust material to check transparency-log entries, certificates and SCTs against.
 *
 * - Keys, as Kyverno: the transparency log is checked (a verified signature must have a log
 *   entry) unless `rekor.ignoreTlog: true`.
 * - Keyless `subject`/`issuer` are Kyverno wildcards (`*`, `?`), matched whole;
 *   `subjectRegExp`/`issuerRegExp` are Go regular expressions matched unanchored.
 * - `rekor.url` keeps only that log of the trusted root; `rekor.pubkey` and `ctlog.pubkey` add
 *   a log with that key; keyless `roots` add a certificate authority. The root is offline
 *   trust material (loadTrustedRoot); nothing is fetched from Rekor.
 * Anything that cannot be honoured (ignoreSCT, keyless ignoreTlog, KMS…) is a configuration
 * error for that entry, never silently skipped.
 */
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { IdentityPolicy } from '../../trust/index.js';
import type { AttestorSpec, CtlogSpec, RekorSpec } from '../engine/index.js';
import { compileGoRegex } from '../variables/goregex.js';

export interface TrustVerifier {
  key?: KeyObject;
  identity?: IdentityPolicy;
  trustedRoot?: unknown;
  /** Only signatures whose transparency-log entry was checked count. */
  requireTlog: boolean;
}

/** An attestor entry that cannot be checked as configured: an error result, not a failed signature. */
export class AttestorConfigError extends Error {}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** A Kyverno wildcard as an anchored JavaScript regular expression. */
export function wildcardRegExp(pattern: string): string {
  let out = '';
  for (const ch of pattern) out += ch === '*' ? '[\\s\\S]*' : ch === '?' ? '[\\s\\S]' : escapeRegExp(ch);
  return `^${out}$`;
}

/** A Go regexp (unanchored MatchString) as a JavaScript source with the same meaning. */
function goRegExp(pattern: string, field: string): string {
  let re: RegExp;
  try {
    re = compileGoRegex(pattern).re;
  } catch (e) {
    throw new AttestorConfigError(`${field}: invalid regular expression ${JSON.stringify(pattern)}: ${(e as Error).message}`);
  }
  if (re.flags.includes('m')) throw new AttestorConfigError(`${field}: multi-line mode (?m) is not supported`);
  return re.source;
}

/** Exact (wildcard) and RegExp forms together: both must hold. */
function identityPart(wild: string | undefined, goRe: string | undefined, field: string): string {
  const parts: string[] = [];
  if (wild !== undefined) parts.push(`(?=${wildcardRegExp(wild)})`);
  if (goRe !== undefined) parts.push(`(?=[\\s\\S]*?(?:${goRegExp(goRe, `${field}RegExp`)}))`);
  // Neither: Kyverno accepts any value.
  return parts.length === 0 ? '' : `^${parts.join('')}`;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function pemKey(pem: string, field: string): KeyObject {
  try {
    return createPublicKey(pem);
  } catch (e) {
    throw new AttestorConfigError(`${field}: not a PEM public key (${(e as Error).message})`);
  }
}

const KEY_DETAILS: Record<string, string> = {
  prime256v1: 'PKIX_ECDSA_P256_SHA_256',
  secp384r1: 'PKIX_ECDSA_P384_SHA_384',
  secp521r1: 'PKIX_ECDSA_P521_SHA_512',
};

/** A trusted-root log entry (tlog or ctlog) for a PEM key given in the policy. */
function logEntry(pem: string, baseUrl: string, field: string): Record<string, unknown> {
  const key = pemKey(pem, field);
  const der = key.export({ type: 'spki', format: 'der' });
  const curve = key.asymmetricKeyDetails?.namedCurve;
  const keyDetails = key.asymmetricKeyType === 'ed25519' ? 'PKIX_ED25519' : key.asymmetricKeyType === 'rsa' ? 'PKIX_RSA_PKCS1V15_2048_SHA256' : KEY_DETAILS[curve ?? ''];
  if (!keyDetails) throw new AttestorConfigError(`${field}: unsupported key type ${key.asymmetricKeyType ?? '?'} ${curve ?? ''}`.trim());
  return {
    baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: der.toString('base64'), keyDetails, validFor: { start: '1970-01-01T00:00:00Z' } },
    logId: { keyId: createHash('sha256').update(der).digest('base64') },
  };
}

function pemCertificates(pem: string): string[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => m[1]!.replace(/\s+/g, ''));
}

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();

/**
 * Derives trust material per attestor configuration, memoized so each distinct configuration
 * is one object (the trust module caches parsed material by object identity).
 */
export class TrustMaterialResolver {
  private readonly derived = new Map<string, unknown>();
  private readonly keys = new Map<string, KeyObject>();
  private loading: Promise<unknown> | undefined;

  /** `base` is the trusted root, or a loader called once, only when an entry needs a root. */
  constructor(private readonly base: unknown | (() => Promise<unknown>)) {}

  private async baseRoot(): Promise<unknown> {
    if (typeof this.base !== 'function') return this.base;
    const load = this.base as () => Promise<unknown>;
    const p = (this.loading ??= load());
    // A root that failed to load is tried again next time.
    p.catch(() => (this.loading = undefined));
    return p;
  }

  private async root(path: string, keyless: boolean, rekor: RekorSpec | undefined, ctlog: CtlogSpec | undefined, roots: string | undefined): Promise<unknown> {
    const needs = rekor?.url !== undefined || rekor?.pubkey !== undefined || ctlog?.pubkey !== undefined || roots !== undefined;
    // A log key given in the policy needs no configured root for a key signature.
    const baseRoot = !keyless && rekor?.pubkey !== undefined ? undefined : await this.baseRoot();
    if (!needs) return baseRoot;
    const id = JSON.stringify([keyless, rekor?.url, rekor?.pubkey, ctlog?.pubkey, roots]);
    const hit = this.derived.get(id);
    if (hit) return hit;
    const base = isMap(baseRoot) ? baseRoot : { mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1', tlogs: [], certificateAuthorities: [] };
    const list = (k: string): unknown[] => (Array.isArray(base[k]) ? (base[k] as unknown[]) : []);
    let tlogs = list('tlogs');
    if (rekor?.pubkey !== undefined) tlogs = [logEntry(rekor.pubkey, rekor.url ?? 'https://rekor.sigstore.dev', `${path}.rekor.pubkey`)];
    else if (rekor?.url !== undefined) {
      const url = rekor.url;
      tlogs = tlogs.filter((t) => isMap(t) && typeof t.baseUrl === 'string' && sameUrl(t.baseUrl, url));
      if (tlogs.length === 0) {
        throw new AttestorConfigError(`${path}.rekor.url: ${baseRoot === undefined ? 'no trusted root is configured' : 'the trusted root has no transparency log'} at ${url} (give rekor.pubkey, or a trusted root that has it)`);
      }
    }
    const ctlogs = ctlog?.pubkey !== undefined ? [...list('ctlogs'), logEntry(ctlog.pubkey, 'https://ctlog.policy.local', `${path}.ctlog.pubkey`)] : list('ctlogs');
    let cas = list('certificateAuthorities');
    if (roots !== undefined) {
      const certs = pemCertificates(roots);
      if (certs.length === 0) throw new AttestorConfigError(`${path}.roots: no PEM certificate`);
      cas = [...cas, { subject: { organization: 'policy', commonName: 'roots' }, uri: 'policy:roots', certChain: { certificates: certs.map((rawBytes) => ({ rawBytes })) }, validFor: { start: '1970-01-01T00:00:00Z' } }];
    }
    const out = { ...base, tlogs, ctlogs, certificateAuthorities: cas };
    this.derived.set(id, out);
    return out;
  }

  /** The verifier for one key or keyless entry; throws AttestorConfigError when it cannot be honoured. */
  async resolve(entry: AttestorSpec): Promise<TrustVerifier> {
    if (entry.kind === 'unsupported') throw new AttestorConfigError(`not supported here: ${entry.unsupported}`);
    if (entry.kind === 'nested') throw new AttestorConfigError('a nested attestor set is not a single verifier');
    if (entry.unsupported) throw new AttestorConfigError(`not supported here: ${entry.unsupported}`);
    if (entry.kind === 'key') {
      let key = this.keys.get(entry.publicKey);
      if (!key) this.keys.set(entry.publicKey, (key = pemKey(entry.publicKey, `${entry.path}.publicKeys`)));
      if (entry.rekor?.ignoreTlog) return { key, requireTlog: false };
      const trustedRoot = await this.root(entry.path, false, entry.rekor, undefined, undefined);
      if (trustedRoot === undefined) {
        throw new AttestorConfigError('the transparency log is checked for key signatures: configure a trusted root, give rekor.pubkey, or set rekor.ignoreTlog: true');
      }
      return { key, trustedRoot, requireTlog: true };
    }
    if (entry.rekor?.ignoreTlog) throw new AttestorConfigError('not supported here: keyless rekor.ignoreTlog');
    if (entry.ctlog?.ignoreSCT) throw new AttestorConfigError('not supported here: ctlog.ignoreSCT');
    const trustedRoot = await this.root(entry.path, true, entry.rekor, entry.ctlog, entry.roots);
    if (trustedRoot === undefined) throw new AttestorConfigError('keyless verification needs a trusted root: configure one (a trusted_root.json, or the cached Sigstore root)');
    const subject = identityPart(entry.subject, entry.subjectRegExp, 'subject');
    const issuer = identityPart(entry.issuer, entry.issuerRegExp, 'issuer');
    return { identity: { subjectRegExp: subject, issuerRegExp: issuer }, trustedRoot, requireTlog: true };
  }
}
