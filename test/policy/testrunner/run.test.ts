// runTestSuite on small suites that each exercise one behaviour of `kyverno test`
// (test/fixtures/policy/testrunner/SOURCE.md), through the real engine. Assertions look at the
// outcome of each check, not only at the suite verdict: the "Excluded" quirk makes a suite
// pass even when the engine matched nothing, so the reasons are what proves the behaviour.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTestSuite, runTestSuite, type RowOutcome, type SuiteResult } from '../../../src/policy/testrunner/index.js';

const fx = join(import.meta.dirname, '..', '..', 'fixtures', 'policy', 'testrunner');
const run = (name: string, opts = {}): SuiteResult => runTestSuite(loadTestSuite(join(fx, name, 'kyverno-test.yaml')), opts);
const brief = (o: RowOutcome) => ({ row: o.row.index, resource: o.resource, matched: o.matched, rule: o.rule, actual: o.actual, status: o.status, reason: o.reason });

describe('runTestSuite', () => {
  it('Excluded: a resource without a rule response passes, whatever the row expected', () => {
    const r = run('excluded');
    expect(r.outcomes.map(brief)).toEqual([
      { row: 0, resource: 'system-pod', matched: 'Pod/kube-system/system-pod', rule: undefined, actual: undefined, status: 'pass', reason: 'Excluded' },
      { row: 1, resource: 'settings', matched: 'ConfigMap/apps/settings', rule: undefined, actual: undefined, status: 'pass', reason: 'Excluded' },
      { row: 2, resource: 'apps/unlabelled', matched: 'Pod/apps/unlabelled', rule: 'check-team', actual: 'fail', status: 'pass', reason: 'Ok' },
    ]);
    expect(r.passed).toBe(true);
    expect(r.counts).toEqual({ pass: 1, fail: 0, skip: 2 });
  });

  it('Not found: a missing resource, a missing policy or a wrong namespace fails the row', () => {
    const r = run('notfound');
    expect(r.outcomes.map((o) => [o.row.index, o.status, o.reason])).toEqual([
      [0, 'pass', 'Ok'],
      [1, 'fail', 'Not found'],
      [2, 'fail', 'Not found'],
      [3, 'fail', 'Not found'],
    ]);
    expect(r.passed).toBe(false);
  });

  it('autogen: rows naming the rule are answered by autogen-… and autogen-cronjob-…', () => {
    const r = run('autogen');
    expect(r.outcomes.map((o) => [o.matched, o.rule, o.actual, o.reason])).toEqual([
      ['Deployment/apps/web', 'autogen-no-latest', 'fail', 'Ok'],
      ['CronJob/apps/nightly', 'autogen-cronjob-no-latest', 'pass', 'Ok'],
      ['Pod/apps/bare', 'no-latest', 'fail', 'Ok'],
    ]);
    expect(r.passed).toBe(true);
  });

  it('values: globalValues, per-resource overrides, and rule values standing in for a configMap entry', () => {
    const r = run('values');
    expect(r.outcomes.map((o) => [o.row.index, o.rule, o.actual, o.reason])).toEqual([
      [0, 'no-prod', 'pass', 'Ok'],
      [1, 'no-prod', 'fail', 'Ok'],
      [2, 'allowed-owner', 'pass', 'Ok'],
      [3, 'allowed-owner', 'fail', 'Ok'],
    ]);
    expect(r.outcomes[1]!.message).toContain('environment prod is closed');
  });

  it('operations: CREATE by default, UPDATE with oldObject, request.oldObject values, a row operation', () => {
    const r = run('update');
    expect(r.outcomes.map((o) => [o.row.index, o.resource, o.actual, o.reason])).toEqual([
      [0, 'created', 'skip', 'Ok'],
      [1, 'updated-same', 'pass', 'Ok'],
      [2, 'updated-changed', 'fail', 'Ok'],
      [3, 'created', 'fail', 'Ok'],
      [4, 'created', 'pass', 'Ok'],
    ]);
    // A row expecting skip counts as a skip, as kyverno counts it.
    expect(r.counts).toEqual({ pass: 4, fail: 0, skip: 1 });
  });

  it('namespaceSelector labels from the values decide which pods match', () => {
    const r = run('namespace-selector');
    expect(r.outcomes.map((o) => [o.matched, o.rule, o.actual, o.reason])).toEqual([
      ['Pod/shop-prod/shop', 'memory-limit', 'fail', 'Ok'],
      ['Pod/shop-dev/shop', undefined, undefined, 'Excluded'],
      ['Pod/ledger-prod/ledger', 'memory-limit', 'pass', 'Ok'],
    ]);
  });

  it('userinfo: clusterRoles, username and groups reach conditions and subjects', () => {
    const r = run('userinfo');
    expect(r.outcomes.map((o) => [o.rule, o.actual, o.reason])).toEqual([
      ['admins-only', 'pass', 'Ok'],
      ['no-mallory', 'fail', 'Ok'],
      ['contractors', 'fail', 'Ok'],
    ]);
    expect(r.outcomes[1]!.message).toContain('user mallory is blocked');
  });

  it('a policy the engine rejects is skipped: its rows report skip, the others run', () => {
    const r = run('invalid-policy');
    expect(Object.keys(r.skippedPolicies)).toEqual(['broken']);
    expect(r.skippedPolicies.broken).toMatch(/^INVALID_POLICY: /);
    expect(r.outcomes.map((o) => [o.row.policy, o.status, o.reason.replace(/:.*/, '')])).toEqual([
      ['broken', 'skip', 'Policy skipped'],
      ['fine', 'pass', 'Ok'],
    ]);
    expect(r.passed).toBe(true);
  });

  it('resourceSpecs, a bare name in two namespaces, and duplicates (the first one kept)', () => {
    const r = run('resource-specs');
    expect(r.outcomes.map((o) => [o.row.index, o.matched, o.actual, o.status])).toEqual([
      [0, 'Pod/apps/api', 'pass', 'pass'],
      [1, 'Pod/apps/api', 'pass', 'fail'],
      [1, 'Pod/batch/api', 'fail', 'pass'],
    ]);
    expect(r.outcomes[1]!.reason).toBe('Want fail, got pass');
  });

  it('foreachValues give a variable one value per foreach iteration', () => {
    const r = run('foreach-values');
    expect(r.outcomes.map((o) => [o.resource, o.rule, o.actual, o.reason])).toEqual([
      ['good', 'registry-per-container', 'pass', 'Ok'],
      ['bad', 'registry-per-container', 'fail', 'Ok'],
    ]);
    expect(r.outcomes[1]!.message).toContain('container sidecar must come from registry-x.example');
  });

  it('a subresource object is matched as its parent kind (Deployment/scale)', () => {
    const r = run('subresource');
    expect(r.outcomes.map((o) => [o.matched, o.rule, o.actual, o.reason])).toEqual([
      ['Scale/apps/web', 'at-most-three', 'fail', 'Ok'],
      ['Scale/apps/small', 'at-most-three', 'pass', 'Ok'],
    ]);
  });

  it('the older unversioned form (singular resource, status) runs', () => {
    const r = runTestSuite(loadTestSuite(join(fx, 'legacy', 'test.yaml')));
    expect(r.suite.name).toBe('legacy');
    expect(r.outcomes.map((o) => [o.matched, o.actual, o.reason])).toEqual([['Pod/apps/unlabelled', 'fail', 'Ok']]);
  });

  it("kyverno's expected-fail bug is off unless asked for", () => {
    expect(run('resource-specs').passed).toBe(false);
    const lenient = run('resource-specs', { expectedFailAlwaysPasses: true });
    expect(lenient.passed).toBe(true);
    // The reason still tells the truth.
    expect(lenient.outcomes[1]!.reason).toBe('Want fail, got pass');
  });
});
