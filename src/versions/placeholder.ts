import type { Comparator, VersionScheme } from './types.js';

/** Temporary stand-in while the real comparator is written: numeric-aware string order. */
export function placeholderComparator(scheme: VersionScheme): Comparator {
  const collator = new Intl.Collator('en', { numeric: true });
  return { scheme, compare: (a, b) => collator.compare(a, b), isValid: (v) => v.length > 0 };
}
