// The filters on findings of real scans (test/fixtures/scan/rootfs, alpine, and a small
// Maven graph): severity, status, unimportant, ignore files in both forms, VEX in OpenVEX and
// CycloneDX. The ignore files and VEX documents are shaped after Trivy's, OpenVEX's and
// CycloneDX's published examples (test/fixtures/scan/vex/SOURCE.md).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { apkCataloger } from '../../src/inventory/catalogers/apk.js';
import { inventoryDirectory } from '../../src/inventory/index.js';
import { toPurl } from '../../src/inventory/purl.js';
import type { Inventory, Package } from '../../src/inventory/types.js';
import { applyFilters, createMemoryLookup, matchInventory, parseIgnoreFile, parseSeverities, parseStatuses, parseVex, purlMatches, type Finding } from '../../src/scan/index.js';
import { globToRegExp } from '../../src/scan/glob.js';
import { ScanError } from '../../src/scan/types.js';
import { runCataloger } from '../helpers/catalog.js';
import { FIXTURES, loadRecords, recordById } from './helpers.js';

const records = [...loadRecords(), ...loadRecords(join(FIXTURES, 'debian12'))].map((r) => r.record);
const db = createMemoryLookup(records);
const IMAGE_PURL = toPurl({ type: 'oci', name: 'app', version: `sha256:${'ab'.repeat(32)}`, qualifiers: { arch: 'amd64', repository_url: 'registry.example.com/team/app', tag: '1.0' } });

let inv: Inventory;
let findings: Finding[];

beforeAll(async () => {
  const dir = await inventoryDirectory(join(FIXTURES, 'rootfs'), { scope: 'image' });
  inv = { ...dir, target: { kind: 'image', name: 'registry.example.com/team/app:1.0', purl: IMAGE_PURL } };
  findings = matchInventory(inv, db);
});

const vexFile = (name: string) => parseVex(readFileSync(join(FIXTURES, 'vex', name), 'utf8'), name);
const ignoreFile = (name: string) => parseIgnoreFile(readFileSync(join(FIXTURES, 'ignore', name), 'utf8'), name);
const rows = (fs: Finding[]) => fs.map((f) => `${f.pkg.name}@${f.pkg.version} ${f.id}`);

describe('severity, status and unimportant', () => {
  it('keeps only the listed severities', () => {
    const { findings: kept, suppressed } = applyFilters(findings, { severities: parseSeverities('critical,HIGH') });
    expect(rows(kept)).toEqual(['lodash@4.17.11 CVE-2019-10744', 'minimist@0.0.8 CVE-2021-44906', 'minimist@1.2.5 CVE-2021-44906']);
    expect(suppressed).toEqual([]);
  });

  it('hides Debian-unimportant findings unless --all', () => {
    const shown = (all: boolean) => applyFilters(findings, { all }).findings.filter((f) => f.id === 'CVE-2011-3374').map((f) => f.pkg.name);
    expect(findings.filter((f) => f.unimportant).length).toBe(2);
    expect(shown(false)).toEqual([]);
    expect(shown(true)).toEqual(['apt', 'libapt-pkg6.0']);
  });

  it('--ignore-unfixed keeps only fixed findings; --ignore-status drops the named ones', () => {
    const fixed = applyFilters(findings, { ignoreUnfixed: true, all: true }).findings;
    expect(fixed.every((f) => f.status === 'fixed')).toBe(true);
    expect(rows(fixed)).toEqual(['lodash@4.17.11 CVE-2019-10744', 'minimist@0.0.8 CVE-2021-44906', 'minimist@1.2.5 CVE-2021-44906', 'requests@2.28.1 CVE-2023-32681']);
    const noWontFix = applyFilters(findings, { ignoreStatuses: parseStatuses('will_not_fix') }).findings;
    expect(noWontFix.some((f) => f.pkg.name === 'coreutils')).toBe(false);
    expect(applyFilters(findings, {}).findings.some((f) => f.pkg.name === 'coreutils')).toBe(true);
  });

  it('matchInventory applies ScanOptions when given them', () => {
    expect(matchInventory(inv, db, { severities: ['MEDIUM'] }).map((f) => f.id)).toEqual(['CVE-2023-32681']);
  });

  it('rejects unknown severities and statuses with their codes', () => {
    expect(() => parseSeverities('HIGH,SEVERE')).toThrow(expect.objectContaining({ code: 'BAD_SEVERITY' }));
    expect(() => parseSeverities(' , ')).toThrow(expect.objectContaining({ code: 'BAD_SEVERITY' }));
    expect(() => parseStatuses('fixed,wontfix')).toThrow(expect.objectContaining({ code: 'BAD_STATUS' }));
  });
});

