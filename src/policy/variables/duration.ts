/**
 * Go's `time.Duration`: `time.ParseDuration` and `Duration.String()`, exactly, in nanoseconds
 * as bigint (int64 range). Kyverno compares, adds and prints durations with these; patterns
 * and conditions (the engine) compare with them too.
 */

export const NANOSECOND = 1n;
export const MICROSECOND = 1000n;
export const MILLISECOND = 1_000_000n;
export const SECOND = 1_000_000_000n;
export const MINUTE = 60n * SECOND;
export const HOUR = 60n * MINUTE;

const MAX_INT64 = (1n << 63n) - 1n;
const MIN_INT64 = -(1n << 63n);

const UNITS: Record<string, bigint> = {
  ns: NANOSECOND,
  us: MICROSECOND,
  'µs': MICROSECOND, // U+00B5 micro sign
  'μs': MICROSECOND, // U+03BC Greek mu
  ms: MILLISECOND,
  s: SECOND,
  m: MINUTE,
  h: HOUR,
};

const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';

/**
 * `time.ParseDuration`: "300ms", "-1.5h", "2h45m". A sequence of decimal numbers each with a
 * unit; "0" alone needs none. Returns nanoseconds, or undefined when Go would return an error.
 */
export function parseDuration(input: string): bigint | undefined {
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') return undefined;
  let total = 0n;
  while (s !== '') {
    if (!(s[0] === '.' || isDigit(s[0]))) return undefined;
    let i = 0;
    let v = 0n;
    while (isDigit(s[i])) {
      v = v * 10n + BigInt(s.charCodeAt(i) - 48);
      if (v > 1n << 63n) return undefined; // leadingInt overflow
      i++;
    }
    const pre = i > 0;
    s = s.slice(i);
    let f = 0n;
    let scale = 1;
    let post = false;
    if (s[0] === '.') {
      s = s.slice(1);
      let j = 0;
      let overflow = false;
      while (isDigit(s[j])) {
        if (!overflow) {
          const next = f * 10n + BigInt(s.charCodeAt(j) - 48);
          // Go stops accumulating once the fraction would overflow, but keeps consuming digits.
          if (next > 1n << 63n) overflow = true;
          else {
            f = next;
            scale *= 10;
          }
        }
        j++;
      }
      post = j > 0;
      s = s.slice(j);
    }
    if (!pre && !post) return undefined;
    let u = 0;
    while (u < s.length && s[u] !== '.' && !isDigit(s[u])) u++;
    if (u === 0) return undefined; // missing unit
    const unit = UNITS[s.slice(0, u)];
    if (unit === undefined) return undefined;
    s = s.slice(u);
    if (v > (1n << 63n) / unit) return undefined;
    v *= unit;
    if (f > 0n) {
      // float64 as Go does: nanosecond-accurate for fractions of hours
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > 1n << 63n) return undefined;
    }
    total += v;
    if (total > 1n << 63n) return undefined;
  }
  if (neg) return -total;
  if (total > MAX_INT64) return undefined;
  return total;
}

/** Clamp to int64 as Go's `Time.Sub` saturates. */
export function clampInt64(n: bigint): bigint {
  return n > MAX_INT64 ? MAX_INT64 : n < MIN_INT64 ? MIN_INT64 : n;
}

/** Wrap to int64 as Go's duration arithmetic overflows. */
export function wrapInt64(n: bigint): bigint {
  return BigInt.asIntN(64, n);
}

function fmtFrac(v: bigint, prec: number): { text: string; rest: bigint } {
  let text = '';
  let print = false;
  let rest = v;
  for (let i = 0; i < prec; i++) {
    const digit = rest % 10n;
    print = print || digit !== 0n;
    if (print) text = digit.toString() + text;
    rest /= 10n;
  }
  if (print) text = '.' + text;
  return { text, rest };
}

/** `Duration.String()`: "72h3m0.5s", "1.5ms", "0s". */
export function formatDuration(ns: bigint): string {
  const d = wrapInt64(ns);
  const neg = d < 0n;
  let u = neg ? -d : d;
  let out: string;
  if (u < SECOND) {
    if (u === 0n) return '0s';
    let prec: number;
    let unit: string;
    if (u < MICROSECOND) {
      prec = 0;
      unit = 'ns';
    } else if (u < MILLISECOND) {
      prec = 3;
      unit = 'µs';
    } else {
      prec = 6;
      unit = 'ms';
    }
    const { text, rest } = fmtFrac(u, prec);
    out = rest.toString() + text + unit;
  } else {
    const { text, rest } = fmtFrac(u, 9);
    u = rest;
    out = (u % 60n).toString() + text + 's';
    u /= 60n;
    if (u > 0n) {
      out = (u % 60n).toString() + 'm' + out;
      u /= 60n;
      if (u > 0n) out = u.toString() + 'h' + out;
    }
  }
  return neg ? '-' + out : out;
}

/** `Duration.Seconds()` as float64. */
export function durationSeconds(ns: bigint): number {
  const sec = ns / SECOND;
  const nsec = ns % SECOND;
  return Number(sec) + Number(nsec) / 1e9;
}

/** `time.Duration(f)` conversion of a float64 number of nanoseconds (truncation toward zero). */
export function durationFromFloatNs(f: number): bigint {
  if (!Number.isFinite(f)) return MIN_INT64; // Go's conversion of an out-of-range float is undefined; amd64 yields MinInt64
  const t = Math.trunc(f);
  const b = BigInt(t);
  return b > MAX_INT64 || b < MIN_INT64 ? MIN_INT64 : b;
}
