// Realistic ScanResults for the renderer tests. Inventories are real: a Debian 12 image
// (this machine's dpkg status, 741 packages, and os-release) with an npm app layer holding
// the published lodash 4.17.11 and minimist 1.2.5 manifests, built as an OCI layout and read
// by buildInventory; and a source tree with a real package-lock.json and Trivy's yarn.lock
// test file, read by inventoryDirectory. The matcher is written in parallel, so Findings are
// built here from published advisories (GHSA records, Debian tracker entries; see
// test/fixtures/report/SOURCE.md), the way the scan module describes them.
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildInventory, inventoryDirectory, toPurl } from '../../src/inventory/index.js';
import type { Inventory, Package } from '../../src/inventory/types.js';
import { openImage } from '../../src/oci/index.js';
import type { CvssScore, Finding, ScanResult, Severity, Suppression } from '../../src/scan/types.js';
import type { VulnStatus } from '../../src/vulndb/osv-types.js';
import { buildLayer, writeOciLayout } from '../helpers/build-image.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const fixture = (path: string): Buffer => readFileSync(new URL(path, FIXTURES));

interface Scorer {
  calculateScores(): { base?: number };
}
const cvssLib = createRequire(import.meta.url)('ae-cvss-calculator') as Record<'Cvss3P1', new (v: string) => Scorer>;

/** The base score of a CVSS 3.1 vector, computed (never typed in by hand). */
export function cvss31(vector: string): number {
  return new cvssLib.Cvss3P1(vector).calculateScores().base as number;
}

const pick = (p: Package): Finding['pkg'] => ({ id: p.id, name: p.name, version: p.version, type: p.type, purl: p.purl, locations: p.locations, source: p.source });

interface GhsaRecord {
  id: string;
  aliases: string[];
  summary: string;
  details: string;
  published: string;
  modified: string;
  severity: Array<{ type: string; score: string }>;
  affected: Array<{ package: { name: string }; ranges: Array<{ events: Array<Record<string, string>> }> }>;
  references: Array<{ url: string }>;
  database_specific: { severity: Severity };
}

