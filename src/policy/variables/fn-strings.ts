/**
 * Kyverno's string, regex, conversion and object functions (pkg/engine/jmespath/functions.go),
 * with Go's `strings` semantics: `replace` with a negative count replaces all, an empty `old`
 * inserts between code points, `split` on "" splits into code points, case mapping is per code
 * point (Go's simple mapping: "ß" stays "ß").
 */
import { Scalar, parseAllDocuments, visit } from 'yaml';
import { compareCodePoints, goJson } from './gofmt.js';
import { GoRegexError, goRegexMatch, goRegexReplaceAll } from './goregex.js';
import { JpLimitError, MAX_STRING_LENGTH, checkArray, checkString, fnError, ifaceToString, intNumber, type FnSpec } from './jp-common.js';
import { isObject } from './json.js';
import { wildcardMatch } from './wildcard.js';

function mapCodePoints(s: string, f: (c: string) => string): string {
  let out = '';
  for (const c of s) {
    const m = f(c);
    out += Array.from(m).length === 1 ? m : c;
  }
  return out;
}

/** `strings.EqualFold`: equal under simple Unicode case folding. */
function equalFold(a: string, b: string): boolean {
  const x = Array.from(a);
  const y = Array.from(b);
  if (x.length !== y.length) return false;
  const fold = (c: string): string => {
    const l = c.toLowerCase();
    const u = c.toUpperCase();
    const lu = Array.from(u).length === 1 ? u.toLowerCase() : l;
    return Array.from(lu).length === 1 ? lu : c;
  };
  return x.every((c, i) => c === y[i] || fold(c) === fold(y[i]!));
}

/** `strings.Replace(s, old, new, n)`. */
function goReplace(s: string, old: string, repl: string, n: number): string {
  if (old === repl || n === 0) return s;
  const runes = old === '' ? Array.from(s) : undefined;
  const count = runes ? runes.length + 1 : s.split(old).length - 1;
  if (count === 0) return s;
  const times = n < 0 || count < n ? count : n;
  // Refuse before building: replace_all(s, '', big) multiplies sizes.
  if (s.length + times * (repl.length - old.length) > MAX_STRING_LENGTH) {
    throw new JpLimitError(`string result longer than ${MAX_STRING_LENGTH} characters`);
  }
  if (runes) {
    let out = '';
    for (let i = 0; i < runes.length; i++) out += (i < times ? repl : '') + runes[i];
    return times > runes.length ? out + repl : out;
  }
  let out = '';
  let start = 0;
  for (let i = 0; i < times; i++) {
    const j = s.indexOf(old, start);
    out += s.slice(start, j) + repl;
    start = j + old.length;
  }
  return out + s.slice(start);
}

/** `strings.Trim(s, cutset)`. */
function goTrim(s: string, cutset: string): string {
  const cut = new Set(Array.from(cutset));
  const runes = Array.from(s);
  let a = 0;
  let b = runes.length;
  while (a < b && cut.has(runes[a]!)) a++;
  while (b > a && cut.has(runes[b - 1]!)) b--;
  return runes.slice(a, b).join('');
}

/** `base64.StdEncoding.DecodeString`: padding required, `\r` and `\n` ignored. */
function decodeBase64(name: string, input: string): string {
  const s = input.replace(/[\r\n]/g, '');
  if (s.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:={0,2})$/.test(s) || /=[^=]/.test(s)) {
    throw fnError(name, `illegal base64 data at input byte ${Math.max(0, s.search(/[^A-Za-z0-9+/]/))}`);
  }
  return new TextDecoder('utf-8', { fatal: false }).decode(Buffer.from(s, 'base64'));
}

/** `filepath.Join(p)` on Linux: `path.Clean`, and "" stays "". */
function cleanPath(p: string): string {
  if (p === '') return '';
  const rooted = p.startsWith('/');
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  return rooted ? '/' + joined : joined === '' ? '.' : joined;
}

