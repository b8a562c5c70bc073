/**
 * go-jmespath's standard functions, with its behaviour where the spec leaves room: `length` and
 * `reverse` count code points, `to_string` is Go's json.Marshal, `to_number` is strconv's,
 * `contains` on arrays compares with Go's `==` (so two maps cannot be compared: an error).
 * Go iterates maps in random order for `keys`, `values` and `.*`; we sort keys instead.
 */
import { compareCodePoints, goJson, parseGoFloat } from './gofmt.js';
import { ExpRef, checkArray, checkString, fnError, type FnEnv, type FnSpec } from './jp-common.js';
import { isObject, jsonTypeName } from './json.js';

const arrayOf = (v: unknown): unknown[] => v as unknown[];

function goEqual(name: string, a: unknown, b: unknown): boolean {
  const composite = (x: unknown): boolean => typeof x === 'object' && x !== null;
  if (composite(a) || composite(b)) {
    if (Array.isArray(a) === Array.isArray(b) && composite(a) && composite(b)) {
      throw fnError(name, 'comparing uncomparable type');
    }
    return false;
  }
  return (a ?? null) === (b ?? null);
}

function byKey(env: FnEnv, name: string, arr: unknown[], ref: ExpRef): { keys: (number | string)[]; kind: 'number' | 'string' } | undefined {
  if (arr.length === 0) return undefined;
  const keys: (number | string)[] = [];
  let kind: 'number' | 'string' | undefined;
  for (const el of arr) {
    const k = env.apply(ref, el);
    if (kind === undefined) {
      if (typeof k === 'number') kind = 'number';
      else if (typeof k === 'string') kind = 'string';
      else throw fnError(name, 'invalid type, must be number of string');
    }
    if (typeof k !== kind) throw fnError(name, `error in ${name} comparison`);
    keys.push(k as number | string);
  }
  return { keys, kind: kind! };
}

const cmp = (a: number | string, b: number | string): number =>
  typeof a === 'number' ? (a as number) - (b as number) : compareCodePoints(a, b as string);

function extreme(name: string, args: unknown[], env: FnEnv, sign: 1 | -1): unknown {
  const arr = arrayOf(args[0]);
  const r = byKey(env, name, arr, args[1] as ExpRef);
  if (!r) return null;
  let best = 0;
  for (let i = 1; i < arr.length; i++) if (cmp(r.keys[i]!, r.keys[best]!) * sign > 0) best = i;
  return arr[best];
}

function minMax(args: unknown[], sign: 1 | -1): unknown {
  const arr = arrayOf(args[0]) as (number | string)[];
  if (arr.length === 0) return null;
  let best = arr[0]!;
  for (const v of arr) if (cmp(v, best) * sign > 0) best = v;
  return best;
}

export const STANDARD_FUNCTIONS: FnSpec[] = [
  { name: 'abs', args: [['number']], fn: ([n]) => Math.abs(n as number) },
  {
    name: 'avg',
    args: [['array[number]']],
    fn: ([a]) => {
      const arr = arrayOf(a) as number[];
      return arr.length === 0 ? null : arr.reduce((s, x) => s + x, 0) / arr.length;
    },
  },
  { name: 'ceil', args: [['number']], fn: ([n]) => Math.ceil(n as number) },
  {
    name: 'contains',
    args: [['array', 'string'], ['any']],
    fn: ([subject, el]) => {
      if (typeof subject === 'string') return typeof el === 'string' ? subject.includes(el) : false;
      return arrayOf(subject).some((item) => goEqual('contains', item, el));
    },
  },
  { name: 'ends_with', args: [['string'], ['string']], fn: ([s, x]) => (s as string).endsWith(x as string) },
  { name: 'floor', args: [['number']], fn: ([n]) => Math.floor(n as number) },
  { name: 'join', args: [['string'], ['array[string]']], fn: ([glue, a]) => checkString((a as string[]).join(glue as string)) },
  { name: 'keys', args: [['object']], fn: ([o]) => Object.keys(o as object).sort(compareCodePoints) },
  {
    name: 'length',
    args: [['string', 'array', 'object']],
    fn: ([v]) => (typeof v === 'string' ? Array.from(v).length : Array.isArray(v) ? v.length : Object.keys(v as object).length),
  },
  {
    name: 'map',
    args: [['expref'], ['array']],
    fn: ([ref, a], env) => {
      const arr = arrayOf(a);
      env.budget.charge(arr.length);
      return arr.map((el) => env.apply(ref as ExpRef, el));
    },
  },
  { name: 'max', args: [['array[number]', 'array[string]']], fn: (args) => minMax(args, 1) },
  { name: 'max_by', args: [['array'], ['expref']], fn: (args, env) => extreme('max_by', args, env, 1) },
  {
    name: 'merge',
    args: [['object']],
    variadic: true,
    fn: (args) => {
      const out: Record<string, unknown> = {};
      for (const a of args) {
        if (!isObject(a)) throw fnError('merge', `arguments must be objects, got ${jsonTypeName(a)}`);
        Object.assign(out, a);
      }
      return out;
    },
  },
  { name: 'min', args: [['array[number]', 'array[string]']], fn: (args) => minMax(args, -1) },
  { name: 'min_by', args: [['array'], ['expref']], fn: (args, env) => extreme('min_by', args, env, -1) },
  { name: 'not_null', args: [['any']], variadic: true, fn: (args) => args.find((a) => a !== null && a !== undefined) ?? null },
  {
    name: 'reverse',
    args: [['array', 'string']],
    fn: ([v]) => (typeof v === 'string' ? Array.from(v).reverse().join('') : [...arrayOf(v)].reverse()),
  },
  {
    name: 'sort',
    args: [['array[number]', 'array[string]']],
    fn: ([a]) => [...(arrayOf(a) as (number | string)[])].sort(cmp),
  },
  {
    name: 'sort_by',
    args: [['array'], ['expref']],
    fn: ([a, ref], env) => {
      const arr = arrayOf(a);
      if (arr.length <= 1) return arr;
      const r = byKey(env, 'sort_by', arr, ref as ExpRef)!;
      const idx = arr.map((_, i) => i);
      idx.sort((x, y) => cmp(r.keys[x]!, r.keys[y]!) || x - y); // stable, as Go's sort.Stable
      return idx.map((i) => arr[i]);
    },
  },
  { name: 'starts_with', args: [['string'], ['string']], fn: ([s, x]) => (s as string).startsWith(x as string) },
  { name: 'sum', args: [['array[number]']], fn: ([a]) => (arrayOf(a) as number[]).reduce((s, x) => s + x, 0) },
  { name: 'to_array', args: [['any']], fn: ([v]) => (Array.isArray(v) ? v : [v]) },
  {
    name: 'to_number',
    args: [['any']],
    fn: ([v]) => {
      if (typeof v === 'number') return v;
      if (typeof v === 'string') {
        const n = parseGoFloat(v);
        return n === undefined || !Number.isFinite(n) ? null : n;
      }
      return null;
    },
  },
  {
    name: 'to_string',
    args: [['any']],
    fn: ([v], env) => {
      if (typeof v === 'string') return v;
      return checkString(goJson(v, (n) => env.budget.charge(n)));
    },
  },
  { name: 'type', args: [['any']], fn: ([v]) => jsonTypeName(v) },
  {
    name: 'values',
    args: [['object']],
    fn: ([o]) => {
      const obj = o as Record<string, unknown>;
      return checkArray(Object.keys(obj).sort(compareCodePoints).map((k) => obj[k]));
    },
  },
];
