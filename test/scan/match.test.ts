// Matching a real inventory against real advisories. The inventory is built by the real
// catalogers from test/fixtures/scan/rootfs (Debian 12 dpkg stanzas from this project's
// machine, npm registry package.json files, Debian/pip Python metadata); the records are
// the published OSV fixtures plus Debian 12 records derived from the security tracker
// (test/fixtures/scan/SOURCE.md says how). Expected fixes and statuses are read from the
// records, and Debian version order is checked with dpkg itself.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { dpkgCataloger } from '../../src/inventory/catalogers/dpkg.js';
import { inventoryDirectory } from '../../src/inventory/index.js';
import type { Inventory, OsInfo } from '../../src/inventory/types.js';
import { createMemoryLookup, groupByVulnerability, matchInventory, type Finding } from '../../src/scan/index.js';
import type { OsvRecord } from '../../src/vulndb/osv-types.js';
import { runCataloger } from '../helpers/catalog.js';
import { dpkgSays, FIXTURES, loadRecords, recordById } from './helpers.js';

const published = loadRecords().map((r) => r.record);
const debian12 = loadRecords(join(FIXTURES, 'debian12')).map((r) => r.record);

let inv: Inventory;
let findings: Finding[];

beforeAll(async () => {
  inv = await inventoryDirectory(join(FIXTURES, 'rootfs'), { scope: 'image' });
  findings = matchInventory(inv, createMemoryLookup([...published, ...debian12]));
});

function findingsFor(name: string, version?: string): Finding[] {
  return findings.filter((f) => f.pkg.name === name && (version === undefined || f.pkg.version === version));
}

/** The `fixed` events of a record's ranges for one package. */
function fixesIn(rec: OsvRecord, name: string): string[] {
  return rec.affected!.filter((a) => a.package?.name === name).flatMap((a) => a.ranges!.flatMap((r) => r.events.flatMap((e) => ('fixed' in e ? [e.fixed] : []))));
}

describe('npm and PyPI packages against GHSA/PYSEC records', () => {
  it('lodash 4.17.11 is affected by CVE-2019-10744 and 4.17.12 is not', () => {
    const ghsa = recordById('GHSA-jf85-cpcp-j695');
    const [f, ...rest] = findingsFor('lodash', '4.17.11');
    expect(rest).toEqual([]);
    expect(f.id).toBe('CVE-2019-10744');
    expect(f.aliases).toEqual(['GHSA-jf85-cpcp-j695']);
    expect(f.fixedVersions).toEqual(fixesIn(ghsa, 'lodash'));
    expect(f.status).toBe('fixed');
    expect(f.severity).toBe(ghsa.database_specific!.severity);
    expect(f.severitySource).toBe('ghsa');
    expect(f.title).toBe(ghsa.summary);
    expect(f.pkg.locations[0].path).toBe('usr/src/app/node_modules/lodash/package.json');
    expect(findingsFor('lodash', '4.17.12')).toEqual([]);
  });

  it('minimist: each version gets the fix of the range it is in (two affected entries)', () => {
    const ghsa = recordById('GHSA-xvch-5gv4-984h');
    const fixes = fixesIn(ghsa, 'minimist');
    expect(fixes.sort()).toEqual(['0.2.4', '1.2.6']);
    expect(findingsFor('minimist', '1.2.5').map((f) => [f.id, f.fixedVersions])).toEqual([['CVE-2021-44906', ['1.2.6']]]);
    expect(findingsFor('minimist', '0.0.8').map((f) => [f.id, f.fixedVersions])).toEqual([['CVE-2021-44906', ['0.2.4']]]);
    expect(findingsFor('minimist', '1.2.6')).toEqual([]);
  });

  it('requests 2.28.1: the GHSA and PYSEC records of CVE-2023-32681 fold into one finding', () => {
    const ghsa = recordById('GHSA-j8r2-6x86-q33q');
    const pysec = recordById('PYSEC-2023-74');
    const [f, ...rest] = findingsFor('requests', '2.28.1');
    expect(rest).toEqual([]);
    expect(f.id).toBe('CVE-2023-32681');
    expect(f.aliases).toEqual(['GHSA-j8r2-6x86-q33q', 'PYSEC-2023-74']);
    expect(f.fixedVersions).toEqual(['2.31.0']);
    // GitHub rates it MODERATE, which is MEDIUM here (Trivy's mapping).
    expect(ghsa.database_specific!.severity).toBe('MODERATE');
    expect(f.severity).toBe('MEDIUM');
    // References of both records, each once.
    const all = new Set([...ghsa.references!, ...pysec.references!].map((r) => r.url));
    expect(new Set(f.references)).toEqual(all);
    expect(f.references.length).toBe(all.size);
    expect(findingsFor('requests', '2.34.2')).toEqual([]);
  });

  it('urllib3 1.26.12 is past PYSEC-2020-148 (fixed 1.25.9)', () => {
    expect(findingsFor('urllib3')).toEqual([]);
  });
});