/** sigs.k8s.io/yaml: YAML 1.1 (go-yaml v2) into JSON; the first document only. */
function parseYaml(name: string, text: string): unknown {
  const docs = parseAllDocuments(text, { version: '1.1', prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const doc = list[0];
  if (!doc) return null;
  if (doc.errors.length > 0) throw fnError(name, doc.errors[0]!.message.split('\n')[0]!);
  // A block scalar running to the end of input without a line break gets none from go-yaml;
  // the yaml package adds one.
  if (!text.endsWith('\n')) {
    visit(doc, {
      Scalar(_key, node: Scalar) {
        const block = node.type === Scalar.BLOCK_FOLDED || node.type === Scalar.BLOCK_LITERAL;
        if (block && node.range && node.range[1] >= text.length && typeof node.value === 'string' && node.value.endsWith('\n')) {
          node.value = node.value.slice(0, -1);
        }
      },
    });
  }
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  const toJson = (v: unknown, depth: number): unknown => {
    if (depth > 1000) throw fnError(name, 'document nests too deeply');
    if (v instanceof Map) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of v) o[typeof k === 'string' ? k : goJson(k).replace(/^"|"$/g, '')] = toJson(x, depth + 1);
      return o;
    }
    if (Array.isArray(v)) return v.map((x) => toJson(x, depth + 1));
    if (isObject(v)) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = toJson(x, depth + 1);
      return o;
    }
    if (v instanceof Date) return v.toISOString().replace('.000Z', 'Z');
    if (typeof v === 'bigint') return Number(v);
    return v === undefined ? null : v;
  };
  return toJson(value, 0);
}

function regex<T>(name: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof GoRegexError) throw fnError(name, `error parsing regexp: ${e.message}`);
    throw e;
  }
}

