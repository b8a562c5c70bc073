/**
 * `{{ }}` substitution as Kyverno's pkg/engine/variables/vars.go does it, over every string
 * leaf and map key of a document:
 *
 * - Variables match `(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})`; `\{{…}}` is an escape, left as
 *   `{{…}}` at the end.
 * - A string that is exactly one variable becomes the value with its JSON type; otherwise the
 *   value is spliced in, strings as they are and anything else as Go's json.Marshal (`null` for
 *   nil). The string is scanned again until no variable is left, so a variable's value or a
 *   nested `{{a.{{b}}}}` is resolved too; `{{- x}}` is shallow: its value is not expanded again.
 * - `{{@}}` is the path of the string being substituted, under `request.object` (or `target`
 *   when the context has one); on DELETE, `request.object` in a variable reads
 *   `request.oldObject`.
 * - `$(./../path)` references, resolved first, read a string elsewhere in the same document
 *   relative to the current path (anchors in the path are ignored), with an optional operator
 *   prefix (`$(<=./../limit)`).
 *
 * Missing keys follow the mode: 'error' raises PolicyError VARIABLE; 'nil' (preconditions and
 * conditions) turns any evaluation failure into nil, as Kyverno's preconditions resolver does.
 */
import { PolicyError } from '../types.js';
import { goJson } from './gofmt.js';
import { DEFAULT_STEP_BUDGET, compileExpression, evaluate } from './jmespath.js';
import { Budget, JpLimitError, JpNotFound, JpSyntaxError, MAX_STRING_LENGTH } from './jp-common.js';
import { isObject } from './json.js';

export type MissingMode = 'error' | 'nil';

export interface EvalContext {
  readonly root: Record<string, unknown>;
  readonly now: Date;
  readonly random: () => number;
}

export interface SubstituteOptions {
  /**
   * Where `node` sits under `request.object` (or `target`), for `{{@}}`: e.g. `['spec',
   * 'template']` for an autogen pattern. Default: the node is at the object's root. Kyverno
   * derives it from the rule path by dropping `validate.pattern` (and what precedes `foreach`).
   */
  readonly path?: readonly (string | number)[];
}

const VARIABLES = /(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})/g;
const ESCAPED_VARIABLES = /\\\{\{(?:\{[^{}]*\}|[^{}])*\}\}/g;
const REFERENCES = /^\$\(.[^ ]*\)|[^\\]\$\(.[^ ]*\)/g;
const ESCAPED_REFERENCES = /\\\$\(.[^ ]*\)/g;
const MAX_PASSES = 64;

/** Evaluate one expression in a mode (shared with `search`). */
export function resolveExpression(expr: string, ctx: EvalContext, mode: MissingMode, budget = new Budget(DEFAULT_STEP_BUDGET)): unknown {
  const text = expr.trim();
  try {
    if (text === '') throw new JpSyntaxError('invalid query (nil)');
    return evaluate(compileExpression(text), ctx.root, { now: ctx.now, random: ctx.random }, budget) ?? null;
  } catch (e) {
    if (e instanceof JpLimitError) throw new PolicyError('JMESPATH', `${text}: ${e.message}`, { input: text });
    if (mode === 'nil') return null;
    if (e instanceof JpNotFound) throw new PolicyError('VARIABLE', `variable ${JSON.stringify(text)} could not be resolved: ${e.message}`, { input: text });
    if (e instanceof JpSyntaxError) throw new PolicyError('JMESPATH', `invalid JMESPath ${JSON.stringify(text)}: ${e.message}`, { input: text });
    throw new PolicyError('JMESPATH', `JMESPath ${JSON.stringify(text)} failed: ${(e as Error).message}`, { input: text });
  }
}

/** jsonpointer.Pointer.JMESPath(): components as a JMESPath (indices in brackets, odd keys quoted). */
export function pathToJmesPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const c of path) {
    const s = String(c);
    if (/^\d+$/.test(s)) {
      out += `[${s}]`;
      continue;
    }
    if (out.length > 0) out += '.';
    if (/^[(A-Z_a-z][)0-9A-Z_a-z]*$/.test(s)) out += s;
    else out += JSON.stringify(s).replace(/\//g, '\\/');
  }
  return out;
}

function isDelete(ctx: EvalContext): boolean {
  const req = ctx.root.request;
  return isObject(req) && req.operation === 'DELETE';
}

