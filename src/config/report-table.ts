// The human report of a config scan, per file as Trivy prints `trivy config`: the file,
// its counts by severity, then one row per finding. Plain text; text from the inputs
// (names, messages) is made one-line and control-free, since manifests are untrusted.
import { renderTable } from '../report/table.js';
import { oneLine, truncate } from '../report/vuln-targets.js';
import { CONFIG_SEVERITIES, type ConfigFileResult, type ConfigFinding, type ConfigReport, type ConfigSeverity } from './types.js';

const MESSAGE_MAX = 160;
const RESOURCE_MAX = 80;

export function countBySeverity(findings: readonly ConfigFinding[]): Record<ConfigSeverity, number> {
  const counts = { LOW: 0, MEDIUM: 0, HIGH: 0, CRITICAL: 0 } as Record<ConfigSeverity, number>;
  for (const f of findings) counts[f.severity]++;
  return counts;
}

function row(f: ConfigFinding): string[] {
  const status = f.status === 'fail' ? '' : ` [${f.status}]`;
  return [f.checkId, f.severity + status, f.line === undefined ? '-' : String(f.line), truncate(oneLine(f.resource), RESOURCE_MAX), truncate(`${f.title}: ${oneLine(f.message)}`, MESSAGE_MAX)];
}

function renderFile(r: ConfigFileResult): string[] {
  const heading = `${oneLine(r.file)} (${r.type === 'dockerfile' ? 'dockerfile' : `kubernetes, ${r.resources} object${r.resources === 1 ? '' : 's'}`})`;
  const counts = countBySeverity(r.findings);
  const out = [
    '',
    heading,
    '='.repeat(Math.min(heading.length, 120)),
    `Tests: ${r.successes + r.findings.length} (SUCCESSES: ${r.successes}, FAILURES: ${r.findings.length})`,
    `Failures: ${r.findings.length} (${CONFIG_SEVERITIES.map((s) => `${s}: ${counts[s]}`).join(', ')})`,
  ];
  if (r.findings.length) out.push('', renderTable(['ID', 'SEVERITY', 'LINE', 'RESOURCE', 'TITLE: MESSAGE'], r.findings.map(row)));
  return out;
}

export function renderConfigTable(report: ConfigReport): string {
  const out: string[] = [];
  for (const f of report.files) out.push(...renderFile(f));
  if (report.errors.length) {
    out.push('', `Errors (${report.errors.length})`, '');
    out.push(renderTable(['FILE', 'CODE', 'REASON'], report.errors.map((e) => [oneLine(e.file), e.code, truncate(oneLine(e.message), MESSAGE_MAX)])));
  }
  if (report.skipped.length) {
    out.push('', `Skipped (${report.skipped.length})`, '');
    out.push(...report.skipped.map((s) => `${oneLine(s.file)}: ${s.reason}`));
  }
  if (out.length === 0) out.push('No Kubernetes manifests or Dockerfiles found.');
  return out.join('\n').replace(/^\n/, '') + '\n';
}