export const STRING_FUNCTIONS: FnSpec[] = [
  { name: 'compare', args: [['string'], ['string']], fn: ([a, b]) => compareCodePoints(a as string, b as string) },
  { name: 'equal_fold', args: [['string'], ['string']], fn: ([a, b]) => equalFold(a as string, b as string) },
  {
    name: 'replace',
    args: [['string'], ['string'], ['string'], ['number']],
    fn: ([s, o, r, n]) => checkString(goReplace(s as string, o as string, r as string, Math.trunc(n as number))),
  },
  { name: 'replace_all', args: [['string'], ['string'], ['string']], fn: ([s, o, r]) => checkString(goReplace(s as string, o as string, r as string, -1)) },
  { name: 'to_upper', args: [['string']], fn: ([s]) => mapCodePoints(s as string, (c) => c.toUpperCase()) },
  { name: 'to_lower', args: [['string']], fn: ([s]) => mapCodePoints(s as string, (c) => c.toLowerCase()) },
  { name: 'trim', args: [['string'], ['string']], fn: ([s, c]) => goTrim(s as string, c as string) },
  {
    name: 'trim_prefix',
    args: [['string'], ['string']],
    fn: ([s, p]) => ((s as string).startsWith(p as string) ? (s as string).slice((p as string).length) : s),
  },
  {
    name: 'split',
    args: [['string'], ['string']],
    fn: ([s, sep]) => checkArray(sep === '' ? Array.from(s as string) : (s as string).split(sep as string)),
  },
  {
    name: 'truncate',
    args: [['string'], ['number']],
    fn: ([s, n]) => {
      const len = Math.max(0, Math.trunc(n as number));
      const runes = Array.from(s as string);
      return runes.length <= len ? s : runes.slice(0, len).join('');
    },
  },
  {
    name: 'regex_replace_all',
    args: [['string'], ['string', 'number'], ['string', 'number']],
    fn: (args) => {
      const src = ifaceToString('regex_replace_all', args[1], 1);
      const repl = ifaceToString('regex_replace_all', args[2], 2);
      return checkString(regex('regex_replace_all', () => goRegexReplaceAll(args[0] as string, src, repl, false)));
    },
  },
  {
    name: 'regex_replace_all_literal',
    args: [['string'], ['string', 'number'], ['string', 'number']],
    fn: (args) => {
      const src = ifaceToString('regex_replace_all_literal', args[1], 1);
      const repl = ifaceToString('regex_replace_all_literal', args[2], 2);
      return checkString(regex('regex_replace_all_literal', () => goRegexReplaceAll(args[0] as string, src, repl, true)));
    },
  },
  {
    name: 'regex_match',
    args: [['string'], ['string', 'number']],
    fn: (args) => regex('regex_match', () => goRegexMatch(args[0] as string, ifaceToString('regex_match', args[1], 1))),
  },
  {
    name: 'pattern_match',
    args: [['string'], ['string', 'number']],
    fn: (args) => wildcardMatch(args[0] as string, ifaceToString('pattern_match', args[1], 1)),
  },
  {
    name: 'label_match',
    args: [['object'], ['object']],
    fn: ([labels, match]) => {
      const l = labels as Record<string, unknown>;
      const m = match as Record<string, unknown>;
      return Object.keys(l).every((k) => {
        if (!Object.prototype.hasOwnProperty.call(m, k)) return false;
        if (typeof l[k] === 'object' && l[k] !== null && typeof m[k] === 'object' && m[k] !== null) {
          throw fnError('label_match', 'comparing uncomparable type');
        }
        return (m[k] ?? null) === (l[k] ?? null);
      });
    },
  },
  {
    name: 'to_boolean',
    args: [['string']],
    fn: ([s]) => {
      const v = (s as string).toLowerCase();
      if (v === 'true') return true;
      if (v === 'false') return false;
      throw fnError('to_boolean', `lowercase argument must be 'true' or 'false' (provided: '${s as string}')`);
    },
  },
  { name: 'base64_decode', args: [['string']], fn: ([s]) => checkString(decodeBase64('base64_decode', s as string)) },
  { name: 'base64_encode', args: [['string']], fn: ([s]) => checkString(Buffer.from(s as string, 'utf8').toString('base64')) },
  { name: 'path_canonicalize', args: [['string']], fn: ([s]) => cleanPath(s as string) },
  {
    name: 'parse_json',
    args: [['string']],
    fn: ([s]) => {
      try {
        return JSON.parse(s as string) as unknown;
      } catch (e) {
        throw fnError('parse_json', (e as Error).message);
      }
    },
  },
  { name: 'parse_yaml', args: [['string']], fn: ([s]) => parseYaml('parse_yaml', s as string) },
  {
    name: 'lookup',
    args: [['object', 'array'], ['string', 'number']],
    fn: ([coll, key]) => {
      if (isObject(coll)) {
        if (typeof key !== 'string') throw fnError('lookup', 'argument #2 is not of type String');
        return Object.prototype.hasOwnProperty.call(coll, key) ? coll[key] ?? null : null;
      }
      const arr = coll as unknown[];
      if (typeof key !== 'number') throw fnError('lookup', 'argument #2 is not of type Number');
      const i = intNumber('lookup', key, 1);
      return i < 0 || i >= arr.length ? null : arr[i] ?? null;
    },
  },
  {
    name: 'items',
    args: [['object', 'array'], ['string'], ['string']],
    fn: ([input, keyName, valName]) => {
      const k = keyName as string;
      const v = valName as string;
      if (Array.isArray(input)) return input.map((value, i) => ({ [k]: i, [v]: value }));
      const o = input as Record<string, unknown>;
      return Object.keys(o).sort(compareCodePoints).map((key) => ({ [k]: key, [v]: o[key] }));
    },
  },
  {
    name: 'object_from_lists',
    args: [['array'], ['array']],
    fn: ([keys, values]) => {
      const out: Record<string, unknown> = {};
      const vals = values as unknown[];
      (keys as unknown[]).forEach((key, i) => {
        let name: string;
        try {
          name = ifaceToString('object_from_lists', key, 0);
        } catch {
          throw fnError('object_from_lists', '1 argument is expected of StringArray type');
        }
        out[name] = i < vals.length ? vals[i] : null;
      });
      return out;
    },
  },
];
