import type { Finding, ScanResult } from '../scan/types.js';
import { SEVERITIES } from '../scan/types.js';
import { renderTable } from './table.js';
import { countBySeverity, groupByTarget, oneLine, suppressionReason, truncate, webUrl, type VulnTarget } from './vuln-targets.js';

// Column caps, in code points. Names are never cut (a user greps for them); titles are,
// and the advisory link follows in full so the detail is one click away.
const TITLE_MAX = 64;
const VERSION_MAX = 48;
const URL_MAX = 160;

function title(f: Finding): string {
  const text = truncate(oneLine(f.title) || oneLine(f.description), TITLE_MAX);
  const url = webUrl(f.primaryUrl);
  const link = url ? `<${truncate(url, URL_MAX)}>` : '';
  return [text, link].filter(Boolean).join(' ') || '-';
}

function fixed(f: Finding): string {
  return truncate(oneLine(f.fixedVersions.join(', ')), VERSION_MAX) || '-';
}

function findingRow(f: Finding): string[] {
  return [
    oneLine(f.pkg.name),
    oneLine(f.id),
    f.severity,
    f.status,
    truncate(oneLine(f.installedVersion), VERSION_MAX),
    fixed(f),
    title(f),
  ];
}

function totalLine(findings: readonly Finding[]): string {
  const counts = countBySeverity(findings);
  return `Total: ${findings.length} (${SEVERITIES.map((s) => `${s}: ${counts[s]}`).join(', ')})`;
}

function renderTarget(t: VulnTarget): string[] {
  // The OS target's name already says the family (`debian:12 (debian 12)`), as Trivy's does.
  const heading = t.class === 'os-pkgs' ? oneLine(t.target) : `${oneLine(t.target)} (${t.type})`;
  const out = ['', heading, '='.repeat(heading.length), totalLine(t.findings)];
  if (t.findings.length) {
    out.push('', renderTable(['LIBRARY', 'VULNERABILITY ID', 'SEVERITY', 'STATUS', 'INSTALLED VERSION', 'FIXED VERSION', 'TITLE'], t.findings.map(findingRow)));
  }
  if (t.suppressed.length) {
    out.push('', `Suppressed Vulnerabilities (Total: ${t.suppressed.length})`, '');
    const rows = t.suppressed.map((f) => [oneLine(f.pkg.name), oneLine(f.id), f.severity, truncate(oneLine(f.installedVersion), VERSION_MAX), suppressionReason(f)]);
    out.push(renderTable(['LIBRARY', 'VULNERABILITY ID', 'SEVERITY', 'INSTALLED VERSION', 'REASON'], rows));
  }
  return out;
}

/**
 * The human report of a scan, as a Trivy user reads one: a summary of the targets, then
 * per target a `Total:` line by severity and one row per finding, and the suppressed
 * findings with the reason. Plain text, no colours; the same scan gives the same text.
 */
export function renderVulnTable(result: ScanResult): string {
  const targets = groupByTarget(result);
  const name = oneLine(result.inventory.target.name);
  const out = ['Report Summary', ''];
  if (!targets.length) {
    out.push(`No packages were found in ${name}: nothing was scanned for vulnerabilities.`);
    return out.join('\n') + '\n';
  }
  const summary = targets.map((t) => [oneLine(t.target), t.type, String(t.findings.length), String(t.suppressed.length)]);
  out.push(renderTable(['TARGET', 'TYPE', 'VULNERABILITIES', 'SUPPRESSED'], summary));
  for (const t of targets) out.push(...renderTarget(t));
  return out.join('\n') + '\n';
}
