// Package + OS → OSV query (ecosystem string, name, version), on packages and release files
// our catalogers produce from real data; and the in-memory lookup's semantics.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { apkCataloger } from '../../src/inventory/catalogers/apk.js';
import { detectOs } from '../../src/inventory/index.js';
import { toPurl } from '../../src/inventory/purl.js';
import type { OsInfo, Package, PackageType } from '../../src/inventory/types.js';
import { createMemoryLookup, goStdlibVersion, matchInventory, toOsvQuery } from '../../src/scan/index.js';
import type { OsvRecord } from '../../src/vulndb/osv-types.js';
import { collected, runCataloger } from '../helpers/catalog.js';
import { FIXTURES, loadRecords, recordById } from './helpers.js';

const OS_DIR = join(import.meta.dirname, '../fixtures/inventory/os');

function osFrom(file: string, path = 'etc/os-release'): OsInfo {
  const f = collected(path, readFileSync(join(OS_DIR, file)));
  return detectOs((p) => (p === path ? f : undefined))!;
}

function pkg(type: PackageType, name: string, version: string, extra: Partial<Package> = {}, purlParts: { namespace?: string; name?: string } = {}): Package {
  const purl = toPurl({ type, namespace: purlParts.namespace, name: purlParts.name ?? name, version });
  return { id: `pkg-${name}`, name, version, type, purl, licenses: [], locations: [{ path: 'x' }], foundBy: 'test', ...extra };
}

describe('toOsvQuery', () => {
  const debian12 = osFrom('debian-12-os-release');
  const ubuntu = osFrom('ubuntu-22.04-os-release');
  const alpine = osFrom('alpine-3.15-os-release');
  const rhel = osFrom('rhel-9.4-os-release');

  it('deb: Debian:<major>, source name and source version', () => {
    const p = pkg('deb', 'bsdutils', '1:2.38.1-5+deb12u3', { source: { name: 'util-linux', version: '2.38.1-5+deb12u3' } });
    expect(toOsvQuery(p, debian12)).toEqual({ query: { ecosystem: 'Debian:12', name: 'util-linux', version: '2.38.1-5+deb12u3' } });
    expect(toOsvQuery(pkg('deb', 'apt', '2.6.1'), debian12)).toEqual({ query: { ecosystem: 'Debian:12', name: 'apt', version: '2.6.1' } });
  });

  it('deb on testing/sid: the codename gives the number; sid (and unknown codenames) query Debian:sid', () => {
    const sid = detectOs((p) => (p === 'etc/debian_version' ? collected(p, readFileSync(join(OS_DIR, 'debian-sid-debian_version'))) : undefined))!;
    const apt = pkg('deb', 'apt', '2.9.0');
    expect(toOsvQuery(apt, { id: 'debian', versionCodename: 'trixie' })).toEqual({ query: { ecosystem: 'Debian:13', name: 'apt', version: '2.9.0' } });
    expect(toOsvQuery(apt, { id: 'debian', versionCodename: 'sid' })).toMatchObject({ query: { ecosystem: 'Debian:sid' } });
    // `buster/sid` in /etc/debian_version: testing while buster was being prepared.
    expect(toOsvQuery(apt, sid)).toMatchObject({ query: { ecosystem: 'Debian:10' } });
    expect(toOsvQuery(apt, { id: 'debian', versionCodename: 'zzzz' })).toMatchObject({ query: { ecosystem: 'Debian:sid' } });
  });

  it('deb on Ubuntu 22.04 LTS: Ubuntu:22.04:LTS', () => {
    expect(toOsvQuery(pkg('deb', 'libc6', '2.35-0ubuntu3.6', { source: { name: 'glibc' } }), ubuntu)).toEqual({ query: { ecosystem: 'Ubuntu:22.04:LTS', name: 'glibc', version: '2.35-0ubuntu3.6' } });
    expect(toOsvQuery(pkg('deb', 'bash', '5.2'), { id: 'ubuntu', versionId: '23.10', prettyName: 'Ubuntu 23.10' })).toMatchObject({ query: { ecosystem: 'Ubuntu:23.10' } });
  });

  it('apk: Alpine:v<major.minor>, origin name, package version', () => {
    expect(toOsvQuery(pkg('apk', 'libssl1.0', '1.0.2h-r1', { source: { name: 'openssl', version: '1.0.2h-r1' } }), alpine)).toEqual({ query: { ecosystem: 'Alpine:v3.15', name: 'openssl', version: '1.0.2h-r1' } });
  });

  it('rpm: AlmaLinux and Rocky by major version; Red Hat is skipped with the reason', () => {
    const p = pkg('rpm', 'avahi-libs', '0.8-12.el9');
    expect(toOsvQuery(p, { id: 'almalinux', versionId: '9.3' })).toEqual({ query: { ecosystem: 'AlmaLinux:9', name: 'avahi-libs', version: '0.8-12.el9' } });
    expect(toOsvQuery(p, { id: 'rocky', versionId: '8.10' })).toMatchObject({ query: { ecosystem: 'Rocky Linux:8' } });
    expect(toOsvQuery(p, rhel)).toEqual({ skip: expect.stringContaining('Red Hat') });
  });

  it('language ecosystems', () => {
    expect(toOsvQuery(pkg('npm', '@babel/core', '7.0.0', {}, { namespace: '@babel', name: 'core' }), undefined)).toEqual({ query: { ecosystem: 'npm', name: '@babel/core', version: '7.0.0' } });
    expect(toOsvQuery(pkg('pypi', 'Flask_Cors', '3.0.8'), undefined)).toEqual({ query: { ecosystem: 'PyPI', name: 'flask-cors', version: '3.0.8' } });
    expect(toOsvQuery(pkg('golang', 'golang.org/x/net', 'v0.7.0', {}, { namespace: 'golang.org/x', name: 'net' }), undefined)).toEqual({ query: { ecosystem: 'Go', name: 'golang.org/x/net', version: '0.7.0' } });
    expect(toOsvQuery(pkg('golang', 'stdlib', '1.22rc1'), undefined)).toEqual({ query: { ecosystem: 'Go', name: 'stdlib', version: '1.22.0-rc.1' } });
    expect(toOsvQuery(pkg('maven', 'log4j-core', '2.14.1', {}, { namespace: 'org.apache.logging.log4j' }), undefined)).toEqual({ query: { ecosystem: 'Maven', name: 'org.apache.logging.log4j:log4j-core', version: '2.14.1' } });
    expect(toOsvQuery(pkg('cargo', 'smallvec', '1.6.0'), undefined)).toMatchObject({ query: { ecosystem: 'crates.io' } });
    expect(toOsvQuery(pkg('gem', 'rack', '2.2.3'), undefined)).toMatchObject({ query: { ecosystem: 'RubyGems' } });
    expect(toOsvQuery(pkg('composer', 'league/flysystem', 'v1.1.3', {}, { namespace: 'league', name: 'flysystem' }), undefined)).toEqual({ query: { ecosystem: 'Packagist', name: 'league/flysystem', version: '1.1.3' } });
  });

  it('skips what has no ecosystem or no version', () => {
    expect(toOsvQuery(pkg('generic', 'thing', '1.0'), undefined)).toHaveProperty('skip');
    expect(toOsvQuery(pkg('npm', 'left-pad', ''), undefined)).toEqual({ skip: 'no version' });
    expect(toOsvQuery(pkg('deb', 'apt', '2.6.1'), undefined)).toHaveProperty('skip');
    expect(toOsvQuery(pkg('deb', 'apt', '2.6.1'), { id: 'linuxmint', versionId: '21' })).toHaveProperty('skip');
  });

  it('Go toolchain versions follow OSV stdlib spelling', () => {
    expect(['go1.21.3', '1.21.3', '1.22rc1', '1.21', 'go1.20beta2'].map(goStdlibVersion)).toEqual(['1.21.3', '1.21.3', '1.22.0-rc.1', '1.21.0', '1.20.0-beta.2']);
  });
});

