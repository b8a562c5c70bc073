import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import type { Inventory } from '../../src/inventory/types.js';
import { encodeCycloneDx, encodeCycloneDxWithVulns } from '../../src/sbom/index.js';
import type { Finding, ScanResult } from '../../src/scan/types.js';
import { cleanScan, cvss31, emptyScan, filesystemScan, imageInventory, imageScan, VEX } from './scan-sample.js';

interface Vuln {
  'bom-ref': string;
  id: string;
  source?: { name?: string; url?: string };
  references?: Array<{ id: string; source: { name?: string; url?: string } }>;
  ratings?: Array<{ source?: { name?: string }; score?: number; severity: string; method: string; vector?: string }>;
  description?: string;
  recommendation?: string;
  advisories?: Array<{ url: string }>;
  published?: string;
  updated?: string;
  analysis?: { state?: string; justification?: string; detail?: string };
  affects: Array<{ ref: string; versions?: Array<{ version: string; status: string }> }>;
  properties?: Array<{ name: string; value: string }>;
}
interface Bom {
  serialNumber: string;
  metadata: { timestamp: string; component: { 'bom-ref': string } };
  components: Array<{ 'bom-ref': string; name: string; version?: string }>;
  vulnerabilities: Vuln[];
}

let validator: Validation.JsonStrictValidator;
let inv: Inventory;
let scan: ScanResult;
const NOW = new Date('2024-05-01T12:00:00Z');

beforeAll(async () => {
  validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
  inv = await imageInventory();
  scan = imageScan(inv);
}, 60_000);

afterEach(() => {
  vi.unstubAllEnvs();
});

async function valid(text: string): Promise<Bom> {
  expect(await validator.validate(text)).toBeNull();
  return JSON.parse(text) as Bom;
}

// The image scan's document, validated once and shared by the tests that only read it.
let imageBom: Promise<Bom> | undefined;
const imageDoc = () => (imageBom ??= valid(encodeCycloneDxWithVulns(scan, { now: NOW })));

const propsOf = (v: Vuln) => Object.fromEntries((v.properties ?? []).map((p) => [p.name, p.value]));
const findVuln = (bom: Bom, id: string, pkgName: string) => {
  const ref = bom.components.find((c) => c.name === pkgName)?.['bom-ref'];
  return bom.vulnerabilities.find((v) => v.id === id && v.affects[0].ref === ref) as Vuln;
};

