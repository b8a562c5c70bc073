/**
 * Condition operators (Kyverno pkg/engine/variables/operator): key and value arrive already
 * substituted. Numbers are float64 here, as everything that comes through JMESPath or the
 * policy document is in Go.
 */
import semver from 'semver';
import { goParseFloat, goSprint } from './gofmt.js';
import { compileStringPattern, operatorOf } from './pattern-value.js';
import { parseDuration } from '../variables/duration.js';
import { compareQuantity, parseQuantity } from '../variables/quantity.js';
import { wildcardMatch } from './wildcard.js';

export type ConditionOperator =
  | 'Equals'
  | 'NotEquals'
  | 'In'
  | 'AnyIn'
  | 'AllIn'
  | 'NotIn'
  | 'AnyNotIn'
  | 'AllNotIn'
  | 'GreaterThanOrEquals'
  | 'GreaterThan'
  | 'LessThanOrEquals'
  | 'LessThan'
  | 'DurationGreaterThanOrEquals'
  | 'DurationGreaterThan'
  | 'DurationLessThanOrEquals'
  | 'DurationLessThan';

const BY_LOWER: Record<string, ConditionOperator> = {
  equals: 'Equals',
  equal: 'Equals',
  notequals: 'NotEquals',
  notequal: 'NotEquals',
  in: 'In',
  anyin: 'AnyIn',
  allin: 'AllIn',
  notin: 'NotIn',
  anynotin: 'AnyNotIn',
  allnotin: 'AllNotIn',
  greaterthanorequals: 'GreaterThanOrEquals',
  greaterthan: 'GreaterThan',
  lessthanorequals: 'LessThanOrEquals',
  lessthan: 'LessThan',
  durationgreaterthanorequals: 'DurationGreaterThanOrEquals',
  durationgreaterthan: 'DurationGreaterThan',
  durationlessthanorequals: 'DurationLessThanOrEquals',
  durationlessthan: 'DurationLessThan',
};