describe('plain ignore file (.trivyignore syntax)', () => {
  it('parses ids, expiries, comments; a bad date skips its line with a warning', () => {
    const rules = ignoreFile('.portcullisignore');
    expect(rules.format).toBe('plain');
    expect(rules.rules.map((r) => [r.id, r.expiredAt])).toEqual([
      ['CVE-2019-10744', undefined],
      ['CVE-2021-44906', '2023-01-01'],
      ['GHSA-j8r2-6x86-q33q', undefined],
      ['CVE-2016-2781', '2099-12-31'],
    ]);
    expect(rules.warnings).toHaveLength(1);
    expect(rules.warnings[0]).toContain('2024-13-45');
  });

  it('moves matches to suppressed (by id or alias); expired entries no longer apply', () => {
    const rules = ignoreFile('.portcullisignore');
    const at = (date: string) => applyFilters(findings, { ignore: rules, now: new Date(date) });
    const r2024 = at('2024-06-01T00:00:00Z');
    expect(rows(r2024.suppressed)).toEqual(['lodash@4.17.11 CVE-2019-10744', 'requests@2.28.1 CVE-2023-32681', 'coreutils@9.1-1 CVE-2016-2781']);
    expect(r2024.suppressed.every((f) => f.suppressed?.kind === 'ignore' && f.suppressed.source === '.portcullisignore')).toBe(true);
    expect(r2024.findings.length + r2024.suppressed.length).toBe(applyFilters(findings).findings.length);
    // Before its expiry the minimist entry applies; after 2099-12-31 the coreutils one does not.
    expect(rows(at('2022-12-31T23:59:59Z').suppressed)).toContain('minimist@1.2.5 CVE-2021-44906');
    expect(rows(at('2100-01-01T00:00:00Z').suppressed)).not.toContain('coreutils@9.1-1 CVE-2016-2781');
    // The skipped line suppresses nothing.
    expect(rows(r2024.suppressed).some((r) => r.includes('CVE-2024-28085'))).toBe(false);
  });
});

describe('YAML ignore file (.trivyignore.yaml syntax)', () => {
  it('applies paths (globs over package locations), purls and expired_at', () => {
    const rules = ignoreFile('.portcullisignore.yaml');
    expect(rules.format).toBe('yaml');
    const r = applyFilters(findings, { ignore: rules, now: new Date('2024-06-01T00:00:00Z') });
    expect(rows(r.suppressed)).toEqual(['minimist@0.0.8 CVE-2021-44906', 'requests@2.28.1 CVE-2023-32681', 'libmount1@2.38.1-5+deb12u3 CVE-2024-28085']);
    expect(r.suppressed[0].suppressed).toEqual({ kind: 'ignore', source: '.portcullisignore.yaml', statement: 'Accept the risk' });
    // minimist 1.2.5 lives in usr/src/app, outside the glob; bsdutils and util-linux are not libmount1.
    expect(rows(r.findings)).toEqual(expect.arrayContaining(['minimist@1.2.5 CVE-2021-44906', 'bsdutils@1:2.38.1-5+deb12u3 CVE-2024-28085', 'util-linux@2.38.1-5+deb12u3 CVE-2024-28085', 'lodash@4.17.11 CVE-2019-10744']));
    // expired_at 2023-09-01: still in force the day before.
    expect(rows(applyFilters(findings, { ignore: rules, now: new Date('2023-08-31T12:00:00Z') }).suppressed)).toContain('lodash@4.17.11 CVE-2019-10744');
  });

  it('several ignore files apply together', () => {
    const r = applyFilters(findings, { ignore: [ignoreFile('.portcullisignore'), ignoreFile('.portcullisignore.yaml')], now: new Date('2024-06-01T00:00:00Z') });
    expect(new Set(r.suppressed.map((f) => f.suppressed!.source))).toEqual(new Set(['.portcullisignore', '.portcullisignore.yaml']));
  });
});

