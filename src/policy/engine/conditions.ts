/**
 * Preconditions and deny conditions (Kyverno pkg/engine/variables/evaluate.go): `{any, all}`
 * blocks or the legacy bare list, each condition's key and value substituted with missing
 * variables read as null, then handed to its operator.
 */
import { substitute } from '../variables/index.js';
import type { VariableContext } from '../variables/index.js';
import { evaluateOperator } from './operators.js';
import type { ConditionOperator } from './operators.js';

export interface CompiledCondition {
  readonly key: unknown;
  readonly operator: ConditionOperator;
  readonly value: unknown;
  readonly message: string;
  readonly keyHasVars: boolean;
  readonly valueHasVars: boolean;
}

export type CompiledConditions =
  | { readonly form: 'anyAll'; readonly any: CompiledCondition[] | undefined; readonly all: CompiledCondition[] }
  | { readonly form: 'list'; readonly list: CompiledCondition[] };

export interface ConditionsOutcome {
  readonly result: boolean;
  readonly message: string;
}

function joinNonEmpty(parts: string[], sep: string): string {
  return parts.filter((p) => p !== '').join(sep);
}

/** Throws (a PolicyError from substitution) where Kyverno's Evaluate returns an error. */
function evaluateOne(c: CompiledCondition, ctx: VariableContext): boolean {
  const key = c.keyHasVars ? substitute(c.key, ctx, 'nil') : c.key;
  const value = c.valueHasVars ? substitute(c.value, ctx, 'nil') : c.value;
  return evaluateOperator(c.operator, key, value);
}

/** variables.EvaluateConditions: the result and the messages of the deciding conditions. */
export function evaluateConditions(conds: CompiledConditions, ctx: VariableContext): ConditionsOutcome {
  if (conds.form === 'list') {
    const trueMsgs: string[] = [];
    for (const c of conds.list) {
      if (!evaluateOne(c, ctx)) return { result: false, message: c.message };
      trueMsgs.push(c.message);
    }
    return { result: true, message: joinNonEmpty(trueMsgs, ';') };
  }
  let anyResult = true;
  let allResult = true;
  const falseMsgs: string[] = [];
  const trueMsgs: string[] = [];
  if (conds.any !== undefined) {
    anyResult = false;
    for (const c of conds.any) {
      if (evaluateOne(c, ctx)) {
        anyResult = true;
        trueMsgs.push(c.message);
        break;
      }
      falseMsgs.push(c.message);
    }
  }
  for (const c of conds.all) {
    if (!evaluateOne(c, ctx)) {
      allResult = false;
      falseMsgs.push(c.message);
      break;
    }
    trueMsgs.push(c.message);
  }
  const result = anyResult && allResult;
  return { result, message: joinNonEmpty(result ? trueMsgs : falseMsgs, '; ') };
}
