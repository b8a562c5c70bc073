import { compilePolicy, evaluatePolicy, loadPolicies, loadResources, type CompiledPolicy } from '../engine/index.js';
import type { Operation, Resource, RuleResult } from '../types.js';
import { PolicyError } from '../types.js';
import { checkResponses, countOutcomes, rowTargets, toLoaded, type LoadedResource } from './compare.js';
import { isRuleOrAutogen, planInputs } from './inputs.js';
import type { RowOutcome, RunOptions, SuiteResult, TestResultRow, TestSuite } from './types.js';
import { readSuiteFile } from './yaml.js';

function metaName(doc: Resource): { name: string; namespace: string } {
  const m = doc.metadata;
  const meta = m !== null && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, unknown>) : {};
  return { name: typeof meta.name === 'string' ? meta.name : '', namespace: typeof meta.namespace === 'string' ? meta.namespace : '' };
}

interface LoadedPolicy {
  compiled: CompiledPolicy;
  /** metadata.name: rows and values name policies by it. */
  name: string;
}

/**
 * Load and compile the suite's policies. A policy the engine rejects is skipped with its
 * reason, as `kyverno test` skips policies that fail validation; a file that cannot be read
 * or parsed fails the suite.
 */
export function loadSuitePolicies(suite: TestSuite): { policies: LoadedPolicy[]; skipped: Record<string, string> } {
  const policies: LoadedPolicy[] = [];
  const skipped: Record<string, string> = {};
  for (const file of suite.policies) {
    for (const doc of loadPolicies(readSuiteFile(file, 'policy file'), file)) {
      const { name, namespace } = metaName(doc);
      try {
        policies.push({ compiled: compilePolicy(doc, file), name });
      } catch (e) {
        if (!(e instanceof PolicyError)) throw e;
        skipped[namespace ? `${namespace}/${name}` : name] = `${e.code}: ${e.message}`;
      }
    }
  }
  return { policies, skipped };
}

/**
 * Load the suite's resources as `kyverno test` does: a resource without a namespace gets
 * `default` (kyverno's CLI does this for every kind, cluster-scoped ones included), and of
 * resources with the same group, kind, namespace and name only the first is kept.
 */
export function loadSuiteResources(suite: TestSuite): LoadedResource[] {
  const seen = new Set<string>();
  const out: LoadedResource[] = [];
  for (const file of suite.resources) {
    for (const r of loadResources(readSuiteFile(file, 'resource file'), file)) {
      const resource = structuredClone(r);
      const meta = (resource.metadata ??= {}) as Record<string, unknown>;
      if (typeof meta.namespace !== 'string' || meta.namespace === '') meta.namespace = 'default';
      const l = toLoaded(resource);
      const group = l.apiVersion.includes('/') ? l.apiVersion.slice(0, l.apiVersion.lastIndexOf('/')) : '';
      const key = `${group}|${l.kind}|${l.namespace}|${l.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(l);
    }
  }
  return out;
}

/** The rows that match a policy: by metadata.name (a row's `ns/` prefix is not compared, as in kyverno). */
function policiesFor(row: TestResultRow, policies: LoadedPolicy[]): LoadedPolicy[] {
  const name = row.policy.slice(row.policy.lastIndexOf('/') + 1);
  return policies.filter((p) => p.name === name);
}

function skippedFor(row: TestResultRow, skipped: Record<string, string>): string | undefined {
  const name = row.policy.slice(row.policy.lastIndexOf('/') + 1);
  for (const [key, why] of Object.entries(skipped)) if (key === row.policy || key.slice(key.lastIndexOf('/') + 1) === name) return why;
  return undefined;
}

/**
 * Run a loaded suite: evaluate each policy on each resource the rows name (with the values,
 * operation, namespace labels and userinfo kyverno would use) and compare every row. Rows
 * are checked as `kyverno test` checks them; see compare.ts for the quirks kept.
 */
export function runTestSuite(suite: TestSuite, opts: RunOptions = {}): SuiteResult {
  const { policies, skipped } = loadSuitePolicies(suite);
  const resources = loadSuiteResources(suite);

  const cache = new Map<string, RuleResult[] | Error>();
  const evaluate = (p: LoadedPolicy, pi: number, r: LoadedResource, ri: number, op: Operation | undefined): RuleResult[] | Error => {
    const key = `${pi}|${ri}|${op ?? ''}`;
    let hit = cache.get(key);
    if (hit) return hit;
    try {
      const out: RuleResult[] = [];
      for (const plan of planInputs(r.resource, p.name, { values: suite.values, userInfo: suite.userInfo, operation: op, now: opts.now })) {
        for (const res of evaluatePolicy(p.compiled, plan.input)) {
          if (plan.only !== undefined ? isRuleOrAutogen(res.rule, plan.only) : !plan.except.some((x) => isRuleOrAutogen(res.rule, x))) out.push(res);
        }
      }
      hit = out;
    } catch (e) {
      // The engine answers per rule; an exception here is a bug or an unsupported feature, and
      // fails the rows it touches instead of the whole suite. Keep the error code in the reason.
      const err = e instanceof Error ? e : new Error(String(e));
      hit = e instanceof PolicyError ? new Error(`${e.code}: ${err.message}`) : err;
    }
    cache.set(key, hit);
    return hit;
  };

  const outcomes: RowOutcome[] = [];
  for (const row of suite.results) {
    const targets = rowTargets(row, resources);
    if (row.unsupported) {
      const reason = `Unsupported: ${row.unsupported.join(', ')}`;
      for (const t of targets) outcomes.push({ row, resource: t.label, status: 'fail', reason, message: reason });
      continue;
    }
    const mine = policiesFor(row, policies);
    const why = mine.length === 0 ? skippedFor(row, skipped) : undefined;
    for (const t of targets) {
      if (why !== undefined) {
        outcomes.push({ row, resource: t.label, status: 'skip', reason: `Policy skipped: ${why}`, message: why });
        continue;
      }
      const before = outcomes.length;
      for (const p of mine) {
        const pi = policies.indexOf(p);
        for (const r of t.resources) {
          const got = evaluate(p, pi, r, resources.indexOf(r), row.operation);
          if (got instanceof Error) {
            const msg = got.message.split('\n')[0] ?? '';
            outcomes.push({ row, resource: t.label, matched: r.label, status: 'fail', reason: `Engine error: ${msg}`, message: msg });
          } else {
            outcomes.push(...checkResponses(row, t.label, r, got, opts));
          }
        }
      }
      if (outcomes.length === before) outcomes.push({ row, resource: t.label, status: 'fail', reason: 'Not found', message: 'Not found' });
    }
  }

  const counts = countOutcomes(outcomes);
  return { suite, outcomes, counts, skippedPolicies: skipped, passed: counts.fail === 0 };
}
