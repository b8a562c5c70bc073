import { describe, expect, it } from 'vitest';
import { comparatorFor, goComparator, goToolchainToSemver, isGoPseudoVersion } from '../../src/versions/index.js';
import { accountLines, checkFacts, readFixture, reportCounts, type OrderFact } from './vectors.js';

const SEMVER = 'go/semver_test.go';
const PSEUDO = 'go/pseudo_test.go';

/** Go string literals in these files use only JSON-compatible escapes. */
const GO_STRING = /"(?:[^"\\]|\\.)*"/g;
function goStrings(line: string): string[] {
  return [...line.matchAll(GO_STRING)].map((m) => JSON.parse(m[0]) as string);
}

/** The rows of a Go table literal starting at `header`, up to its closing `}`. */
function tableRows(file: string, header: RegExp): Array<{ line: number; cells: string[] }> {
  const lines = readFixture(file).split('\n');
  const at = lines.findIndex((l) => header.test(l));
  if (at < 0) throw new Error(`${file}: no ${header}`);
  // The rows start after the line that opens the literal: `}{` for a struct table,
  // `[]string{` for a string slice.
  const start = lines.findIndex((l, i) => i >= at && /(\}\{|\[\]string\{)\s*$/.test(l));
  const rows: Array<{ line: number; cells: string[] }> = [];
  for (let i = start + 1; i < lines.length && !/^\s*\}/.test(lines[i]); i++) {
    const cells = goStrings(lines[i].replace(/\/\/.*$/, ''));
    if (cells.length > 0) rows.push({ line: i + 1, cells });
  }
  return rows;
}

describe('go comparator on golang.org/x/mod semver_test.go', () => {
  const tests = tableRows(SEMVER, /^var tests = \[\]struct/);
  const golden = tableRows(SEMVER, /golden := \[\]string\{/);
  const lines = readFixture(SEMVER).split('\n');
  const v1 = lines.findIndex((l) => /^\tv1 = "/.test(l));
  const v2 = lines.findIndex((l) => /^\tv2 = "/.test(l));

  it('reads the whole tests table', () => {
    expect(tests).toHaveLength(32);
    expect(tests.every((r) => r.cells.length === 2)).toBe(true);
  });

  it('TestIsValid: valid exactly when the canonical form is non-empty', () => {
    for (const { line, cells } of tests) {
      expect(goComparator.isValid(cells[0]), `${SEMVER}:${line}`).toBe(cells[1] !== '');
    }
  });

  it('TestCanonical: each valid version equals its canonical form', () => {
    for (const { cells } of tests.filter((r) => r.cells[1] !== '')) expect(goComparator.compare(cells[0], cells[1]), cells[0]).toBe(0);
  });

  it('TestCompare: the full matrix (table order, equal canonical forms compare equal)', () => {
    const facts: OrderFact[] = [];
    tests.forEach((ti, i) =>
      tests.forEach((tj, j) => {
        facts.push({ where: `${SEMVER}:${ti.line}~${tj.line}`, a: ti.cells[0], b: tj.cells[0], expected: ti.cells[1] === tj.cells[1] ? 0 : i < j ? -1 : 1 });
      }),
    );
    reportCounts('go', 'semver_test.go (TestCompare matrix)', checkFacts(goComparator, facts));
  });

  it('TestSort: sorting by compare, ties by text (ByVersion), gives the golden list', () => {
    const sorted = tests.map((t) => t.cells[0]).sort((a, b) => goComparator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0));
    expect(sorted).toEqual(golden.map((g) => g.cells[0]));
  });

  it('BenchmarkCompare: versions differing only in build metadata are equal', () => {
    expect(goComparator.compare(goStrings(lines[v1])[0], goStrings(lines[v2])[0])).toBe(0);
  });

  it('accounts for every vector line of semver_test.go', () => {
    const claimed = new Set([...tests.map((r) => r.line), ...golden.map((r) => r.line), v1 + 1, v2 + 1]);
    accountLines(SEMVER, (l) => /^\t+(\{"|"[^"]*",$)|^\tv[12] = "/.test(l), claimed);
    console.log(`[vectors] go semver_test.go: ${claimed.size} lines checked, 0 exceptions`);
  });
});

describe('go comparator on golang.org/x/mod pseudo_test.go', () => {
  const pseudo = tableRows(PSEUDO, /^var pseudoTests = \[\]struct/);
  const invalidBase = tableRows(PSEUDO, /for _, in := range \[\]string\{/);
  const inc = tableRows(PSEUDO, /func TestIncDecimal/);
  const dec = tableRows(PSEUDO, /func TestDecDecimal/);

  it('IsPseudoVersion holds for each pseudo-version and not for its base; the base sorts before it', () => {
    expect(pseudo).toHaveLength(13);
    for (const { cells } of pseudo) {
      const [, older, version] = cells;
      expect(isGoPseudoVersion(version), version).toBe(true);
      expect(isGoPseudoVersion(older), older).toBe(false);
      // A pseudo-version is a prerelease of the version after its base, so it sorts
      // after the base (an empty base is no version and sorts first).
      expect(goComparator.compare(older, version), `${older} < ${version}`).toBeLessThan(0);
      expect(goComparator.compare(version, older)).toBeGreaterThan(0);
    }
    console.log(`[vectors] go pseudo_test.go pseudoTests: ${pseudo.length} checked, 0 exceptions`);
  });

  it('lists the rest of pseudo_test.go as exceptions: they test functions with no ordering', () => {
    // TestInvalidPseudoVersionBase (PseudoVersionBase errors), TestIncDecimal and
    // TestDecDecimal (x/mod's internal decimal helpers): neither is an ordering.
    expect(invalidBase.length + inc.length + dec.length).toBe(7 + 5 + 8);
    const claimed = new Set([...pseudo, ...invalidBase, ...inc, ...dec].map((r) => r.line));
    accountLines(PSEUDO, (l) => /^\t+(\{"|"v)/.test(l), claimed);
    console.log(`[vectors] go pseudo_test.go other tables: 0 checked, ${invalidBase.length + inc.length + dec.length} exceptions (PseudoVersionBase, incDecimal, decDecimal not exposed)`);
  });
});

describe('go comparator on OSV spellings', () => {
  it('reads Go toolchain versions as OSV stdlib records do', () => {
    expect(goToolchainToSemver('go1.21.3')).toBe('1.21.3');
    expect(goToolchainToSemver('go1.22rc1')).toBe('1.22.0-rc.1');
    expect(goComparator.compare('go1.22rc1', '1.22.0')).toBeLessThan(0);
    expect(goComparator.compare('go1.22rc1', '1.21.99')).toBeGreaterThan(0);
    expect(goComparator.compare('go1.21.3', 'v1.21.3')).toBe(0);
  });

  it('takes the v as optional, ignores +incompatible, and puts 1.21.0-0 before every 1.21 prerelease', () => {
    expect(goComparator.compare('1.2.3', 'v1.2.3')).toBe(0);
    expect(goComparator.compare('v2.0.0+incompatible', '2.0.0')).toBe(0);
    expect(goComparator.compare('1.21.0-0', '1.21.0-rc.1')).toBeLessThan(0);
    expect(goComparator.compare('1.21.0-0', '1.20.99')).toBeGreaterThan(0);
    expect(comparatorFor('Go')).toBe(goComparator);
  });
});
