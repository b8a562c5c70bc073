import { compare as pep440Compare, parse as pep440Parse } from '@renovatebot/pep440';
import { compareStrings } from './bytes.js';
import { memoize } from './cache.js';
import type { Comparator } from './types.js';

/**
 * PEP 440 (PyPI) through `@renovatebot/pep440`, a port of pypa/packaging. Surrounding
 * whitespace is dropped first, as packaging does. A version packaging rejects sorts
 * before every valid one (where packaging's LegacyVersion used to put it), invalid
 * ones among themselves by their text.
 */

const normalize = memoize((v: string): string | null => {
  const t = v.trim();
  return pep440Parse(t) === null ? null : t;
});

export function comparePep440(a: string, b: string): number {
  const na = normalize(a);
  const nb = normalize(b);
  if (na !== null && nb !== null) return Math.sign(pep440Compare(na, nb));
  if (na !== null) return 1;
  if (nb !== null) return -1;
  return compareStrings(a, b);
}

export function isValidPep440(v: string): boolean {
  return normalize(v) !== null;
}

export const pep440Comparator: Comparator = { scheme: 'pep440', compare: comparePep440, isValid: isValidPep440 };
