/**
 * Kubernetes `resource.Quantity` (k8s.io/apimachinery/pkg/api/resource), as Kyverno uses it in
 * patterns, conditions and arithmetic: parse ("1Gi", "500m", "1e3", "1.5"), compare, print in
 * canonical form. Values are exact decimals: `unscaled × 10^-scale`, where `scale` is the
 * inf.Dec scale Go would hold (it matters for division rounding and float conversion).
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  readonly unscaled: bigint;
  /** inf.Dec scale: the value is unscaled × 10^-scale. */
  readonly scale: number;
  readonly format: QuantityFormat;
}

const DEC_SUFFIXES: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BIN_SUFFIXES: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DEC_BY_EXP = new Map(Object.entries(DEC_SUFFIXES).map(([k, v]) => [v, k]));
const BIN_BY_EXP = new Map(Object.entries(BIN_SUFFIXES).map(([k, v]) => [v, k]));

/** Exponents beyond this would make Go allocate unbounded decimals; we refuse them (untrusted input). */
const MAX_EXPONENT = 1000;
const MAX_INT64 = (1n << 63n) - 1n;
const NANO_SCALE = 9;

const pow10 = (n: number): bigint => 10n ** BigInt(n);

interface Parts {
  positive: boolean;
  value: string;
  num: string;
  denom: string;
  suffix: string;
}

