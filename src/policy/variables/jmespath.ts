/**
 * JMESPath as Kyverno evaluates it.
 *
 * Parsing is @jmespath-community/jmespath's (compiled once per expression text, cached); the
 * evaluation is ours, a tree walk over its AST, because Kyverno's fork of go-jmespath differs
 * from the standard in ways policies depend on, and a wrapper around the library's own
 * interpreter could not reproduce them:
 *
 * - A missing key in a map is a NotFound error ("Unknown key "x" in path"), not null. A field of
 *   null, or of a non-map, is still null.
 * - NotFound propagates only through sub-expressions (`a.b`, `a[0]`) and the right side of
 *   `&&`. It is swallowed (becomes null) in function arguments, projections and filters (for
 *   `[?…]` and `.*` even the error of the left side is), multi-selects, comparisons, `!`, pipes,
 *   and the left side of `||` — so `a.missing || 'x'` is 'x' — as in kyverno's
 *   pkg/engine/jmespath/interpreter.go.
 * - Only the syntax of the fork is accepted: the community extensions (arithmetic operators,
 *   `let`, `$`, ternaries) are syntax errors, as they are for Kyverno's pinned parser.
 * - Functions are go-jmespath's standard set plus Kyverno's (functions.ts), not the community
 *   library's, whose `items`, `replace`, `split`, `sum`, `trim` differ from Kyverno's.
 *
 * Untrusted expressions are bounded: 64 KiB of text, a step budget per evaluation (every node
 * visited and every element a projection or function produces costs a step), and caps on the
 * size of strings and arrays functions build, so an exponential projection or a doubling pipe
 * ends in an error instead of a hang.
 */
import { compile as compileCommunity } from '@jmespath-community/jmespath';
import { callFunction, isFunctionName } from './functions.js';
import { Budget, ExpRef, JpLimitError, JpNotFound, JpRuntimeError, JpSyntaxError, type FnEnv } from './jp-common.js';
import { deepEqual, isFalse, isObject, treeWithin } from './json.js';

/** The AST as the community parser builds it (only the node shapes we evaluate). */
export type JpNode =
  | { type: 'Field'; name: string }
  | { type: 'Literal'; value: unknown }
  | { type: 'Index'; value: number }
  | { type: 'Slice'; start: number | null; stop: number | null; step: number | null }
  | { type: 'Identity' | 'Current' }
  | { type: 'Subexpression' | 'IndexExpression' | 'Projection' | 'ValueProjection' | 'OrExpression' | 'AndExpression' | 'Pipe'; left: JpNode; right: JpNode }
  | { type: 'FilterProjection'; left: JpNode; right: JpNode; condition: JpNode }
  | { type: 'Flatten' | 'NotExpression' | 'ExpressionReference'; child: JpNode }
  | { type: 'Comparator'; name: 'EQ' | 'NE' | 'LT' | 'LTE' | 'GT' | 'GTE'; left: JpNode; right: JpNode }
  | { type: 'MultiSelectList'; children: JpNode[] }
  | { type: 'MultiSelectHash'; children: { type: 'KeyValuePair'; name: string; value: JpNode }[] }
  | { type: 'Function'; name: string; children: JpNode[] };

export { JpLimitError, JpNotFound, JpRuntimeError, JpSyntaxError };

export const MAX_EXPRESSION_LENGTH = 64 * 1024;
export const DEFAULT_STEP_BUDGET = 5_000_000;
/** Largest result tree (nodes, shared subtrees counted each time) an evaluation may return. */
export const MAX_RESULT_NODES = 1_000_000;

const SUPPORTED = new Set([
  'Field', 'Literal', 'Index', 'Slice', 'Identity', 'Current', 'Subexpression', 'IndexExpression', 'Projection',
  'ValueProjection', 'OrExpression', 'AndExpression', 'Pipe', 'FilterProjection', 'Flatten', 'NotExpression',
  'ExpressionReference', 'Comparator', 'MultiSelectList', 'MultiSelectHash', 'KeyValuePair', 'Function',
]);

const cache = new Map<string, JpNode>();
const CACHE_LIMIT = 10_000;

