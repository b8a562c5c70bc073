/** Code point sets for the Go regex parser: ranges, negation, simple case folding, Perl/POSIX/Unicode classes. */
export class GoRegexError extends Error {}

export type Range = readonly [number, number];

export const MAX_CP = 0x10ffff;

export function normalize(ranges: Range[]): Range[] {
  const sorted = ranges.filter(([a, b]) => a <= b).sort((x, y) => x[0] - y[0]);
  const out: [number, number][] = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

export function negate(ranges: Range[]): Range[] {
  const out: Range[] = [];
  let next = 0;
  for (const [a, b] of normalize(ranges)) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  if (next <= MAX_CP) out.push([next, MAX_CP]);
  return out;
}

// Simple case folding: each code point with its single-character upper/lower mappings, plus
// the few orbits where Go folds more than two characters together.
const EXTRA_ORBITS: number[][] = [
  [0x4b, 0x6b, 0x212a], // K k KELVIN SIGN
  [0x53, 0x73, 0x17f], // S s LONG S
  [0xc5, 0xe5, 0x212b], // Å å ANGSTROM SIGN
  [0x3a9, 0x3c9, 0x2126], // Ω ω OHM SIGN
];
const ORBIT = new Map<number, number[]>();
for (const orbit of EXTRA_ORBITS) for (const c of orbit) ORBIT.set(c, orbit);

export function foldsOf(cp: number): number[] {
  const orbit = ORBIT.get(cp);
  if (orbit) return orbit;
  const ch = String.fromCodePoint(cp);
  const out = new Set<number>([cp]);
  for (const v of [ch.toLowerCase(), ch.toUpperCase()]) {
    if (Array.from(v).length === 1) out.add(v.codePointAt(0)!);
  }
  return [...out];
}

const FOLD_SCAN_LIMIT = 4096;

export function foldRanges(ranges: Range[]): Range[] {
  const out: Range[] = [...ranges];
  for (const [a, b] of ranges) {
    // ASCII letters exactly; other characters one by one while the range is small.
    const lo = Math.max(a, 0x41);
    const hi = Math.min(b, 0x5a);
    if (lo <= hi) out.push([lo + 32, hi + 32]);
    const lo2 = Math.max(a, 0x61);
    const hi2 = Math.min(b, 0x7a);
    if (lo2 <= hi2) out.push([lo2 - 32, hi2 - 32]);
    const start = Math.max(a, 0x80);
    if (b >= start && b - start < FOLD_SCAN_LIMIT) {
      for (let c = start; c <= b; c++) for (const f of foldsOf(c)) out.push([f, f]);
    }
    for (const c of [0x4b, 0x6b, 0x53, 0x73]) if (c >= a && c <= b) for (const f of foldsOf(c)) out.push([f, f]);
  }
  return normalize(out);
}

export const PERL: Record<string, Range[]> = {
  d: [[0x30, 0x39]],
  s: [[0x09, 0x0a], [0x0c, 0x0d], [0x20, 0x20]],
  w: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
};

export const POSIX: Record<string, Range[]> = {
  alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]],
  alpha: [[0x41, 0x5a], [0x61, 0x7a]],
  ascii: [[0x00, 0x7f]],
  blank: [[0x09, 0x09], [0x20, 0x20]],
  cntrl: [[0x00, 0x1f], [0x7f, 0x7f]],
  digit: [[0x30, 0x39]],
  graph: [[0x21, 0x7e]],
  lower: [[0x61, 0x7a]],
  print: [[0x20, 0x7e]],
  punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  space: [[0x09, 0x0d], [0x20, 0x20]],
  upper: [[0x41, 0x5a]],
  word: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]],
  xdigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]],
};

const unicodeCache = new Map<string, Range[]>();

/** A Unicode class by Go name (general category or script), enumerated once through a `u` regex. */
export function unicodeClass(name: string): Range[] {
  const cached = unicodeCache.get(name);
  if (cached) return cached;
  let re: RegExp | undefined;
  if (name === 'Any') re = /[\s\S]/u;
  else {
    for (const src of [`\\p{${name}}`, `\\p{Script=${name}}`]) {
      try {
        re = new RegExp(src, 'u');
        break;
      } catch {
        // try the next spelling
      }
    }
  }
  if (!re) throw new GoRegexError(`invalid character class range: \\p{${name}}`);
  const out: [number, number][] = [];
  let start = -1;
  for (let c = 0; c <= MAX_CP + 1; c++) {
    const hit = c <= MAX_CP && !(c >= 0xd800 && c <= 0xdfff) && re.test(String.fromCodePoint(c));
    if (hit && start < 0) start = c;
    if (!hit && start >= 0) {
      out.push([start, c - 1]);
      start = -1;
    }
  }
  unicodeCache.set(name, out);
  return out;
}

