import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { comparatorFor, debComparator } from '../../src/versions/index.js';
import { checkFacts, readOrderingList, readResultTsv, reportCounts, type OrderFact } from './vectors.js';

const dpkgVectors = readResultTsv('debian/dpkg-vectors.tsv');
const scalibr = readOrderingList('debian/debian-versions.txt');
const generated = readOrderingList('debian/debian-versions-generated.txt');

describe('deb comparator on upstream vectors', () => {
  it('holds every dpkg Dpkg_Version.t vector', () => {
    reportCounts('deb', 'dpkg-vectors.tsv', checkFacts(debComparator, dpkgVectors));
  });

  it('holds every osv-scalibr debian-versions.txt line', () => {
    reportCounts('deb', 'debian-versions.txt', checkFacts(debComparator, scalibr));
  });

  it('holds every line of debian-versions-generated.txt (dpkg --compare-versions over real OSV versions)', () => {
    reportCounts('deb', 'debian-versions-generated.txt', checkFacts(debComparator, generated));
  });

  it('is what comparatorFor gives Debian and Ubuntu ecosystems', () => {
    expect(comparatorFor('Debian:12')).toBe(debComparator);
    expect(comparatorFor('Ubuntu:Pro:14.04:LTS')).toBe(debComparator);
  });
});

/**
 * The real dpkg on this Debian machine is the reference: each pair is asked of
 * `dpkg --compare-versions`, and validity is "dpkg prints no warning or error".
 */
describe('deb comparator against the local dpkg', () => {
  const cases = [...dpkgVectors, ...scalibr, ...generated.filter((_, i) => i % 50 === 0)];
  // Hand-made pairs around the rules the vectors touch least: tilde runs, epochs,
  // revision-only differences, letters against punctuation.
  const extra: Array<[string, string]> = [
    ['1.0~rc1', '1.0'],
    ['1.0', '1.0a'],
    ['1.0a', '1.0+b1'],
    ['2.36-9+deb12u6', '2.36-9'],
    ['1:0', '9.9'],
    ['1.0~~a', '1.0~'],
    ['1.0-1~bpo1', '1.0-1'],
    ['1.0.0-0', '1.0.0'],
    ['1.0+dfsg-1', '1.0-1'],
    ['7.88.1-10+deb12u5', '7.88.1-10+deb12u12'],
    ['1.2.3-1ubuntu0.1', '1.2.3-1ubuntu0.10'],
    ['0:1.0', '1.0-0'],
  ];
  const pairs: Array<[string, string]> = [...cases.map((f): [string, string] => [f.a, f.b]), ...extra];

  it('orders sampled vector pairs and hand-made pairs as dpkg does', () => {
    const script = 'while IFS="\t" read -r a b; do if dpkg --compare-versions "$a" lt "$b" 2>/dev/null; then echo -1; elif dpkg --compare-versions "$a" eq "$b" 2>/dev/null; then echo 0; else echo 1; fi; done';
    const out = execFileSync('bash', ['-c', script], { input: pairs.map(([a, b]) => `${a}\t${b}\n`).join(''), encoding: 'utf8' });
    const dpkg = out.trim().split('\n').map(Number);
    expect(dpkg).toHaveLength(pairs.length);
    const mismatches = pairs.filter(([a, b], i) => Math.sign(debComparator.compare(a, b)) !== dpkg[i]);
    expect(mismatches).toEqual([]);
  });

  it('calls a version valid exactly when dpkg accepts it without a warning', () => {
    const versions = [
      ...new Set(cases.flatMap((f: OrderFact) => [f.a, f.b])),
      'a',
      '1:a',
      '1.0-',
      '1.0_1',
      '1:',
      ':1',
      '1.0 2',
      'a:1.0',
      '1.0-a_b',
      '1:1.0-1:2',
      '99999999999:1',
      '1.0-1-2',
      '1:2:3',
      ' 1.0 ',
    ];
    const script = 'while IFS= read -r v; do if [ -z "$(dpkg --compare-versions "$v" eq "$v" 2>&1 >/dev/null)" ]; then echo 1; else echo 0; fi; done';
    const out = execFileSync('bash', ['-c', script], { input: versions.map((v) => `${v}\n`).join(''), encoding: 'utf8' });
    const dpkgValid = out.trim().split('\n').map((s) => s === '1');
    expect(dpkgValid).toHaveLength(versions.length);
    const mismatches = versions.filter((v, i) => debComparator.isValid(v) !== dpkgValid[i]);
    expect(mismatches).toEqual([]);
    // The sample must contain both kinds, or the check proves nothing.
    expect(dpkgValid.filter((x) => !x).length).toBeGreaterThan(5);
  });
});
