import { compareDigitRuns, isAlphaCode, isDigitCode } from './bytes.js';
import { memoize } from './cache.js';
import type { Comparator } from './types.js';

/**
 * Packagist (Composer) versions, ordered as PHP's version_compare (php-src
 * ext/standard/versioning.c) after Composer drops a leading `v`. Numbers compare as
 * integers of any size (PHP's strtol would saturate; Composer never relies on that).
 */

/** php_canonicalize_version: `-_+` and other punctuation become `.`, and a `.` goes between digits and non-digits. */
function canonicalize(v: string): string {
  if (v === '') return v;
  const out: string[] = [v[0]];
  let lastOut = v.charCodeAt(0);
  let last = lastOut;
  const isNdig = (c: number): boolean => !isDigitCode(c) && c !== 46;
  const dot = (): void => {
    if (lastOut !== 46) {
      out.push('.');
      lastOut = 46;
    }
  };
  for (let i = 1; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 45 || c === 95 || c === 43) {
      dot();
    } else if ((isNdig(last) && isDigitCode(c)) || (isDigitCode(last) && isNdig(c))) {
      dot();
      out.push(v[i]);
      lastOut = c;
    } else if (!isDigitCode(c) && !isAlphaCode(c)) {
      dot();
    } else {
      out.push(v[i]);
      lastOut = c;
    }
    last = c;
  }
  return out.join('');
}

// compare_special_version_forms: matched by prefix, first match wins; unknown is lowest.
const SPECIAL_FORMS: ReadonlyArray<[string, number]> = [
  ['dev', 0],
  ['alpha', 1],
  ['a', 1],
  ['beta', 2],
  ['b', 2],
  ['RC', 3],
  ['rc', 3],
  ['#', 4],
  ['pl', 5],
  ['p', 5],
];

function specialOrder(form: string): number {
  for (const [name, order] of SPECIAL_FORMS) if (form.startsWith(name)) return order;
  return -1;
}

/** A number component stands in the special-form order where `#` does. */
const NUMBER_FORM = '#';

function isNumberComponent(s: string): boolean {
  return s !== '' && isDigitCode(s.charCodeAt(0));
}

function compareComponent(a: string, b: string): number {
  const na = isNumberComponent(a);
  const nb = isNumberComponent(b);
  if (na && nb) return compareDigitRuns(a, b);
  const oa = specialOrder(na ? NUMBER_FORM : a);
  const ob = specialOrder(nb ? NUMBER_FORM : b);
  return oa < ob ? -1 : oa > ob ? 1 : 0;
}

function compareComponents(a: readonly string[], b: readonly string[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const r = compareComponent(a[i], b[i]);
    if (r !== 0) return r;
  }
  // What one version has more of: a number makes it greater; otherwise it compares
  // against `#`, so 1.0 < 1.0pl1 but 1.0rc1 < 1.0.
  if (a.length > n) return isNumberComponent(a[n]) ? 1 : compareComponents(a.slice(n), [NUMBER_FORM]);
  if (b.length > n) return isNumberComponent(b[n]) ? -1 : compareComponents([NUMBER_FORM], b.slice(n));
  return 0;
}

const parsePackagist = memoize((v: string): string[] => {
  const t = v.trim().replace(/^[vV](?=[0-9])/, '');
  const canonical = t.startsWith('#') ? t : canonicalize(t);
  return canonical === '' ? [] : canonical.split('.');
});

export function comparePackagist(a: string, b: string): number {
  const pa = parsePackagist(a);
  const pb = parsePackagist(b);
  // version_compare: an empty version is lower than any other.
  if (pa.length === 0 || pb.length === 0) return pa.length === pb.length ? 0 : pa.length === 0 ? -1 : 1;
  return compareComponents(pa, pb);
}

/** Any non-blank string is a version to PHP (branch names such as dev-main included). */
export function isValidPackagist(v: string): boolean {
  return v.trim() !== '';
}

export const packagistComparator: Comparator = { scheme: 'packagist', compare: comparePackagist, isValid: isValidPackagist };