function checkTree(node: unknown, depth: number): void {
  if (depth > 2000) throw new JpSyntaxError('expression nests too deeply');
  const n = node as { type?: string; name?: string; [k: string]: unknown };
  if (!n || typeof n !== 'object' || typeof n.type !== 'string') return;
  if (!SUPPORTED.has(n.type)) {
    const what: Record<string, string> = {
      Arithmetic: 'arithmetic operators', Unary: 'unary operators', LetExpression: 'let expressions', Variable: 'variables',
      Binding: 'let expressions', Ternary: 'the ternary operator', Root: '$ (the root node)',
    };
    throw new JpSyntaxError(`${what[n.type] ?? n.type} not supported by Kyverno's JMESPath`);
  }
  for (const key of ['left', 'right', 'condition', 'child', 'value']) {
    if (key === 'value' && n.type !== 'KeyValuePair') continue;
    if (n[key] !== undefined) checkTree(n[key], depth + 1);
  }
  if (Array.isArray(n.children)) for (const c of n.children) checkTree(c, depth + 1);
}

/** Parse an expression (cached by its text); throws JpSyntaxError. */
export function compileExpression(expr: string): JpNode {
  const hit = cache.get(expr);
  if (hit) return hit;
  if (expr.length > MAX_EXPRESSION_LENGTH) throw new JpSyntaxError(`expression longer than ${MAX_EXPRESSION_LENGTH} characters`);
  let ast: unknown;
  try {
    ast = compileCommunity(expr);
  } catch (e) {
    if (e instanceof RangeError) throw new JpSyntaxError('expression nests too deeply');
    throw new JpSyntaxError((e as Error).message.replace(/^Syntax error: /, ''));
  }
  checkTree(ast, 0);
  const node = ast as JpNode;
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(expr, node);
  return node;
}

/** Names of functions an expression calls that neither go-jmespath nor Kyverno define. */
export function unknownFunctions(node: JpNode): string[] {
  const out = new Set<string>();
  const walk = (n: unknown): void => {
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'Function' && typeof o.name === 'string' && !isFunctionName(o.name)) out.add(o.name);
    for (const v of Object.values(o)) {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object' && o.type !== 'Literal') walk(v);
    }
  };
  walk(node);
  return [...out].sort();
}

export { Budget };

