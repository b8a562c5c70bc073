// SARIF 2.1.0 for a config scan, shaped for GitHub code scanning as src/report/sarif.ts is:
// one rule per check that ran, one result per finding at its file and line, a numeric
// `security-severity`, and partialFingerprints. Files that could not be scanned become
// tool execution notifications, so an upload still says the run was incomplete.
import { createHash } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SARIF_SCHEMA_URI } from '../report/sarif.js';
import type { CheckMeta, ConfigFinding, ConfigReport, ConfigSeverity } from './types.js';

type Level = 'error' | 'warning' | 'note';

const LEVEL: Record<ConfigSeverity, Level> = { CRITICAL: 'error', HIGH: 'error', MEDIUM: 'warning', LOW: 'note' };
// Inside GitHub's bands: ≥ 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, < 4 low.
const BAND: Record<ConfigSeverity, string> = { CRITICAL: '9.5', HIGH: '8.0', MEDIUM: '5.5', LOW: '2.0' };

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface Location {
  artifactLocation: { uri: string; uriBaseId?: string };
  region?: { startLine: number };
}

/** A scanned path as a SARIF artifact location: relative under ROOTPATH, else a file: URI. */
function location(file: string, line?: number): Location {
  let artifactLocation: Location['artifactLocation'];
  if (file === '-') artifactLocation = { uri: 'stdin' };
  else if (!isAbsolute(file) && !file.split(/[\\/]/).includes('..')) {
    const uri = file.split(/[\\/]/).filter((s) => s !== '' && s !== '.').map(encodeURIComponent).join('/');
    artifactLocation = { uri: uri || '.', uriBaseId: 'ROOTPATH' };
  } else artifactLocation = { uri: pathToFileURL(resolve(file)).href };
  return line === undefined ? { artifactLocation } : { artifactLocation, region: { startLine: line } };
}

const ruleName = (title: string) => title.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : '')).replace(/^./, (c) => c.toUpperCase());

function rule(c: CheckMeta) {
  const where = c.policy ? `Kyverno policy ${c.policy}` : 'Dockerfile check';
  return {
    id: c.id,
    name: ruleName(c.title),
    shortDescription: { text: c.title },
    fullDescription: { text: `${c.title}. ${c.remediation}`.slice(0, 1000) },
    defaultConfiguration: { level: LEVEL[c.severity] },
    help: {
      text: `${c.id} ${c.title}\nSeverity: ${c.severity}\nCategory: ${c.category}\nRemediation: ${c.remediation}\n(${where})`,
      markdown: `**${c.id}: ${c.title}**\n\n| Severity | Category |\n| --- | --- |\n| ${c.severity} | ${c.category} |\n\n**Remediation:** ${c.remediation}\n\n_${where}_`,
    },
    properties: { tags: ['misconfiguration', 'security', c.target, c.category, c.severity], precision: 'very-high', 'security-severity': BAND[c.severity] },
  };
}

function result(f: ConfigFinding, index: number) {
  // GitHub matches alerts across runs with this: check, file, object and rule, not the
  // line (an edit above a manifest moves it).
  const hash = sha256(`${f.checkId}\0${f.file}\0${f.resource}\0${f.rule ?? ''}\0${f.message}`).slice(0, 16);
  return {
    ruleId: f.checkId,
    ruleIndex: index,
    level: f.status === 'error' ? ('error' as Level) : LEVEL[f.severity],
    message: { text: `${f.resource}: ${f.message}` },
    locations: [{ physicalLocation: location(f.file, f.line ?? 1), message: { text: f.resource } }],
    partialFingerprints: { primaryLocationLineHash: `${hash}:${f.line ?? 1}` },
    properties: { status: f.status, ...(f.policy ? { policy: f.policy, rule: f.rule } : {}) },
  };
}

export function renderConfigSarif(report: ConfigReport, opts: { toolVersion?: string } = {}): string {
  const findings = report.files.flatMap((f) => f.findings);
  // Every check that ran, plus any a finding names that the filter let through.
  const checks = [...report.checks];
  const index = new Map(checks.map((c, i) => [c.id, i]));
  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'portcullis', fullName: 'Portcullis misconfiguration scanner', version: opts.toolVersion ?? 'dev', rules: checks.map(rule) } },
        invocations: [
          {
            executionSuccessful: report.errors.length === 0,
            toolExecutionNotifications: report.errors.map((e) => ({ level: 'error', message: { text: `${e.code}: ${e.message}` }, locations: [{ physicalLocation: location(e.file) }] })),
          },
        ],
        results: findings.filter((f) => index.has(f.checkId)).map((f) => result(f, index.get(f.checkId) as number)),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
