import type { Resource, RuleResult } from '../types.js';
import { isRuleOrAutogen, resourceName, resourceNamespace } from './inputs.js';
import type { ReportResult, RowOutcome, RunOptions, TestResultRow } from './types.js';

/**
 * The policy-report result of a rule response, as kyverno's ComputePolicyReportResult with
 * auditWarn=false (what `kyverno test` compares): a fail of an unscored policy is a warn.
 */
export function toReportResult(r: RuleResult): ReportResult {
  if (r.status === 'fail') return r.scored ? 'fail' : 'warn';
  return r.status;
}

/** A loaded resource as the runner sees it: the object plus where it came from. */
export interface LoadedResource {
  resource: Resource;
  name: string;
  namespace: string;
  kind: string;
  apiVersion: string;
  /** `Kind/ns/name` (or `Kind/name`). */
  label: string;
}

export function toLoaded(resource: Resource): LoadedResource {
  const name = resourceName(resource);
  const namespace = resourceNamespace(resource);
  const kind = typeof resource.kind === 'string' ? resource.kind : '';
  const apiVersion = typeof resource.apiVersion === 'string' ? resource.apiVersion : '';
  return { resource, name, namespace, kind, apiVersion, label: namespace ? `${kind}/${namespace}/${name}` : `${kind}/${name}` };
}

/** One named target of a row and the loaded resources that answer to it. */
export interface RowTarget {
  label: string;
  resources: LoadedResource[];
}

/**
 * Which loaded resources a row checks. Rows name resources by `name` or `ns/name` only (the
 * row's kind is not used); `resourceSpecs` by apiVersion, namespace and name; a row naming
 * none checks every resource.
 */
export function rowTargets(row: TestResultRow, resources: LoadedResource[]): RowTarget[] {
  const inNs = (r: LoadedResource) => !row.namespace || r.namespace === row.namespace;
  const targets: RowTarget[] = [];
  for (const n of row.resources) {
    const slash = n.indexOf('/');
    const hits =
      slash < 0
        ? resources.filter((r) => r.name === n && inNs(r))
        : resources.filter((r) => r.namespace === n.slice(0, slash) && r.name === n.slice(slash + 1) && inNs(r));
    targets.push({ label: n, resources: hits });
  }
  for (const s of row.resourceSpecs) {
    const apiVersion = s.group ? `${s.group}/${s.version ?? ''}` : (s.version ?? '');
    const hits = resources.filter((r) => r.apiVersion === apiVersion && r.namespace === (s.namespace ?? '') && r.name === s.name);
    targets.push({ label: [s.namespace, s.kind, s.name].filter(Boolean).join('/'), resources: hits });
  }
  if (row.resources.length === 0 && row.resourceSpecs.length === 0) {
    for (const r of resources) targets.push({ label: r.label, resources: [r] });
  }
  return targets;
}

/**
 * Check one row against the rule responses of one (policy, resource) evaluation. No response
 * for the row's rule means the resource was not matched or was excluded: kyverno counts that
 * as a pass ("Excluded"), whatever the row expected.
 */
export function checkResponses(row: TestResultRow, target: string, res: LoadedResource, responses: RuleResult[], opts: RunOptions): RowOutcome[] {
  const mine = responses.filter((r) => isRuleOrAutogen(r.rule, row.rule));
  if (mine.length === 0) {
    return [{ row, resource: target, matched: res.label, status: 'pass', reason: 'Excluded', message: 'Excluded' }];
  }
  return mine.map((r) => {
    const actual = toReportResult(r);
    const ok = actual === row.result;
    const passes = ok || (opts.expectedFailAlwaysPasses === true && row.result === 'fail');
    return {
      row,
      resource: target,
      matched: res.label,
      rule: r.rule,
      actual,
      status: passes ? 'pass' : 'fail',
      reason: ok ? 'Ok' : `Want ${row.result}, got ${actual}`,
      message: r.message,
    };
  });
}

/** kyverno's counting: a passing row expecting skip, an Excluded row and a skipped policy count as skip. */
export function countOutcomes(outcomes: RowOutcome[]): { pass: number; fail: number; skip: number } {
  const c = { pass: 0, fail: 0, skip: 0 };
  for (const o of outcomes) {
    if (o.status === 'fail') c.fail++;
    else if (o.status === 'skip' || o.reason === 'Excluded' || o.row.result === 'skip') c.skip++;
    else c.pass++;
  }
  return c;
}
