/**
 * Kyverno's arithmetic (pkg/engine/jmespath/arithmetic.go): numbers are scalars; a string is a
 * Quantity or a Duration; one that is both ("30m", "0") is a duration only when the other
 * operand is only a duration ("1Gi" + "512Mi" = "1536Mi", "1h" + "30m" = "1h30m0s", but
 * "30m" + "30m" = "60m", milli-units). Mixing kinds is an error, except scalar × quantity/duration
 * and quantity/duration ÷ scalar.
 */
import { durationFromFloatNs, durationSeconds, formatDuration, parseDuration, wrapInt64 } from './duration.js';
import { formatGoV } from './gofmt.js';
import { fnError, intNumber, type FnSpec } from './jp-common.js';
import {
  addQuantity, divideQuantity, formatQuantity, multiplyQuantity, parseQuantity, quantityFromInt,
  quantityToNumber, subtractQuantity, type Quantity,
} from './quantity.js';

type Operand = { kind: 'scalar'; v: number } | { kind: 'quantity'; q: Quantity } | { kind: 'duration'; ns: bigint };

interface Candidate {
  scalar?: number;
  q?: Quantity;
  ns?: bigint;
}

function candidate(name: string, v: unknown): Candidate {
  if (typeof v === 'number') return { scalar: v };
  if (typeof v === 'string') {
    const c: Candidate = { q: parseQuantity(v), ns: parseDuration(v) };
    if (c.q || c.ns !== undefined) return c;
  }
  throw fnError(name, 'invalid operand');
}

function resolve(c: Candidate, durationContext: boolean): Operand {
  if (c.scalar !== undefined) return { kind: 'scalar', v: c.scalar };
  if (c.ns !== undefined && (!c.q || durationContext)) return { kind: 'duration', ns: c.ns };
  return { kind: 'quantity', q: c.q! };
}

/** A string that reads as both ("30m", "0") is a duration when the other operand is only a duration. */
function operands(name: string, args: unknown[]): [Operand, Operand] {
  const a = candidate(name, args[0]);
  const b = candidate(name, args[1]);
  const durationContext = (a.ns !== undefined && !a.q) || (b.ns !== undefined && !b.q);
  return [resolve(a, durationContext), resolve(b, durationContext)];
}

const mismatch = (name: string): Error => fnError(name, 'types mismatch');
const zeroDivisor = (name: string): Error => fnError(name, 'Zero divisor passed');
const nonInt = (name: string): Error => fnError(name, 'Non-integer argument(s) passed for modulo');

/** ParseQuantity(fmt.Sprintf("%v", f)), as Kyverno turns a scalar into a quantity. */
function scalarQuantity(name: string, f: number): Quantity {
  const q = parseQuantity(formatGoV(f));
  if (!q) throw fnError(name, `quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`);
  return q;
}

function add(name: string, a: Operand, b: Operand): unknown {
  if (a.kind === 'quantity' && b.kind === 'quantity') return formatQuantity(addQuantity(a.q, b.q));
  if (a.kind === 'duration' && b.kind === 'duration') return formatDuration(wrapInt64(a.ns + b.ns));
  if (a.kind === 'scalar' && b.kind === 'scalar') return a.v + b.v;
  throw mismatch(name);
}

function multiply(name: string, a: Operand, b: Operand): unknown {
  if (a.kind === 'scalar' && b.kind !== 'scalar') return multiply(name, b, a);
  if (b.kind !== 'scalar') throw mismatch(name);
  if (a.kind === 'scalar') return a.v * b.v;
  if (a.kind === 'quantity') return formatQuantity(multiplyQuantity(a.q, scalarQuantity(name, b.v), a.q.format));
  return formatDuration(durationFromFloatNs(durationSeconds(a.ns) * b.v * 1e9));
}