describe('OpenVEX', () => {
  // A Spring Boot application: spring-boot 2.6.0-M3 pulls log4j-core 2.14.1.
  const maven = (artifact: string, group: string, version: string, dependsOn?: string[]): Package => {
    const purl = toPurl({ type: 'maven', namespace: group, name: artifact, version });
    return { id: `pkg-${artifact}`, name: artifact, version, type: 'maven', purl, licenses: [], locations: [{ path: `app/lib/${artifact}-${version}.jar` }], foundBy: 'java-archive', dependsOn };
  };
  const log4j = maven('log4j-core', 'org.apache.logging.log4j', '2.14.1');
  const boot = maven('spring-boot', 'org.springframework.boot', '2.6.0-M3', ['pkg-log4j-core']);
  const javaInv = (packages: Package[]): Inventory => ({ target: { kind: 'image', name: 'app', purl: IMAGE_PURL }, packages });
  const log4shell = (i: Inventory) => matchInventory(i, createMemoryLookup([recordById('GHSA-jfh8-c2jp-5v3q')]));

  it("the specification's Spring Boot example: log4j-core reached only through spring-boot is not affected", () => {
    const i = javaInv([boot, log4j]);
    const fs = log4shell(i);
    expect(rows(fs)).toEqual(['log4j-core@2.14.1 CVE-2021-44228']);
    const r = applyFilters(fs, { vex: [vexFile('openvex-spring-boot.json')], inventory: i });
    expect(r.findings).toEqual([]);
    expect(r.suppressed[0].suppressed).toEqual({ kind: 'vex', source: 'openvex-spring-boot.json', statement: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' });
  });

  it('another path to log4j-core keeps the finding (Trivy: every path must be covered)', () => {
    const app = maven('my-app', 'com.example', '1.0.0', ['pkg-log4j-core', 'pkg-spring-boot']);
    const i = javaInv([app, boot, log4j]);
    expect(rows(applyFilters(log4shell(i), { vex: [vexFile('openvex-spring-boot.json')], inventory: i }).findings)).toEqual(['log4j-core@2.14.1 CVE-2021-44228']);
    // Without the dependency graph there is no path through spring-boot at all.
    expect(applyFilters(log4shell(javaInv([boot, log4j])), { vex: [vexFile('openvex-spring-boot.json')] }).suppressed).toEqual([]);
  });

  it('an image product with a version-less subcomponent covers every version of it in that image', () => {
    const doc = vexFile('openvex-image-subcomponent.json');
    const r = applyFilters(findings, { vex: [doc], inventory: inv });
    expect(rows(r.suppressed)).toEqual(['minimist@0.0.8 CVE-2021-44906', 'minimist@1.2.5 CVE-2021-44906']);
    // Another image (different repository) is not the product.
    const other = { ...inv, target: { ...inv.target, purl: toPurl({ type: 'oci', name: 'app', qualifiers: { repository_url: 'registry.example.com/other/app' } }) } };
    expect(applyFilters(findings, { vex: [doc], inventory: other }).suppressed).toEqual([]);
  });

  it('a subcomponent narrows the statement to that package: other binaries with the CVE stay', () => {
    const text = readFileSync(join(FIXTURES, 'vex', 'openvex-image-subcomponent.json'), 'utf8')
      .replace('CVE-2021-44906', 'CVE-2024-28085')
      .replace('pkg:npm/minimist', 'pkg:deb/debian/libmount1');
    const r = applyFilters(findings, { vex: [parseVex(text, 'libmount1.json')], inventory: inv });
    expect(rows(r.suppressed)).toEqual(['libmount1@2.38.1-5+deb12u3 CVE-2024-28085']);
    expect(rows(r.findings)).toEqual(expect.arrayContaining(['bsdutils@1:2.38.1-5+deb12u3 CVE-2024-28085', 'util-linux@2.38.1-5+deb12u3 CVE-2024-28085']));
  });

  it('the latest statement wins (timestamps inherited from the document)', () => {
    const text = readFileSync(join(FIXTURES, 'vex', 'openvex-sequence.json'), 'utf8');
    const doc = parseVex(text, 'seq.json');
    expect(rows(applyFilters(findings, { vex: [doc] }).suppressed)).toEqual(['lodash@4.17.11 CVE-2019-10744']);
    // Date the not_affected statement before the under_investigation one: nothing is suppressed.
    const older = JSON.parse(text) as { statements: Array<Record<string, unknown>> };
    older.statements[1].timestamp = '2024-01-01T00:00:00Z';
    expect(applyFilters(findings, { vex: [parseVex(JSON.stringify(older), 'seq2.json')] }).suppressed).toEqual([]);
  });

  it('v0.0.1 string products: qualifiers given must match (arch=x86_64, not armv7)', async () => {
    const os = { id: 'alpine', versionId: '3.4.6' };
    const { packages } = runCataloger(apkCataloger, { 'lib/apk/db/installed': readFileSync(join(FIXTURES, 'alpine/installed')) }, os);
    const fs = matchInventory({ target: { kind: 'image', name: 'alpine' }, os, packages }, createMemoryLookup([recordById('CVE-2018-5407')]));
    const r = applyFilters(fs, { vex: [vexFile('openvex-v0.0.1.json')] });
    expect(rows(r.suppressed)).toEqual(['libssl1.0@1.0.2h-r1 CVE-2018-5407']);
    expect(r.suppressed[0].suppressed?.statement).toBe('fixed');
    expect(rows(r.findings)).toEqual(['libcrypto1.0@1.0.2h-r1 CVE-2018-5407']);
  });
});

describe('CycloneDX VEX', () => {
  const log4j: Package = {
    id: 'pkg-log4j',
    name: 'log4j-core',
    version: '2.14.1',
    type: 'maven',
    purl: 'pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1',
    licenses: [],
    locations: [{ path: 'app/lib/log4j-core-2.14.1.jar' }],
    foundBy: 'java-archive',
  };
  const i: Inventory = { target: { kind: 'image', name: 'app', purl: IMAGE_PURL }, packages: [log4j] };
  let fs: Finding[];
  beforeAll(() => {
    fs = matchInventory(i, createMemoryLookup([recordById('GHSA-jfh8-c2jp-5v3q')]));
  });

  it.each([
    ['cdx-case1-not_affected.json', 'not_affected', 'code_not_present'],
    ['cdx-case1-fixed.json', 'fixed', undefined],
  ])('CISA case 1, %s: the product (our image) is not affected', (file, statement, justification) => {
    const r = applyFilters(fs, { vex: [vexFile(file)], inventory: i });
    expect(r.findings).toEqual([]);
    const want: Record<string, string> = { kind: 'vex', source: file, statement };
    if (justification) want.justification = justification;
    expect(r.suppressed.map((f) => f.suppressed)).toEqual([want]);
  });

  it.each(['cdx-case1-affected.json', 'cdx-case1-under_investigation.json'])('CISA case 1, %s: the finding stays', (file) => {
    expect(rows(applyFilters(fs, { vex: [vexFile(file)], inventory: i }).findings)).toEqual(['log4j-core@2.14.1 CVE-2021-44228']);
  });

  it('a BOM-Link to the package purl (with maven type=jar) suppresses it directly', () => {
    const doc = vexFile('cdx-bomlink.json');
    expect(doc.statements[0].products[0].ids).toEqual(['pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1?type=jar']);
    expect(doc.statements[0].aliases).toEqual(['GHSA-jfh8-c2jp-5v3q']);
    const r = applyFilters(fs, { vex: [doc] });
    expect(r.suppressed.map((f) => f.suppressed?.justification)).toEqual(['code_not_reachable']);
  });

  it('a bom-ref naming our package id works too (the refs of our own CycloneDX SBOMs)', () => {
    const doc = parseVex(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', vulnerabilities: [{ id: 'GHSA-jfh8-c2jp-5v3q', analysis: { state: 'false_positive' }, affects: [{ ref: 'pkg-log4j' }] }] }), 'ref.cdx.json');
    expect(applyFilters(fs, { vex: [doc] }).suppressed.map((f) => f.suppressed?.statement)).toEqual(['not_affected']);
  });
});

describe('purl and path matching', () => {
  // Trivy's documented PURL matching rules (docs/docs/supply-chain/vex/file.md, "PURL matching").
  it.each([
    ['pkg:maven/com.google.guava/guava', 'pkg:maven/com.google.guava/guava@24.1.1', true],
    ['pkg:maven/com.google.guava/guava', 'pkg:maven/com.google.guava/guava@30.0', true],
    ['pkg:maven/com.google.guava/guava@24.1.1', 'pkg:maven/com.google.guava/guava@24.1.1?classifier=x86', true],
    ['pkg:maven/com.google.guava/guava@24.1.1', 'pkg:maven/com.google.guava/guava@24.1.1?type=pom', true],
    ['pkg:maven/com.google.guava/guava@24.1.1?classifier=x86', 'pkg:maven/com.google.guava/guava@24.1.1?classifier=x86&type=dll', true],
    ['pkg:maven/com.google.guava/guava@24.1.1?classifier=x86', 'pkg:maven/com.google.guava/guava@24.1.1', false],
    ['pkg:maven/com.google.guava/guava@24.1.1?classifier=x86', 'pkg:maven/com.google.guava/guava@24.1.1?classifier=sources', false],
    ['pkg:maven/com.google.guava/guava@24.1.1', 'pkg:maven/com.google.guava/guava@30.0', false],
    ['pkg:maven/com.google.guava/guava', 'pkg:maven/com.google.other/guava@30.0', false],
    ['pkg:deb/debian/libmount1', 'pkg:deb/debian/libmount1@2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12', true],
    ['not a purl', 'pkg:npm/x@1', false],
  ])('%s matches %s: %s', (constraint, target, want) => {
    expect(purlMatches(constraint, target)).toBe(want);
  });

  it.each([
    ['usr/src/legacy/**', 'usr/src/legacy/node_modules/minimist/package.json', true],
    ['usr/src/legacy/**', 'usr/src/legacy', true],
    ['usr/src/legacy/**', 'usr/src/legacyX/a', false],
    ['**/package.json', 'usr/src/app/node_modules/lodash/package.json', true],
    ['**/package.json', 'package.json', true],
    ['usr/*/app', 'usr/src/app', true],
    ['usr/*/app', 'usr/src/x/app', false],
    ['usr/src/{app,app2}/node_modules/*/package.json', 'usr/src/app2/node_modules/lodash/package.json', true],
    ['var/lib/dpkg/statu?', 'var/lib/dpkg/status', true],
    ['[a-c]at', 'bat', true],
    ['[!a-c]at', 'bat', false],
  ])('glob %s on %s: %s', (glob, path, want) => {
    expect(globToRegExp(glob).test(path)).toBe(want);
  });
});

describe('suppression is reported, not lost', () => {
  it('every finding ends in exactly one list, both sorted', () => {
    const r = applyFilters(findings, { all: true, ignore: ignoreFile('.portcullisignore.yaml'), vex: [vexFile('openvex-sequence.json')], inventory: inv, now: new Date('2024-06-01T00:00:00Z') });
    expect(r.findings.length + r.suppressed.length).toBe(findings.length);
    expect(r.suppressed.map((f) => f.suppressed?.kind).sort()).toEqual(['ignore', 'ignore', 'ignore', 'vex']);
    expect(r.findings.every((f) => f.suppressed === undefined)).toBe(true);
    expect(findings.every((f) => f.suppressed === undefined)).toBe(true);
  });

  it('errors are ScanErrors', () => {
    expect(() => parseVex('{}', 'x.json')).toThrow(ScanError);
  });
});
