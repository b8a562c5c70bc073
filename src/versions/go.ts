import { compareDigitRuns, compareStrings } from './bytes.js';
import { memoize } from './cache.js';
import type { Comparator } from './types.js';

/**
 * Go module versions, ordered as golang.org/x/mod/semver does, with the `v` optional
 * (OSV's Go records drop it) and Go toolchain spellings accepted: `go1.21.3` is
 * 1.21.3 and `go1.22rc1` is 1.22.0-rc.1. Build metadata (`+incompatible`) is ignored;
 * pseudo-versions are prereleases and need nothing special. As in x/mod, an invalid
 * version sorts before every valid one and equals every other invalid one.
 */

interface GoVersion {
  major: string;
  minor: string;
  patch: string;
  /** Dot-separated prerelease identifiers; empty for a release. */
  pre: string[];
}

const NUM = '(0|[1-9][0-9]*)';
const IDENT = '[0-9A-Za-z-]+';
const SEMVER_RE = new RegExp(`^${NUM}(?:\\.${NUM}(?:\\.${NUM}(?:-(${IDENT}(?:\\.${IDENT})*))?(?:\\+${IDENT}(?:\\.${IDENT})*)?)?)?$`);
const TOOLCHAIN_RE = /^go([0-9]+(?:\.[0-9]+){0,2})(?:(alpha|beta|rc)([0-9]+))?$/;

/** `go1.22rc1` → `1.22.0-rc.1`; anything else unchanged. */
export function goToolchainToSemver(v: string): string {
  const m = TOOLCHAIN_RE.exec(v);
  if (!m) return v;
  const parts = m[1].split('.');
  while (parts.length < 3) parts.push('0');
  return parts.join('.') + (m[2] ? `-${m[2]}.${m[3]}` : '');
}

const parseGo = memoize((raw: string): GoVersion | null => {
  let v = goToolchainToSemver(raw);
  if (v.startsWith('v')) v = v.slice(1);
  const m = SEMVER_RE.exec(v);
  if (!m) return null;
  const pre = m[4] === undefined ? [] : m[4].split('.');
  // Numeric prerelease identifiers may not have leading zeros.
  if (pre.some((id) => /^0[0-9]+$/.test(id))) return null;
  return { major: m[1], minor: m[2] ?? '0', patch: m[3] ?? '0', pre };
});

function comparePrerelease(a: string[], b: string[]): number {
  // A release sorts after all of its prereleases.
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < a.length && i < b.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    const nx = /^[0-9]+$/.test(x);
    const ny = /^[0-9]+$/.test(y);
    if (nx && ny) return compareDigitRuns(x, y);
    if (nx !== ny) return nx ? -1 : 1;
    return compareStrings(x, y);
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function compareGo(a: string, b: string): number {
  const pa = parseGo(a);
  const pb = parseGo(b);
  if (!pa || !pb) return pa === pb ? 0 : pa ? 1 : -1;
  return (
    compareDigitRuns(pa.major, pb.major) ||
    compareDigitRuns(pa.minor, pb.minor) ||
    compareDigitRuns(pa.patch, pb.patch) ||
    comparePrerelease(pa.pre, pb.pre)
  );
}

export function isValidGo(v: string): boolean {
  return parseGo(v) !== null;
}

const PSEUDO_RE = /^[0-9]+\.(?:0\.0-|[0-9]+\.[0-9]+-(?:[^+]*\.)?0\.)[0-9]{14}-[A-Za-z0-9]+(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

/**
 * Whether `v` is a Go pseudo-version (x/mod module.IsPseudoVersion): `X.0.0-ts-rev`,
 * `X.Y.Z-pre.0.ts-rev` or `X.Y.(Z+1)-0.ts-rev`, with a 14-digit UTC timestamp.
 */
export function isGoPseudoVersion(v: string): boolean {
  const bare = v.startsWith('v') ? v.slice(1) : v;
  return bare.split('-').length > 2 && parseGo(bare) !== null && PSEUDO_RE.test(bare);
}

export const goComparator: Comparator = { scheme: 'go', compare: compareGo, isValid: isValidGo };