function divide(name: string, a: Operand, b: Operand): unknown {
  if (a.kind === 'quantity') {
    if (b.kind === 'quantity') {
      const divisor = quantityToNumber(b.q);
      if (divisor === 0) throw zeroDivisor(name);
      return quantityToNumber(a.q) / divisor;
    }
    if (b.kind === 'scalar') {
      if (b.v === 0) throw zeroDivisor(name);
      const q = scalarQuantity(name, b.v);
      const scale = Math.max(a.q.scale, q.scale);
      return formatQuantity(divideQuantity(a.q, q, scale, a.q.format));
    }
    throw mismatch(name);
  }
  if (a.kind === 'duration') {
    if (b.kind === 'duration') {
      if (durationSeconds(b.ns) === 0) throw zeroDivisor(name);
      return durationSeconds(a.ns) / durationSeconds(b.ns);
    }
    if (b.kind === 'scalar') {
      if (b.v === 0) throw zeroDivisor(name);
      return formatDuration(durationFromFloatNs((durationSeconds(a.ns) / b.v) * 1e9));
    }
    throw mismatch(name);
  }
  if (b.kind !== 'scalar') throw mismatch(name);
  if (b.v === 0) throw zeroDivisor(name);
  return a.v / b.v;
}

function modulo(name: string, a: Operand, b: Operand): unknown {
  if (a.kind === 'quantity' && b.kind === 'quantity') {
    const f1 = quantityToNumber(a.q);
    const f2 = quantityToNumber(b.q);
    if (Math.trunc(f1) !== f1 || Math.trunc(f2) !== f2) throw nonInt(name);
    if (f2 === 0) throw zeroDivisor(name);
    return formatQuantity(quantityFromInt(BigInt(f1) % BigInt(f2), a.q.format));
  }
  if (a.kind === 'duration' && b.kind === 'duration') {
    if (b.ns === 0n) throw zeroDivisor(name);
    return formatDuration(a.ns % b.ns);
  }
  if (a.kind === 'scalar' && b.kind === 'scalar') {
    if (Math.trunc(a.v) !== a.v || Math.trunc(b.v) !== b.v) throw nonInt(name);
    if (b.v === 0) throw zeroDivisor(name);
    return Number(BigInt(a.v) % BigInt(b.v));
  }
  throw mismatch(name);
}

/** Go's math.Round: half away from zero, exact near .5. */
function goRound(x: number): number {
  const t = Math.trunc(x);
  return Math.abs(x - t) >= 0.5 ? t + Math.sign(x) : t;
}

export const ARITHMETIC_FUNCTIONS: FnSpec[] = [
  { name: 'add', args: [['any'], ['any']], fn: (args) => add('add', ...operands('add', args)) },
  {
    name: 'sum',
    args: [['array']],
    fn: ([items]) => {
      const arr = items as unknown[];
      if (arr.length === 0) throw fnError('sum', 'at least one element in the array is required');
      let result: unknown = arr[0];
      for (const item of arr.slice(1)) result = add('sum', ...operands('sum', [result, item]));
      return result;
    },
  },
  {
    name: 'subtract',
    args: [['any'], ['any']],
    fn: (args) => {
      const [a, b] = operands('subtract', args);
      if (a.kind === 'quantity' && b.kind === 'quantity') return formatQuantity(subtractQuantity(a.q, b.q));
      if (a.kind === 'duration' && b.kind === 'duration') return formatDuration(wrapInt64(a.ns - b.ns));
      if (a.kind === 'scalar' && b.kind === 'scalar') return a.v - b.v;
      throw mismatch('subtract');
    },
  },
  { name: 'multiply', args: [['any'], ['any']], fn: (args) => multiply('multiply', ...operands('multiply', args)) },
  { name: 'divide', args: [['any'], ['any']], fn: (args) => divide('divide', ...operands('divide', args)) },
  { name: 'modulo', args: [['any'], ['any']], fn: (args) => modulo('modulo', ...operands('modulo', args)) },
  {
    name: 'round',
    args: [['number'], ['number']],
    fn: ([x, digits]) => {
      const n = intNumber('round', digits as number, 1);
      if (n < 0) throw fnError('round', 'Argument index out of bounds');
      const shift = 10 ** n;
      return goRound((x as number) * shift) / shift;
    },
  },
];

