// The JSON report of a config scan (docs/config-checks.md describes it). Deterministic:
// files, findings and checks keep the report's order, and nothing depends on the clock.
import { countBySeverity } from './report-table.js';
import type { CheckMeta, ConfigFinding, ConfigReport, ConfigSeverity } from './types.js';

export const CONFIG_JSON_SCHEMA_VERSION = 1;

export interface ConfigJson {
  schemaVersion: number;
  tool: { name: 'portcullis'; version: string };
  summary: { files: number; resources: number; successes: number; failures: number; errors: number; bySeverity: Record<ConfigSeverity, number> };
  results: Array<{ file: string; type: string; resources: number; successes: number; failures: number; findings: ConfigFinding[] }>;
  errors: ConfigReport['errors'];
  skipped: ConfigReport['skipped'];
  checks: CheckMeta[];
}

export function toConfigJson(report: ConfigReport, opts: { toolVersion?: string } = {}): ConfigJson {
  const all = report.files.flatMap((f) => f.findings);
  return {
    schemaVersion: CONFIG_JSON_SCHEMA_VERSION,
    tool: { name: 'portcullis', version: opts.toolVersion ?? 'dev' },
    summary: {
      files: report.files.length,
      resources: report.files.reduce((n, f) => n + f.resources, 0),
      successes: report.files.reduce((n, f) => n + f.successes, 0),
      failures: all.length,
      errors: report.errors.length,
      bySeverity: countBySeverity(all),
    },
    results: report.files.map((f) => ({ file: f.file, type: f.type, resources: f.resources, successes: f.successes, failures: f.findings.length, findings: f.findings })),
    errors: report.errors,
    skipped: report.skipped,
    checks: report.checks,
  };
}

export function renderConfigJson(report: ConfigReport, opts: { toolVersion?: string } = {}): string {
  return JSON.stringify(toConfigJson(report, opts), null, 2) + '\n';
}
