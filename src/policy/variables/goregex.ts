/**
 * Go `regexp` (RE2 syntax, Perl flags) for Kyverno's regex functions, parsed here and
 * re-emitted as a JS RegExp, so that what RE2 accepts and rejects, and how it matches, holds:
 *
 * - `.` excludes only `\n`; `\s` is `[\t\n\f\r ]`; `\d`, `\w`, `\b` are ASCII; POSIX classes,
 *   `\pL`/`\p{Greek}`, `\Q…\E`, `\x{…}`, octal escapes, `\A`, `\z`, `(?P<n>…)`, `(?i)`,
 *   `(?m)`, `(?s)`, `(?U)` and scoped `(?i:…)` all translate; lookarounds and backreferences
 *   are errors, as in RE2; a `{` that is not a repeat is a literal; repeats over 1000 fail.
 * - Case folding is done here (literals and classes become folded sets) rather than with the
 *   JS `i` flag, and the JS regex is emitted without the `u` flag (code points outside the BMP
 *   become surrogate-pair alternatives). Both keep V8's linear-time engine usable: RE2 never
 *   backtracks, and a policy or resource must not be able to hang us with `(a+)+$`. At load we
 *   ask V8 to switch any regex to its linear engine after excessive backtracking.
 * - `ReplaceAll` follows Go's loop (an empty match right after a match is not replaced) and
 *   Go's `Expand` (`$1`, `${name}`, `$$`; `$1x` names group "1x").
 *
 * Known gaps: case folding beyond simple per-character Unicode mappings (Go uses full orbit
 * tables), and `(?m)` `^`/`$` also treat `\r`, U+2028 and U+2029 as line ends (JS `m`).
 */
import v8 from 'node:v8';
import { GoRegexError, Parser, type Node, type Range } from './goregex-parse.js';

export { GoRegexError };

// Process-wide and harmless for other code: only regexes that backtrack excessively switch
// to the linear engine (which supports every construct we emit for untrusted patterns).
v8.setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

// ---------- emitter ----------

const hex4 = (n: number): string => '\\u' + n.toString(16).padStart(4, '0');

function bmpClass(ranges: Range[]): string {
  return '[' + ranges.map(([a, b]) => (a === b ? hex4(a) : `${hex4(a)}-${hex4(b)}`)).join('') + ']';
}

function emitSet(ranges: Range[]): string {
  const bmp: Range[] = [];
  const astral: Range[] = [];
  for (const [a, b] of ranges) {
    if (b <= 0xffff) bmp.push([a, b]);
    else if (a > 0xffff) astral.push([a, b]);
    else {
      bmp.push([a, 0xffff]);
      astral.push([0x10000, b]);
    }
  }
  const alts: string[] = [];
  // Astral code points first, so a surrogate pair matches as one character.
  for (const [a, b] of astral) {
    const ha = 0xd800 + ((a - 0x10000) >> 10);
    const hb = 0xd800 + ((b - 0x10000) >> 10);
    const la = 0xdc00 + ((a - 0x10000) & 0x3ff);
    const lb = 0xdc00 + ((b - 0x10000) & 0x3ff);
    if (ha === hb) alts.push(hex4(ha) + bmpClass([[la, lb]]));
    else {
      alts.push(hex4(ha) + bmpClass([[la, 0xdfff]]));
      if (hb - ha > 1) alts.push(bmpClass([[ha + 1, hb - 1]]) + bmpClass([[0xdc00, 0xdfff]]));
      alts.push(hex4(hb) + bmpClass([[0xdc00, lb]]));
    }
  }
  if (bmp.length > 0) alts.push(bmpClass(bmp));
  if (alts.length === 0) return '[]';
  return alts.length === 1 ? alts[0]! : '(?:' + alts.join('|') + ')';
}

function emit(node: Node, multiline: boolean): string {
  switch (node.t) {
    case 'set': return emitSet(node.r);
    case 'str': return node.cps.map((cp) => (cp > 0xffff ? String.fromCodePoint(cp).split('').map((u) => hex4(u.charCodeAt(0))).join('') : hex4(cp))).join('');
    case 'bot': return multiline ? '(?<![\\s\\S])' : '^';
    case 'eot': return multiline ? '(?![\\s\\S])' : '$';
    case 'bol': return '^';
    case 'eol': return '$';
    case 'wb': return '\\b';
    case 'nwb': return '\\B';
    case 'empty': return '(?:)';
    case 'group': return (node.index > 0 ? '(' : '(?:') + emit(node.body, multiline) + ')';
    case 'cat': return node.items.map((n) => emit(n, multiline)).join('');
    case 'alt': return node.items.map((n) => emit(n, multiline)).join('|');
    case 'rep': {
      const body = '(?:' + emit(node.body, multiline) + ')';
      const q = node.max === Infinity ? (node.min === 0 ? '*' : node.min === 1 ? '+' : `{${node.min},}`)
        : node.min === 0 && node.max === 1 ? '?' : node.min === node.max ? `{${node.min}}` : `{${node.min},${node.max}}`;
      return body + q + (node.greedy ? '' : '?');
    }
  }
}

export interface GoRegex {
  readonly source: string;
  readonly re: RegExp;
  /** Capture group names by index (index 0 is the whole match). */
  readonly names: readonly (string | undefined)[];
  readonly ast: Node;
}

const cache = new Map<string, GoRegex>();
const CACHE_LIMIT = 2000;
export const MAX_PATTERN_LENGTH = 64 * 1024;