/** k8s `parseQuantityString`, quirks included ("." and "-" parse as zero, "1." as one). */
function splitQuantity(str: string): Parts | undefined {
  let positive = true;
  let pos = 0;
  const end = str.length;
  const digit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9';
  if (pos < end && (str[0] === '-' || str[0] === '+')) {
    positive = str[0] !== '-';
    pos++;
  }
  for (;;) {
    if (pos >= end) return { positive, value: '0', num: '0', denom: '', suffix: '' };
    if (str[pos] !== '0') break;
    pos++;
  }
  let i = pos;
  while (i < end && digit(str[i])) i++;
  let num = str.slice(pos, i);
  if (i >= end) return { positive, value: str, num, denom: '', suffix: '' };
  pos = i;
  if (num.length === 0) num = '0';
  let denom = '';
  if (str[pos] === '.') {
    pos++;
    let j = pos;
    while (j < end && digit(str[j])) j++;
    denom = str.slice(pos, j);
    if (j >= end) return { positive, value: str, num, denom, suffix: '' };
    pos = j;
  }
  const value = str.slice(0, pos);
  const suffixStart = pos;
  let k = pos;
  while (k < end && 'eEinumkKMGTP'.includes(str[k]!)) k++;
  if (k >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
  pos = k;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  for (let m = pos; ; m++) {
    if (m >= end) return { positive, value, num, denom, suffix: str.slice(suffixStart) };
    if (!digit(str[m])) return undefined; // ErrFormatWrong
  }
}

function interpretSuffix(suffix: string): { base: 10 | 2; exponent: number; format: QuantityFormat } | undefined {
  if (suffix in DEC_SUFFIXES) return { base: 10, exponent: DEC_SUFFIXES[suffix]!, format: 'DecimalSI' };
  if (suffix in BIN_SUFFIXES) return { base: 2, exponent: BIN_SUFFIXES[suffix]!, format: 'BinarySI' };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const t = suffix.slice(1);
    if (!/^[+-]?\d+$/.test(t)) return undefined;
    const exponent = Number(t);
    if (!Number.isSafeInteger(exponent) || Math.abs(exponent) > MAX_EXPONENT) return undefined;
    return { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

/** Divide rounding away from zero (inf.RoundUp) or toward zero (inf.RoundDown). */
function divRound(a: bigint, b: bigint, up: boolean): bigint {
  const q = a / b;
  if (!up || a % b === 0n) return q;
  return (a < 0n) !== (b < 0n) ? q - 1n : q + 1n;
}

/** Rescale to `scale` (inf.Dec QuoRound by 1). */
function rescale(unscaled: bigint, from: number, to: number, up: boolean): bigint {
  if (to >= from) return unscaled * pow10(to - from);
  return divRound(unscaled, pow10(from - to), up);
}

/** `resource.ParseQuantity`; undefined where Go returns an error. */
export function parseQuantity(str: string): Quantity | undefined {
  if (str.length === 0) return undefined;
  if (str === '0') return { unscaled: 0n, scale: 0, format: 'DecimalSI' };
  const parts = splitQuantity(str);
  if (!parts) return undefined;
  const suf = interpretSuffix(parts.suffix);
  if (!suf) return undefined;
  const { positive, num, denom } = parts;
  let { format } = suf;
  const { base, exponent } = suf;

  // The int64 fast path keeps the value at its written precision.
  let precision: number;
  let scale = 0; // int64Amount scale: value × 10^scale
  let mantissa = 1n;
  if (base === 10) {
    scale = exponent;
    precision = 18 - (num.length + denom.length);
  } else if (exponent >= 0 && denom.length === 0) {
    mantissa = 1n << BigInt(exponent);
    precision = 15 - num.length - Math.trunc(Math.fround(exponent) * 3 / 10) - 1;
  } else precision = -1;
  if (precision >= 0) {
    scale -= denom.length;
    if (scale >= -NANO_SCALE) {
      const value = BigInt(num + denom) * mantissa;
      if (value <= MAX_INT64) return { unscaled: positive ? value : -value, scale: -scale, format };
    }
  }

  // Slow path: exact decimal, rounded up to nanos, binary capped at int64.
  let unscaled = BigInt((num === '' ? '0' : num) + denom);
  let decScale = denom.length;
  if (base === 10) decScale -= exponent;
  else unscaled *= 1n << BigInt(exponent);
  if (unscaled !== 0n) {
    unscaled = rescale(unscaled, decScale, NANO_SCALE, true);
    decScale = NANO_SCALE;
  }
  if (format === 'BinarySI' && compareParts(unscaled, decScale, MAX_INT64, 0) > 0) {
    unscaled = MAX_INT64 * pow10(decScale);
  }
  if (format === 'BinarySI' && unscaled > 0n && compareParts(unscaled, decScale, 1n, 0) < 0) format = 'DecimalSI';
  return { unscaled: positive ? unscaled : -unscaled, scale: decScale, format };
}

function digitCount(n: bigint): number {
  return (n < 0n ? -n : n).toString().length;
}

function compareParts(a: bigint, sa: number, b: bigint, sb: number): number {
  const signA = a === 0n ? 0 : a < 0n ? -1 : 1;
  const signB = b === 0n ? 0 : b < 0n ? -1 : 1;
  if (signA !== signB) return signA < signB ? -1 : 1;
  if (signA === 0) return 0;
  // Orders of magnitude first, so huge scale gaps never materialise huge numbers.
  const magA = digitCount(a) - sa;
  const magB = digitCount(b) - sb;
  if (magA !== magB) return (magA < magB ? -1 : 1) * signA;
  const s = Math.max(sa, sb);
  const x = a * pow10(s - sa);
  const y = b * pow10(s - sb);
  return x === y ? 0 : x < y ? -1 : 1;
}

/** `Quantity.Cmp`: -1, 0 or 1. */
export function compareQuantity(a: Quantity, b: Quantity): number {
  return compareParts(a.unscaled, a.scale, b.unscaled, b.scale);
}

export function isZeroQuantity(q: Quantity): boolean {
  return q.unscaled === 0n;
}

/** `Quantity.AsApproximateFloat64`. */
export function quantityToNumber(q: Quantity): number {
  const base = Number(q.unscaled);
  const exponent = -q.scale;
  return exponent === 0 ? base : base * 10 ** exponent;
}

function removeFactors(value: bigint, base: bigint): { amount: bigint; times: number } {
  let amount = value;
  let times = 0;
  while (amount !== 0n && amount % base === 0n) {
    amount /= base;
    times++;
  }
  return { amount, times };
}

/** `Quantity.String()`: the canonical form ("1536Mi" → "1536Mi", "1.5Gi" → "1536Mi", "0.5" → "500m"). */
export function formatQuantity(q: Quantity): string {
  if (q.unscaled === 0n) return '0';
  let format = q.format;
  if (format === 'BinarySI') {
    if (compareParts(q.unscaled, q.scale, -1024n, 0) > 0 && compareParts(q.unscaled, q.scale, 1024n, 0) < 0) {
      format = 'DecimalSI';
    } else if (q.scale > 0 && q.unscaled % pow10(q.scale) !== 0n) {
      format = 'DecimalSI'; // not an integer: showing it in binary units would round
    }
  }
  if (format === 'BinarySI') {
    const int = q.scale >= 0 ? q.unscaled / pow10(q.scale) : q.unscaled * pow10(-q.scale);
    const { amount, times } = removeFactors(int, 1024n);
    return amount.toString() + (BIN_BY_EXP.get(times * 10) ?? '');
  }
  const { amount: reduced, times } = removeFactors(q.unscaled, 10n);
  let amount = reduced;
  let exponent = -q.scale + times;
  while (exponent % 3 !== 0) {
    amount *= 10n;
    exponent--;
  }
  let suffix: string;
  if (format === 'DecimalExponent') suffix = exponent === 0 ? '' : `e${exponent}`;
  else suffix = DEC_BY_EXP.get(exponent) ?? ''; // Go prints no suffix when none exists (a k8s quirk we keep)
  return amount.toString() + suffix;
}

/** `Quantity.Add` (format of the left operand unless it is zero). */
export function addQuantity(a: Quantity, b: Quantity): Quantity {
  const s = Math.max(a.scale, b.scale);
  return {
    unscaled: a.unscaled * pow10(s - a.scale) + b.unscaled * pow10(s - b.scale),
    scale: s,
    format: a.unscaled === 0n ? b.format : a.format,
  };
}

/** `Quantity.Sub`. */
export function subtractQuantity(a: Quantity, b: Quantity): Quantity {
  return addQuantity(a, { ...b, unscaled: -b.unscaled, format: b.format });
}

/** inf.Dec multiplication (scales add), kept in `format`. */
export function multiplyQuantity(a: Quantity, b: Quantity, format: QuantityFormat): Quantity {
  return { unscaled: a.unscaled * b.unscaled, scale: a.scale + b.scale, format };
}

/** inf.Dec QuoRound(a, b, scale, RoundDown). */
export function divideQuantity(a: Quantity, b: Quantity, scale: number, format: QuantityFormat): Quantity {
  // a/b at `scale`: (ua·10^-sa)/(ub·10^-sb) = (ua·10^(scale - sa + sb)) / ub · 10^-scale
  const shift = scale - a.scale + b.scale;
  const num = shift >= 0 ? a.unscaled * pow10(shift) : a.unscaled;
  const den = shift >= 0 ? b.unscaled : b.unscaled * pow10(-shift);
  return { unscaled: num / den, scale, format };
}

/** A quantity holding an int64, as `resource.NewQuantity`. */
export function quantityFromInt(n: bigint, format: QuantityFormat): Quantity {
  return { unscaled: n, scale: 0, format };
}
