/**
 * Kyverno variables and JMESPath: the `{{ }}` substitution, the JSON context rules see,
 * and JMESPath with Kyverno's functions and missing-key semantics.
 * (Initial contract stub: bodies are filled in by later commits.)
 */
import type { EvaluationInput } from '../types.js';
import { PolicyError } from '../types.js';

/** The JSON root that `{{ }}` expressions and JMESPath see: request.*, images, serviceAccountName/Namespace, element…, context variables. */
export interface VariableContext {
  readonly root: Record<string, unknown>;
  readonly now: Date;
  /** A child context with one more variable at a dotted path (element, elementIndex, element1 …, a context entry's name). */
  with(path: string, value: unknown): VariableContext;
}

export type MissingMode = 'error' | 'nil';

function setDotted(root: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const parts = path.split('.');
  const out: Record<string, unknown> = { ...root };
  let cur = out;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i]!;
    const next = cur[k];
    const copy: Record<string, unknown> =
      next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Record<string, unknown>) } : {};
    cur[k] = copy;
    cur = copy;
  }
  cur[parts[parts.length - 1]!] = value;
  return out;
}

class Ctx implements VariableContext {
  constructor(
    readonly root: Record<string, unknown>,
    readonly now: Date,
  ) {}
  with(path: string, value: unknown): VariableContext {
    return new Ctx(setDotted(this.root, path, value), this.now);
  }
}

export function buildContext(input: EvaluationInput): VariableContext {
  let root: Record<string, unknown> = { request: { operation: input.admission?.operation, object: input.resource } };
  for (const [k, v] of Object.entries(input.variables ?? {})) root = setDotted(root, k, v);
  return new Ctx(root, input.now ?? new Date());
}

export function addContextEntries(ctx: VariableContext, entries: unknown[] | undefined): VariableContext {
  void entries;
  return ctx;
}

/** Replace every `{{ }}` in strings inside `node` (deep; returns a new value, keeps JSON types for whole-string variables). */
export function substitute(node: unknown, ctx: VariableContext, mode: MissingMode): unknown {
  void ctx;
  void mode;
  return node;
}

/** Evaluate a bare JMESPath expression (foreach `list`, variable.jmesPath) with Kyverno's functions and missing-key semantics. */
export function search(expr: string, ctx: VariableContext, mode: MissingMode): unknown {
  void ctx;
  void mode;
  throw new PolicyError('JMESPATH', `not implemented yet: ${expr}`);
}

/** Parse-time check for policy validation: throws PolicyError JMESPATH with the reason. */
export function checkExpression(expr: string): void {
  void expr;
}
