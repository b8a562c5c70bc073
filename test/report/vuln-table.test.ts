import { beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../src/inventory/types.js';
import { renderVulnTable } from '../../src/report/index.js';
import { SEVERITIES, type Finding, type ScanResult } from '../../src/scan/types.js';
import { cleanScan, emptyScan, filesystemScan, IMAGE_NAME, imageInventory, imageScan } from './scan-sample.js';

let inv: Inventory;
let scan: ScanResult;
let text: string;
beforeAll(async () => {
  inv = await imageInventory();
  scan = imageScan(inv);
  text = renderVulnTable(scan);
}, 60_000);

const lines = (t: string) => t.split('\n');

/** The block of one target: from its heading to the next target's heading (or the end). */
function block(t: string, heading: string): string[] {
  const all = lines(t);
  const start = all.findIndex((l, i) => l === heading && /^=+$/.test(all[i + 1] ?? ''));
  expect(start, `heading ${heading}`).toBeGreaterThan(0);
  let end = all.findIndex((l, i) => i > start + 1 && /^=+$/.test(all[i + 1] ?? ''));
  if (end < 0) end = all.length;
  return all.slice(start, end);
}

/** The expected Total line, counted from the findings themselves. */
function totalOf(findings: Finding[]): string {
  const n = (s: string) => findings.filter((f) => f.severity === s).length;
  return `Total: ${findings.length} (${SEVERITIES.map((s) => `${s}: ${n(s)}`).join(', ')})`;
}

describe('renderVulnTable on a Debian image with an npm app', () => {
  const osHeading = `${IMAGE_NAME} (debian 12)`;
  const osFindings = () => scan.findings.filter((f) => f.pkg.type === 'deb');
  const npmFindings = () => scan.findings.filter((f) => f.pkg.type === 'npm');

  it('summarizes the targets first, the OS one before the language ones', () => {
    const all = lines(text);
    expect(all[0]).toBe('Report Summary');
    const summary = all.slice(2, all.indexOf('', 2));
    expect(summary[0].split(/\s{2,}/)).toEqual(['TARGET', 'TYPE', 'VULNERABILITIES', 'SUPPRESSED']);
    expect(summary.slice(2).map((l) => l.split(/\s{2,}/))).toEqual([
      [osHeading, 'debian', String(osFindings().length), String(scan.suppressed.length)],
      ['Node.js', 'node-pkg', String(npmFindings().length), '0'],
    ]);
  });

  it('gives each target a Total line counted by severity, as Trivy does', () => {
    const os = block(text, osHeading);
    expect(os[1]).toBe('='.repeat(osHeading.length));
    expect(os[2]).toBe(totalOf(osFindings()));
    const npm = block(text, 'Node.js (node-pkg)');
    expect(npm[2]).toBe(totalOf(npmFindings()));
    // The counts really differ between targets (the assertions above can tell them apart).
    expect(totalOf(osFindings())).not.toBe(totalOf(npmFindings()));
  });

  it('lists one row per finding with library, id, severity, status, versions and title with its link', () => {
    const npm = block(text, 'Node.js (node-pkg)');
    const header = npm.find((l) => l.startsWith('LIBRARY'));
    expect(header?.split(/\s{2,}/)).toEqual(['LIBRARY', 'VULNERABILITY ID', 'SEVERITY', 'STATUS', 'INSTALLED VERSION', 'FIXED VERSION', 'TITLE']);
    const rows = npm.slice(npm.indexOf(header as string) + 2).filter(Boolean).map((l) => l.split(/\s{2,}/));
    // lodash before minimist (by package), each with the record's CVE, fix and summary.
    expect(rows).toEqual([
      ['lodash', 'CVE-2019-10744', 'CRITICAL', 'fixed', '4.17.11', '4.17.12', 'Prototype Pollution in lodash <https://github.com/advisories/GHSA-jf85-cpcp-j695>'],
      ['minimist', 'CVE-2021-44906', 'CRITICAL', 'fixed', '1.2.5', '1.2.6', 'Prototype Pollution in minimist <https://github.com/advisories/GHSA-xvch-5gv4-984h>'],
    ]);
  });

  it('shows every OS finding once, by binary package, with the source version compared', () => {
    const os = block(text, osHeading);
    const rows = os.filter((l) => /^\S+\s{2,}CVE-/.test(l)).map((l) => l.split(/\s{2,}/));
    const main = rows.slice(0, osFindings().length);
    expect(main.map((r) => `${r[0]} ${r[1]}`).sort()).toEqual(osFindings().map((f) => `${f.pkg.name} ${f.id}`).sort());
    const names = main.map((r) => r[0]);
    expect(names).toEqual([...names].sort());
    // bsdutils is 1:2.38.1-5+deb12u3; its source util-linux is what is compared.
    const bsdutils = main.find((r) => r[0] === 'bsdutils');
    expect(bsdutils?.slice(1, 6)).toEqual(['CVE-2024-28085', 'UNKNOWN', 'affected', '2.38.1-5+deb12u3', '-']);
    expect(main.find((r) => r[0] === 'coreutils')?.slice(2, 4)).toEqual(['LOW', 'will_not_fix']);
  });

  it('cuts long titles at 64 characters with an ellipsis and keeps the whole link', () => {
    const row = lines(text).find((l) => l.startsWith('libc6 ') && l.includes('CVE-2023-4911')) as string;
    const title = scan.findings.find((f) => f.id === 'CVE-2023-4911')?.title as string;
    expect(title.length).toBeGreaterThan(64);
    const cell = row.split(/\s{2,}/)[6];
    const [shown, link] = cell.split(' <');
    expect(Array.from(shown).length).toBe(64);
    expect(shown.endsWith('…')).toBe(true);
    expect(title.startsWith(shown.slice(0, -1))).toBe(true);
    expect(link).toBe('https://security-tracker.debian.org/tracker/CVE-2023-4911>');
  });

  it('lists the suppressed findings after, with why', () => {
    const os = block(text, osHeading);
    const at = os.indexOf(`Suppressed Vulnerabilities (Total: ${scan.suppressed.length})`);
    expect(at).toBeGreaterThan(0);
    const rows = os.slice(at + 4).filter(Boolean).map((l) => l.split(/\s{2,}/));
    expect(rows.map((r) => r[0])).toEqual(['login', 'passwd', 'zlib1g', 'zlib1g-dev']);
    expect(rows[0]).toEqual([
      'login',
      'CVE-2023-4641',
      'UNKNOWN',
      '1:4.13+dfsg1-1+deb12u1',
      'suppressed by VEX statement in vex/debian.openvex.json: not_affected (vulnerable_code_not_in_execute_path)',
    ]);
    expect(rows[2][4]).toBe('suppressed by ignore rule in .trivyignore: minizip is not built into zlib1g');
    // Suppressed findings are not counted in the Total.
    expect(os[2]).toBe(totalOf(osFindings()));
  });

  it('is deterministic: the order findings and packages arrive in does not matter', () => {
    const shuffled: ScanResult = {
      ...scan,
      inventory: { ...inv, packages: [...inv.packages].reverse() },
      findings: [...scan.findings].reverse(),
      suppressed: [...scan.suppressed].reverse(),
    };
    expect(renderVulnTable(shuffled)).toBe(text);
  });

  it('uses no colour or other escape sequence, and keeps hostile advisory text on one line', () => {
    expect(text).not.toMatch(/\u001b/);
    const evil: ScanResult = {
      ...scan,
      findings: scan.findings.map((f) =>
        f.id === 'CVE-2021-44906' ? { ...f, title: 'Prototype\u001b[31m Pollution\r\nin \u202eminimist', primaryUrl: 'javascript:alert(1)' } : f,
      ),
    };
    const out = renderVulnTable(evil);
    expect(out).not.toMatch(/[\u001b\r\u202e]/);
    const row = lines(out).find((l) => l.startsWith('minimist')) as string;
    expect(row.split(/\s{2,}/)[6]).toBe('Prototype [31m Pollution in minimist');
    expect(lines(out).length).toBe(lines(text).length);
  });
});

describe('renderVulnTable on a source tree', () => {
  it('makes each lockfile its own target, typed as Trivy types it', async () => {
    const scan = await filesystemScan();
    const out = renderVulnTable(scan);
    const all = lines(out);
    expect(all).toContain('app/package-lock.json (npm)');
    expect(all).toContain('web/yarn.lock (yarn)');
    expect(all.indexOf('app/package-lock.json (npm)')).toBeLessThan(all.indexOf('web/yarn.lock (yarn)'));
    const yarn = block(out, 'web/yarn.lock (yarn)');
    expect(yarn[2]).toBe(totalOf(scan.findings.filter((f) => f.pkg.locations[0].path === 'web/yarn.lock')));
    expect(yarn.filter((l) => l.startsWith('lodash ')).map((l) => l.split(/\s{2,}/)[1])).toEqual(['CVE-2019-10744']);
  }, 60_000);
});

describe('renderVulnTable with nothing to report', () => {
  it('shows every target with a zero Total and no rows when no finding came back', () => {
    const out = renderVulnTable(cleanScan(inv));
    expect(lines(out)).toContain('Total: 0 (UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0)');
    expect(out).not.toContain('LIBRARY');
    expect(out).not.toContain('Suppressed');
    expect(block(out, 'Node.js (node-pkg)')[2]).toBe('Total: 0 (UNKNOWN: 0, LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0)');
  });

  it('says so when there were no packages at all', () => {
    expect(renderVulnTable(emptyScan())).toBe('Report Summary\n\nNo packages were found in empty-dir: nothing was scanned for vulnerabilities.\n');
  });
});
