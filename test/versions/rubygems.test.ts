import { describe, expect, it } from 'vitest';
import { comparatorFor, rubygemsComparator } from '../../src/versions/index.js';
import { checkFacts, readFixture, readOrderingList, reportCounts, type OrderFact } from './vectors.js';

const RB = 'rubygems/test_gem_version.rb';
const lines = readFixture(RB).split('\n');

/** A double-quoted Ruby literal without interpolation: JSON reads the same escapes. */
const RB_STRING = '"(?:[^"\\\\]|\\\\.)*"';
const str = (literal: string): string => JSON.parse(literal) as string;

interface Found {
  facts: OrderFact[];
  /** refute_version_equal and refute_equal of hashes: the two must differ. */
  notEqual: Array<{ line: number; a: string; b: string }>;
  valid: Array<{ v: string; valid: boolean; line: number }>;
  claimed: Map<number, string>;
}

/**
 * Reads the assertions of test_gem_version.rb that are about order or validity. Every
 * other line inside a `def test_` method that carries a string literal must match one of
 * NOT_ORDERING, or the accounting test fails.
 */
function readRubyVectors(): Found {
  const facts: OrderFact[] = [];
  const valid: Found['valid'] = [];
  const claimed = new Map<number, string>();
  const fact = (line: number, a: string, b: string, expected: -1 | 0 | 1): void => {
    facts.push({ where: `${RB}:${line}#${facts.length}`, a, b, expected });
    claimed.set(line, 'checked');
  };
  const notEqual: Array<{ line: number; a: string; b: string }> = [];
  let eachValues: string[] | null = null;
  let eachLine = 0;
  let frozen: string | null = null;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    const l = lines[i];
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^\\s*assert_version_equal (${RB_STRING}),\\s+(${RB_STRING}|\\d+)$`).exec(l))) {
      fact(n, str(m[1]), m[2].startsWith('"') ? str(m[2]) : m[2], 0);
    } else if ((m = new RegExp(`^\\s*assert_version_equal (${RB_STRING}), (\\w+)$`).exec(l)) && eachValues) {
      for (const v of eachValues) fact(n, str(m[1]), v, 0);
      claimed.set(eachLine, 'checked');
    } else if ((m = new RegExp(`^\\s*(refute_version_equal) (${RB_STRING}),\\s+(${RB_STRING})$`).exec(l))) {
      notEqual.push({ line: n, a: str(m[2]), b: str(m[3]) });
      claimed.set(n, 'checked');
    } else if ((m = new RegExp(`^\\s*assert_version_eql (${RB_STRING}),\\s+(${RB_STRING})$`).exec(l))) {
      fact(n, str(m[1]), str(m[2]), 0); // eql? implies ==
    } else if ((m = new RegExp(`^\\s*assert_less_than (${RB_STRING}), (${RB_STRING})$`).exec(l))) {
      fact(n, str(m[1]), str(m[2]), -1);
    } else if ((m = new RegExp(`^\\s*assert_equal\\((-?1|0),\\s+v\\((${RB_STRING})\\)\\s+<=> (?:v\\()?(${RB_STRING})\\)?\\)$`).exec(l))) {
      fact(n, str(m[2]), str(m[3]), Number(m[1]) as -1 | 0 | 1);
    } else if ((m = new RegExp(`^\\s*assert_nil v\\((${RB_STRING})\\) <=> (${RB_STRING})$`).exec(l))) {
      valid.push({ v: str(m[2]), valid: false, line: n });
      claimed.set(n, 'checked');
    } else if ((m = new RegExp(`^\\s*assert_equal v\\((${RB_STRING})\\)\\.hash, v\\((${RB_STRING})\\)\\.hash$`).exec(l))) {
      fact(n, str(m[1]), str(m[2]), 0); // equal hashes: equal versions
    } else if ((m = new RegExp(`^\\s*refute_equal v\\((${RB_STRING})\\)\\.hash, v\\((${RB_STRING})\\)\\.hash$`).exec(l))) {
      notEqual.push({ line: n, a: str(m[1]), b: str(m[2]) });
      claimed.set(n, 'checked');
    } else if ((m = new RegExp(`^\\s*assert_equal (true|false),\\s+Gem::Version\\.correct\\?\\((${RB_STRING})\\)$`).exec(l))) {
      valid.push({ v: str(m[2]), valid: m[1] === 'true', line: n });
      claimed.set(n, 'checked');
    } else if ((m = /^\s*(\[.*\])\.each do \|\w+\|$/.exec(l))) {
      eachValues = [...m[1].matchAll(new RegExp(RB_STRING, 'g'))].map((x) => str(x[0]));
      eachLine = n;
    } else if ((m = new RegExp(`^\\s*assert_equal (${RB_STRING}), Gem::Version\\.new\\(\\w+\\)\\.version$`).exec(l)) && eachValues) {
      // An empty or blank version is "0".
      for (const v of eachValues) fact(n, v, str(m[1]), 0);
      claimed.set(eachLine, 'checked');
    } else if (/^\s*invalid_versions = %W\[$/.test(l)) {
      claimed.set(n, 'checked');
      for (i++; !/^\s*\]$/.test(lines[i]); i++) {
        const v = lines[i].trim().replace(/\\n/g, '\n').replace(/\\ /g, ' ');
        valid.push({ v, valid: false, line: i + 1 });
        claimed.set(i + 1, 'checked');
      }
    } else if ((m = new RegExp(`^\\s*invalid_versions << (${RB_STRING})$`).exec(l))) {
      valid.push({ v: str(m[1]), valid: false, line: n });
      claimed.set(n, 'checked');
    } else if ((m = new RegExp(`^\\s*v = v\\((${RB_STRING})\\)\\.freeze$`).exec(l))) {
      frozen = str(m[1]);
      claimed.set(n, 'checked');
    } else if ((m = new RegExp(`^\\s*assert_less_than v, v\\((${RB_STRING})\\)$`).exec(l)) && frozen !== null) {
      fact(n, frozen, str(m[1]), -1);
    }
    if (/^\s*end$/.test(l)) eachValues = null;
  }
  return { facts, valid, claimed, notEqual };
}

/** Lines in test methods that assert something other than order or validity. */
const NOT_ORDERING: ReadonlyArray<[RegExp, string]> = [
  [/assert_bumped_version_equal|v\.bump/, 'Gem::Version#bump'],
  [/assert_release_equal|v\.release/, 'Gem::Version#release'],
  [/assert_approximate_/, 'Gem::Version#approximate_recommendation'],
  [/prerelease "/, 'Gem::Version#prerelease? (a predicate, not an order)'],
  [/refute_version_eql/, 'eql? tells spellings apart that compare equal (1.2 vs 1.2.0); not an order'],
  [/canonical_segments|\.segments/, 'Gem::Version#segments / #canonical_segments'],
  [/\.to_s$/, 'Gem::Version#to_s'],
  [/Gem::Version\.create|Gem::Version\.new\(1\.0\)|ver = "1\.1"|V\.new "1"|Gem::Version\.new "1"/, 'Gem::Version.create / .new object identity and nil handling'],
  [/nil versions are discouraged/, 'deprecation warning text for nil'],
  [/Malformed version number string/, 'error message text (the invalid versions themselves are checked)'],
];

describe('rubygems comparator on rubygems test_gem_version.rb', () => {
  const found = readRubyVectors();

  it('holds every ordering assertion', () => {
    reportCounts('rubygems', 'test_gem_version.rb (orderings)', checkFacts(rubygemsComparator, found.facts));
  });

  it('holds every refute_version_equal / refute_equal hash: the two differ', () => {
    for (const { a, b } of found.notEqual) expect(rubygemsComparator.compare(a, b), `${a} != ${b}`).not.toBe(0);
    expect(found.notEqual.length).toBeGreaterThan(2);
  });

  it('holds every validity assertion (correct?, invalid versions, <=> with junk)', () => {
    for (const { v, valid } of found.valid) expect(rubygemsComparator.isValid(v), JSON.stringify(v)).toBe(valid);
    expect(found.valid.filter((x) => !x.valid).length).toBeGreaterThan(4);
  });

  it('accounts for every vector line in the test methods', () => {
    const unclaimed: string[] = [];
    let excepted = 0;
    let inTest = false;
    lines.forEach((l, i) => {
      if (/^ {2}def test_/.test(l)) inTest = true;
      else if (/^ {2}end$/.test(l)) inTest = false;
      else if (inTest && /"|%W\[/.test(l) && !found.claimed.has(i + 1)) {
        if (NOT_ORDERING.some(([re]) => re.test(l))) excepted++;
        else unclaimed.push(`${RB}:${i + 1}: ${l.trim()}`);
      }
    });
    expect(unclaimed).toEqual([]);
    console.log(`[vectors] rubygems test_gem_version.rb: ${found.claimed.size} lines checked, ${excepted} lines excepted (not orderings)`);
  });
});

describe('rubygems comparator on osv-scalibr lists', () => {
  it('holds every rubygems-versions.txt line, 30-digit segments included', () => {
    reportCounts('rubygems', 'rubygems-versions.txt', checkFacts(rubygemsComparator, readOrderingList('rubygems/rubygems-versions.txt')));
  });

  it('holds every line of rubygems-versions-generated.txt (Gem::Version over real OSV versions)', () => {
    reportCounts('rubygems', 'rubygems-versions-generated.txt', checkFacts(rubygemsComparator, readOrderingList('rubygems/rubygems-versions-generated.txt')));
  });

  it('puts a version RubyGems rejects before every valid one, and is what comparatorFor gives RubyGems', () => {
    expect(rubygemsComparator.compare('junk', '0.a')).toBeLessThan(0);
    expect(rubygemsComparator.compare('0.a', 'junk')).toBeGreaterThan(0);
    expect(comparatorFor('RubyGems')).toBe(rubygemsComparator);
  });
});
