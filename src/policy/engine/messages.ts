/**
 * Kyverno's rule messages (validate_resource.go buildErrorMessage, buildAnyPatternErrorMessage,
 * getDenyMessage): the rule's `validate.message`, substituted, around the pattern outcome.
 */
import { substitute } from '../variables/index.js';
import type { VariableContext } from '../variables/index.js';

export interface MessageRule {
  readonly name: string;
  readonly message: string;
}

function substitutedMessage(ctx: VariableContext, text: string): string {
  if (!text.includes('{{')) return text;
  const v = substitute(text, ctx, 'error');
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** validator.buildErrorMessage. */
export function patternMessage(rule: MessageRule, ctx: VariableContext, errMsg: string, path: string): string {
  const name = rule.name;
  if (rule.message === '') {
    return path !== '' ? `validation error: rule ${name} failed at path ${path}` : `validation error: rule ${name} execution error: ${errMsg}`;
  }
  let msg: string;
  try {
    msg = substitutedMessage(ctx, rule.message);
  } catch {
    return `validation error: variables substitution error in rule ${name} execution error: ${errMsg}`;
  }
  if (!msg.endsWith('.')) msg += '.';
  return path !== '' ? `validation error: ${msg} rule ${name} failed at path ${path}` : `validation error: ${msg} rule ${name} execution error: ${errMsg}`;
}

/** validator.buildAnyPatternErrorMessage. */
export function anyPatternMessage(rule: MessageRule, ctx: VariableContext, errors: string[]): string {
  const errStr = errors.join(' ');
  if (rule.message === '') return `validation error: ${errStr}`;
  let msg: string;
  try {
    msg = substitutedMessage(ctx, rule.message);
  } catch {
    return `validation error: variables substitution error in rule ${rule.name} execution error: ${errStr}`;
  }
  return msg.endsWith('.') ? `validation error: ${msg} ${errStr}` : `validation error: ${msg}. ${errStr}`;
}

/** validator.getDenyMessage for a denied request. */
export function denyMessage(rule: MessageRule, ctx: VariableContext, condMsg: string): string {
  if (rule.message === '' && condMsg === '') return `validation error: rule ${rule.name} failed`;
  const s = [rule.message, condMsg].filter((x) => x !== '').join('; ');
  try {
    if (!s.includes('{{')) return s;
    const v = substitute(s, ctx, 'error');
    return typeof v === 'string' ? v : "the produced message didn't resolve to a string, check your policy definition.";
  } catch {
    return condMsg;
  }
}

