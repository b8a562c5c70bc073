import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { compilePolicy, computeRules, evaluatePolicy, loadPolicies, loadResources } from '../../../src/policy/engine/index.js';
import type { Resource } from '../../../src/policy/types.js';

const FIX = join(import.meta.dirname, '../../fixtures/policy/engine');
const CONTROLLERS = ['DaemonSet', 'Deployment', 'Job', 'ReplicaSet', 'ReplicationController', 'StatefulSet'];

interface Row {
  kind: string;
  policy: string;
  rule: string;
  result: string;
  resources: string[];
}

/*
 * Kyverno's own kyverno-test.yaml rows (kyverno/policies) are the reference for autogen: each
 * row names a resource, the rule (the test runner also accepts autogen-<rule> and
 * autogen-cronjob-<rule>) and the result Kyverno gives. The rule a controller's result comes
 * from must be the generated one, with Kyverno's name.
 */
describe.each(['memory-requests-equal-limits', 'limit-containers-per-pod', 'disallow-capabilities', 'require-run-as-nonroot'])(
  'autogen against kyverno/policies %s',
  (dir) => {
    const policyFile = join(FIX, dir, `${dir}.yaml`);
    const [doc] = loadPolicies(readFileSync(policyFile, 'utf8'), policyFile);
    const policy = compilePolicy(doc!, policyFile);
    const resources = loadResources(readFileSync(join(FIX, dir, 'resource.yaml'), 'utf8'), 'resource.yaml');
    const rows = (parse(readFileSync(join(FIX, dir, 'kyverno-test.yaml'), 'utf8')) as { results: Row[] }).results;
    const cases = rows.flatMap((row) => row.resources.map((name) => [row.kind, name, row.rule, row.result] as const));

    it.each(cases)('%s %s: %s → %s', (kind, name, rule, expected) => {
      const resource = resources.find((r) => (r.metadata as { name: string }).name === name && r.kind === kind) as Resource;
      expect(resource).toBeDefined();
      const results = evaluatePolicy(policy, { resource, admission: { operation: 'CREATE' } });
      const base = rule.replace(/^autogen-(cronjob-)?/, '');
      const want = kind === 'CronJob' ? `autogen-cronjob-${base}` : CONTROLLERS.includes(kind) ? `autogen-${base}` : base;
      const mine = results.filter((r) => r.rule === want);
      expect(mine.map((r) => r.status)).toEqual([expected]);
      expect(results.filter((r) => r.rule !== want)).toEqual([]);
    });
  },
);

