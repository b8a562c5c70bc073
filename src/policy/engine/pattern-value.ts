/**
 * A scalar pattern against a resource value (Kyverno pkg/engine/pattern Validate), compiled
 * once: string patterns are split on `|` and `&`, operators and ranges recognised, and the
 * operands' duration/Quantity readings computed up front.
 */
import { goFormatE, goFormatF, goParseFloat, goSprint } from './gofmt.js';
import { parseDuration } from '../variables/duration.js';
import { compareQuantity, parseQuantity } from '../variables/quantity.js';
import type { Quantity } from '../variables/quantity.js';
import { wildcardMatch } from './wildcard.js';

export type Operator = '' | '>=' | '<=' | '!' | '>' | '<';

const RANGE_OPERAND = String.raw`[-|+]?\d+(?:\.\d+)?[A-Za-z]*`;
export const IN_RANGE = new RegExp(`^(${RANGE_OPERAND})-(${RANGE_OPERAND})$`);
export const NOT_IN_RANGE = new RegExp(`^(${RANGE_OPERAND})!-(${RANGE_OPERAND})$`);

/** operator.GetOperatorFromStringPattern, with the two range forms. */
export function operatorOf(pattern: string): Operator | 'in-range' | 'not-in-range' {
  if (pattern.length < 2) return '';
  if (pattern.startsWith('>=')) return '>=';
  if (pattern.startsWith('<=')) return '<=';
  if (pattern.startsWith('>')) return '>';
  if (pattern.startsWith('<')) return '<';
  if (pattern.startsWith('!')) return '!';
  if (NOT_IN_RANGE.test(pattern)) return 'not-in-range';
  if (IN_RANGE.test(pattern)) return 'in-range';
  return '';
}

/** Options for one evaluation: `floats` when values came through JMESPath (Go float64 only). */
export interface ValueOptions {
  readonly floats: boolean;
}

interface Term {
  readonly op: Operator;
  readonly operand: string;
  readonly duration: bigint | undefined;
  readonly quantity: Quantity | undefined;
}
type Clause = { readonly kind: 'term'; readonly term: Term } | { readonly kind: 'range'; readonly lo: Term; readonly hi: Term; readonly inside: boolean };

function term(op: Operator, operand: string): Term {
  return { op, operand, duration: parseDuration(operand), quantity: parseQuantity(operand) };
}

function isFloat(v: number, o: ValueOptions): boolean {
  return o.floats || !Number.isInteger(v);
}

/** pattern.convertNumberToString: nil is "0" (the quirk behind `<=512Mi` passing on a missing field). */
export function numberString(v: unknown, o: ValueOptions): string | undefined {
  if (v === null || v === undefined) return '0';
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return isFloat(v, o) ? goFormatF(v) : String(v);
  return undefined;
}

function compareOrdered(cmp: number, op: Operator): boolean {
  switch (op) {
    case '':
      return cmp === 0;
    case '!':
      return cmp !== 0;
    case '>':
      return cmp > 0;
    case '<':
      return cmp < 0;
    case '>=':
      return cmp >= 0;
    case '<=':
      return cmp <= 0;
  }
}

/** pattern.validateString: duration, then Quantity, then wildcard string compare. */
function validateString(value: unknown, t: Term, o: ValueOptions): boolean {
  if (t.duration !== undefined) {
    const s = numberString(value, o);
    const d = s === undefined ? undefined : parseDuration(s);
    if (d !== undefined) return compareOrdered(d < t.duration ? -1 : d > t.duration ? 1 : 0, t.op);
  }
  if (t.quantity !== undefined) {
    const s = numberString(value, o);
    const q = s === undefined ? undefined : parseQuantity(s);
    if (q !== undefined) return compareOrdered(compareQuantity(q, t.quantity), t.op);
  }
  return compareString(value, t.operand, t.op, o);
}

/** pattern.compareString: wildcard compare for `` and `!`; floats print as `%E`, nil never matches. */
export function compareString(value: unknown, operand: string, op: Operator, o: ValueOptions): boolean {
  if (op !== '' && op !== '!') return false; // >, <, >=, <= do not apply to strings
  let s: string;
  if (typeof value === 'string') s = value;
  else if (typeof value === 'number') s = isFloat(value, o) ? goFormatE(value) : String(value);
  else if (typeof value === 'boolean') s = value ? 'true' : 'false';
  else return false;
  const m = wildcardMatch(operand, s);
  return op === '!' ? !m : m;
}

