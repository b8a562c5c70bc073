import { SemVer } from 'semver';
import { compareStrings } from './bytes.js';
import { memoize } from './cache.js';
import type { Comparator } from './types.js';

/**
 * SemVer 2.0 as npm's `semver` package orders it (npm, crates.io, Hex, Pub, SwiftURL).
 * Parsed loosely, so npm-ish spellings (`v1.2.3`, `=1.2.3`, `1.2.3beta`) work; build
 * metadata is ignored. A version `semver` cannot parse sorts before every valid one,
 * and invalid ones among themselves by their text.
 */

const parseSemver = memoize((v: string): SemVer | null => {
  try {
    return new SemVer(v, { loose: true });
  } catch {
    return null;
  }
});

export function compareSemver(a: string, b: string): number {
  const pa = parseSemver(a);
  const pb = parseSemver(b);
  if (pa && pb) return pa.compare(pb);
  if (pa) return 1;
  if (pb) return -1;
  return compareStrings(a, b);
}

export function isValidSemver(v: string): boolean {
  return parseSemver(v) !== null;
}

export const semverComparator: Comparator = { scheme: 'semver', compare: compareSemver, isValid: isValidSemver };
