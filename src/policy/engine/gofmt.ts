/**
 * Go's scalar parsing and formatting as Kyverno's comparisons rely on them: strconv.ParseFloat
 * and ParseInt, FormatFloat('E'), fmt's `%f` and `%v`. Kyverno reads resources as int64 and
 * float64; JSON numbers here are a single type, so an integral number counts as an int unless
 * the caller says it came through JMESPath (where Go has only float64).
 */

const DEC_FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)$/;
const SPECIAL_FLOAT = /^([+-]?)(inf|infinity|nan)$/i;

/** strconv.ParseFloat(s, 64); undefined where Go returns an error (syntax or range). */
export function goParseFloat(s: string): number | undefined {
  if (DEC_FLOAT.test(s)) {
    const v = Number(s);
    return Number.isFinite(v) ? v : undefined;
  }
  const sp = SPECIAL_FLOAT.exec(s);
  if (sp) {
    if (sp[2]!.toLowerCase() === 'nan') return NaN;
    return sp[1] === '-' ? -Infinity : Infinity;
  }
  const hx = HEX_FLOAT.exec(s);
  if (hx && (hx[2]! + (hx[3] ?? '')).length > 0) {
    const digits = hx[2]! + (hx[3] ?? '');
    const v = parseInt(digits, 16) * Math.pow(2, Number(hx[4]) - 4 * (hx[3] ?? '').length);
    if (!Number.isFinite(v)) return undefined;
    return hx[1] === '-' ? -v : v;
  }
  return undefined;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** strconv.ParseInt(s, 10, 64). */
export function goParseInt(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const b = BigInt(s);
  if (b < INT64_MIN || b > INT64_MAX) return undefined;
  return Number(b);
}

/** strconv.FormatFloat(v, 'E', -1, 64): shortest digits, `1.5E+00`, exponent at least two digits. */
export function goFormatE(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  const [mant, exp] = v.toExponential().split('e') as [string, string];
  const sign = exp.startsWith('-') ? '-' : '+';
  const digits = exp.replace(/^[+-]/, '');
  return `${mant}E${sign}${digits.padStart(2, '0')}`;
}

/** fmt's `%f` (six decimals). */
export function goFormatF(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return v.toFixed(6);
}

/** fmt's `%v` of a float64 (strconv 'g', shortest): exponent form below 1e-4 or from 1e6 up (`1e+06`). */
export function goFormatFloatV(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [mant, expStr] = v.toExponential().split('e') as [string, string];
  const exp = Number(expStr);
  if (exp < -4 || exp >= 6) {
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mant}e${exp < 0 ? '-' : '+'}${digits}`;
  }
  return String(v);
}

/**
 * fmt.Sprint of a JSON value as Go holds it. `floats`: numbers are float64 (values that came
 * through JMESPath or the policy document); otherwise integral numbers print as int64.
 */
export function goSprint(v: unknown, floats = true): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return !floats && Number.isInteger(v) ? String(v) : goFormatFloatV(v);
  if (Array.isArray(v)) return `[${v.map((x) => goSprint(x, floats)).join(' ')}]`;
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).sort();
    return `map[${keys.map((k) => `${k}:${goSprint(o[k], floats)}`).join(' ')}]`;
  }
  return String(v);
}