/** `regexp.Compile`: throws GoRegexError where Go returns an error. */
export function compileGoRegex(pattern: string): GoRegex {
  const hit = cache.get(pattern);
  if (hit) return hit;
  if (pattern.length > MAX_PATTERN_LENGTH) throw new GoRegexError('expression too large');
  const parser = new Parser(pattern);
  const ast = parser.parse();
  const js = emit(ast, parser.usesMultiline);
  let re: RegExp;
  try {
    re = new RegExp(js, parser.usesMultiline ? 'gm' : 'g');
  } catch (e) {
    throw new GoRegexError(`expression too large or unsupported: ${(e as Error).message}`);
  }
  const compiled: GoRegex = { source: pattern, re, names: parser.names, ast };
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(pattern, compiled);
  return compiled;
}

/** `regexp.MatchString`. */
export function goRegexMatch(pattern: string, s: string): boolean {
  const { re } = compileGoRegex(pattern);
  re.lastIndex = 0;
  return re.exec(s) !== null;
}

/** Go's `Regexp.Expand` of a template against one match. */
function expand(template: string, m: RegExpExecArray, names: readonly (string | undefined)[]): string {
  let out = '';
  let t = template;
  for (;;) {
    const i = t.indexOf('$');
    if (i < 0) break;
    out += t.slice(0, i);
    t = t.slice(i + 1);
    if (t.startsWith('$')) {
      out += '$';
      t = t.slice(1);
      continue;
    }
    const em = /^(\{)?([\p{L}\p{Nd}_]+)/u.exec(t);
    let len = em ? em[0].length : 0;
    if (!em || (em[1] && t[len] !== '}')) {
      out += '$'; // malformed: the $ stays as text
      continue;
    }
    if (em[1]) len++;
    const name = em[2]!;
    t = t.slice(len);
    let num = /^[0-9]+$/.test(name) && name.length <= 8 && !(name.length > 1 && name[0] === '0') ? Number(name) : -1;
    if (num < 0) num = name === '' ? -1 : names.indexOf(name);
    if (num >= 0) {
      const g = m[num];
      if (g !== undefined) out += g;
    }
  }
  return out + t;
}

/** `Regexp.ReplaceAllString` (literal=false) and `ReplaceAllLiteralString` (literal=true). */
export function goRegexReplaceAll(pattern: string, src: string, repl: string, literal: boolean): string {
  const { re, names } = compileGoRegex(pattern);
  let out = '';
  let lastMatchEnd = 0;
  let searchPos = 0;
  while (searchPos <= src.length) {
    re.lastIndex = searchPos;
    const m = re.exec(src);
    if (!m) break;
    const a0 = m.index;
    const a1 = a0 + m[0].length;
    out += src.slice(lastMatchEnd, a0);
    if (a1 > lastMatchEnd || a0 === 0) out += literal ? repl : expand(repl, m, names);
    lastMatchEnd = a1;
    const cp = src.codePointAt(searchPos);
    const width = cp === undefined ? 0 : cp > 0xffff ? 2 : 1;
    if (searchPos + width > a1) searchPos += width;
    else if (searchPos + 1 > a1) searchPos++;
    else searchPos = a1;
  }
  return out + src.slice(lastMatchEnd);
}

// ---------- generation (Kyverno's random(), after zach-klippenstein/goregen) ----------

const MAX_UNBOUNDED_REPEAT = 10;
const PRINTABLE: Range[] = [[0x20, 0x7e]];

function pick(ranges: Range[], rand: () => number): number | undefined {
  // '.' and negated classes span all of Unicode: draw from printable ASCII within them, as
  // goregen's output is meant to be readable; fall back to the whole set.
  const within: Range[] = [];
  for (const [a, b] of ranges) {
    const lo = Math.max(a, PRINTABLE[0]![0]);
    const hi = Math.min(b, PRINTABLE[0]![1]);
    if (lo <= hi) within.push([lo, hi]);
  }
  const pool = within.length > 0 && ranges.some(([a, b]) => b - a > 0x7f) ? within : ranges;
  const total = pool.reduce((n, [a, b]) => n + (b - a + 1), 0);
  if (total === 0) return undefined;
  let k = Math.floor(rand() * total);
  for (const [a, b] of pool) {
    const size = b - a + 1;
    if (k < size) return a + k;
    k -= size;
  }
  return pool[pool.length - 1]![1];
}

/** A random string matching `pattern` (Kyverno's `random()`); bounded output. */
export function generateFromGoRegex(pattern: string, rand: () => number, maxLength = 64 * 1024): string {
  const { ast } = compileGoRegex(pattern);
  let out = '';
  const gen = (n: Node): void => {
    if (out.length > maxLength) throw new GoRegexError('generated string too long');
    switch (n.t) {
      case 'set': {
        const cp = pick(n.r, rand);
        if (cp === undefined) throw new GoRegexError('empty character class');
        out += String.fromCodePoint(cp);
        return;
      }
      case 'str': out += String.fromCodePoint(...n.cps); return;
      case 'group': gen(n.body); return;
      case 'cat': n.items.forEach(gen); return;
      case 'alt': gen(n.items[Math.floor(rand() * n.items.length)]!); return;
      case 'rep': {
        const max = n.max === Infinity ? n.min + MAX_UNBOUNDED_REPEAT : n.max;
        const count = n.min + Math.floor(rand() * (max - n.min + 1));
        for (let i = 0; i < count; i++) gen(n.body);
        return;
      }
      default:
        return; // anchors and empty generate nothing
    }
  };
  gen(ast);
  return out;
}