/** validateString with an operator and operand given separately (pattern_test.go calls it so). */
export function validateStringOp(value: unknown, operand: string, op: Operator, o: ValueOptions): boolean {
  return validateString(value, term(op, operand), o);
}

/** One `&`-free, `|`-free operand with its operator or range (pattern.validateStringPattern). */
export function validateStringPattern(value: unknown, cond: string, o: ValueOptions): boolean {
  const c = clauseOf(cond);
  if (c.kind === 'term') return validateString(value, c.term, o);
  return c.inside ? validateString(value, c.lo, o) && validateString(value, c.hi, o) : validateString(value, c.lo, o) || validateString(value, c.hi, o);
}

function clauseOf(cond: string): Clause {
  const op = operatorOf(cond);
  if (op === 'in-range' || op === 'not-in-range') {
    const m = (op === 'in-range' ? IN_RANGE : NOT_IN_RANGE).exec(cond)!;
    return op === 'in-range'
      ? { kind: 'range', lo: term('>=', m[1]!), hi: term('<=', m[2]!), inside: true }
      : { kind: 'range', lo: term('<', m[1]!), hi: term('>', m[2]!), inside: false };
  }
  return { kind: 'term', term: term(op, cond.slice(op.length).trim()) };
}

function trimSpaces(s: string): string {
  return s.replace(/^ +| +$/g, '');
}

/** A compiled scalar pattern. */
export type ValueMatcher = (value: unknown, o: ValueOptions) => boolean;

export function compileStringPattern(pattern: string): ValueMatcher {
  const alternatives = pattern.split('|').map((alt) => trimSpaces(alt).split('&').map((c) => clauseOf(trimSpaces(c))));
  return (value, o) => {
    if (value === pattern) return true;
    return alternatives.some((all) =>
      all.every((c) =>
        c.kind === 'term'
          ? validateString(value, c.term, o)
          : c.inside
            ? validateString(value, c.lo, o) && validateString(value, c.hi, o)
            : validateString(value, c.lo, o) || validateString(value, c.hi, o),
      ),
    );
  };
}

/** The terms of a string pattern, for policy validation (operators with unusable operands). */
export function patternTerms(pattern: string): Array<{ op: Operator; operand: string; numeric: boolean }> {
  const out: Array<{ op: Operator; operand: string; numeric: boolean }> = [];
  for (const alt of pattern.split('|')) {
    for (const c of trimSpaces(alt).split('&')) {
      const cl = clauseOf(trimSpaces(c));
      const terms = cl.kind === 'term' ? [cl.term] : [cl.lo, cl.hi];
      for (const t of terms) out.push({ op: t.op, operand: t.operand, numeric: t.duration !== undefined || t.quantity !== undefined });
    }
  }
  return out;
}

/** pattern.Validate for any JSON pattern value. */
export function compileValuePattern(pattern: unknown): ValueMatcher {
  if (typeof pattern === 'boolean') return (v) => typeof v === 'boolean' && v === pattern;
  if (typeof pattern === 'number') {
    // Policy documents are JSON-decoded in Go, so numeric patterns are float64.
    return (v) => {
      if (typeof v === 'number') return v === pattern;
      if (typeof v === 'string') return goParseFloat(v) === pattern;
      return false;
    };
  }
  if (pattern === null || pattern === undefined) {
    return (v) => {
      if (v === null || v === undefined) return true;
      if (typeof v === 'number') return v === 0;
      if (typeof v === 'string') return v === '';
      if (typeof v === 'boolean') return !v;
      return false;
    };
  }
  if (typeof pattern === 'string') return compileStringPattern(pattern);
  if (Array.isArray(pattern)) return () => false; // arrays are not supported as scalar patterns
  return (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Go's `%v` of a value, for messages. */
export function goValue(v: unknown, o: ValueOptions): string {
  return goSprint(v, o.floats);
}
