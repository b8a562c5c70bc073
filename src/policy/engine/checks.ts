/**
 * The checks compilePolicy applies field by field (Kyverno's policy validation, and this
 * engine's stricter reading): unknown fields, condition operators, anchors and operators in
 * patterns, JMESPath syntax, failure actions. Each error names the source and the field path.
 */
import { checkExpression } from '../variables/index.js';
import { PolicyError } from '../types.js';
import type { FailureAction } from '../types.js';
import { parseAnchor } from './anchor.js';
import type { CompiledCondition, CompiledConditions } from './conditions.js';
import { compileSelector } from './match.js';
import { normalizeOperator } from './operators.js';
import { compilePattern } from './pattern.js';
import type { CompiledPattern, PNode } from './pattern.js';
import { patternTerms } from './pattern-value.js';
import { PatternReferenceError, preparePattern } from './references.js';

export type Json = Record<string, unknown>;

export interface CompiledPatternRef {
  readonly pattern: CompiledPattern;
  /** Per dynamic node: compiled substitutions, keyed by their JSON text. */
  readonly caches: Array<Map<string, PNode>>;
  /** A `$()` reference that could not be resolved: the rule errors at evaluation, as in Kyverno. */
  readonly referenceError?: string;
}

export interface Override {
  readonly action: FailureAction;
  readonly namespaces: string[] | undefined;
  readonly selector: ReturnType<typeof compileSelector> | undefined;
}

export function isMap(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function invalid(source: string, path: string, reason: string): PolicyError {
  return new PolicyError('INVALID_POLICY', `${source}: ${path}: ${reason}`, { input: source });
}

/** Scoped helpers that name the source in every error. */
export class Checker {
  constructor(readonly source: string) {}

  fail(path: string, reason: string): PolicyError {
    return invalid(this.source, path, reason);
  }

  known(obj: Json, allowed: readonly string[], path: string): void {
    for (const k of Object.keys(obj)) if (!allowed.includes(k)) throw this.fail(`${path}.${k}`, 'unknown field');
  }

  map(v: unknown, path: string): Json {
    if (!isMap(v)) throw this.fail(path, 'expected a map');
    return v;
  }

  /** JMESPath syntax of a bare expression. */
  expression(expr: string, path: string): void {
    try {
      checkExpression(expr);
    } catch (e) {
      throw this.fail(path, `invalid JMESPath expression ${JSON.stringify(expr)}: ${(e as Error).message}`);
    }
  }

  /** JMESPath syntax of every `{{ }}` in the strings of a value. */
  variables(v: unknown, path: string): void {
    if (typeof v === 'string') {
      for (const expr of extractVariables(v)) this.expression(expr, path);
    } else if (Array.isArray(v)) v.forEach((x, i) => this.variables(x, `${path}[${i}]`));
    else if (isMap(v)) for (const [k, x] of Object.entries(v)) this.variables(x, `${path}.${k}`);
  }
}

const VARIABLE = /(^|[^\\])(\{\{(?:\{[^{}]*\}|[^{}])*\}\})/g;

/** The expressions of the `{{ }}` variables in a string (Kyverno's variable regex). */
export function extractVariables(s: string): string[] {
  if (!s.includes('{{')) return [];
  const out: string[] = [];
  for (const m of s.matchAll(VARIABLE)) {
    let inner = m[2]!.slice(2, -2).trim();
    if (inner.startsWith('-')) inner = inner.slice(1).trim();
    if (inner !== '' && inner !== '@') out.push(inner);
  }
  return out;
}

function hasVars(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('{{');
  if (Array.isArray(v)) return v.some(hasVars);
  if (isMap(v)) return Object.entries(v).some(([k, x]) => k.includes('{{') || hasVars(x));
  return false;
}

// --- conditions -----------------------------------------------------------------------

function compileCondition(c: Checker, raw: unknown, path: string): CompiledCondition {
  const cond = c.map(raw, path);
  c.known(cond, ['key', 'operator', 'value', 'message'], path);
  if (typeof cond.operator !== 'string') throw c.fail(`${path}.operator`, 'a condition needs an operator');
  const operator = normalizeOperator(cond.operator);
  if (!operator) throw c.fail(`${path}.operator`, `unknown condition operator ${JSON.stringify(cond.operator)}`);
  if (cond.message !== undefined && typeof cond.message !== 'string') throw c.fail(`${path}.message`, 'expected a string');
  c.variables(cond.key, `${path}.key`);
  c.variables(cond.value, `${path}.value`);
  const key = cond.key ?? null;
  const value = cond.value ?? null;
  return { key, operator, value, message: cond.message ?? '', keyHasVars: hasVars(key), valueHasVars: hasVars(value) };
}

export function compileConditions(c: Checker, raw: unknown, path: string): CompiledConditions | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (Array.isArray(raw)) return { form: 'list', list: raw.map((x, i) => compileCondition(c, x, `${path}[${i}]`)) };
  const m = c.map(raw, path);
  c.known(m, ['any', 'all'], path);
  const list = (v: unknown, p: string): CompiledCondition[] | undefined => {
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) throw c.fail(p, 'expected a list of conditions');
    return v.map((x, i) => compileCondition(c, x, `${p}[${i}]`));
  };
  return { form: 'anyAll', any: list(m.any, `${path}.any`), all: list(m.all, `${path}.all`) ?? [] };
}