// Enough of semver ordering for the x.y.z versions of these two records.
const num = (v: string) => v.split('.').map(Number);
function cmp(a: string, b: string): number {
  const [x, y] = [num(a), num(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/** A finding of a GHSA record on an npm package: CVE as the id, the fix of the range holding the version. */
export function ghsaFinding(file: string, p: Package): Finding {
  const r = JSON.parse(fixture(`report/advisories/npm/${file}`).toString('utf8')) as GhsaRecord;
  const fixed: string[] = [];
  for (const a of r.affected.filter((a) => a.package.name === p.name)) {
    for (const range of a.ranges) {
      const intro = range.events.find((e) => e.introduced !== undefined)?.introduced ?? '0';
      const fix = range.events.find((e) => e.fixed !== undefined)?.fixed;
      if (fix && (intro === '0' || cmp(p.version, intro) >= 0) && cmp(p.version, fix) < 0) fixed.push(fix);
    }
  }
  if (!fixed.length) throw new Error(`${r.id} does not affect ${p.name}@${p.version}`);
  const cve = r.aliases.find((a) => a.startsWith('CVE-'));
  const vector = r.severity.find((s) => s.type === 'CVSS_V3')?.score as string;
  const score: CvssScore = { source: 'ghsa', version: '3.1', vector, score: cvss31(vector) };
  return {
    id: cve ?? r.id,
    aliases: [r.id, ...r.aliases].filter((a) => a !== cve).sort(),
    pkg: pick(p),
    installedVersion: p.version,
    fixedVersions: fixed,
    status: 'fixed',
    severity: r.database_specific.severity,
    severitySource: 'ghsa',
    cvss: [score],
    title: r.summary,
    description: r.details,
    primaryUrl: `https://github.com/advisories/${r.id}`,
    references: r.references.map((x) => x.url),
    ecosystem: 'npm',
    dataSource: 'osv',
    published: r.published,
    modified: r.modified,
  };
}

interface TrackerEntry {
  Header: { ID: string; Description?: string };
  Annotations: Array<{ Type: string; Package?: string; Release?: string; Kind?: string; Version?: string; Severity?: string; Description?: string }>;
}

// A toy reading of the tracker for these entries (the real converter lives in vulndb/):
// the bookworm line if there is one, else the unstable one, whose urgency is the severity.
const STATUS: Record<string, VulnStatus> = { unfixed: 'affected', fixed: 'fixed', ignored: 'will_not_fix', 'no-dsa': 'affected', postponed: 'fix_deferred', 'end-of-life': 'end_of_life' };
const URGENCY: Record<string, Severity> = { unimportant: 'LOW', low: 'LOW', medium: 'MEDIUM', high: 'HIGH' };

/** Findings of one Debian tracker entry on every binary package built from its source package. */
export function trackerFindings(cve: string, inv: Inventory, suppressed?: Suppression): Finding[] {
  const e = JSON.parse(fixture(`report/advisories/debian/${cve}.json`).toString('utf8')) as TrackerEntry;
  const lines = e.Annotations.filter((a) => a.Type === 'package');
  const source = lines[0].Package as string;
  const sid = lines.find((a) => a.Package === source && !a.Release);
  const line = lines.find((a) => a.Package === source && a.Release === 'bookworm') ?? sid;
  if (!line || !sid) throw new Error(`${cve}: no line for ${source}`);
  const notes = e.Annotations.filter((a) => a.Type === 'NOTE')
    .map((a) => /https?:\/\/\S+/.exec(a.Description ?? '')?.[0])
    .filter((u): u is string => !!u);
  const pkgs = inv.packages.filter((p) => p.type === 'deb' && (p.source?.name ?? p.name) === source);
  if (!pkgs.length) throw new Error(`${cve}: ${source} is not installed`);
  return pkgs.map((p) => ({
    id: cve,
    aliases: [],
    pkg: pick(p),
    installedVersion: p.source?.version ?? p.version,
    fixedVersions: line.Kind === 'fixed' && line.Version ? [line.Version] : [],
    status: STATUS[line.Kind as string],
    severity: URGENCY[sid.Severity ?? ''] ?? 'UNKNOWN',
    severitySource: 'debian',
    cvss: [],
    title: e.Header.Description?.replace(/^[[(]\s*|\s*[\])]$/g, ''),
    primaryUrl: `https://security-tracker.debian.org/tracker/${cve}`,
    references: notes,
    ecosystem: 'Debian:12',
    dataSource: 'debian-security-tracker',
    ...(sid.Severity === 'unimportant' ? { unimportant: true } : {}),
    ...(suppressed ? { suppressed } : {}),
  }));
}

export const VEX: Suppression = { kind: 'vex', source: 'vex/debian.openvex.json', statement: 'not_affected', justification: 'vulnerable_code_not_in_execute_path' };
export const IGNORE: Suppression = { kind: 'ignore', source: '.trivyignore', statement: 'minizip is not built into zlib1g' };

const SOURCES: ScanResult['sources'] = [
  { name: 'debian-security-tracker', newestModified: '2024-04-23T00:00:00Z', importedAt: '2024-05-01T10:00:00Z' },
  { name: 'osv', newestModified: '2023-09-05T22:24:55Z', importedAt: '2024-05-01T10:00:00Z' },
];

/** Files of a temporary directory, removed by the returned function. */
function tempDir(files: Record<string, Buffer>): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-report-'));
  for (const [path, data] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), data);
  }
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

const byName = (inv: Inventory, type: string, name: string): Package => {
  const p = inv.packages.find((x) => x.type === type && x.name === name);
  if (!p) throw new Error(`no ${type} package ${name}`);
  return p;
};

export const IMAGE_NAME = 'docker.io/library/debian:12';

/** The Debian 12 image inventory (two layers: the OS, then the app's node_modules). */
export async function imageInventory(): Promise<Inventory> {
  const layers = [
    await buildLayer(
      [
        { path: 'etc/os-release', content: fixture('inventory/os/debian-12-os-release') },
        { path: 'var/lib/dpkg/status', content: fixture('inventory/dpkg/root/var/lib/dpkg/status') },
      ],
      { compression: 'gzip' },
    ),
    await buildLayer(
      [
        { path: 'usr/src/app/package.json', content: fixture('report/app/package.json') },
        { path: 'usr/src/app/node_modules/lodash/package.json', content: fixture('report/npm-packages/lodash/package.json') },
        { path: 'usr/src/app/node_modules/minimist/package.json', content: fixture('report/npm-packages/minimist/package.json') },
      ],
      { compression: 'gzip' },
    ),
  ];
  const tmp = tempDir({});
  try {
    const written = await writeOciLayout(tmp.dir, { layers, tag: '12' });
    const src = await openImage(`oci:${tmp.dir}:12`);
    let inv: Inventory;
    try {
      inv = await buildInventory(src);
    } finally {
      await src.close();
    }
    // Named as a pull from Docker Hub would name it (the layout's path is a temporary one).
    const digest = written.manifestDigest;
    inv.target = {
      ...inv.target,
      name: IMAGE_NAME,
      repoDigests: [`docker.io/library/debian@${digest}`],
      purl: toPurl({ type: 'oci', name: 'debian', version: digest, qualifiers: { repository_url: 'docker.io/library/debian', tag: '12', arch: 'amd64' } }),
    };
    return inv;
  } finally {
    tmp.remove();
  }
}

/** A scan of the image: tracker findings on glibc, util-linux, expat, coreutils and apt; GHSA findings on lodash and minimist; one VEX- and one ignore-suppressed. */
export function imageScan(inv: Inventory): ScanResult {
  const findings = [
    ...trackerFindings('CVE-2023-4911', inv),
    ...trackerFindings('CVE-2024-28085', inv),
    ...trackerFindings('CVE-2024-45490', inv),
    ...trackerFindings('CVE-2016-2781', inv),
    ...trackerFindings('CVE-2011-3374', inv),
    ghsaFinding('GHSA-xvch-5gv4-984h.json', byName(inv, 'npm', 'minimist')),
    ghsaFinding('GHSA-jf85-cpcp-j695.json', byName(inv, 'npm', 'lodash')),
  ];
  const suppressed = [...trackerFindings('CVE-2023-4641', inv, VEX), ...trackerFindings('CVE-2023-45853', inv, IGNORE)];
  return { inventory: inv, findings, suppressed, sources: SOURCES };
}

/** A source tree: app/package-lock.json (npm) and web/yarn.lock (Trivy's test file, lodash 4.17.11). */
export async function filesystemScan(): Promise<ScanResult> {
  const tmp = tempDir({
    'app/package.json': fixture('report/app/package.json'),
    'app/package-lock.json': fixture('report/app/package-lock.json'),
    'web/yarn.lock': fixture('inventory/lockfiles/yarn/trivy-v1/yarn.lock'),
  });
  try {
    const inv = await inventoryDirectory(tmp.dir);
    inv.target = { kind: 'filesystem', name: '.' };
    const lockPkg = (file: string, name: string) => {
      const p = inv.packages.find((x) => x.name === name && x.locations[0]?.path === file);
      if (!p) throw new Error(`no ${name} in ${file}`);
      return p;
    };
    const findings = [
      ghsaFinding('GHSA-xvch-5gv4-984h.json', lockPkg('app/package-lock.json', 'minimist')),
      ghsaFinding('GHSA-jf85-cpcp-j695.json', lockPkg('app/package-lock.json', 'lodash')),
      ghsaFinding('GHSA-jf85-cpcp-j695.json', lockPkg('web/yarn.lock', 'lodash')),
    ];
    return { inventory: inv, findings, suppressed: [], sources: SOURCES };
  } finally {
    tmp.remove();
  }
}

/** No findings at all, over the same inventory. */
export function cleanScan(inv: Inventory): ScanResult {
  return { inventory: inv, findings: [], suppressed: [], sources: [] };
}

/** An inventory with nothing in it (an empty directory). */
export function emptyScan(): ScanResult {
  return { inventory: { target: { kind: 'filesystem', name: 'empty-dir' }, packages: [] }, findings: [], suppressed: [], sources: [] };
}