describe('matching Alpine and Go packages', () => {
  it('Alpine 3.4 libcrypto1.0/libssl1.0 (origin openssl) against CVE-2018-5407', () => {
    const os: OsInfo = { id: 'alpine', versionId: '3.4.6' };
    const { packages } = runCataloger(apkCataloger, { 'lib/apk/db/installed': readFileSync(join(FIXTURES, 'alpine/installed')) }, os);
    const rec = recordById('CVE-2018-5407');
    const fix = (rec.affected!.find((a) => a.package?.ecosystem === 'Alpine:v3.4')!.ranges![0].events[1] as { fixed: string }).fixed;
    const fs = matchInventory({ target: { kind: 'image', name: 'alpine' }, os, packages }, createMemoryLookup(loadRecords().map((r) => r.record)));
    expect(fs.map((f) => [f.pkg.name, f.id, f.installedVersion, f.fixedVersions, f.status, f.ecosystem])).toEqual([
      ['libcrypto1.0', 'CVE-2018-5407', '1.0.2h-r1', [fix], 'fixed', 'Alpine:v3.4'],
      ['libssl1.0', 'CVE-2018-5407', '1.0.2h-r1', [fix], 'fixed', 'Alpine:v3.4'],
    ]);
    // No vendor rating: the record's CVSS v3 vector decides (NVD scores it 4.7, MEDIUM).
    expect([fs[0].severity, fs[0].severitySource, fs[0].cvss[0].score]).toEqual(['MEDIUM', 'cvss', 4.7]);
  });

  it('Go: stdlib and golang.org/x/net from one GO record, each with its own fix', () => {
    const rec = recordById('GO-2023-2102');
    const stdlib = pkg('golang', 'stdlib', '1.21.1');
    const xnet = pkg('golang', 'golang.org/x/net', 'v0.15.0', { id: 'pkg-xnet' }, { namespace: 'golang.org/x', name: 'net' });
    const fs = matchInventory({ target: { kind: 'image', name: 'go' }, packages: [stdlib, xnet] }, createMemoryLookup([rec]));
    expect(fs.map((f) => [f.pkg.name, f.id, f.fixedVersions])).toEqual([
      ['golang.org/x/net', 'CVE-2023-39325', ['0.17.0']],
      ['stdlib', 'CVE-2023-39325', ['1.21.3']],
    ]);
    expect(fs[0].aliases).toEqual(['GHSA-4374-p667-p6c8', 'GO-2023-2102']);
  });
});

