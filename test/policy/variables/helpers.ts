/** Shared helpers: evaluate an expression against data as Kyverno's `jp.Search(data)` does. */
import { compileExpression, evaluate } from '../../../src/policy/variables/jmespath.js';

export const FIXED_NOW = new Date('2024-03-15T10:30:00Z');

/** mulberry32: a small seeded generator so random() is reproducible. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function jp(expr: string, data: unknown = '', now: Date = FIXED_NOW): unknown {
  return evaluate(compileExpression(expr), data, { now, random: seeded(42) });
}

/** The error an evaluation throws (fails the test when there is none). */
export function jpError(expr: string, data: unknown = ''): Error {
  try {
    const v = jp(expr, data);
    throw new Error(`expected an error from ${expr}, got ${JSON.stringify(v)}`);
  } catch (e) {
    if ((e as Error).message.startsWith('expected an error from')) throw e;
    return e as Error;
  }
}
