import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { Inventory } from '../../src/inventory/types.js';
import { renderVulnJson, type JsonReport } from '../../src/report/index.js';
import { SEVERITIES, type ScanResult } from '../../src/scan/types.js';
import { cleanScan, emptyScan, filesystemScan, IMAGE_NAME, imageInventory, imageScan, VEX } from './scan-sample.js';

const addFormats = addFormatsModule as unknown as FormatsPlugin;
const schema = JSON.parse(readFileSync(new URL('../../docs/json-report.schema.json', import.meta.url), 'utf8')) as object;

let validate: ValidateFunction;
let inv: Inventory;
let scan: ScanResult;
const NOW = new Date('2024-05-01T12:00:00.750Z');

beforeAll(async () => {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  validate = ajv.compile(schema);
  inv = await imageInventory();
  scan = imageScan(inv);
}, 60_000);

afterEach(() => {
  vi.unstubAllEnvs();
});

function valid(text: string): JsonReport {
  const doc = JSON.parse(text) as JsonReport;
  const ok = validate(doc);
  expect(ok, JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
  return doc;
}

describe('renderVulnJson', () => {
  it('validates against docs/json-report.schema.json, for an image, a source tree, a clean scan and an empty one', async () => {
    valid(renderVulnJson(scan, { now: NOW }));
    valid(renderVulnJson(await filesystemScan(), { now: NOW }));
    valid(renderVulnJson(cleanScan(inv), { now: NOW }));
    valid(renderVulnJson(emptyScan(), { now: NOW }));
  }, 60_000);

  it('the schema rejects what breaks the contract (so the check above can fail)', () => {
    const doc = JSON.parse(renderVulnJson(scan, { now: NOW })) as JsonReport;
    const broken = [
      (d: JsonReport) => ((d.results[1].findings[0] as { severity: string }).severity = 'SEVERE'),
      (d: JsonReport) => (d.results[0].findings[0].suppression = VEX),
      (d: JsonReport) => delete (d.results[0].suppressed[0] as { suppression?: unknown }).suppression,
      (d: JsonReport) => ((d as { extra?: number }).extra = 1),
      (d: JsonReport) => (d.createdAt = '2024-05-01T12:00:00.750Z'),
      (d: JsonReport) => ((d.summary.severities as Record<string, number>).HIGH = -1),
    ];
    for (const b of broken) {
      const copy = structuredClone(doc);
      b(copy);
      expect(validate(copy)).toBe(false);
    }
  });

  it('describes the artifact: name, kind, digests, platform, layers, OS', () => {
    const doc = valid(renderVulnJson(scan, { now: NOW, toolVersion: '0.1.0' }));
    expect(doc.schemaVersion).toBe(1);
    expect(doc.tool).toEqual({ name: 'portcullis', version: '0.1.0' });
    expect(doc.artifact).toMatchObject({
      name: IMAGE_NAME,
      kind: 'image',
      digest: inv.target.digest,
      imageId: inv.target.imageId,
      repoDigests: inv.target.repoDigests,
      platform: { os: 'linux', architecture: 'amd64' },
      os: { family: 'debian', version: '12', codename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    });
    expect(doc.artifact.layers?.map((l) => l.diffId)).toEqual(inv.target.layers?.map((l) => l.diffId));
    expect(doc.sources).toEqual(scan.sources);
  });

  it('puts every package in exactly one result and every finding beside its package', () => {
    const doc = valid(renderVulnJson(scan, { now: NOW }));
    expect(doc.results.map((r) => [r.target, r.class, r.type])).toEqual([
      [`${IMAGE_NAME} (debian 12)`, 'os-pkgs', 'debian'],
      ['Node.js', 'lang-pkgs', 'node-pkg'],
    ]);
    const ids = doc.results.flatMap((r) => r.packages.map((p) => p.id));
    expect(ids.length).toBe(inv.packages.length);
    expect(new Set(ids)).toEqual(new Set(inv.packages.map((p) => p.id)));
    for (const r of doc.results) {
      const here = new Set(r.packages.map((p) => p.id));
      for (const f of [...r.findings, ...r.suppressed]) expect(here.has(f.pkg.id), `${f.id} ${f.pkg.name}`).toBe(true);
    }
    expect(doc.results[0].packages.every((p) => p.type === 'deb')).toBe(true);
    expect(doc.results[1].packages.map((p) => p.name)).toEqual(['lodash', 'minimist']);
  });

  it('counts findings per severity in each result and in the summary; suppressed ones apart', () => {
    const doc = valid(renderVulnJson(scan, { now: NOW }));
    let total = 0;
    for (const r of doc.results) {
      for (const s of SEVERITIES) expect(r.severities[s]).toBe(r.findings.filter((f) => f.severity === s).length);
      total += r.findings.length;
    }
    expect(doc.summary.findings).toBe(scan.findings.length);
    expect(total).toBe(scan.findings.length);
    expect(doc.summary.suppressed).toBe(scan.suppressed.length);
    for (const s of SEVERITIES) expect(doc.summary.severities[s]).toBe(scan.findings.filter((f) => f.severity === s).length);
    expect(doc.summary.severities.CRITICAL).toBe(2);
  });

  it('carries each finding whole: ids, package, versions, status, CVSS, texts, and the suppression', () => {
    const doc = valid(renderVulnJson(scan, { now: NOW }));
    const minimist = doc.results[1].findings.find((f) => f.pkg.name === 'minimist');
    const src = scan.findings.find((f) => f.pkg.name === 'minimist');
    expect(minimist).toMatchObject({
      id: 'CVE-2021-44906',
      aliases: ['GHSA-xvch-5gv4-984h'],
      installedVersion: '1.2.5',
      fixedVersions: ['1.2.6'],
      status: 'fixed',
      severity: 'CRITICAL',
      severitySource: 'ghsa',
      cvss: src?.cvss,
      title: 'Prototype Pollution in minimist',
      primaryUrl: 'https://github.com/advisories/GHSA-xvch-5gv4-984h',
      references: src?.references,
      published: '2022-03-18T00:01:09Z',
    });
    expect(minimist?.pkg).toEqual({
      id: src?.pkg.id,
      name: 'minimist',
      version: '1.2.5',
      type: 'npm',
      purl: 'pkg:npm/minimist@1.2.5',
      path: 'usr/src/app/node_modules/minimist/package.json',
      layerDigest: inv.target.layers?.[1].digest,
      layerDiffId: inv.target.layers?.[1].diffId,
    });
    const login = doc.results[0].suppressed.find((f) => f.pkg.name === 'login');
    expect(login?.suppression).toEqual(VEX);
    expect(login?.pkg.source).toEqual({ name: 'shadow', version: '1:4.13+dfsg1-1+deb12u1' });
    const apt = doc.results[0].findings.find((f) => f.pkg.name === 'apt');
    expect(apt?.unimportant).toBe(true);
    expect(doc.results[0].findings.find((f) => f.pkg.name === 'libc6')).not.toHaveProperty('unimportant');
  });

  it('orders findings by package, then most severe first, then id', () => {
    const doc = valid(renderVulnJson(scan, { now: NOW }));
    const keys = doc.results[0].findings.map((f) => f.pkg.name);
    expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('takes createdAt from now, else SOURCE_DATE_EPOCH, and gives the same bytes for the same scan', () => {
    expect(valid(renderVulnJson(scan, { now: NOW })).createdAt).toBe('2024-05-01T12:00:00Z');
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    const a = renderVulnJson(scan);
    expect(valid(a).createdAt).toBe('2023-11-14T22:13:20Z');
    const shuffled: ScanResult = { ...scan, findings: [...scan.findings].reverse(), inventory: { ...inv, packages: [...inv.packages].reverse() } };
    expect(renderVulnJson(shuffled)).toBe(a);
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000001');
    expect(renderVulnJson(scan)).not.toBe(a);
  });

  it('refuses a malformed SOURCE_DATE_EPOCH rather than write a time nobody asked for', () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', 'yesterday');
    expect(() => renderVulnJson(scan)).toThrow(expect.objectContaining({ code: 'BAD_FLAG', input: 'SOURCE_DATE_EPOCH' }));
  });

  it('renders an empty scan sensibly: no results, zero counts', () => {
    const doc = valid(renderVulnJson(emptyScan(), { now: NOW }));
    expect(doc.results).toEqual([]);
    expect(doc.summary).toEqual({ findings: 0, suppressed: 0, severities: { UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } });
    expect(doc.artifact).toEqual({ name: 'empty-dir', kind: 'filesystem', repoDigests: [] });
    const clean = valid(renderVulnJson(cleanScan(inv), { now: NOW }));
    expect(clean.results.map((r) => r.findings.length)).toEqual([0, 0]);
    expect(clean.results[0].packages.length).toBe(inv.packages.filter((p) => p.type === 'deb').length);
  });
});
