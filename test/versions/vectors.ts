import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Comparator } from '../../src/versions/index.js';

/** Test helpers: read the vector files in test/fixtures/versions and check them. */

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'versions');

export function readFixture(relative: string): string {
  return readFileSync(join(FIXTURES, relative), 'utf8');
}

/** One checkable fact from a vector file: `compare(a, b)` has the sign `expected`. */
export interface OrderFact {
  /** `file:line` (1-based), the key exceptions are listed under. */
  where: string;
  a: string;
  b: string;
  expected: -1 | 0 | 1;
}

const OPS: Readonly<Record<string, -1 | 0 | 1>> = { '<': -1, '=': 0, '>': 1 };

/**
 * osv-scalibr's `a <op> b` files. Blank lines and `#`/`//` comments carry no fact; every
 * other line must parse, or the reader throws (nothing is skipped silently).
 */
export function readOrderingList(relative: string): OrderFact[] {
  const facts: OrderFact[] = [];
  readFixture(relative)
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '' || line.startsWith('#') || line.startsWith('//')) return;
      const m = /^(.*) ([<=>]) (.*)$/.exec(line);
      if (!m) throw new Error(`${relative}:${i + 1}: not an ordering line: ${JSON.stringify(line)}`);
      facts.push({ where: `${relative}:${i + 1}`, a: m[1], expected: OPS[m[2]], b: m[3] });
    });
  return facts;
}

/** The TSV extracts (`a<TAB>b<TAB>-1|0|1`) of dpkg and rpm; `#` lines are headers. */
export function readResultTsv(relative: string): OrderFact[] {
  const facts: OrderFact[] = [];
  readFixture(relative)
    .split('\n')
    .forEach((line, i) => {
      if (line === '' || line.startsWith('#')) return;
      const cols = line.split('\t');
      const expected = Number(cols[2]);
      if (cols.length !== 3 || (expected !== -1 && expected !== 0 && expected !== 1)) {
        throw new Error(`${relative}:${i + 1}: not a vector line: ${JSON.stringify(line)}`);
      }
      facts.push({ where: `${relative}:${i + 1}`, a: cols[0], b: cols[1], expected });
    });
  return facts;
}

/** Every ordered pair of a list given in ascending order (i < j ⇒ a[i] < a[j]). */
export function pairsOfAscendingList(where: string, list: readonly string[]): OrderFact[] {
  const facts: OrderFact[] = [];
  for (let i = 0; i < list.length; i++) {
    for (let j = 0; j < list.length; j++) {
      facts.push({ where: `${where}[${i}]~[${j}]`, a: list[i], b: list[j], expected: i < j ? -1 : i > j ? 1 : 0 });
    }
  }
  return facts;
}

/** The fact holds for `compare`, both ways round. */
export function holds(cmp: Comparator, f: OrderFact): boolean {
  return Math.sign(cmp.compare(f.a, f.b)) === f.expected && Math.sign(cmp.compare(f.b, f.a)) === -f.expected;
}

export interface CheckResult {
  checked: number;
  exceptions: number;
}

/**
 * Check every fact, except those listed in `exceptions` (key: `where`, value: why the
 * fact cannot hold under our semantics). A listed exception must exist and must really
 * fail, so the list cannot go stale or hide a passing line.
 */
export function checkFacts(cmp: Comparator, facts: readonly OrderFact[], exceptions: ReadonlyMap<string, string> = new Map()): CheckResult {
  const failures: string[] = [];
  const seen = new Set<string>();
  for (const f of facts) {
    const ok = holds(cmp, f);
    if (exceptions.has(f.where)) {
      seen.add(f.where);
      if (ok) failures.push(`${f.where}: listed as an exception but holds: ${f.a} ${f.expected} ${f.b}`);
    } else if (!ok) {
      failures.push(`${f.where}: compare(${JSON.stringify(f.a)}, ${JSON.stringify(f.b)}) = ${cmp.compare(f.a, f.b)}, want sign ${f.expected}`);
    }
  }
  for (const key of exceptions.keys()) {
    if (!seen.has(key) && facts.some((f) => f.where.startsWith(key.split(':')[0]))) {
      failures.push(`${key}: listed as an exception but no such vector`);
    }
  }
  expect(failures.slice(0, 40)).toEqual([]);
  const exceptionCount = facts.filter((f) => exceptions.has(f.where)).length;
  return { checked: facts.length - exceptionCount, exceptions: exceptionCount };
}

/** Counts per scheme, printed once at the end of a file's run for the report. */
export function reportCounts(scheme: string, file: string, r: CheckResult): void {
  console.log(`[vectors] ${scheme} ${file}: ${r.checked} checked, ${r.exceptions} exceptions`);
}

/**
 * Run `fn` over every line of a file and make sure each line that carries vectors (as
 * `isVectorLine` says) was consumed by a handler or listed as an exception; lines
 * nobody claimed fail the test, so a new upstream vector cannot be skipped silently.
 */
export function accountLines(relative: string, isVectorLine: (line: string) => boolean, claimed: ReadonlySet<number>): void {
  const unclaimed: string[] = [];
  readFixture(relative)
    .split('\n')
    .forEach((line, i) => {
      if (isVectorLine(line) && !claimed.has(i + 1)) unclaimed.push(`${relative}:${i + 1}: ${line.trim()}`);
    });
  expect(unclaimed).toEqual([]);
}
