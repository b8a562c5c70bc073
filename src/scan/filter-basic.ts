// The filters that drop findings outright (not reported, not counted): severity, status and
// unimportant. Trivy applies the same two first (pkg/result/filter.go), before ignore files.
import type { VulnStatus } from '../vulndb/osv-types.js';
import { SEVERITIES, ScanError, type Finding, type ScanOptions, type Severity } from './types.js';

/** Every status a finding can carry, in Trivy's vocabulary. */
export const VULN_STATUSES: readonly VulnStatus[] = ['unknown', 'not_affected', 'affected', 'fixed', 'will_not_fix', 'fix_deferred', 'end_of_life'];

/** `--ignore-unfixed`: every status but `fixed` (Trivy's shorthand for --ignore-status). */
export const UNFIXED_STATUSES: readonly VulnStatus[] = VULN_STATUSES.filter((s) => s !== 'fixed');

/** Drop findings outside `severities`, with an ignored status, or unimportant (unless `all`). */
export function dropByOptions(findings: readonly Finding[], opts: ScanOptions & { ignoreUnfixed?: boolean }): Finding[] {
  const severities = opts.severities?.length ? new Set<Severity>(opts.severities) : undefined;
  const statuses = new Set<VulnStatus>([...(opts.ignoreStatuses ?? []), ...(opts.ignoreUnfixed ? UNFIXED_STATUSES : [])]);
  return findings.filter((f) => {
    if (severities && !severities.has(f.severity || 'UNKNOWN')) return false;
    if (statuses.has(f.status)) return false;
    if (f.unimportant && !opts.all) return false;
    return true;
  });
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** `--severity HIGH,CRITICAL` → severities; BAD_SEVERITY names the unknown word. */
export function parseSeverities(text: string): Severity[] {
  const out: Severity[] = [];
  for (const word of list(text)) {
    const u = word.toUpperCase();
    if (!(SEVERITIES as readonly string[]).includes(u)) {
      throw new ScanError('BAD_SEVERITY', `unknown severity "${word}" (expected ${SEVERITIES.join(', ')})`, { input: text });
    }
    if (!out.includes(u as Severity)) out.push(u as Severity);
  }
  if (!out.length) throw new ScanError('BAD_SEVERITY', 'no severity given', { input: text });
  return out;
}

/** `--ignore-status will_not_fix,end_of_life` → statuses; BAD_STATUS names the unknown word. */
export function parseStatuses(text: string): VulnStatus[] {
  const out: VulnStatus[] = [];
  for (const word of list(text)) {
    const w = word.toLowerCase();
    if (!(VULN_STATUSES as readonly string[]).includes(w)) {
      throw new ScanError('BAD_STATUS', `unknown status "${word}" (expected ${VULN_STATUSES.join(', ')})`, { input: text });
    }
    if (!out.includes(w as VulnStatus)) out.push(w as VulnStatus);
  }
  if (!out.length) throw new ScanError('BAD_STATUS', 'no status given', { input: text });
  return out;
}