// --- patterns -------------------------------------------------------------------------

/** Kyverno's policy check of a validate pattern, plus operators that can never hold. */
function checkPattern(c: Checker, v: unknown, path: string): void {
  if (Array.isArray(v)) {
    if (v.length === 0) throw c.fail(path, 'pattern array empty');
    v.forEach((x, i) => checkPattern(c, x, `${path}[${i}]`));
    return;
  }
  if (isMap(v)) {
    for (const [k, x] of Object.entries(v)) {
      const a = parseAnchor(k);
      const p = `${path}.${k}`;
      if (a?.kind === 'add') throw c.fail(p, `unsupported anchor ${k} in a validate pattern (+() is for mutate)`);
      if (a?.kind === 'existence') {
        if (!Array.isArray(x)) throw c.fail(p, 'existence anchor should have value of type list');
        if (x.length === 0) throw c.fail(p, 'existence anchor: should have atleast one value');
        if (!x.every(isMap)) throw c.fail(p, 'existence anchor: the list must hold maps');
      }
      checkPattern(c, x, p);
    }
    return;
  }
  if (typeof v === 'string' && !v.includes('{{') && !v.includes('$(')) {
    for (const t of patternTerms(v)) {
      if ((t.op === '>' || t.op === '<' || t.op === '>=' || t.op === '<=') && !t.numeric) {
        throw c.fail(path, `operator ${t.op} in ${JSON.stringify(v)} needs a number, quantity or duration, not ${JSON.stringify(t.operand)}`);
      }
    }
  }
}

export function compilePatternRef(c: Checker, raw: unknown, path: string): CompiledPatternRef {
  checkPattern(c, raw, path);
  c.variables(raw, path);
  let prepared: unknown;
  let referenceError: string | undefined;
  try {
    prepared = preparePattern(raw);
  } catch (e) {
    if (!(e instanceof PatternReferenceError)) throw e;
    referenceError = e.message;
    prepared = raw;
  }
  const pattern = compilePattern(prepared);
  return { pattern, caches: pattern.dynamic.map(() => new Map()), ...(referenceError ? { referenceError } : {}) };
}

const CONTEXT_FIELDS = ['name', 'configMap', 'apiCall', 'imageRegistry', 'variable', 'globalReference'];

export function checkContext(c: Checker, raw: unknown, path: string): unknown[] | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw)) throw c.fail(path, 'expected a list of context entries');
  raw.forEach((e, i) => {
    const p = `${path}[${i}]`;
    const entry = c.map(e, p);
    c.known(entry, CONTEXT_FIELDS, p);
    if (typeof entry.name !== 'string' || entry.name === '') throw c.fail(`${p}.name`, 'a context entry needs a name');
    if (entry.variable !== undefined) {
      const v = c.map(entry.variable, `${p}.variable`);
      c.known(v, ['value', 'jmesPath', 'default'], `${p}.variable`);
      if (v.jmesPath !== undefined) {
        if (typeof v.jmesPath !== 'string') throw c.fail(`${p}.variable.jmesPath`, 'expected a string');
        c.expression(v.jmesPath, `${p}.variable.jmesPath`);
      }
      c.variables(v.value, `${p}.variable.value`);
    }
  });
  return raw;
}

// --- actions --------------------------------------------------------------------------

export function parseAction(c: Checker, v: unknown, path: string): FailureAction {
  if (v === 'Enforce' || v === 'enforce') return 'Enforce';
  if (v === 'Audit' || v === 'audit') return 'Audit';
  throw c.fail(path, `expected Audit or Enforce, found ${JSON.stringify(v)}`);
}

export function compileOverrides(c: Checker, raw: unknown, path: string): Override[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw c.fail(path, 'expected a list');
  return raw.map((o, i) => {
    const p = `${path}[${i}]`;
    const m = c.map(o, p);
    c.known(m, ['action', 'namespaces', 'namespaceSelector'], p);
    const namespaces = m.namespaces;
    if (namespaces !== undefined && namespaces !== null && (!Array.isArray(namespaces) || !namespaces.every((x) => typeof x === 'string'))) {
      throw c.fail(`${p}.namespaces`, 'expected a list of strings');
    }
    return {
      action: parseAction(c, m.action, `${p}.action`),
      namespaces: Array.isArray(namespaces) ? (namespaces as string[]) : undefined,
      selector: m.namespaceSelector == null ? undefined : compileSelector(m.namespaceSelector, `${p}.namespaceSelector`),
    };
  });
}

