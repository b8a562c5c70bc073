/**
 * Go's text forms of JSON values, so that what Kyverno prints we print byte for byte:
 * `encoding/json` (sorted keys, HTML-safe escapes) for spliced variables and `to_string`,
 * and the float forms of `fmt` and `strconv` that Kyverno's functions use.
 */

/** Compare strings by code point, as Go compares UTF-8 bytes (JS `<` compares UTF-16 units). */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.codePointAt(i)!;
    const y = b.codePointAt(i)!;
    if (x !== y) return x < y ? -1 : 1;
    if (x > 0xffff) i++;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

const HEX = '0123456789abcdef';

function quoteGo(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) {
      // A lone surrogate is invalid UTF-8 in Go, which writes U+FFFD.
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        out += s[i]! + s[i + 1]!;
        i++;
      } else out += '\\ufffd';
      continue;
    }
    switch (c) {
      case 0x22: out += '\\"'; break;
      case 0x5c: out += '\\\\'; break;
      case 0x08: out += '\\b'; break;
      case 0x0c: out += '\\f'; break;
      case 0x0a: out += '\\n'; break;
      case 0x0d: out += '\\r'; break;
      case 0x09: out += '\\t'; break;
      case 0x3c: case 0x3e: case 0x26: case 0x2028: case 0x2029:
        out += '\\u' + c.toString(16).padStart(4, '0');
        break;
      default:
        if (c < 0x20) out += '\\u00' + HEX[c >> 4]! + HEX[c & 15]!;
        else out += s[i]!;
    }
  }
  return out + '"';
}

/** Go's encoding of a float64 in JSON; JS's shortest form uses the same digits and thresholds. */
export function goJsonNumber(n: number): string {
  if (!Number.isFinite(n)) throw new RangeError(`json: unsupported value: ${n}`);
  if (Object.is(n, -0)) return '-0';
  return String(n);
}

/** `json.Marshal` of a JSON value: map keys sorted, `<>&` escaped as Go does; `charge` is called per node. */
export function goJson(value: unknown, charge?: (n: number) => void): string {
  charge?.(1);
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'string': return quoteGo(value);
    case 'number': return goJsonNumber(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'bigint': return value.toString();
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map((v) => goJson(v, charge)).join(',') + ']';
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort(compareCodePoints);
      return '{' + keys.map((k) => quoteGo(k) + ':' + goJson(obj[k], charge)).join(',') + '}';
    }
    default:
      throw new TypeError(`json: unsupported type ${typeof value}`);
  }
}

/** Write a decimal (possibly in JS exponent form) without an exponent: "1e-7" → "0.0000001". */
function toPlainDecimal(s: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = int! + frac;
  const point = int!.length + exp;
  let out: string;
  if (point <= 0) out = '0.' + '0'.repeat(-point) + digits;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = digits.slice(0, point) + '.' + digits.slice(point);
  out = out.replace(/^0+(?=\d)/, '');
  if (out.includes('.')) out = out.replace(/\.?0+$/, '');
  return sign + out;
}

/** `strconv.FormatFloat(f, 'f', -1, 32)`: shortest float32 digits, no exponent (Kyverno's `ifaceToString`). */
export function formatFloat32(n: number): string {
  const f = Math.fround(n);
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : f < 0 ? '-Inf' : 'NaN';
  if (f === 0) return Object.is(f, -0) ? '-0' : '0';
  for (let p = 1; p <= 9; p++) {
    const s = f.toPrecision(p);
    if (Math.fround(Number(s)) === f) return toPlainDecimal(Number(s).toString());
  }
  return toPlainDecimal(String(f));
}

/** `fmt.Sprintf("%v", f)` for a float64: Go's `%g` with shortest digits, `e` form when exp < -4 or >= 6. */
export function formatGoV(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : '-Inf';
  if (n === 0) return Object.is(n, -0) ? '-0' : '0';
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(n.toExponential())!;
  const exp = Number(m[4]);
  if (exp < -4 || exp >= 6) {
    const mant = m[3] ? `${m[2]}.${m[3]}` : m[2]!;
    const abs = Math.abs(exp);
    return `${m[1]}${mant}e${exp < 0 ? '-' : '+'}${abs < 10 ? '0' + abs : String(abs)}`;
  }
  return toPlainDecimal(String(n));
}

/** Go's `strconv.ParseFloat(s, 64)` for decimal and hex floats, `inf` and `nan` (underscores are not accepted). */
export function parseGoFloat(s: string): number | undefined {
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return Number(s);
  const hex = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)$/.exec(s);
  if (hex && (hex[2] || hex[3])) {
    const mant = parseInt((hex[2] || '0') + (hex[3] || ''), 16) / 16 ** (hex[3]?.length ?? 0);
    return (hex[1] === '-' ? -1 : 1) * mant * 2 ** Number(hex[4]);
  }
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  if (/^[+-]?nan$/i.test(s)) return NaN;
  return undefined;
}
