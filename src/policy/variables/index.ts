/**
 * Kyverno variables and JMESPath: the JSON context rules see, `{{ }}` substitution, and
 * JMESPath with Kyverno's functions and missing-key semantics. See jmespath.ts for how the
 * fork's semantics are reproduced, substitute.ts for the substitution rules, context.ts for
 * what the context holds. `quantity.ts`, `duration.ts` and `wildcard.ts` are for the engine too.
 */
import { PolicyError } from '../types.js';
import { asEvalContext, addContextEntries, buildContext, type ContextOptions, type VariableContext } from './context.js';
import { compileExpression } from './jmespath.js';
import { JpSyntaxError } from './jp-common.js';
import { resolveExpression, substituteDocument, type MissingMode, type SubstituteOptions } from './substitute.js';

export type { ContextOptions, MissingMode, SubstituteOptions, VariableContext };
export { addContextEntries, buildContext };

/**
 * Replace every `{{ }}` in strings inside `node` (deep; returns a new value, keeps JSON types for
 * whole-string variables). `options.path` locates `node` under `request.object` for `{{@}}`.
 */
export function substitute(node: unknown, ctx: VariableContext, mode: MissingMode, options?: SubstituteOptions): unknown {
  return substituteDocument(node, asEvalContext(ctx), mode, options);
}

/** Evaluate a bare JMESPath expression (foreach `list`, variable.jmesPath) with Kyverno's functions and missing-key semantics. */
export function search(expr: string, ctx: VariableContext, mode: MissingMode): unknown {
  return resolveExpression(expr, asEvalContext(ctx), mode);
}

/** Parse-time check for policy validation: throws PolicyError JMESPATH with the reason. */
export function checkExpression(expr: string): void {
  try {
    compileExpression(expr.trim());
  } catch (e) {
    if (e instanceof JpSyntaxError) throw new PolicyError('JMESPATH', `invalid JMESPath ${JSON.stringify(expr)}: ${e.message}`, { input: expr });
    throw e;
  }
}
