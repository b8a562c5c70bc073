// planInputs builds what `kyverno test` hands the engine for one policy on one resource
// (processor.makePolicyContext): operation, object/oldObject, values, namespace labels,
// subresource parent kind and userinfo. Inputs come from the fixtures' real suites.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planInputs, resourceValues } from '../../../src/policy/testrunner/inputs.js';
import { loadTestSuite } from '../../../src/policy/testrunner/load.js';
import { parseValues } from '../../../src/policy/testrunner/values.js';
import type { Resource } from '../../../src/policy/types.js';

const fx = join(import.meta.dirname, '..', '..', 'fixtures', 'policy', 'testrunner');
const cm = (name: string, labels: Record<string, string> = {}): Resource => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'apps', labels } });

describe('planInputs', () => {
  const update = loadTestSuite(join(fx, 'update', 'kyverno-test.yaml'));

  it('defaults to CREATE with no oldObject', () => {
    const [plan, ...more] = planInputs(cm('created', { team: 'payments' }), 'team-label-immutable', { values: update.values });
    expect(more).toEqual([]);
    expect(plan!.input.admission).toEqual({ operation: 'CREATE' });
    expect(plan!.input.resource).toEqual(cm('created', { team: 'payments' }));
    expect(plan!.input.variables).toEqual({});
  });

  it('UPDATE from a resource value makes oldObject a copy', () => {
    const r = cm('updated-same', { team: 'payments' });
    const [plan] = planInputs(r, 'team-label-immutable', { values: update.values });
    expect(plan!.input.admission?.operation).toBe('UPDATE');
    expect(plan!.input.admission?.oldObject).toEqual(r);
    expect(plan!.input.admission?.oldObject).not.toBe(plan!.input.resource);
    expect(plan!.input.variables).toEqual({ 'request.operation': 'UPDATE' });
  });

  it('request.oldObject.* values are written into the old object only', () => {
    const [plan] = planInputs(cm('updated-changed', { team: 'payments' }), 'team-label-immutable', { values: update.values });
    expect((plan!.input.admission?.oldObject?.metadata as { labels: object }).labels).toEqual({ team: 'billing' });
    expect((plan!.input.resource.metadata as { labels: object }).labels).toEqual({ team: 'payments' });
  });

  it('values are matched by policy name and resource name, resource values over global ones', () => {
    const values = loadTestSuite(join(fx, 'values', 'kyverno-test.yaml')).values;
    expect(resourceValues(values, 'environment-gate', 'prod-settings')).toEqual({ environment: 'prod' });
    expect(resourceValues(values, 'environment-gate', 'dev-settings')).toEqual({ environment: 'dev' });
    expect(resourceValues(values, 'other-policy', 'prod-settings')).toEqual({ environment: 'dev' });
  });

  it('a rule with its own values gets its own input; the base input leaves that rule out', () => {
    const values = loadTestSuite(join(fx, 'values', 'kyverno-test.yaml')).values;
    const plans = planInputs(cm('prod-settings', { owner: 'mallory' }), 'environment-gate', { values });
    expect(plans.map((p) => [p.only, p.except])).toEqual([
      [undefined, ['allowed-owner']],
      ['allowed-owner', []],
    ]);
    expect(plans[1]!.input.variables).toEqual({ environment: 'prod', 'owners.data.allowed': ['alice', 'bob'] });
  });

  it('the row operation wins; DELETE sends the resource as oldObject', () => {
    const r = cm('created', { team: 'payments' });
    const [plan] = planInputs(r, 'team-label-immutable', { values: update.values, operation: 'DELETE' });
    expect(plan!.input.admission?.operation).toBe('DELETE');
    expect(plan!.input.admission?.oldObject).toEqual(r);
    expect(plan!.input.variables).toEqual({ 'request.operation': 'DELETE' });
  });

  it('namespace labels come from the values by the resource namespace', () => {
    const values = loadTestSuite(join(fx, 'namespace-selector', 'kyverno-test.yaml')).values;
    const pod = (ns: string): Resource => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'shop', namespace: ns } });
    expect(planInputs(pod('shop-prod'), 'prod-needs-limits', { values })[0]!.input.admission?.namespaceLabels).toEqual({ env: 'prod' });
    expect(planInputs(pod('ledger-prod'), 'prod-needs-limits', { values })[0]!.input.admission?.namespaceLabels).toEqual({ env: 'prod' });
    expect(planInputs(pod('elsewhere'), 'prod-needs-limits', { values })[0]!.input.admission?.namespaceLabels).toBeUndefined();
  });

  it('userinfo becomes the admission userInfo, roles and clusterRoles', () => {
    const s = loadTestSuite(join(fx, 'userinfo', 'kyverno-test.yaml'));
    const [plan] = planInputs(cm('platform-settings'), 'platform-guard', { userInfo: s.userInfo });
    expect(plan!.input.admission).toEqual({
      operation: 'CREATE',
      userInfo: { username: 'mallory', groups: ['contractors'] },
      roles: [],
      clusterRoles: ['platform-admin'],
    });
  });

  it('a subresource object is sent for its parent kind', () => {
    // The shape of kyverno's own test/cli/test/scale values (APIResource objects).
    const values = parseValues(
      {
        subresources: [
          {
            subresource: { name: 'deployments/scale', kind: 'Scale', group: 'autoscaling', version: 'v1' },
            parentResource: { name: 'deployments', kind: 'Deployment', group: 'apps', version: 'v1' },
          },
        ],
      },
      'inline',
      'values.',
    );
    const scale: Resource = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'apps' }, spec: { replicas: 9 } };
    const [plan] = planInputs(scale, 'max-replicas', { values });
    expect(plan!.input.admission?.requestKind).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(plan!.input.admission?.subresource).toBe('scale');
    const pod: Resource = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } };
    expect(planInputs(pod, 'max-replicas', { values })[0]!.input.admission?.requestKind).toBeUndefined();
  });
});
