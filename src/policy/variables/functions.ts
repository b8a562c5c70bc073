/**
 * The function table: go-jmespath's standard functions, then Kyverno's (which replace the
 * standard `sum`), with go-jmespath's argument checking: a fixed-arity function checks count
 * and types; a variadic one only its minimum count; one that declares no arguments (Kyverno's
 * `time_now`) accepts anything.
 */
import { ARITHMETIC_FUNCTIONS } from './fn-arithmetic.js';
import { MISC_FUNCTIONS } from './fn-misc.js';
import { STANDARD_FUNCTIONS } from './fn-standard.js';
import { STRING_FUNCTIONS } from './fn-strings.js';
import { TIME_FUNCTIONS } from './fn-time.js';
import { X509_FUNCTIONS } from './fn-x509.js';
import { ExpRef, JpRuntimeError, typeError, type ArgType, type FnEnv, type FnSpec } from './jp-common.js';
import { isObject } from './json.js';

const TABLE = new Map<string, FnSpec>();
for (const spec of [...STANDARD_FUNCTIONS, ...STRING_FUNCTIONS, ...ARITHMETIC_FUNCTIONS, ...TIME_FUNCTIONS, ...MISC_FUNCTIONS, ...X509_FUNCTIONS]) {
  TABLE.set(spec.name, spec); // later (Kyverno's) definitions win
}

export function isFunctionName(name: string): boolean {
  return TABLE.has(name);
}

/** Every function name, sorted (for documentation and tests). */
export function functionNames(): string[] {
  return [...TABLE.keys()].sort();
}

function matches(t: ArgType, v: unknown): boolean {
  switch (t) {
    case 'any': return !(v instanceof ExpRef);
    case 'number': return typeof v === 'number';
    case 'string': return typeof v === 'string';
    case 'array': return Array.isArray(v);
    case 'object': return isObject(v);
    case 'expref': return v instanceof ExpRef;
    case 'array[number]': return Array.isArray(v) && v.every((x) => typeof x === 'number');
    case 'array[string]': return Array.isArray(v) && v.every((x) => typeof x === 'string');
  }
}

export function callFunction(name: string, args: unknown[], env: FnEnv): unknown {
  const spec = TABLE.get(name);
  if (!spec) throw new JpRuntimeError(`unknown function: ${name}`);
  if (spec.args.length > 0) {
    if (spec.variadic) {
      if (args.length < spec.args.length) {
        throw new JpRuntimeError(`JMESPath function '${name}': expected at least ${spec.args.length} arguments, received ${args.length}`);
      }
    } else {
      if (args.length !== spec.args.length) {
        throw new JpRuntimeError(`JMESPath function '${name}': expected ${spec.args.length} arguments, received ${args.length}`);
      }
      spec.args.forEach((types, i) => {
        if (!types.some((t) => matches(t, args[i]))) throw typeError(name, i, types.join(' or '), args[i]);
      });
    }
  }
  env.budget.charge(1);
  return spec.fn(args, env);
}
