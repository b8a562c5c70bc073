import { stringify } from 'yaml';
import type { RuleResult } from '../policy/types.js';
import { compareStrings } from '../util/sort.js';

/** wgpolicyk8s.io/v1alpha2 result values. */
export type PolicyReportResultValue = 'pass' | 'fail' | 'warn' | 'error' | 'skip';
const SEVERITIES = new Set(['critical', 'high', 'medium', 'low', 'info']);

export interface PolicyReportResult {
  source: string;
  policy: string;
  rule: string;
  result: PolicyReportResultValue;
  resources: Array<{ apiVersion: string; kind: string; namespace?: string; name: string }>;
  message: string;
  scored: boolean;
  category?: string;
  severity?: string;
  properties: Record<string, string>;
  timestamp: { seconds: number; nanos: number };
}

export interface PolicyReportSummary {
  pass: number;
  fail: number;
  warn: number;
  error: number;
  skip: number;
}

export interface PolicyReportDoc {
  apiVersion: 'wgpolicyk8s.io/v1alpha2';
  kind: 'PolicyReport' | 'ClusterPolicyReport';
  metadata: { name: string; namespace?: string; labels: Record<string, string> };
  summary: PolicyReportSummary;
  results: PolicyReportResult[];
}

export interface PolicyReportOptions {
  /** Every result's timestamp (the CLI fixes it from SOURCE_DATE_EPOCH). */
  timestamp: Date;
  /** Extra `properties` on every result, e.g. `{ process: 'policy apply' }`. */
  properties?: Record<string, string>;
}

/** The report result of a rule response (kyverno's ComputePolicyReportResult, auditWarn off): an unscored fail is a warn. */
export function reportResultOf(r: RuleResult): PolicyReportResultValue {
  if (r.status === 'fail' && !r.scored) return 'warn';
  return r.status;
}

function toResult(r: RuleResult, opts: PolicyReportOptions): PolicyReportResult {
  const resource: PolicyReportResult['resources'][number] = { apiVersion: r.resource.apiVersion, kind: r.resource.kind, name: r.resource.name };
  if (r.resource.namespace) resource.namespace = r.resource.namespace;
  return {
    source: 'portcullis',
    policy: r.policy,
    rule: r.rule,
    result: reportResultOf(r),
    resources: [resource],
    message: r.message,
    scored: r.scored,
    ...(r.category ? { category: r.category } : {}),
    // The CRD accepts only these severities; anything else in the annotation is left out, as kyverno does.
    ...(r.severity && SEVERITIES.has(r.severity) ? { severity: r.severity } : {}),
    properties: { ...(opts.properties ?? {}), action: r.action },
    timestamp: { seconds: Math.floor(opts.timestamp.getTime() / 1000), nanos: 0 },
  };
}

function summarize(results: PolicyReportResult[]): PolicyReportSummary {
  const s: PolicyReportSummary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const r of results) s[r.result]++;
  return s;
}

function sortKey(r: PolicyReportResult): string {
  const x = r.resources[0]!;
  return [r.policy, r.rule, x.namespace ?? '', x.kind, x.name, x.apiVersion].join('\u0000');
}

/**
 * Group rule results into one PolicyReport per namespace and one ClusterPolicyReport for
 * cluster-scoped resources, with summary counts. Sorted: reports by namespace (the cluster
 * report first), results by policy, rule, then resource.
 */
export function toPolicyReports(results: RuleResult[], opts: PolicyReportOptions): PolicyReportDoc[] {
  const byNs = new Map<string, PolicyReportResult[]>();
  for (const r of results) {
    const ns = r.resource.namespace ?? '';
    const list = byNs.get(ns) ?? [];
    list.push(toResult(r, opts));
    byNs.set(ns, list);
  }
  const labels = { 'app.kubernetes.io/managed-by': 'portcullis' };
  return [...byNs.keys()].sort(compareStrings).map((ns) => {
    const list = byNs.get(ns)!.sort((a, b) => compareStrings(sortKey(a), sortKey(b)));
    const doc: PolicyReportDoc = ns
      ? { apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'PolicyReport', metadata: { name: 'portcullis-policy-report', namespace: ns, labels }, summary: summarize(list), results: list }
      : { apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'ClusterPolicyReport', metadata: { name: 'portcullis-cluster-policy-report', labels }, summary: summarize(list), results: list };
    return doc;
  });
}

/** The reports as YAML documents separated by `---` (ready for `kubectl apply -f`). */
export function renderPolicyReports(results: RuleResult[], opts: PolicyReportOptions): string {
  return toPolicyReports(results, opts)
    .map((d) => stringify(d, { lineWidth: 0 }))
    .join('---\n');
}