describe('Debian 12 packages: looked up by source name and version, reported per binary', () => {
  it('CVE-2011-3374 (apt, unimportant) is reported on both binaries built from apt', () => {
    const fs = findings.filter((f) => f.id === 'CVE-2011-3374');
    expect(fs.map((f) => f.pkg.name).sort()).toEqual(['apt', 'libapt-pkg6.0']);
    for (const f of fs) {
      expect(f.pkg.source?.name).toBe('apt');
      expect(f.ecosystem).toBe('Debian:12');
      expect(f.unimportant).toBe(true);
      expect(f.status).toBe('affected');
      expect(f.fixedVersions).toEqual([]);
      // Urgency `unimportant` maps to LOW (trivy-db severityFromUrgency), from Debian.
      expect([f.severity, f.severitySource]).toEqual(['LOW', 'debian']);
    }
  });

  it("coreutils: the tracker's <ignored> is will_not_fix; util-linux unfixed on every binary", () => {
    expect(findingsFor('coreutils').map((f) => [f.id, f.status])).toEqual([['CVE-2016-2781', 'will_not_fix']]);
    const ul = findings.filter((f) => f.id === 'CVE-2024-28085').map((f) => f.pkg.name);
    expect(ul.sort()).toEqual(['bsdutils', 'libmount1', 'util-linux']);
  });

  it('compares the source version: bsdutils carries its own epoch (1:2.38.1-5+deb12u3)', () => {
    const synthetic = loadRecords(join(FIXTURES, 'synthetic')).map((r) => r.record);
    const fs = matchInventory(inv, createMemoryLookup(synthetic)).filter((f) => f.pkg.name === 'bsdutils');
    const binary = inv.packages.find((p) => p.name === 'bsdutils')!;
    // The fixture's fix; dpkg agrees that only the source version is below it.
    const fix = '2.38.1-5+deb12u4';
    expect(dpkgSays(binary.source!.version!, 'lt', fix)).toBe(true);
    expect(dpkgSays(binary.version, 'lt', fix)).toBe(false);
    expect(fs.map((f) => [f.id, f.installedVersion, f.fixedVersions, f.status])).toEqual([['SYNTHETIC-2024-0001', binary.source!.version, [fix], 'fixed']]);
    expect(fs[0].pkg.version).toBe(binary.version);
  });

  it('glibc: the installed upload is past the DSA fix; an older one gets one finding for DSA + DEBIAN-CVE', () => {
    const libc6 = inv.packages.find((p) => p.name === 'libc6')!;
    const fix = fixesIn(recordById('DSA-5673-1', join(FIXTURES, 'debian12')), 'glibc')[0];
    expect(dpkgSays(libc6.source!.version!, 'ge', fix)).toBe(true);
    expect(findingsFor('libc6')).toEqual([]);
    expect(findingsFor('libc-bin')).toEqual([]);

    // 2.36-9+deb12u4, an earlier bookworm glibc upload (DSA-5611-1), is below the fix.
    const older = { ...libc6, id: 'pkg-older-libc6', version: '2.36-9+deb12u4', source: { name: 'glibc', version: '2.36-9+deb12u4' } };
    expect(dpkgSays(older.version, 'lt', fix)).toBe(true);
    const fs = matchInventory({ ...inv, packages: [older] }, createMemoryLookup(debian12));
    expect(fs.map((f) => [f.id, f.aliases, f.fixedVersions, f.status])).toEqual([['CVE-2024-2961', ['DEBIAN-CVE-2024-2961', 'DSA-5673-1'], [fix], 'fixed']]);
    // The DSA is the record with words; the tracker page of the CVE record is still referenced.
    expect(fs[0].title).toBe('glibc - security update');
    expect(fs[0].references).toContain('https://security-tracker.debian.org/tracker/CVE-2024-2961');
  });

  it('findings are sorted: severity down, then package, then id', () => {
    const order = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'];
    const keys = findings.map((f) => [order.indexOf(f.severity), f.pkg.name, f.id] as const);
    const sorted = [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0) || (a[2] < b[2] ? -1 : 1));
    expect(keys).toEqual(sorted);
    expect(matchInventory(inv, createMemoryLookup([...debian12].reverse().concat([...published].reverse())))).toEqual(findings);
  });
});

