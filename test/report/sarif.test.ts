import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { Inventory } from '../../src/inventory/types.js';
import { renderSarif, type SarifLog } from '../../src/report/index.js';
import { imagePseudoPath } from '../../src/report/sarif.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';
import { cleanScan, cvss31, emptyScan, filesystemScan, imageInventory, imageScan } from './scan-sample.js';

const addFormats = addFormatsModule as unknown as FormatsPlugin;

/**
 * The official schema is draft-04, which Ajv 8 does not load: its only draft-04-only
 * keyword is the top-level `id`, so it is compiled with that renamed `$id` and the
 * draft-07 meta-schema, and otherwise as published (see test/fixtures/report/SOURCE.md).
 */
function sarifValidator(): ValidateFunction {
  const raw = JSON.parse(readFileSync(new URL('../fixtures/report/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as Record<string, unknown>;
  expect(raw.$schema).toBe('http://json-schema.org/draft-04/schema#');
  const { id, ...rest } = raw;
  const schema: Record<string, unknown> = { ...rest, $schema: 'http://json-schema.org/draft-07/schema#', $id: id };
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

let validate: ValidateFunction;
let inv: Inventory;
let scan: ScanResult;
let log: SarifLog;

beforeAll(async () => {
  validate = sarifValidator();
  inv = await imageInventory();
  scan = imageScan(inv);
  log = JSON.parse(renderSarif(scan, { toolVersion: '0.1.0' })) as SarifLog;
}, 60_000);

function valid(text: string): SarifLog {
  const doc = JSON.parse(text) as SarifLog;
  expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  return doc;
}

/** GitHub code scanning's documented requirements and limits for an uploaded SARIF file. */
function expectGitHubReady(doc: SarifLog): void {
  expect(doc.version).toBe('2.1.0');
  expect(typeof doc.$schema).toBe('string');
  expect(doc.runs.length).toBeGreaterThan(0);
  expect(doc.runs.length).toBeLessThanOrEqual(20);
  for (const run of doc.runs) {
    expect(run.tool.driver.name).toBeTruthy();
    const rules = run.tool.driver.rules;
    expect(Array.isArray(rules)).toBe(true);
    expect(rules.length).toBeLessThanOrEqual(25_000);
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.id.length).toBeGreaterThan(0);
      expect(r.id.length).toBeLessThanOrEqual(255);
      expect(r.shortDescription.text).toBeTruthy();
      expect(r.fullDescription.text).toBeTruthy();
      expect(Array.from(r.fullDescription.text).length).toBeLessThanOrEqual(1000);
      expect(r.help.text).toBeTruthy();
      expect(r.help.markdown).toBeTruthy();
      expect(r.properties.tags.length).toBeLessThanOrEqual(20);
      expect(r.properties.tags).toContain('security');
      expect(['very-high', 'high', 'medium', 'low']).toContain(r.properties.precision);
      // A string holding a number in [0, 10].
      const s = r.properties['security-severity'];
      expect(s).toMatch(/^\d{1,2}\.\d$/);
      expect(Number(s)).toBeGreaterThanOrEqual(0);
      expect(Number(s)).toBeLessThanOrEqual(10);
    }
    expect(run.results.length).toBeLessThanOrEqual(25_000);
    const hashes = new Set<string>();
    for (const res of run.results) {
      expect(res.message.text).toBeTruthy();
      expect(rules[res.ruleIndex].id).toBe(res.ruleId);
      expect(res.locations.length).toBeGreaterThanOrEqual(1);
      expect(res.locations.length).toBeLessThanOrEqual(10);
      const loc = res.locations[0].physicalLocation;
      expect(loc.artifactLocation.uri).toBeTruthy();
      expect(loc.artifactLocation.uri.startsWith('/')).toBe(false);
      expect(loc.region).toEqual({ startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 });
      expect(res.partialFingerprints.primaryLocationLineHash).toMatch(/^[0-9a-f]{16}:1$/);
      hashes.add(`${res.ruleId} ${loc.artifactLocation.uri} ${res.partialFingerprints.primaryLocationLineHash}`);
    }
    // No two results look alike to GitHub's alert matching (rule, file, fingerprint).
    expect(hashes.size).toBe(run.results.length);
  }
}

describe('renderSarif', () => {
  it('validates against the official SARIF 2.1.0 schema, for an image, a source tree, a clean scan and an empty one', async () => {
    valid(renderSarif(scan));
    valid(renderSarif(await filesystemScan()));
    valid(renderSarif(cleanScan(inv)));
    valid(renderSarif(emptyScan()));
  }, 60_000);

  it('the schema check can fail', () => {
    const broken = [
      (d: SarifLog) => ((d as { version: string }).version = '2.0.0'),
      (d: SarifLog) => ((d.runs[0].results[0] as { level: string }).level = 'fatal'),
      (d: SarifLog) => delete (d.runs[0].results[0] as { message?: unknown }).message,
      (d: SarifLog) => ((d.runs[0].tool.driver.rules[0] as { helpUri?: string }).helpUri = 'not a uri'),
      (d: SarifLog) => ((d.runs[0].results[0].locations[0].physicalLocation.region as { startLine: number }).startLine = 0),
    ];
    for (const b of broken) {
      const copy = structuredClone(log);
      b(copy);
      expect(validate(copy)).toBe(false);
    }
  });

  it('meets GitHub code scanning’s documented requirements', async () => {
    expectGitHubReady(log);
    expectGitHubReady(valid(renderSarif(await filesystemScan())));
    expectGitHubReady(valid(renderSarif(emptyScan())));
  }, 60_000);

  it('names the tool and has one rule per vulnerability id, in byte order', () => {
    const driver = log.runs[0].tool.driver;
    expect(driver).toMatchObject({ name: 'portcullis', version: '0.1.0' });
    const ids = [...new Set(scan.findings.map((f) => f.id))].sort();
    expect(driver.rules.map((r) => r.id)).toEqual(ids);
  });

  it('has one result per finding that counts; suppressed ones are left out and counted', () => {
    const results = log.runs[0].results;
    expect(results.length).toBe(scan.findings.length);
    const got = results.map((r) => `${r.ruleId} ${r.message.text.split('\n')[0]}`).sort();
    expect(got).toEqual(scan.findings.map((f) => `${f.id} Package: ${f.pkg.name}`).sort());
    const suppressedIds = new Set(scan.suppressed.map((f) => f.id));
    expect(results.some((r) => suppressedIds.has(r.ruleId))).toBe(false);
    expect(log.runs[0].properties.suppressed).toBe(scan.suppressed.length);
  });

  it('maps severity to level as Trivy does', () => {
    const levelOf = (pkg: string, id: string) => log.runs[0].results.find((r) => r.ruleId === id && r.message.text.startsWith(`Package: ${pkg}\n`))?.level;
    expect(levelOf('minimist', 'CVE-2021-44906')).toBe('error'); // CRITICAL
    expect(levelOf('coreutils', 'CVE-2016-2781')).toBe('note'); // LOW
    expect(levelOf('libc6', 'CVE-2023-4911')).toBe('note'); // UNKNOWN
    const rule = log.runs[0].tool.driver.rules.find((r) => r.id === 'CVE-2021-44906');
    expect(rule?.defaultConfiguration.level).toBe('error');
  });

  it('derives security-severity from the CVSS score of the severity’s own source, else from the severity band', () => {
    const rule = (id: string) => log.runs[0].tool.driver.rules.find((r) => r.id === id);
    const minimist = scan.findings.find((f) => f.id === 'CVE-2021-44906') as Finding;
    // The GHSA record's vector, scored by ae-cvss-calculator (9.8).
    expect(rule('CVE-2021-44906')?.properties['security-severity']).toBe(cvss31(minimist.cvss[0].vector).toFixed(1));
    expect(rule('CVE-2019-10744')?.properties['security-severity']).toBe(cvss31('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:H').toFixed(1));
    expect(rule('CVE-2016-2781')?.properties['security-severity']).toBe('2.0'); // LOW, no CVSS
    expect(rule('CVE-2023-4911')?.properties['security-severity']).toBe('0.0'); // UNKNOWN
    // A Debian LOW is not promoted to critical by another source's CVSS score.
    const debianLow = { ...scan.findings.find((f) => f.id === 'CVE-2016-2781'), cvss: [{ source: 'nvd', version: '3.1', vector: minimist.cvss[0].vector, score: 9.8 }] } as Finding;
    const other = JSON.parse(renderSarif({ ...scan, findings: [debianLow] })) as SarifLog;
    expect(other.runs[0].tool.driver.rules[0].properties['security-severity']).toBe('2.0');
  });

  it('gives rules GitHub’s texts: title, description (≤ 1000 characters), help with the link, tags', () => {
    const r = log.runs[0].tool.driver.rules.find((x) => x.id === 'CVE-2019-10744');
    expect(r).toMatchObject({
      name: 'LanguageSpecificPackageVulnerability',
      shortDescription: { text: 'Prototype Pollution in lodash' },
      helpUri: 'https://github.com/advisories/GHSA-jf85-cpcp-j695',
      properties: { tags: ['vulnerability', 'security', 'CRITICAL'], precision: 'very-high' },
    });
    expect(r?.fullDescription.text.startsWith('Versions of `lodash` before 4.17.12 are vulnerable')).toBe(true);
    expect(r?.help.markdown).toContain('| CRITICAL | lodash | 4.17.12 | [CVE-2019-10744](https://github.com/advisories/GHSA-jf85-cpcp-j695) |');
    expect(log.runs[0].tool.driver.rules.find((x) => x.id === 'CVE-2023-4911')?.name).toBe('OsPackageVulnerability');
    const long = { ...scan.findings[0], description: 'x'.repeat(5000), title: 'y' } as Finding;
    const cut = JSON.parse(renderSarif({ ...scan, findings: [long] })) as SarifLog;
    expect(Array.from(cut.runs[0].tool.driver.rules[0].fullDescription.text).length).toBe(1000);
  });

  it('locates language packages at their file and image OS packages at the image repository path, as Trivy does', () => {
    const uriOf = (pkg: string) => log.runs[0].results.find((r) => r.message.text.startsWith(`Package: ${pkg}\n`))?.locations[0];
    expect(uriOf('minimist')?.physicalLocation.artifactLocation).toEqual({ uri: 'usr/src/app/node_modules/minimist/package.json', uriBaseId: 'ROOTPATH' });
    expect(uriOf('libc6')?.physicalLocation.artifactLocation.uri).toBe('library/debian');
    expect(uriOf('libc6')?.message.text).toBe('library/debian: libc6@2.36-9+deb12u14');
  });

  it('derives the image pseudo-path from the repository, whatever the registry, tag or transport', () => {
    const digest = `sha256:${'ab'.repeat(32)}`;
    expect(imagePseudoPath('docker.io/library/debian:12')).toBe('library/debian');
    expect(imagePseudoPath(`docker.io/library/debian@${digest}`)).toBe('library/debian');
    expect(imagePseudoPath(`registry.example.com:5000/team/app:1.0@${digest}`)).toBe('team/app');
    expect(imagePseudoPath('localhost/app:dev')).toBe('app');
    expect(imagePseudoPath('nginx:1.27')).toBe('nginx');
    expect(imagePseudoPath('oci:/tmp/layouts/app:v1')).toBe('tmp/layouts/app');
    expect(imagePseudoPath('docker-archive:../images/app.tar')).toBe('images/app.tar');
  });

  it('uses the lockfile as the location of a source tree’s packages', async () => {
    const fs = valid(renderSarif(await filesystemScan()));
    const uris = fs.runs[0].results.map((r) => r.locations[0].physicalLocation.artifactLocation.uri).sort();
    expect(uris).toEqual(['app/package-lock.json', 'app/package-lock.json', 'web/yarn.lock']);
    // Same rule, two files: two alerts, told apart by file and fingerprint.
    const lodash = fs.runs[0].results.filter((r) => r.ruleId === 'CVE-2019-10744');
    expect(new Set(lodash.map((r) => r.partialFingerprints.primaryLocationLineHash)).size).toBe(2);
  }, 60_000);

  it('keeps fingerprints stable across versions of the same package (GitHub keeps the alert)', () => {
    const f = scan.findings.find((x) => x.id === 'CVE-2021-44906') as Finding;
    const bumped = { ...f, pkg: { ...f.pkg, version: '1.2.5-fork.1' }, installedVersion: '1.2.5-fork.1' };
    const a = JSON.parse(renderSarif({ ...scan, findings: [f] })) as SarifLog;
    const b = JSON.parse(renderSarif({ ...scan, findings: [bumped] })) as SarifLog;
    expect(b.runs[0].results[0].partialFingerprints).toEqual(a.runs[0].results[0].partialFingerprints);
    const other = { ...f, pkg: { ...f.pkg, name: 'minimist2' } };
    const c = JSON.parse(renderSarif({ ...scan, findings: [other] })) as SarifLog;
    expect(c.runs[0].results[0].partialFingerprints).not.toEqual(a.runs[0].results[0].partialFingerprints);
  });

  it('keeps hostile ids and paths valid: long ids cut to 255 characters, paths percent-encoded', () => {
    const f = scan.findings.find((x) => x.id === 'CVE-2021-44906') as Finding;
    const longA = { ...f, id: `GHSA-${'a'.repeat(400)}` };
    const longB = { ...f, id: `GHSA-${'a'.repeat(399)}b` };
    const spaced = { ...f, pkg: { ...f.pkg, name: 'odd', locations: [{ path: 'opt/my app/x:y/#1/package.json' }] } };
    const doc = valid(renderSarif({ ...scan, findings: [longA, longB, spaced] }));
    expectGitHubReady(doc);
    const ids = doc.runs[0].tool.driver.rules.map((r) => r.id);
    expect(ids.every((id) => id.length <= 255)).toBe(true);
    expect(new Set(ids).size).toBe(3);
    const uri = doc.runs[0].results.find((r) => r.message.text.startsWith('Package: odd\n'))?.locations[0].physicalLocation.artifactLocation.uri;
    expect(uri).toBe('opt/my%20app/x%3Ay/%231/package.json');
  });

  it('is deterministic and renders an empty scan as a run with no rules and no results', () => {
    const shuffled: ScanResult = { ...scan, findings: [...scan.findings].reverse(), inventory: { ...inv, packages: [...inv.packages].reverse() } };
    expect(renderSarif(shuffled, { toolVersion: '0.1.0' })).toBe(renderSarif(scan, { toolVersion: '0.1.0' }));
    const empty = valid(renderSarif(emptyScan()));
    expect(empty.runs[0].tool.driver.rules).toEqual([]);
    expect(empty.runs[0].results).toEqual([]);
  });
});
