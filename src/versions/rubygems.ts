import { compareDigitRuns, compareStrings } from './bytes.js';
import { memoize } from './cache.js';
import type { Comparator } from './types.js';

/**
 * RubyGems versions, ordered as Gem::Version#<=> (rubygems lib/rubygems/version.rb).
 * Written here rather than taken from `@renovatebot/ruby-semver`, which reads segments
 * into JavaScript numbers and so calls 999999999999999999999999999991 equal to
 * 999999999999999999999999999999 (a vector in rubygems-versions.txt).
 *
 * A gem version splits into numeric and alphabetic segments; `-` means `.pre.`;
 * trailing zeros before the first letter segment (and at the end) do not count; any
 * letter segment makes a prerelease, which sorts before the release. A version RubyGems
 * rejects sorts before every valid one, invalid ones among themselves by their text.
 */

// Gem::Version::ANCHORED_VERSION_PATTERN; Ruby's \\s is ASCII whitespace only.
const ANCHORED = /^[ \t\r\n\f\v]*([0-9]+(?:\.[0-9a-zA-Z]+)*(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?)?[ \t\r\n\f\v]*$/;

/** A segment: digits (as a string without leading zeros) or letters. */
interface Segment {
  numeric: boolean;
  text: string;
}

function canonicalSegments(version: string): Segment[] {
  const segments: Segment[] = [];
  for (const m of version.replaceAll('-', '.pre.').matchAll(/[0-9]+|[a-zA-Z]+/g)) {
    const numeric = m[0].charCodeAt(0) <= 57;
    segments.push({ numeric, text: numeric ? m[0].replace(/^0+(?=.)/, '') : m[0] });
  }
  const firstString = segments.findIndex((s) => !s.numeric);
  const cut = firstString < 0 ? segments.length : firstString;
  // Drop trailing zeros from the numeric part and from the whole, as canonical_segments does.
  return [...dropTrailingZeros(segments.slice(0, cut)), ...dropTrailingZeros(segments.slice(cut))];
}

function dropTrailingZeros(segments: Segment[]): Segment[] {
  let end = segments.length;
  while (end > 0 && segments[end - 1].numeric && segments[end - 1].text === '0') end--;
  return segments.slice(0, end);
}

const parseGem = memoize((v: string): Segment[] | null => {
  const m = ANCHORED.exec(v);
  if (!m) return null;
  // An empty (or all-blank) version is "0".
  return canonicalSegments(m[1] ?? '0');
});

const ZERO: Segment = { numeric: true, text: '0' };

function compareSegments(a: Segment[], b: Segment[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const l = a[i] ?? ZERO;
    const r = b[i] ?? ZERO;
    if (l.numeric !== r.numeric) return l.numeric ? 1 : -1;
    const c = l.numeric ? compareDigitRuns(l.text, r.text) : compareStrings(l.text, r.text);
    if (c !== 0) return c;
  }
  return 0;
}

export function compareRubygems(a: string, b: string): number {
  const sa = parseGem(a);
  const sb = parseGem(b);
  if (sa && sb) return compareSegments(sa, sb);
  if (sa) return 1;
  if (sb) return -1;
  return compareStrings(a, b);
}

export function isValidRubygems(v: string): boolean {
  return parseGem(v) !== null;
}

export const rubygemsComparator: Comparator = { scheme: 'rubygems', compare: compareRubygems, isValid: isValidRubygems };