function substituteString(value: string, ctx: EvalContext, mode: MissingMode, atPath: () => string, budget: Budget): unknown {
  let current = value;
  const deleting = isDelete(ctx);
  for (let pass = 0; ; pass++) {
    const matches = [...current.matchAll(VARIABLES)];
    if (matches.length === 0) break;
    if (pass >= MAX_PASSES) throw new PolicyError('VARIABLE', `variable substitution does not terminate in ${JSON.stringify(value.slice(0, 200))}`);
    let out = '';
    let last = 0;
    for (const m of matches) {
      const prefix = m[1]!;
      const v = m[2]!;
      let variable = v.replaceAll('{{', '').replaceAll('}}', '').trim();
      const shallow = variable.startsWith('-');
      if (shallow) variable = variable.slice(1).trim();
      if (variable === '@') variable = atPath();
      if (deleting) variable = variable.replaceAll('request.object', 'request.oldObject');
      const resolved = resolveExpression(variable, ctx, mode, budget);
      if (current === v) return resolved; // the whole string: keep the JSON type
      let text = typeof resolved === 'string' ? resolved : goJson(resolved);
      if (shallow) text = text.replaceAll('{{', '\\{{');
      const start = m.index! + prefix.length;
      out += current.slice(last, start) + text;
      last = start + v.length;
    }
    current = out + current.slice(last);
    if (current.length > MAX_STRING_LENGTH) throw new PolicyError('JMESPATH', `substituted string longer than ${MAX_STRING_LENGTH} characters`);
  }
  return current.replace(ESCAPED_VARIABLES, (e) => e.slice(1));
}

function stripAnchors(component: string): string {
  const m = /^([+<=X^])?\((.+)\)$/.exec(component);
  return m ? m[2]! : component;
}

/** path.Join of a POSIX path. */
function joinPath(base: string, rel: string): string {
  const parts: string[] = [];
  for (const p of (rel.startsWith('/') ? rel : `${base}/${rel}`).split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') parts.pop();
    else parts.push(p);
  }
  return '/' + parts.join('/');
}

function findByPath(doc: unknown, target: string): unknown {
  let found: unknown;
  const walk = (node: unknown, path: string, depth: number): void => {
    if (depth > 200) return;
    if (path === target) found = node;
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${path}/${i}`, depth + 1));
    else if (isObject(node)) for (const [k, v] of Object.entries(node)) walk(v, `${path}/${stripAnchors(k)}`, depth + 1);
  };
  walk(doc, '', 0);
  return found;
}

const OPERATORS = ['>=', '<=', '!=', '>', '<', '!'];

function substituteReferences(value: string, doc: unknown, path: string): string {
  let out = value;
  for (const match of value.matchAll(REFERENCES)) {
    let ref = match[0];
    const initial = ref.startsWith('$(');
    if (!initial) ref = ref.slice(1);
    let inner = ref.replace(/^[$()]+|[$()]+$/g, '');
    const op = OPERATORS.find((o) => inner.startsWith(o)) ?? '';
    inner = inner.slice(op.length);
    if (inner === '') throw new PolicyError('VARIABLE', `failed to resolve ${ref} at path ${path}: expected path, found empty reference`);
    const target = findByPath(doc, joinPath(path, inner));
    let resolved: unknown = target;
    if (op !== '') {
      if (typeof target === 'string') resolved = op + target;
      else if (typeof target === 'number') resolved = op + (Number.isInteger(target) ? String(target) : target.toFixed(6));
      else throw new PolicyError('VARIABLE', `failed to resolve ${ref} at path ${path}: incorrect expression: operator ${op} does not match with value ${goJson(target)}`);
    }
    if (resolved === undefined || resolved === null) throw new PolicyError('VARIABLE', `got nil resolved variable ${ref} at path ${path}`);
    if (typeof resolved !== 'string') throw new PolicyError('VARIABLE', `NotResolvedReferenceErr,reference ${ref} not resolved at path ${path}`);
    out = out.replace(match[0], (initial ? '' : match[0][0]) + resolved);
  }
  return out.replace(ESCAPED_REFERENCES, (e) => e.slice(1));
}

/** Substitute references and then variables in every string leaf and key of `node`. */
export function substituteDocument(node: unknown, ctx: EvalContext, mode: MissingMode, options: SubstituteOptions = {}): unknown {
  const budget = new Budget(DEFAULT_STEP_BUDGET);
  const base = options.path ?? [];
  const prefix = Object.prototype.hasOwnProperty.call(ctx.root, 'target') ? ['target'] : ['request', 'object'];
  const hasRefs = (s: string): boolean => s.includes('$(');

  const leaf = (s: string, path: (string | number)[]): unknown => {
    const pointer = '/' + path.join('/');
    const withRefs = hasRefs(s) ? substituteReferences(s, node, pointer) : s;
    if (!withRefs.includes('{{')) return withRefs.includes('\\{{') ? withRefs.replace(ESCAPED_VARIABLES, (e) => e.slice(1)) : withRefs;
    return substituteString(withRefs, ctx, mode, () => pathToJmesPath([...prefix, ...base, ...path]), budget);
  };

  const walk = (v: unknown, path: (string | number)[], depth: number): unknown => {
    if (depth > 1000) throw new PolicyError('JMESPATH', 'document nests too deeply for variable substitution');
    if (typeof v === 'string') return leaf(v, path);
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i], depth + 1));
    if (isObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        const newKey = k.includes('{{') || hasRefs(k) ? leaf(k, [...path, k]) : k;
        const key = typeof newKey === 'string' ? newKey : goJson(newKey);
        out[key] = walk(x, [...path, key], depth + 1);
      }
      return out;
    }
    return v;
  };
  return walk(node, [], 0);
}