describe('createMemoryLookup', () => {
  const records = loadRecords().map((r) => r.record);
  const db = createMemoryLookup(records);

  it('PyPI names are compared normalized (the record says "Gradio")', () => {
    const rec = recordById('GHSA-9v2f-6vcg-3hgv');
    expect(rec.affected![0].package!.name).toBe('Gradio');
    expect(db.lookup('PyPI', 'gradio').map((m) => m.record.id)).toEqual(['GHSA-9v2f-6vcg-3hgv']);
  });

  it('exact ecosystem plus bare-ecosystem records; other suffixes do not match', () => {
    const bare: OsvRecord = { id: 'TEST-BARE-1', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'Debian', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] };
    const l = createMemoryLookup([...records, bare]);
    expect(l.lookup('Debian:9', 'openssl').map((m) => m.record.id)).toEqual(['DLA-3008-1', 'TEST-BARE-1']);
    expect(l.lookup('Debian:12', 'openssl').map((m) => m.record.id)).toEqual(['TEST-BARE-1']);
    expect(l.lookup('Ubuntu:14.04:LTS', 'linux')).toEqual([]);
    expect(l.lookup('Ubuntu:Pro:14.04:LTS', 'linux').map((m) => m.record.id)).toEqual(['UBUNTU-CVE-2025-38094']);
  });

  it('leaves withdrawn records out and names the source', () => {
    const rec = recordById('GHSA-jf85-cpcp-j695');
    expect(createMemoryLookup([{ ...rec, withdrawn: '2024-01-01T00:00:00Z' }]).lookup('npm', 'lodash')).toEqual([]);
    expect(db.lookup('npm', 'lodash').map((m) => m.source)).toEqual(['osv:npm']);
  });
});

describe('versions a strict scheme cannot read', () => {
  it('skips them with a warning instead of matching them below every fix', () => {
    const gin = recordById('GO-2020-0001');
    const devel = pkg('golang', 'github.com/gin-gonic/gin', '(devel)', {}, { namespace: 'github.com/gin-gonic', name: 'gin' });
    const old = pkg('golang', 'github.com/gin-gonic/gin', 'v1.5.0', { id: 'pkg-gin-old' }, { namespace: 'github.com/gin-gonic', name: 'gin' });
    const warnings: string[] = [];
    const fs = matchInventory({ target: { kind: 'image', name: 'go' }, packages: [devel, old] }, createMemoryLookup([gin]), { warn: (m) => warnings.push(m) });
    expect(fs.map((f) => [f.pkg.version, f.id])).toEqual([['v1.5.0', 'CVE-2020-36567']]);
    expect(warnings).toEqual([expect.stringContaining('(devel)')]);
  });
});

describe('Wolfi', () => {
  it('queries Wolfi by origin and finds the Chainguard record of haproxy-3.0', () => {
    const rec = recordById('CGA-224q-ccj5-2p53');
    const os: OsInfo = { id: 'wolfi', versionId: '20230201' };
    // A subpackage built from the haproxy-3.0 origin, one release before the fix.
    const doc = pkg('apk', 'haproxy-3.0-doc', '3.0.9-r0', { source: { name: 'haproxy-3.0', version: '3.0.9-r0' } });
    expect(toOsvQuery(doc, os)).toEqual({ query: { ecosystem: 'Wolfi', name: 'haproxy-3.0', version: '3.0.9-r0' } });
    const fs = matchInventory({ target: { kind: 'image', name: 'w' }, os, packages: [doc] }, createMemoryLookup([rec]));
    expect(fs.map((f) => [f.id, f.aliases, f.fixedVersions])).toEqual([['CVE-2025-32464', ['CGA-224q-ccj5-2p53', 'GHSA-frg5-h47x-75j9'], ['3.0.10-r0']]]);
  });
});
