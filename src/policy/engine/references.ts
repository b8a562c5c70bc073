/**
 * Pattern-only substitutions done once at compile time: `$(path)` references, which Kyverno
 * resolves against the pattern document itself (with an optional operator prefix, e.g.
 * `$(<=./../../limits/memory)`), and `{{@}}`, the resource value at the current pattern path.
 */
import { parseAnchor } from './anchor.js';
import { goSprint } from './gofmt.js';
import { operatorOf } from './pattern-value.js';

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const REFERENCE = /(^|[^\\])(\$\(.[^ ]*\))/g;
const AT_VARIABLE = /\{\{\s*@\s*\}\}/g;

/** path.Join + Clean for `/`-separated paths. */
function joinClean(base: string, rel: string): string {
  const out: string[] = [];
  for (const seg of `${base}/${rel}`.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return `/${out.join('/')}`;
}

function lookup(doc: unknown, absPath: string): { found: boolean; value: unknown } {
  let cur: unknown = doc;
  for (const seg of absPath.split('/').filter((s) => s !== '')) {
    const key = parseAnchor(seg)?.key ?? seg;
    if (Array.isArray(cur)) {
      const i = Number(key);
      if (!Number.isInteger(i) || i < 0 || i >= cur.length) return { found: false, value: undefined };
      cur = cur[i];
    } else if (isMap(cur)) {
      const hit = Object.keys(cur).find((k) => k === key || parseAnchor(k)?.key === key);
      if (hit === undefined) return { found: false, value: undefined };
      cur = cur[hit];
    } else return { found: false, value: undefined };
  }
  return { found: true, value: cur };
}

/** Thrown (and turned into a rule error) when a reference cannot be resolved. */
export class PatternReferenceError extends Error {}

function resolveString(s: string, doc: unknown, leafPath: string): string {
  if (!s.includes('$(')) return s;
  return s.replace(REFERENCE, (_all, prefix: string, ref: string) => {
    const inner = ref.replace(/^[$()]+|[$()]+$/g, '');
    const op = operatorOf(inner);
    const opStr = op === 'in-range' || op === 'not-in-range' ? '' : op;
    const p = inner.slice(opStr.length);
    if (p === '') throw new PatternReferenceError(`expected path, found empty reference ${ref}`);
    const abs = p.startsWith('/') ? joinClean('', p) : joinClean(leafPath, p);
    const { found, value } = lookup(doc, abs);
    if (!found || value === null || value === undefined) throw new PatternReferenceError(`failed to resolve reference ${ref} at path ${leafPath}`);
    if (typeof value === 'string') return prefix + opStr + value;
    if (opStr !== '' && typeof value === 'number') return prefix + opStr + goSprint(value);
    throw new PatternReferenceError(`reference ${ref} at path ${leafPath} does not resolve to a string`);
  });
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function jmesPathOf(segments: string[]): string {
  let out = 'request.object';
  for (const seg of segments) {
    const key = parseAnchor(seg)?.key ?? seg;
    if (/^\d+$/.test(seg)) out += `[${seg}]`;
    else out += IDENT.test(key) ? `.${key}` : `.${JSON.stringify(key)}`;
  }
  return out;
}

/** Resolves `$()` references and `{{@}}` throughout a pattern (returns a new value). */
export function preparePattern(pattern: unknown): unknown {
  const walk = (node: unknown, segs: string[]): unknown => {
    if (typeof node === 'string') {
      let s = resolveString(node, pattern, `/${segs.join('/')}`);
      if (s.includes('@')) s = s.replace(AT_VARIABLE, `{{${jmesPathOf(segs)}}}`);
      return s;
    }
    if (Array.isArray(node)) return node.map((x, i) => walk(x, [...segs, String(i)]));
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v, [...segs, k]);
      return out;
    }
    return node;
  };
  return walk(pattern, []);
}
