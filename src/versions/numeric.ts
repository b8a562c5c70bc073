import { compareDigitRuns, compareStrings } from './bytes.js';
import type { Comparator } from './types.js';

/**
 * Versions that are plain lists of integers, compared element by element with the
 * shorter list lower when it is a prefix of the longer: R's package_version (CRAN,
 * Bioconductor; `.` or `-` separate) and Haskell's Data.Version (Hackage, GHC; `.`).
 * An invalid version sorts before every valid one, invalid ones among themselves by text.
 */
function numericListComparator(scheme: 'cran' | 'hackage', pattern: RegExp, separator: RegExp): Comparator {
  const parse = (v: string): string[] | null => {
    const t = v.trim();
    return pattern.test(t) ? t.split(separator) : null;
  };
  const compare = (a: string, b: string): number => {
    const pa = parse(a);
    const pb = parse(b);
    if (!pa || !pb) return pa ? 1 : pb ? -1 : compareStrings(a, b);
    for (let i = 0; i < pa.length && i < pb.length; i++) {
      const r = compareDigitRuns(pa[i], pb[i]);
      if (r !== 0) return r;
    }
    return pa.length === pb.length ? 0 : pa.length < pb.length ? -1 : 1;
  };
  return { scheme, compare, isValid: (v) => parse(v) !== null };
}

export const cranComparator: Comparator = numericListComparator('cran', /^[0-9]+(?:[.-][0-9]+)*$/, /[.-]/);
export const hackageComparator: Comparator = numericListComparator('hackage', /^[0-9]+(?:\.[0-9]+)*$/, /\./);
