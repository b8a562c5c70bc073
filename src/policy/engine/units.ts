/**
 * Go time.ParseDuration and Kubernetes resource.ParseQuantity, as Kyverno's pattern operators
 * and condition operators use them. (Engine-local until src/policy/variables exports its
 * helpers; the semantics follow the Go sources exactly, quirks included.)
 */

const UNIT_NS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  'µs': 1e3, // U+00B5 micro sign
  'μs': 1e3, // U+03BC Greek mu
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** time.ParseDuration → nanoseconds, or undefined where Go returns an error. */
export function parseGoDuration(input: string): number | undefined {
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  while (s !== '') {
    if (!(s[0] === '.' || (s[0]! >= '0' && s[0]! <= '9'))) return undefined;
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const pre = m[1]!.length > 0;
    const post = m[2] !== undefined && m[2].length > 0;
    if (!pre && !post) return undefined;
    s = s.slice(m[0].length);
    let i = 0;
    while (i < s.length && s[i] !== '.' && !(s[i]! >= '0' && s[i]! <= '9')) i++;
    if (i === 0) return undefined; // missing unit
    const unit = UNIT_NS[s.slice(0, i)];
    if (unit === undefined) return undefined;
    s = s.slice(i);
    const whole = pre ? Number(m[1]) : 0;
    const frac = post ? Number(`0.${m[2]}`) : 0;
    total += whole * unit + frac * unit;
    if (total > 9223372036854775807) return undefined; // overflow: Go errors
  }
  return neg ? -total : total;
}

/** A parsed Quantity: its value in nano-units (k8s rounds finer values up to 1n). */
export interface Quantity {
  readonly nano: bigint;
}

const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_SUFFIX: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const SUFFIX_CHARS = 'eEinumkKMGTP';
/** Quantities are capped at int64 max units (resource.maxAllowed). */
const MAX_NANO = (2n ** 63n - 1n) * 1_000_000_000n;

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** resource.ParseQuantity; undefined where it returns an error. */
export function parseQuantity(str: string): Quantity | undefined {
  if (str.length === 0) return undefined;
  if (str === '0') return { nano: 0n };
  // parseQuantityString: sign, numerator, optional denominator, suffix.
  let pos = 0;
  const end = str.length;
  let positive = true;
  if (str[0] === '-') {
    positive = false;
    pos++;
  } else if (str[0] === '+') pos++;
  while (pos < end && str[pos] === '0') pos++;
  if (pos >= end) return { nano: 0n };
  let i = pos;
  while (i < end && isDigit(str[i])) i++;
  let num = str.slice(pos, i);
  pos = i;
  if (num === '') num = '0';
  let denom = '';
  if (pos < end && str[pos] === '.') {
    pos++;
    i = pos;
    while (i < end && isDigit(str[i])) i++;
    denom = str.slice(pos, i);
    pos = i;
  }
  const suffixStart = pos;
  i = pos;
  while (i < end && SUFFIX_CHARS.includes(str[i]!)) i++;
  pos = i;
  if (pos < end && (str[pos] === '-' || str[pos] === '+')) pos++;
  while (pos < end && isDigit(str[pos])) pos++;
  if (pos < end) return undefined; // ErrFormatWrong
  const suffix = str.slice(suffixStart);

  let exp10 = 0;
  let exp2 = 0;
  if (suffix in DECIMAL_SUFFIX) exp10 = DECIMAL_SUFFIX[suffix]!;
  else if (suffix in BINARY_SUFFIX) exp2 = BINARY_SUFFIX[suffix]!;
  else if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?\d+$/.test(suffix.slice(1))) {
    const e = Number(suffix.slice(1));
    if (!Number.isSafeInteger(e)) return undefined;
    exp10 = e;
  } else return undefined; // ErrSuffix

  // value = (num.denom) × 10^exp10 × 2^exp2, in nano units, rounded up (away from zero).
  // Bound the work on absurd inputs: a huge numerator is capped anyway, and denominator digits
  // beyond nano precision only decide whether to round up.
  if (num.length > 40) return { nano: positive ? MAX_NANO : -MAX_NANO };
  let sticky = false;
  if (denom.length > 60) {
    sticky = /[1-9]/.test(denom.slice(60));
    denom = denom.slice(0, 60);
  }
  const digits = BigInt(num + denom + (sticky ? '1' : '')) * (1n << BigInt(exp2));
  if (digits === 0n) return { nano: 0n };
  const scale = exp10 - denom.length - (sticky ? 1 : 0) + 9; // power of ten applied to `digits`
  if (scale > 40) return { nano: positive ? MAX_NANO : -MAX_NANO };
  let nano: bigint;
  if (scale >= 0) nano = digits * 10n ** BigInt(scale);
  else {
    const div = 10n ** BigInt(Math.min(-scale, 400));
    nano = digits / div + (digits % div === 0n ? 0n : 1n);
  }
  if (nano > MAX_NANO) nano = MAX_NANO;
  return { nano: positive ? nano : -nano };
}

export function compareQuantity(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nano < b.nano ? -1 : a.nano > b.nano ? 1 : 0;
}
