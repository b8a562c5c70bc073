// Acceptance for the scan gate: real advisory data (Debian security tracker excerpts, GHSA
// records) imported with `portcullis db import`, images assembled from real dpkg stanzas at
// vulnerable and fixed versions, scanned through the CLI as a user would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLayer, writeOciLayout } from '../helpers/build-image.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'portcullis.js');
const advisories = join(root, 'examples', 'bookstore', 'advisories');
const realStatus = readFileSync(join(root, 'test/fixtures/inventory/dpkg/root/var/lib/dpkg/status'), 'utf8');
const osRelease = readFileSync(join(root, 'test/fixtures/inventory/os/debian-12-os-release'));

let dir: string;
let db: string;

function run(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A real stanza with its version (and source version) replaced. */
function stanzaAt(name: string, version: string): string {
  const s = realStatus.split(/\n\n+/).find((x) => x.startsWith(`Package: ${name}\n`));
  if (!s) throw new Error(`no ${name} in the fixture status`);
  return s.replace(/^Version: .*$/m, `Version: ${version}`).replace(/^Source: (\S+) \(.*\)$/m, 'Source: $1').trim() + '\n';
}

async function debianImage(name: string, versions: Record<string, string>): Promise<string> {
  const status = Object.entries(versions).map(([p, v]) => stanzaAt(p, v)).join('\n');
  const layer = await buildLayer([
    { path: 'etc/os-release', content: osRelease },
    { path: 'var/lib/dpkg/status', content: status },
  ]);
  await writeOciLayout(join(dir, name), { layers: [layer], tag: 'x' });
  return `oci:${join(dir, name)}:x`;
}

interface JsonFinding {
  id: string;
  pkg?: { name: string };
  packageName?: string;
  status: string;
  severity: string;
  fixedVersions?: string[];
  installedVersion: string;
}

function findings(report: string): JsonFinding[] {
  const doc = JSON.parse(report) as { results: Array<{ findings?: JsonFinding[]; vulnerabilities?: JsonFinding[] }> };
  return doc.results.flatMap((r) => r.findings ?? r.vulnerabilities ?? []);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-scan-'));
  db = join(dir, 'db', 'p.db');
  const r = run(['db', 'import', join(advisories, 'osv'), join(advisories, 'debian-security-tracker'), '--db', db]);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Debian packages against the security tracker', () => {
  it('reports libc6 below the DSA fix with the DSA fixed version; not at the fix', async () => {
    // DSA-5673-1: [bookworm] - glibc 2.36-9+deb12u6 (CVE-2024-2961).
    const dsa = readFileSync(join(advisories, 'debian-security-tracker/data/DSA/list'), 'utf8');
    const fix = /\[bookworm\] - glibc (\S+)/.exec(dsa)![1];
    const old = await debianImage('old', { libc6: '2.36-9+deb12u4' });
    const fixed = await debianImage('fixed', { libc6: fix });

    const a = run(['image', old, '--db', db, '--format', 'json', '--no-cache']);
    expect(a.code).toBe(0);
    const hit = findings(a.stdout).find((f) => f.id === 'CVE-2024-2961');
    expect(hit).toBeDefined();
    expect(hit!.status).toBe('fixed');
    expect(hit!.fixedVersions ?? []).toContain(fix);
    expect(hit!.installedVersion).toBe('2.36-9+deb12u4');

    const b = run(['image', fixed, '--db', db, '--format', 'json', '--no-cache']);
    expect(findings(b.stdout).find((f) => f.id === 'CVE-2024-2961')).toBeUndefined();
  });

  it('reports <ignored> as will_not_fix, which --ignore-unfixed removes', async () => {
    // CVE-2016-2781: [bookworm] - coreutils <ignored> (Minor issue); sid fixed 9.4-1 (low).
    const img = await debianImage('coreutils', { coreutils: '9.1-1' });
    const a = findings(run(['image', img, '--db', db, '--format', 'json', '--no-cache']).stdout);
    const f = a.find((x) => x.id === 'CVE-2016-2781');
    expect(f?.status).toBe('will_not_fix');
    expect(f?.severity).toBe('LOW');
    const b = findings(run(['image', img, '--db', db, '--format', 'json', '--no-cache', '--ignore-unfixed']).stdout);
    expect(b.find((x) => x.id === 'CVE-2016-2781')).toBeUndefined();
  });
});

describe('the gate', () => {
  it('--exit-code 1 --severity CRITICAL exits 1 exactly when a CRITICAL finding remains', () => {
    const ref = `oci:${join(root, 'examples/bookstore/out/catalog')}:dev`;
    const build = spawnSync(process.execPath, [join(root, 'examples/bookstore/run.mjs')], { encoding: 'utf8' });
    expect(build.status).toBe(0);
    const gate = (extra: string[]) => run(['image', ref, '--db', db, '--exit-code', '1', '--severity', 'CRITICAL', '--no-cache', '-q', ...extra]).code;
    expect(gate([])).toBe(1);
    // Ignored by an ignore file: no CRITICAL remains.
    const ignore = join(dir, '.portcullisignore');
    writeFileSync(ignore, '# accepted until the upgrade lands\nCVE-2021-44906\n');
    expect(gate(['--ignorefile', ignore])).toBe(0);
    // An expired ignore entry no longer hides it.
    writeFileSync(ignore, 'CVE-2021-44906 exp:2020-01-01\n');
    expect(gate(['--ignorefile', ignore])).toBe(1);
    // VEX not_affected for that package suppresses it.
    const vex = join(dir, 'vex.json');
    writeFileSync(
      vex,
      JSON.stringify({
        '@context': 'https://openvex.dev/ns/v0.2.0',
        '@id': 'https://example.com/vex/bookstore-1',
        author: 'Bookstore team',
        timestamp: '2026-01-01T00:00:00Z',
        version: 1,
        statements: [{ vulnerability: { name: 'CVE-2021-44906' }, products: [{ '@id': 'pkg:npm/minimist@1.2.5' }], status: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' }],
      }),
    );
    expect(gate(['--vex', vex])).toBe(0);
    // Without the gate flag the contract is Trivy's: exit 0 even with findings.
    expect(run(['image', ref, '--db', db, '--no-cache', '-q']).code).toBe(0);
  });
});

describe('invariant: an image and its SBOM give the same findings', () => {
  it.each([
    ['the Bookstore example', () => `oci:${join(root, 'examples/bookstore/out/catalog')}:dev`],
    ['a Debian image with old packages', async () => debianImage('inv', { libc6: '2.36-9+deb12u4', coreutils: '9.1-1', zlib1g: '1:1.2.13.dfsg-1' })],
  ])('%s', async (_l, ref) => {
    const target = await ref();
    const direct = run(['image', target, '--db', db, '--format', 'json', '--no-cache', '--all']);
    expect(direct.code).toBe(0);
    for (const format of ['cyclonedx', 'spdx-json']) {
      const sbom = join(dir, `sbom.${format}.json`);
      expect(run(['sbom', target, '--format', format, '-o', sbom, '--no-cache']).code).toBe(0);
      const viaSbom = run(['scan-sbom', sbom, '--db', db, '--format', 'json', '--all']);
      expect(viaSbom.code).toBe(0);
      const key = (f: JsonFinding) => `${f.id} ${f.pkg?.name ?? f.packageName} ${f.installedVersion} ${f.status} ${f.severity} ${(f.fixedVersions ?? []).join(',')}`;
      const a = findings(direct.stdout).map(key).sort();
      expect(a.length).toBeGreaterThan(0);
      expect(findings(viaSbom.stdout).map(key).sort()).toEqual(a);
    }
  });
});
