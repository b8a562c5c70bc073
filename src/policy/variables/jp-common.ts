/** What the interpreter and the function implementations share: errors, limits, argument helpers. */
import { formatFloat32 } from './gofmt.js';
import { jsonTypeName } from './json.js';

/** A missing map key (Kyverno's NotFoundError). */
export class JpNotFound extends Error {
  constructor(readonly key: string) {
    // NotFound is control flow on the hot path (most are swallowed by `||`, functions and
    // filters): capturing a stack trace for each one cost a third of evaluation time.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(`Unknown key "${key}" in path`);
    Error.stackTraceLimit = limit;
  }
}

/** A syntax error: the reason is the parser's. */
export class JpSyntaxError extends Error {}

/** An evaluation error other than NotFound (a function's error). Some nodes swallow these. */
export class JpRuntimeError extends Error {}

/** The step budget or a size cap ran out: never swallowed. */
export class JpLimitError extends Error {}

/** Largest string a function may build (a doubling `join` or `replace_all` ends here). */
export const MAX_STRING_LENGTH = 8 * 1024 * 1024;
/** Largest array a function may build. */
export const MAX_ARRAY_LENGTH = 1_000_000;

export class Budget {
  constructor(private remaining: number) {}
  charge(n: number): void {
    this.remaining -= n;
    if (this.remaining < 0) throw new JpLimitError('evaluation budget exceeded (expression too expensive)');
  }
}

/** An expression reference (`&expr`) passed to a function. */
export class ExpRef {
  constructor(readonly node: unknown) {}
}

export interface FnEnv {
  readonly now: Date;
  readonly random: () => number;
  readonly budget: Budget;
  /** Evaluate an expression reference against a value (NotFound becomes null, as Kyverno's ExpRef does). */
  readonly apply: (ref: ExpRef, value: unknown) => unknown;
}

export type ArgType = 'any' | 'number' | 'string' | 'array' | 'object' | 'expref' | 'array[number]' | 'array[string]';

export interface FnSpec {
  readonly name: string;
  /** Allowed types per argument; empty: any arguments at all (Kyverno's time_now and friends). */
  readonly args: readonly (readonly ArgType[])[];
  /** The last argument repeats; go-jmespath then checks only the count, not the types. */
  readonly variadic?: boolean;
  readonly fn: (args: unknown[], env: FnEnv) => unknown;
}

export function fnError(name: string, message: string): JpRuntimeError {
  return new JpRuntimeError(`JMESPath function '${name}': ${message}`);
}

export function typeError(name: string, index: number, expected: string, got: unknown): JpRuntimeError {
  return fnError(name, `argument #${index + 1} is expected of type ${expected}, got ${jsonTypeName(got)}`);
}

export function str(name: string, args: unknown[], i: number): string {
  const v = args[i];
  if (typeof v !== 'string') throw typeError(name, i, 'string', v);
  return v;
}

export function num(name: string, args: unknown[], i: number): number {
  const v = args[i];
  if (typeof v !== 'number') throw typeError(name, i, 'number', v);
  return v;
}

/** Kyverno's `intNumber`: a float64 that holds an integer. */
export function intNumber(name: string, n: number, index: number): number {
  const i = Math.trunc(n);
  if (i !== n || !Number.isFinite(n)) throw fnError(name, `argument #${index + 1}: expected an integer number but got: ${n}`);
  return i;
}

/** Kyverno's `ifaceToString`: strings as they are, numbers as float32 `%f`, booleans as words. */
export function ifaceToString(name: string, v: unknown, index: number): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return formatFloat32(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  throw fnError(name, `${index + 1} argument is expected of String or Real type`);
}

export function checkString(s: string): string {
  if (s.length > MAX_STRING_LENGTH) throw new JpLimitError(`string result longer than ${MAX_STRING_LENGTH} characters`);
  return s;
}

export function checkArray<T>(a: T[]): T[] {
  if (a.length > MAX_ARRAY_LENGTH) throw new JpLimitError(`array result longer than ${MAX_ARRAY_LENGTH} elements`);
  return a;
}