describe('encodeCycloneDxWithVulns', () => {
  it('is valid CycloneDX 1.6 (strict schema), for an image, a source tree, a clean scan and an empty one', async () => {
    await imageDoc();
    await valid(encodeCycloneDxWithVulns(await filesystemScan(), { now: NOW }));
    await valid(encodeCycloneDxWithVulns(cleanScan(inv), { now: NOW }));
    await valid(encodeCycloneDxWithVulns(emptyScan(), { now: NOW }));
  }, 60_000);

  it('the strict validator rejects a broken vulnerability (so the check above can fail)', async () => {
    const bom = JSON.parse(encodeCycloneDxWithVulns(scan, { now: NOW })) as Bom;
    for (const breakIt of [
      (b: Bom) => (b.vulnerabilities[0].ratings = [{ severity: 'severe', method: 'other' }]),
      (b: Bom) => (b.vulnerabilities[0].analysis = { state: 'ignored' }),
      (b: Bom) => (b.vulnerabilities[0].affects[0].versions = [{ version: '1', status: 'vulnerable' }]),
    ]) {
      const copy = structuredClone(bom);
      breakIt(copy);
      expect(await validator.validate(JSON.stringify(copy))).not.toBeNull();
    }
  });

  it('leaves the SBOM part byte-for-byte as encodeCycloneDx writes it', () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    const plain = encodeCycloneDx(inv, { toolVersion: '0.1.0' });
    const withVulns = encodeCycloneDxWithVulns(scan, { toolVersion: '0.1.0' });
    const strip = (text: string) => {
      const o = JSON.parse(text) as Record<string, unknown>;
      delete o.vulnerabilities;
      o.serialNumber = 'x';
      return JSON.stringify(o, null, 2) + '\n';
    };
    const serial = (text: string) => (JSON.parse(text) as Bom).serialNumber;
    expect(strip(withVulns)).toBe(strip(plain));
    // The plain SBOM's text, but for its serial number and closing brace, starts the new one.
    const norm = (text: string) => text.replace(serial(text), 'SERIAL');
    expect(norm(withVulns).startsWith(`${norm(plain).slice(0, -'\n}\n'.length)},\n  "vulnerabilities": [`)).toBe(true);
    // The serial number covers the whole document, so it differs from the plain SBOM's.
    expect(serial(withVulns)).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    expect(serial(withVulns)).not.toBe(serial(plain));
  });

  it('gives the same bytes for the same scan with SOURCE_DATE_EPOCH, whatever the input order', () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    const a = encodeCycloneDxWithVulns(scan);
    const shuffled: ScanResult = { ...scan, findings: [...scan.findings].reverse(), suppressed: [...scan.suppressed].reverse() };
    expect(encodeCycloneDxWithVulns(shuffled)).toBe(a);
    expect((JSON.parse(a) as Bom).metadata.timestamp).toBe('2023-11-14T22:13:20.000Z');
    const fewer: ScanResult = { ...scan, findings: scan.findings.slice(1) };
    expect((JSON.parse(encodeCycloneDxWithVulns(fewer)) as Bom).serialNumber).not.toBe((JSON.parse(a) as Bom).serialNumber);
  });

  it('has one vulnerability per finding and per VEX-suppressed finding, each affecting its package', async () => {
    const bom = await imageDoc();
    const vex = scan.suppressed.filter((f) => f.suppressed?.kind === 'vex');
    expect(bom.vulnerabilities.length).toBe(scan.findings.length + vex.length);
    const refs = new Set(bom.components.map((c) => c['bom-ref']));
    const all = [...scan.findings, ...vex];
    for (const v of bom.vulnerabilities) {
      expect(refs.has(v.affects[0].ref), v['bom-ref']).toBe(true);
      expect(all.some((f) => f.id === v.id && f.pkg.id === v.affects[0].ref)).toBe(true);
    }
    const bomRefs = bom.vulnerabilities.map((v) => v['bom-ref']);
    expect(new Set([...bomRefs, ...refs]).size).toBe(bomRefs.length + refs.size);
    const order = bom.vulnerabilities.map((v) => `${v.id}\0${v.affects[0].ref}`);
    expect(order).toEqual([...order].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('writes a GHSA finding in full: source, aliases, CVSS rating, advisories, dates, fix', async () => {
    const bom = await imageDoc();
    const v = findVuln(bom, 'CVE-2021-44906', 'minimist');
    const f = scan.findings.find((x) => x.id === 'CVE-2021-44906') as Finding;
    expect(v.source).toEqual({ name: 'osv', url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h' });
    expect(v.references).toEqual([{ id: 'GHSA-xvch-5gv4-984h', source: { name: 'GitHub Advisory Database', url: 'https://github.com/advisories/GHSA-xvch-5gv4-984h' } }]);
    expect(v.ratings).toEqual([
      { source: { name: 'ghsa' }, score: cvss31(f.cvss[0].vector), severity: 'critical', method: 'CVSSv31', vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' },
    ]);
    expect(v.description).toBe(f.description);
    expect(v.advisories?.map((a) => a.url)).toEqual(f.references);
    expect(v.published).toBe('2022-03-18T00:01:09.000Z');
    expect(v.updated).toBe('2023-02-27T14:47:14.000Z');
    expect(v.recommendation).toBe('Upgrade minimist to 1.2.6 or later.');
    expect(v.affects).toEqual([{ ref: f.pkg.id, versions: [{ version: '1.2.5', status: 'affected' }] }]);
    expect(propsOf(v)).toMatchObject({ 'portcullis:vulnerability:fixedVersions': '1.2.6', 'portcullis:vulnerability:status': 'fixed', 'portcullis:vulnerability:ecosystem': 'npm' });
    expect(v).not.toHaveProperty('analysis');
  });

  it('rates a finding without CVSS by its severity, method other; unfixed ones get no recommendation', async () => {
    const bom = await imageDoc();
    const coreutils = findVuln(bom, 'CVE-2016-2781', 'coreutils');
    expect(coreutils.ratings).toEqual([{ source: { name: 'debian' }, severity: 'low', method: 'other' }]);
    expect(coreutils).not.toHaveProperty('recommendation');
    expect(propsOf(coreutils)['portcullis:vulnerability:status']).toBe('will_not_fix');
    expect(findVuln(bom, 'CVE-2023-4911', 'libc6').ratings).toEqual([{ source: { name: 'debian' }, severity: 'unknown', method: 'other' }]);
    expect(propsOf(findVuln(bom, 'CVE-2011-3374', 'apt'))['portcullis:vulnerability:unimportant']).toBe('true');
  });

  it('adds the finding’s own severity as a rating when its source’s CVSS score says otherwise', async () => {
    const f = scan.findings.find((x) => x.id === 'CVE-2021-44906') as Finding;
    const high = { ...f, severity: 'HIGH' as const };
    const bom = await valid(encodeCycloneDxWithVulns({ ...scan, inventory: { ...inv, packages: inv.packages.filter((p) => p.id === f.pkg.id) }, findings: [high], suppressed: [] }, { now: NOW }));
    expect(bom.vulnerabilities[0].ratings?.map((r) => [r.source?.name, r.severity, r.method])).toEqual([
      ['ghsa', 'high', 'other'],
      ['ghsa', 'critical', 'CVSSv31'],
    ]);
  });

  it('records a VEX suppression as CycloneDX analysis; drops ignore-file suppressions', async () => {
    const bom = await imageDoc();
    const login = findVuln(bom, 'CVE-2023-4641', 'login');
    expect(login.analysis).toEqual({
      state: 'not_affected',
      justification: 'code_not_reachable',
      detail: `suppressed by VEX statement in ${VEX.source}: not_affected, vulnerable_code_not_in_execute_path`,
    });
    expect(login.affects[0].versions).toEqual([{ version: '1:4.13+dfsg1-1+deb12u1', status: 'unaffected' }]);
    expect(bom.vulnerabilities.some((v) => v.id === 'CVE-2023-45853')).toBe(false);
  });

  it('maps VEX words to CycloneDX: fixed → resolved, OpenVEX justifications → CycloneDX ones', async () => {
    const base = scan.suppressed.find((f) => f.pkg.name === 'login') as Finding;
    const cases: Array<[NonNullable<Finding['suppressed']>, { state?: string; justification?: string }]> = [
      [{ kind: 'vex', source: 'c0.json', statement: 'fixed' }, { state: 'resolved' }],
      [{ kind: 'vex', source: 'c1.json', statement: 'not_affected', justification: 'component_not_present' }, { state: 'not_affected', justification: 'code_not_present' }],
      [{ kind: 'vex', source: 'c2.json', statement: 'not_affected', justification: 'inline_mitigations_already_exist' }, { state: 'not_affected', justification: 'protected_by_mitigating_control' }],
      [{ kind: 'vex', source: 'c3.cdx.json', statement: 'not_affected', justification: 'requires_configuration' }, { state: 'not_affected', justification: 'requires_configuration' }],
      [{ kind: 'vex', source: 'c4.json', statement: 'not_affected', justification: 'because we said so' }, { state: 'not_affected', justification: undefined }],
    ];
    // All in one document (validated once): the same finding under five statements.
    const bom = await valid(encodeCycloneDxWithVulns({ ...scan, findings: [], suppressed: cases.map(([suppressed]) => ({ ...base, suppressed })) }, { now: NOW }));
    expect(new Set(bom.vulnerabilities.map((v) => v['bom-ref'])).size).toBe(cases.length);
    for (const [suppressed, want] of cases) {
      const a = bom.vulnerabilities.find((v) => v.analysis?.detail?.includes(` ${suppressed.source}:`))?.analysis;
      expect({ state: a?.state, justification: a?.justification }, suppressed.source).toEqual(want);
    }
  });

  it('keeps untrusted URLs and dates valid: bad ones dropped, good ones canonical', async () => {
    const f = scan.findings.find((x) => x.id === 'CVE-2021-44906') as Finding;
    const odd = { ...f, primaryUrl: 'javascript:alert(1)', references: ['https://example.com/a b', 'not a url', 'ftp://x/y'], published: 'last tuesday' };
    const bom = await valid(encodeCycloneDxWithVulns({ ...scan, findings: [odd], suppressed: [] }, { now: NOW }));
    const v = bom.vulnerabilities[0];
    expect(v.source).toEqual({ name: 'osv' });
    expect(v.advisories).toEqual([{ url: 'https://example.com/a%20b' }]);
    expect(v).not.toHaveProperty('published');
  });

  it('renders a scan with no findings as the SBOM with an empty vulnerabilities list', async () => {
    const bom = await valid(encodeCycloneDxWithVulns(cleanScan(inv), { now: NOW }));
    expect(bom.vulnerabilities).toEqual([]);
    expect(bom.components.length).toBe((JSON.parse(encodeCycloneDx(inv, { now: NOW })) as Bom).components.length);
    const empty = await valid(encodeCycloneDxWithVulns(emptyScan(), { now: NOW }));
    expect(empty.vulnerabilities).toEqual([]);
    expect(empty.components).toEqual([]);
  });

  it('still writes the plain SBOM golden bytes (the encoder itself is untouched)', () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    const dir = new URL('../fixtures/sbom/golden/', import.meta.url);
    const input = JSON.parse(readFileSync(new URL('debian-image.input.json', dir), 'utf8')) as { options: { toolVersion?: string }; inventory: Inventory };
    expect(encodeCycloneDx(input.inventory, { toolVersion: input.options.toolVersion })).toBe(readFileSync(new URL('debian-image.cdx.json', dir), 'utf8'));
  });
});
