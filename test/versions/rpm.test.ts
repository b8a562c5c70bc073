import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { comparatorFor, rpmComparator } from '../../src/versions/index.js';
import { checkFacts, readOrderingList, readResultTsv, reportCounts } from './vectors.js';

const rpmvercmp = readResultTsv('rpm/rpmvercmp-vectors.tsv');
const redhat = readOrderingList('rpm/redhat-versions.txt');

describe('rpm comparator on upstream vectors', () => {
  it('holds every rpm tests/rpmvercmp.at vector', () => {
    reportCounts('rpm', 'rpmvercmp-vectors.tsv', checkFacts(rpmComparator, rpmvercmp));
  });

  it('holds every osv-scalibr redhat-versions.txt line (epochs, releases, colons that are no epoch)', () => {
    reportCounts('rpm', 'redhat-versions.txt', checkFacts(rpmComparator, redhat));
  });

  it('is what comparatorFor gives the RPM distributions', () => {
    for (const eco of ['Red Hat:rhel_aus:8.4::appstream', 'AlmaLinux:9', 'Rocky Linux:9', 'SUSE:Linux Enterprise Server 15 SP5', 'openSUSE:Tumbleweed', 'Mageia:9', 'openEuler:22.03-LTS']) {
      expect(comparatorFor(eco)).toBe(rpmComparator);
    }
  });
});

/**
 * rpm's own `rpm.vercmp` (EVR strings, through rpm's Lua) is the reference where rpm is
 * installed. rpm is not in .ci/run's package list, so this block runs only where it is.
 */
const hasRpm = existsSync('/usr/bin/rpm');
describe.skipIf(!hasRpm)('rpm comparator against the local rpm', () => {
  it('orders every vector pair as rpm.vercmp does', () => {
    const pairs: Array<[string, string]> = [
      ...rpmvercmp.map((f): [string, string] => [f.a, f.b]),
      ...redhat.map((f): [string, string] => [f.a, f.b]),
      ['1:1.0-1', '1.0-2'],
      ['0:3.10.0-229.el7', '3.10.0-229.el7'],
      ['1.0-1.el9_2', '1.0-1.el9_2.1'],
      ['2.36-9.el9', '2.36-9.el9~beta'],
    ];
    // Lua long strings ([==[ ]==]) carry the versions verbatim; none contains "]==]".
    expect(pairs.every(([a, b]) => !`${a}${b}`.includes(']==]'))).toBe(true);
    const lua = pairs.map(([a, b]) => `print(rpm.vercmp([==[${a}]==], [==[${b}]==]) .. "\\n")`).join(' ');
    const out = execFileSync('rpm', ['--eval', `%{lua: ${lua}}`], { encoding: 'utf8' });
    const rpm = out.trim().split('\n').map(Number);
    expect(rpm).toHaveLength(pairs.length);
    const mismatches = pairs.filter(([a, b], i) => Math.sign(rpmComparator.compare(a, b)) !== Math.sign(rpm[i]));
    expect(mismatches).toEqual([]);
  });
});
