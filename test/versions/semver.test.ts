import { createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { Range } from 'semver';
import { describe, expect, it } from 'vitest';
import { comparatorFor, semverComparator } from '../../src/versions/index.js';
import { checkFacts, readFixture, readOrderingList, reportCounts, type OrderFact } from './vectors.js';

const require = createRequire(import.meta.url);

/**
 * node-semver's fixtures are CommonJS modules; they are evaluated as they are, with the
 * one require they make (semver's own constants) pointed at the installed package.
 */
function loadFixture(name: string): unknown[][] {
  const module = { exports: [] as unknown[][] };
  const fakeRequire = (id: string): unknown => {
    if (id === '../../internal/constants') return require('semver/internal/constants');
    throw new Error(`${name}: unexpected require(${id})`);
  };
  runInNewContext(readFixture(`semver/${name}`), { module, exports: module.exports, require: fakeRequire });
  return module.exports;
}

/** Every entry must be claimed: checked, or listed with a reason. */
function expectAllAccounted(name: string, total: number, checked: number, excepted: number): void {
  expect(checked + excepted).toBe(total);
  console.log(`[vectors] semver ${name}: ${checked} checked, ${excepted} exceptions`);
}

/**
 * range-exclude.js entries that hold only because of npm's prerelease policy (a
 * prerelease satisfies a range only when a comparator in it has a prerelease on the same
 * [major, minor, patch]), not because of the order: by order alone the version lies
 * inside the range. Ranges are an npm feature the Comparator does not model; OSV ranges
 * are introduced/fixed events compared by order.
 */
const RANGE_PRERELEASE_POLICY = 'excluded by npm prerelease policy, not by order; inside the range by order alone';
const RANGE_EXCLUDE_EXCEPTIONS = new Set<number>([2, 8, 12, 60, 68, 80, 89, 90, 95]);

describe('semver comparator on node-semver fixtures', () => {
  it('holds comparisons.js (first > second)', () => {
    const rows = loadFixture('comparisons.js');
    const facts: OrderFact[] = rows.map((r, i) => ({ where: `comparisons.js[${i}]`, a: String(r[0]), b: String(r[1]), expected: 1 }));
    const r = checkFacts(semverComparator, facts);
    expectAllAccounted('comparisons.js', rows.length, r.checked, r.exceptions);
  });

  it('holds equality.js (loose spellings, build metadata ignored)', () => {
    const rows = loadFixture('equality.js');
    const facts: OrderFact[] = rows.map((r, i) => ({ where: `equality.js[${i}]`, a: String(r[0]), b: String(r[1]), expected: 0 }));
    const r = checkFacts(semverComparator, facts);
    expectAllAccounted('equality.js', rows.length, r.checked, r.exceptions);
  });

  it('holds valid-versions.js: valid, and equal to the version rebuilt from its parsed fields', () => {
    const rows = loadFixture('valid-versions.js');
    for (const [v, major, minor, patch, pre] of rows as Array<[string, number, number, number, Array<string | number>]>) {
      expect(semverComparator.isValid(v), v).toBe(true);
      const rebuilt = `${major}.${minor}.${patch}${pre.length ? `-${pre.join('.')}` : ''}`;
      expect(semverComparator.compare(v, rebuilt), `${v} vs ${rebuilt}`).toBe(0);
    }
    expectAllAccounted('valid-versions.js', rows.length, rows.length, 0);
  });

  it('holds invalid-versions.js for every string entry', () => {
    const rows = loadFixture('invalid-versions.js');
    const strings = rows.filter((r) => typeof r[0] === 'string');
    for (const [v] of strings as Array<[string]>) expect(semverComparator.isValid(v), v.slice(0, 40)).toBe(false);
    // The other entries are a RegExp and an object with toString: the API takes strings,
    // so TypeScript already rules them out.
    expectAllAccounted('invalid-versions.js', rows.length, strings.length, rows.length - strings.length);
    expect(rows.length - strings.length).toBe(3);
  });

  /**
   * Range fixtures, checked through order: each range is parsed by `semver` into
   * comparator sets, and every bound is then tested with OUR compare. A version is in a
   * range when it satisfies every comparator of some set.
   */
  function inRangeByOrder(range: string, version: string, options: unknown): boolean {
    if (!semverComparator.isValid(version)) return false;
    const parsed = new Range(range, options as { loose?: boolean; includePrerelease?: boolean });
    return parsed.set.some((set) =>
      set.every((c) => {
        if (typeof c.semver === 'symbol' || c.value === '') return true; // the "any" comparator
        const r = semverComparator.compare(version, c.semver.version);
        switch (c.operator) {
          case '<':
            return r < 0;
          case '<=':
            return r <= 0;
          case '>':
            return r > 0;
          case '>=':
            return r >= 0;
          default:
            return r === 0;
        }
      }),
    );
  }

  it('holds range-include.js: each version lies inside its range by order', () => {
    const rows = loadFixture('range-include.js');
    const failures = rows.filter(([range, version, options]) => !inRangeByOrder(String(range), String(version), options));
    expect(failures).toEqual([]);
    expectAllAccounted('range-include.js', rows.length, rows.length, 0);
  });

  it('holds range-exclude.js by order, except the listed prerelease-policy entries', () => {
    const rows = loadFixture('range-exclude.js');
    const failures: string[] = [];
    rows.forEach(([range, version, options], i) => {
      const inside = inRangeByOrder(String(range), String(version), options);
      if (RANGE_EXCLUDE_EXCEPTIONS.has(i) !== inside) failures.push(`range-exclude.js[${i}] ${String(range)} / ${String(version)}: inside by order = ${inside}`);
      // The reason must be the policy: every excepted version is a prerelease.
      if (RANGE_EXCLUDE_EXCEPTIONS.has(i) && !/-/.test(String(version).replace(/\+.*$/, ''))) failures.push(`range-exclude.js[${i}]: ${String(version)} is no prerelease`);
    });
    expect(failures).toEqual([]);
    expectAllAccounted(`range-exclude.js (${RANGE_PRERELEASE_POLICY})`, rows.length, rows.length - RANGE_EXCLUDE_EXCEPTIONS.size, RANGE_EXCLUDE_EXCEPTIONS.size);
  });
});

/** Pub orders build metadata (1.0.0 < 1.0.0+build); npm's semver, used for Pub, ignores it. */
const PUB_BUILD = 'Pub (pub_semver) orders build metadata; npm semver, the scheme Pub maps to, ignores it';
const PUB_EXCEPTIONS = new Map([1, 3, 5, 6, 7, 8, 9, 11, 13, 14, 15, 104, 105, 106].map((l): [string, string] => [`other/pub-versions.txt:${l}`, PUB_BUILD]));

describe('semver comparator on osv-scalibr lists', () => {
  it('holds every semver-versions.txt line', () => {
    reportCounts('semver', 'semver-versions.txt', checkFacts(semverComparator, readOrderingList('semver/semver-versions.txt')));
  });

  it('holds pub-versions.txt except the build-metadata orderings', () => {
    expect(comparatorFor('Pub')).toBe(semverComparator);
    reportCounts('semver', 'other/pub-versions.txt', checkFacts(semverComparator, readOrderingList('other/pub-versions.txt'), PUB_EXCEPTIONS));
  });

  it('puts an unparsable version before every valid one, and is what comparatorFor gives npm and crates.io', () => {
    expect(semverComparator.compare('not-a-version', '0.0.0-0')).toBeLessThan(0);
    expect(semverComparator.compare('0.0.0-0', 'not-a-version')).toBeGreaterThan(0);
    expect(semverComparator.compare('abc', 'abd')).toBeLessThan(0);
    for (const eco of ['npm', 'crates.io', 'Hex', 'SwiftURL']) expect(comparatorFor(eco)).toBe(semverComparator);
  });
});
