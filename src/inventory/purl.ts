import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { PackageURL as PackageURLClass } from 'packageurl-js';

export interface PurlParts {
  type: string;
  namespace?: string;
  name: string;
  version?: string;
  qualifiers?: Record<string, string | undefined>;
  subpath?: string;
}

// Percent-encode as the purl spec asks, keeping ':' readable (epochs, as syft and Trivy do).
function enc(s: string): string {
  return encodeURIComponent(s).replace(/%3A/g, ':');
}

/**
 * Canonical purl string: segments percent-encoded ('+' → %2B, '@' → %40), qualifiers
 * sorted by key with empty values dropped. Deterministic, so it is safe as a sort key.
 */
export function toPurl(p: PurlParts): string {
  let out = `pkg:${p.type.toLowerCase()}/`;
  if (p.namespace) out += p.namespace.split('/').filter(Boolean).map(enc).join('/') + '/';
  out += enc(p.name);
  if (p.version) out += '@' + enc(p.version);
  const q = Object.entries(p.qualifiers ?? {})
    .filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (q.length) out += '?' + q.map(([k, v]) => `${k.toLowerCase()}=${enc(v)}`).join('&');
  if (p.subpath) out += '#' + p.subpath.split('/').filter(Boolean).map(enc).join('/');
  return out;
}

// packageurl-js takes ~10 ms to load and only reading other tools' SBOMs parses purls, so it
// is loaded on the first parse instead of with this module (which every command imports).
let PackageURL: typeof PackageURLClass | undefined;

function packageUrlClass(): typeof PackageURLClass {
  PackageURL ??= (createRequire(import.meta.url)('packageurl-js') as { PackageURL: typeof PackageURLClass }).PackageURL;
  return PackageURL;
}

/** Parse a purl string (any producer's) into parts; throws on an invalid purl. */
export function parsePurl(s: string): PurlParts {
  const u = packageUrlClass().fromString(s);
  const qualifiers: Record<string, string> = {};
  for (const [k, v] of Object.entries(u.qualifiers ?? {})) if (typeof v === 'string') qualifiers[k] = v;
  return {
    type: u.type,
    namespace: u.namespace ?? undefined,
    name: u.name,
    version: u.version ?? undefined,
    qualifiers,
    subpath: u.subpath ?? undefined,
  };
}

/** Go module path → purl parts: namespace is everything before the last '/'. */
export function golangPurlParts(modulePath: string, version?: string): PurlParts {
  const i = modulePath.lastIndexOf('/');
  return i < 0
    ? { type: 'golang', name: modulePath, version }
    : { type: 'golang', namespace: modulePath.slice(0, i), name: modulePath.slice(i + 1), version };
}

/** PEP 503 normalized name. */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/**
 * Stable package id: a short hash of the purl and the first location path, so the same
 * package found at two paths gets two ids, and reruns give the same ids.
 */
export function packageId(purl: string, path: string): string {
  return 'pkg-' + createHash('sha256').update(purl).update('\0').update(path).digest('hex').slice(0, 16);
}