/** Evaluate `node` against `data` (the root), Kyverno's way. Throws JpNotFound / JpRuntimeError. */
export function evaluate(node: JpNode, data: unknown, env: Omit<FnEnv, 'budget' | 'apply'>, budget = new Budget(DEFAULT_STEP_BUDGET)): unknown {
  const fnEnv: FnEnv = { ...env, budget, apply: (ref, v) => swallow(ref.node as JpNode, v) };

  const swallow = (n: JpNode, v: unknown): unknown => {
    try {
      return visit(n, v);
    } catch (e) {
      if (e instanceof JpNotFound) return null;
      throw e;
    }
  };
  const orNull = (n: JpNode, v: unknown): unknown => {
    try {
      return visit(n, v);
    } catch (e) {
      if (e instanceof JpNotFound || e instanceof JpRuntimeError) return null;
      throw e;
    }
  };

  const visit = (n: JpNode, value: unknown): unknown => {
    budget.charge(1);
    switch (n.type) {
      case 'Field':
        if (isObject(value)) {
          if (Object.prototype.hasOwnProperty.call(value, n.name)) return value[n.name] ?? null;
          throw new JpNotFound(n.name);
        }
        return null;
      case 'Subexpression':
      case 'IndexExpression': {
        const left = visit(n.left, value);
        if (left === null || left === undefined) return null;
        return visit(n.right, left);
      }
      case 'Index': {
        if (!Array.isArray(value)) return null;
        const i = n.value < 0 ? n.value + value.length : n.value;
        return i >= 0 && i < value.length ? value[i] ?? null : null;
      }
      case 'Slice':
        return slice(n, value);
      case 'Identity':
      case 'Current':
        return value;
      case 'Literal':
        return n.value;
      case 'Projection': {
        const allowString = n.left.type === 'IndexExpression' && n.left.right.type === 'Slice';
        const left = swallow(n.left, value);
        if (!Array.isArray(left)) return allowString && typeof left === 'string' ? left : null;
        budget.charge(left.length);
        const out: unknown[] = [];
        for (const el of left) {
          const cur = swallow(n.right, el);
          if (cur !== null && cur !== undefined) out.push(cur);
        }
        return out;
      }
      case 'ValueProjection': {
        const left = orNull(n.left, value);
        if (!isObject(left)) return null;
        const keys = Object.keys(left).sort();
        budget.charge(keys.length);
        const out: unknown[] = [];
        for (const k of keys) {
          const cur = swallow(n.right, left[k]);
          if (cur !== null && cur !== undefined) out.push(cur);
        }
        return out;
      }
      case 'FilterProjection': {
        const left = orNull(n.left, value);
        if (!Array.isArray(left)) return null;
        budget.charge(left.length);
        const out: unknown[] = [];
        for (const el of left) {
          if (!isFalse(swallow(n.condition, el))) {
            const cur = swallow(n.right, el);
            if (cur !== null && cur !== undefined) out.push(cur);
          }
        }
        return out;
      }
      case 'Flatten': {
        const left = orNull(n.child, value);
        if (!Array.isArray(left)) return null;
        const out: unknown[] = [];
        for (const el of left) {
          if (Array.isArray(el)) {
            budget.charge(el.length);
            out.push(...el);
          } else out.push(el);
        }
        return out;
      }
      case 'MultiSelectList':
        if (value === null || value === undefined) return null;
        return n.children.map((c) => swallow(c, value));
      case 'MultiSelectHash': {
        if (value === null || value === undefined) return null;
        const out: Record<string, unknown> = {};
        for (const kv of n.children) out[kv.name] = swallow(kv.value, value);
        return out;
      }
      case 'OrExpression': {
        const left = swallow(n.left, value);
        return isFalse(left) ? swallow(n.right, value) : left;
      }
      case 'AndExpression': {
        const left = swallow(n.left, value);
        return isFalse(left) ? left : visit(n.right, value);
      }
      case 'NotExpression':
        return isFalse(swallow(n.child, value));
      case 'Pipe':
        return swallow(n.right, swallow(n.left, value));
      case 'Comparator': {
        const left = swallow(n.left, value);
        const right = swallow(n.right, value);
        const charge = (k: number): void => budget.charge(k);
        if (n.name === 'EQ') return deepEqual(left, right, charge);
        if (n.name === 'NE') return !deepEqual(left, right, charge);
        if (typeof left !== 'number' || typeof right !== 'number') return null;
        switch (n.name) {
          case 'GT': return left > right;
          case 'GTE': return left >= right;
          case 'LT': return left < right;
          default: return left <= right;
        }
      }
      case 'ExpressionReference':
        return new ExpRef(n.child);
      case 'Function': {
        const args = n.children.map((c) => (c.type === 'ExpressionReference' ? new ExpRef(c.child) : swallow(c, value)));
        return callFunction(n.name, args, fnEnv);
      }
    }
  };

  try {
    const result = visit(node, data);
    if (typeof result === 'object' && result !== null && !treeWithin(result, MAX_RESULT_NODES)) {
      throw new JpLimitError(`result larger than ${MAX_RESULT_NODES} values`);
    }
    return result;
  } catch (e) {
    if (e instanceof RangeError) throw new JpLimitError('data or expression nests too deeply');
    throw e;
  }
}

function sliceBounds(len: number, n: { start: number | null; stop: number | null; step: number | null }): { start: number; stop: number; step: number } {
  const step = n.step ?? 1;
  if (step === 0) throw new JpRuntimeError('invalid slice, step cannot be 0');
  const cap = (v: number): number => {
    if (v < 0) {
      const r = v + len;
      return r < 0 ? (step < 0 ? -1 : 0) : r;
    }
    return v >= len ? (step < 0 ? len - 1 : len) : v;
  };
  const start = n.start === null ? (step < 0 ? len - 1 : 0) : cap(n.start);
  const stop = n.stop === null ? (step < 0 ? -1 : len) : cap(n.stop);
  return { start, stop, step };
}

function slice(n: { start: number | null; stop: number | null; step: number | null }, value: unknown): unknown {
  const items: unknown[] | undefined = Array.isArray(value) ? value : typeof value === 'string' ? Array.from(value) : undefined;
  if (!items) return null;
  let bounds: { start: number; stop: number; step: number };
  try {
    bounds = sliceBounds(items.length, n);
  } catch (e) {
    if (typeof value === 'string') return null; // Kyverno returns nil for a bad string slice
    throw e;
  }
  const { start, stop, step } = bounds;
  const out: unknown[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(items[i]);
  else for (let i = start; i > stop; i += step) out.push(items[i]);
  return typeof value === 'string' ? out.join('') : out;
}