describe('Debian 9 packages against the published DLA records', () => {
  const os: OsInfo = { id: 'debian', versionId: '9', versionCodename: 'stretch' };
  // Hand-written stanzas; every version is one the DLA records list as a Debian 9 upload.
  const status = [
    'Package: libssl1.1\nStatus: install ok installed\nSource: openssl\nVersion: 1.1.0l-1~deb9u5\nArchitecture: amd64',
    'Package: openssl\nStatus: install ok installed\nVersion: 1.1.0l-1~deb9u5\nArchitecture: amd64',
    'Package: libxml2\nStatus: install ok installed\nVersion: 2.9.4+dfsg1-2.2+deb9u6\nArchitecture: amd64',
    'Package: tzdata\nStatus: install ok installed\nVersion: 2021a-0+deb9u3\nArchitecture: all',
    'Package: dpkg\nStatus: install ok installed\nVersion: 1.18.26\nArchitecture: amd64',
  ].join('\n\n');

  it('finds each DLA by source package, with its fix', () => {
    const { packages } = runCataloger(dpkgCataloger, { 'var/lib/dpkg/status': status + '\n' }, os);
    const fs = matchInventory({ target: { kind: 'filesystem', name: 'debian9' }, os, packages }, createMemoryLookup(published));
    const rows = fs.map((f) => [f.pkg.name, f.id, f.aliases, f.installedVersion, f.fixedVersions, f.status]);
    const dla = (id: string, name: string) => fixesIn(recordById(id), name);
    expect(rows).toEqual([
      ['libssl1.1', 'CVE-2022-1292', ['DEBIAN-CVE-2022-1292', 'DLA-3008-1'], '1.1.0l-1~deb9u5', dla('DLA-3008-1', 'openssl'), 'fixed'],
      ['libxml2', 'CVE-2022-29824', ['DEBIAN-CVE-2022-29824', 'DLA-3012-1'], '2.9.4+dfsg1-2.2+deb9u6', dla('DLA-3012-1', 'libxml2'), 'fixed'],
      ['openssl', 'CVE-2022-1292', ['DEBIAN-CVE-2022-1292', 'DLA-3008-1'], '1.1.0l-1~deb9u5', dla('DLA-3008-1', 'openssl'), 'fixed'],
      // DLA-3051-1 names no CVE: the record id is the finding's id.
      ['tzdata', 'DLA-3051-1', [], '2021a-0+deb9u3', dla('DLA-3051-1', 'tzdata'), 'fixed'],
    ]);
    // dpkg 1.18.26 is DLA-3022-1's fix itself.
    expect(dla('DLA-3022-1', 'dpkg')).toEqual(['1.18.26']);
  });

  it('queries the Debian 9 data only: a Debian 12 system gets none of it', () => {
    const { packages } = runCataloger(dpkgCataloger, { 'var/lib/dpkg/status': status + '\n' }, os);
    const os12: OsInfo = { id: 'debian', versionId: '12' };
    expect(matchInventory({ target: { kind: 'filesystem', name: 'd' }, os: os12, packages }, createMemoryLookup(published))).toEqual([]);
  });
});

describe('alias folding', () => {
  const ghsa = recordById('GHSA-j8r2-6x86-q33q');
  const pysec = recordById('PYSEC-2023-74');

  it('groups the GHSA and PYSEC records of one CVE whatever their order', () => {
    for (const order of [
      [ghsa, pysec],
      [pysec, ghsa],
    ]) {
      const groups = groupByVulnerability(order, (r) => r);
      expect(groups.map((g) => [g.id, g.aliases, g.items.map((r) => r.id).sort()])).toEqual([['CVE-2023-32681', ['GHSA-j8r2-6x86-q33q', 'PYSEC-2023-74'], ['GHSA-j8r2-6x86-q33q', 'PYSEC-2023-74']]]);
    }
  });

  it('never merges two CVEs: an advisory fixing two counts towards each (synthetic ids)', () => {
    // Shaped like a DSA fixing two CVEs, next to the tracker's per-CVE records.
    const dsa = { id: 'DSA-0000-1', upstream: ['CVE-2000-0001', 'CVE-2000-0002', 'DEBIAN-CVE-2000-0001', 'DEBIAN-CVE-2000-0002'] };
    const a = { id: 'DEBIAN-CVE-2000-0001', upstream: ['CVE-2000-0001'] };
    const b = { id: 'DEBIAN-CVE-2000-0002', upstream: ['CVE-2000-0002'] };
    const groups = groupByVulnerability([dsa, a, b], (r) => r);
    expect(groups.map((g) => [g.id, g.aliases, g.items.map((r) => r.id).sort()])).toEqual([
      ['CVE-2000-0001', ['DEBIAN-CVE-2000-0001', 'DSA-0000-1'], ['DEBIAN-CVE-2000-0001', 'DSA-0000-1']],
      ['CVE-2000-0002', ['DEBIAN-CVE-2000-0002', 'DSA-0000-1'], ['DEBIAN-CVE-2000-0002', 'DSA-0000-1']],
    ]);
  });

  it('without a CVE, prefers the GHSA id and keeps the rest as aliases', () => {
    const groups = groupByVulnerability([{ id: 'PYSEC-2000-1', aliases: ['GHSA-aaaa-bbbb-cccc'] }, { id: 'GHSA-aaaa-bbbb-cccc' }], (r) => r);
    expect(groups.map((g) => [g.id, g.aliases])).toEqual([['GHSA-aaaa-bbbb-cccc', ['PYSEC-2000-1']]]);
  });
});