/** The operator a condition names (case-insensitive, `Equal`/`NotEqual` aliases), or undefined. */
export function normalizeOperator(name: string): ConditionOperator | undefined {
  return BY_LOWER[name.toLowerCase()];
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isMap(a)) {
    if (!isMap(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

/** time.Duration(n) * time.Second: the number truncates to whole seconds first. */
function secondsToDuration(n: number): bigint | undefined {
  return Number.isFinite(n) ? BigInt(Math.trunc(n)) * 1_000_000_000n : undefined;
}

/** operator.parseDuration: at least one side a duration string (not "0"); a number means seconds. */
function durationPair(key: unknown, value: unknown): [bigint, bigint] | undefined {
  let k = typeof key === 'string' && key !== '0' ? parseDuration(key) : undefined;
  let v = typeof value === 'string' && value !== '0' ? parseDuration(value) : undefined;
  if (k === undefined && v === undefined) return undefined;
  if (k === undefined) k = typeof key === 'number' ? secondsToDuration(key) : undefined;
  if (v === undefined) v = typeof value === 'number' ? secondsToDuration(value) : undefined;
  if (k === undefined || v === undefined) return undefined;
  return [k, v];
}

function bigSign(a: bigint, b: bigint): number {
  return a === b ? 0 : a > b ? 1 : -1;
}

function equals(key: unknown, value: unknown): boolean {
  if (typeof key === 'boolean') return typeof value === 'boolean' && key === value;
  if (typeof key === 'number') {
    if (typeof value === 'number') return key === value;
    if (typeof value === 'string') return goParseFloat(value) === key;
    return false;
  }
  if (typeof key === 'string') {
    const d = durationPair(key, value);
    if (d) return d[0] === d[1];
    const kq = parseQuantity(key);
    if (kq !== undefined && (typeof value === 'string' || typeof value === 'number')) {
      const vq = parseQuantity(typeof value === 'string' ? value : goSprint(value));
      return vq !== undefined && compareQuantity(kq, vq) === 0;
    }
    return typeof value === 'string' && wildcardMatch(value, key);
  }
  if (Array.isArray(key)) return Array.isArray(value) && deepEqual(key, value);
  if (isMap(key)) return isMap(value) && deepEqual(key, value);
  return false; // nil key: both Equals and NotEquals are false
}

function notEquals(key: unknown, value: unknown): boolean {
  if (key === null || key === undefined) return false;
  return !equals(key, value);
}

// --- In family ------------------------------------------------------------------------

/** The value as a list of strings: list, JSON-array string, single string, or scalar. */
function valueStrings(value: unknown): string[] | undefined {
  if (Array.isArray(value)) return value.map((v) => goSprint(v));
  if (typeof value === 'string') {
    if (isJsonValid(value)) {
      try {
        const arr: unknown = JSON.parse(value);
        if (Array.isArray(arr) && arr.every((x) => typeof x === 'string')) return arr;
      } catch {
        /* fall through */
      }
      return undefined;
    }
    return [value];
  }
  if (typeof value === 'number' || typeof value === 'boolean') return [goSprint(value)];
  return undefined;
}

function isJsonValid(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

function twoWay(a: string, b: string): boolean {
  return wildcardMatch(a, b) || wildcardMatch(b, a);
}

function keyStrings(key: unknown): string[] | undefined {
  if (Array.isArray(key)) return key.map((k) => goSprint(k));
  if (typeof key === 'string') return undefined;
  return undefined;
}

function inRange(key: string, range: string): boolean {
  return compileStringPattern(range)(key, { floats: true });
}

type InKind = 'AnyIn' | 'AllIn' | 'AnyNotIn' | 'AllNotIn';

/** anyKeyExistsInArray for a scalar key; undefined when the value's type is unusable. */
function scalarKeyIn(key: string, value: unknown): boolean | undefined {
  if (Array.isArray(value)) return value.some((v) => twoWay(goSprint(v), key));
  if (typeof value === 'string') {
    if (wildcardMatch(value, key)) return true;
    if (operatorOf(value) === 'in-range') return inRange(key, value);
    const arr = valueStrings(value);
    if (arr === undefined) return undefined;
    return arr.some((v) => v === key);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return twoWay(goSprint(value), key);
  return undefined;
}

function setIn(kind: InKind, keys: string[], value: unknown): boolean {
  if (typeof value === 'string') {
    if (keys.length === 1 && keys[0] === value) return kind === 'AnyIn' || kind === 'AllIn';
    if (operatorOf(value) === 'in-range') {
      const outside = value.replace('-', '!-');
      switch (kind) {
        case 'AnyIn':
          return keys.some((k) => inRange(k, value));
        case 'AllIn':
          return keys.every((k) => inRange(k, value));
        case 'AnyNotIn':
          return keys.some((k) => inRange(k, outside));
        case 'AllNotIn':
          return keys.every((k) => inRange(k, outside));
      }
    }
  }
  const values = valueStrings(value);
  if (values === undefined) return false;
  const found = (k: string): boolean => values.some((v) => twoWay(k, v));
  switch (kind) {
    case 'AnyIn':
      return keys.some(found);
    case 'AllIn':
      return keys.every(found);
    case 'AnyNotIn':
      return keys.some((k) => !found(k));
    case 'AllNotIn':
      return !keys.some(found);
  }
}

function inFamily(kind: InKind, key: unknown, value: unknown): boolean {
  const keys = keyStrings(key);
  if (keys) return setIn(kind, keys, value);
  let k: string;
  if (typeof key === 'string') k = key;
  else if (typeof key === 'number' || typeof key === 'boolean') k = goSprint(key);
  else return false;
  const exists = scalarKeyIn(k, value);
  if (exists === undefined) return false;
  return kind === 'AnyIn' || kind === 'AllIn' ? exists : !exists;
}

/** Deprecated In / NotIn: scalar keys two-way wildcard, list keys exact set logic. */
function legacyIn(notIn: boolean, key: unknown, value: unknown): boolean {
  if (Array.isArray(key)) {
    if (!key.every((k) => typeof k === 'string')) return false;
    const keys = key as string[];
    let values: string[];
    if (Array.isArray(value)) {
      if (!value.every((v) => typeof v === 'string')) return false;
      values = value as string[];
    } else if (typeof value === 'string') {
      if (keys.length === 1 && keys[0] === value) return true; // for NotIn too (Kyverno quirk)
      try {
        const arr: unknown = JSON.parse(value);
        if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'string')) return false;
        values = arr as string[];
      } catch {
        return false;
      }
    } else return false;
    const set = new Set(values);
    return notIn ? keys.some((k) => !set.has(k)) : keys.every((k) => set.has(k));
  }
  let k: string;
  if (typeof key === 'string') k = key;
  else if (typeof key === 'number') k = goSprint(key);
  else return false;
  let exists: boolean;
  if (Array.isArray(value)) exists = value.some((v) => twoWay(goSprint(v), k));
  else if (typeof value === 'string') {
    if (wildcardMatch(value, k)) exists = true;
    else {
      try {
        const arr: unknown = JSON.parse(value);
        if (!Array.isArray(arr) || !arr.every((x) => typeof x === 'string')) return false;
        exists = (arr as string[]).includes(k);
      } catch {
        return false;
      }
    }
  } else return false;
  return notIn ? !exists : exists;
}

// --- numeric / duration ---------------------------------------------------------------

type Cmp = 'GreaterThanOrEquals' | 'GreaterThan' | 'LessThanOrEquals' | 'LessThan';

function byCondition(diff: number, op: Cmp): boolean {
  switch (op) {
    case 'GreaterThanOrEquals':
      return diff >= 0;
    case 'GreaterThan':
      return diff > 0;
    case 'LessThanOrEquals':
      return diff <= 0;
    case 'LessThan':
      return diff < 0;
  }
}

function sign(a: number, b: number): number {
  return a === b ? 0 : a > b ? 1 : a < b ? -1 : NaN;
}

function numericWithNumberKey(key: number, value: unknown, op: Cmp): boolean {
  if (typeof value === 'number') return byCondition(sign(key, value), op);
  if (typeof value === 'string') {
    const d = durationPair(key, value);
    if (d) return byCondition(bigSign(d[0], d[1]), op);
    const f = goParseFloat(value);
    if (f !== undefined) return byCondition(sign(key, f), op);
  }
  return false;
}

function strictSemver(s: string): string | undefined {
  if (/^[v=\s]/.test(s)) return undefined;
  return semver.valid(s) ?? undefined;
}

function numeric(op: Cmp, key: unknown, value: unknown): boolean {
  if (typeof key === 'number') return numericWithNumberKey(key, value, op);
  if (typeof key !== 'string') return false;
  const d = durationPair(key, value);
  if (d) return byCondition(bigSign(d[0], d[1]), op);
  if (typeof value === 'string') {
    const kq = parseQuantity(key);
    const vq = kq === undefined ? undefined : parseQuantity(value);
    if (kq !== undefined && vq !== undefined) return byCondition(compareQuantity(kq, vq), op);
  }
  const f = goParseFloat(key);
  if (f !== undefined) return numericWithNumberKey(f, value, op);
  const kv = strictSemver(key);
  if (kv !== undefined) {
    const vv = typeof value === 'string' ? strictSemver(value) : undefined;
    return vv !== undefined && byCondition(semver.compare(kv, vv), op);
  }
  return false;
}

function durationOf(v: unknown): bigint | undefined {
  if (typeof v === 'number') return secondsToDuration(v);
  if (typeof v === 'string') return parseDuration(v);
  return undefined;
}

function durationOp(op: Cmp, key: unknown, value: unknown): boolean {
  const k = durationOf(key);
  const v = k === undefined ? undefined : durationOf(value);
  return k !== undefined && v !== undefined && byCondition(bigSign(k, v), op);
}

/** Evaluates one operator on substituted key and value. */
export function evaluateOperator(op: ConditionOperator, key: unknown, value: unknown): boolean {
  switch (op) {
    case 'Equals':
      return equals(key, value);
    case 'NotEquals':
      return notEquals(key, value);
    case 'In':
      return legacyIn(false, key, value);
    case 'NotIn':
      return legacyIn(true, key, value);
    case 'AnyIn':
    case 'AllIn':
    case 'AnyNotIn':
    case 'AllNotIn':
      return inFamily(op, key, value);
    case 'GreaterThanOrEquals':
    case 'GreaterThan':
    case 'LessThanOrEquals':
    case 'LessThan':
      return numeric(op, key, value);
    case 'DurationGreaterThanOrEquals':
      return durationOp('GreaterThanOrEquals', key, value);
    case 'DurationGreaterThan':
      return durationOp('GreaterThan', key, value);
    case 'DurationLessThanOrEquals':
      return durationOp('LessThanOrEquals', key, value);
    case 'DurationLessThan':
      return durationOp('LessThan', key, value);
  }
}