describe('autogen rules (pkg/autogen/v1 rule.go)', () => {
  const podRule = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
    name: 'check-host-path',
    match: { any: [{ resources: { kinds: ['Pod'] } }] },
    validate: { message: 'no hostPath', failureAction: 'Enforce', pattern: { spec: { '=(volumes)': [{ 'X(hostPath)': 'null' }] } } },
    ...extra,
  });

  it('copies a Pod rule for the six controllers (spec.template) and CronJob (spec.jobTemplate.spec.template)', () => {
    const { rules } = computeRules([podRule()], undefined);
    expect(rules.map((r) => r.name)).toEqual(['check-host-path', 'autogen-check-host-path', 'autogen-cronjob-check-host-path']);
    expect(rules[1]).toEqual({
      name: 'autogen-check-host-path',
      match: { any: [{ resources: { kinds: CONTROLLERS } }] },
      validate: {
        message: 'no hostPath',
        failureAction: 'Enforce',
        pattern: { spec: { template: { spec: { '=(volumes)': [{ 'X(hostPath)': 'null' }] } } } },
      },
    });
    expect(rules[2]).toEqual({
      name: 'autogen-cronjob-check-host-path',
      match: { any: [{ resources: { kinds: ['CronJob'] } }] },
      validate: {
        message: 'no hostPath',
        failureAction: 'Enforce',
        pattern: { spec: { jobTemplate: { spec: { template: { spec: { '=(volumes)': [{ 'X(hostPath)': 'null' }] } } } } } },
      },
    });
  });

  it('rewrites request.object/oldObject spec and metadata paths everywhere in the rule, and leaves element alone', () => {
    const rule = {
      name: 'r',
      match: { any: [{ resources: { kinds: ['Pod'] } }] },
      preconditions: { all: [{ key: '{{ request.object.metadata.labels.app || "" }}', operator: 'NotEquals', value: 'x' }] },
      validate: {
        message: '{{ request.object.metadata.name }} is bad',
        foreach: [
          {
            list: 'request.object.spec.containers',
            deny: { conditions: { any: [{ key: '{{ element.image }}', operator: 'Equals', value: '{{ request.oldObject.spec.containers[0].image }}' }] } },
          },
        ],
      },
    };
    const { rules } = computeRules([rule], undefined);
    const text = (i: number): string => JSON.stringify(rules[i]);
    expect(text(1)).toContain('request.object.spec.template.metadata.labels.app');
    expect(text(1)).toContain('"list":"request.object.spec.template.spec.containers"');
    expect(text(1)).toContain('request.oldObject.spec.template.spec.containers[0].image');
    expect(text(1)).toContain('{{ request.object.spec.template.metadata.name }} is bad');
    expect(text(1)).toContain('{{ element.image }}');
    expect(text(2)).toContain('"list":"request.object.spec.jobTemplate.spec.template.spec.containers"');
    expect(text(2)).toContain('request.object.spec.jobTemplate.spec.template.metadata.labels.app');
  });

  it('honours pod-policies.kyverno.io/autogen-controllers: none, or a list', () => {
    expect(computeRules([podRule()], 'none').rules.map((r) => r.name)).toEqual(['check-host-path']);
    const { rules } = computeRules([podRule()], 'Deployment,StatefulSet');
    expect(rules.map((r) => r.name)).toEqual(['check-host-path', 'autogen-check-host-path']);
    expect((rules[1]!.match as { any: Array<{ resources: { kinds: string[] } }> }).any[0]!.resources.kinds).toEqual(['Deployment', 'StatefulSet']);
    expect(computeRules([podRule()], 'CronJob').rules.map((r) => r.name)).toEqual(['check-host-path', 'autogen-cronjob-check-host-path']);
  });

  it('does not apply with names, selectors, annotations, mixed kinds, or a generate rule', () => {
    const withDesc = (resources: Record<string, unknown>): Record<string, unknown> => podRule({ match: { any: [{ resources: { kinds: ['Pod'], ...resources } }] } });
    expect(computeRules([withDesc({ names: ['a'] })], undefined).generated).toBe(0);
    expect(computeRules([withDesc({ selector: { matchLabels: { a: 'b' } } })], undefined).generated).toBe(0);
    expect(computeRules([withDesc({ annotations: { a: 'b' } })], undefined).generated).toBe(0);
    expect(computeRules([podRule({ match: { any: [{ resources: { kinds: ['Pod', 'Deployment'] } }] } })], undefined).generated).toBe(0);
    expect(computeRules([podRule(), { name: 'g', match: { any: [{ resources: { kinds: ['Pod'] } }] }, generate: {} }], undefined).generated).toBe(0);
    // namespaces and namespaceSelector do not block autogen
    expect(computeRules([withDesc({ namespaces: ['prod'] })], undefined).generated).toBe(2);
  });

  it('truncates generated names to 63 characters and drops rules already named autogen-*', () => {
    const long = 'x'.repeat(60);
    const { rules } = computeRules([podRule({ name: long }), podRule({ name: 'autogen-old' })], undefined);
    expect(rules.map((r) => r.name)).toEqual([long, `autogen-${long}`.slice(0, 63), `autogen-cronjob-${long}`.slice(0, 63)]);
  });

  it('replaces only Pod kinds in any filters, and every kind for CronJob', () => {
    const rule = podRule({ match: { any: [{ resources: { kinds: ['Pod'] } }, { resources: { kinds: ['Service'] } }] } });
    const { rules } = computeRules([rule], undefined);
    const kinds = (i: number): string[][] => (rules[i]!.match as { any: Array<{ resources: { kinds: string[] } }> }).any.map((f) => f.resources.kinds);
    expect(kinds(1)).toEqual([CONTROLLERS, ['Service']]);
    expect(kinds(2)).toEqual([['CronJob'], ['CronJob']]);
  });

  it('compiled policies list the generated rule names after the policy\'s own', () => {
    const p = compilePolicy(
      { apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'p' }, spec: { rules: [podRule()] } },
      'inline.yaml',
    );
    expect(p.ruleNames).toEqual(['check-host-path', 'autogen-check-host-path', 'autogen-cronjob-check-host-path']);
  });
});
