import { describe, expect, it } from 'vitest';
import { compilePolicy, evaluatePolicy, parseKindSelector } from '../../../src/policy/engine/index.js';
import type { AdmissionInfo, Resource } from '../../../src/policy/types.js';

const pod = (meta: Record<string, unknown> = {}): Resource => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web-1', namespace: 'prod', labels: { app: 'web', 'app.kubernetes.io/part-of': 'shop' }, annotations: { 'team.io/owner': 'alice' }, ...meta },
  spec: {},
});
const deployment: Resource = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'prod' }, spec: {} };

/** Does a rule with this match (and exclude) give a response for the resource? */
function matches(match: unknown, resource: Resource, admission: AdmissionInfo = { operation: 'CREATE' }, exclude?: unknown): boolean {
  const p = compilePolicy(
    {
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'p', annotations: { 'pod-policies.kyverno.io/autogen-controllers': 'none' } },
      spec: { rules: [{ name: 'r', match, ...(exclude ? { exclude } : {}), validate: { pattern: { metadata: { name: '?*' } } } }] },
    },
    'p.yaml',
  );
  return evaluatePolicy(p, { resource, admission }).length === 1;
}
const any = (resources: Record<string, unknown>, user: Record<string, unknown> = {}): unknown => ({ any: [{ resources, ...user }] });

describe('kinds (kubeutils.ParseKindSelector, matchutils.CheckKind)', () => {
  it('parses Kind, version/Kind, group/version/Kind and subresources', () => {
    expect(parseKindSelector('Pod')).toEqual({ group: '*', version: '*', kind: 'Pod', sub: '' });
    expect(parseKindSelector('v1/Pod')).toEqual({ group: '*', version: 'v1', kind: 'Pod', sub: '' });
    expect(parseKindSelector('apps/v1/Deployment')).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', sub: '' });
    expect(parseKindSelector('Pod/status')).toEqual({ group: '*', version: '*', kind: 'Pod', sub: 'status' });
    expect(parseKindSelector('apps/v1/Deployment/scale')).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment', sub: 'scale' });
  });
  it('matches by kind, group/version and wildcards', () => {
    expect(matches(any({ kinds: ['Pod'] }), pod())).toBe(true);
    expect(matches(any({ kinds: ['v1/Pod'] }), pod())).toBe(true);
    expect(matches(any({ kinds: ['apps/v1/Deployment'] }), deployment)).toBe(true);
    expect(matches(any({ kinds: ['apps/v2/Deployment'] }), deployment)).toBe(false);
    expect(matches(any({ kinds: ['*'] }), deployment)).toBe(true);
    expect(matches(any({ kinds: ['Dep*'] }), deployment)).toBe(true);
    expect(matches(any({ kinds: ['Service'] }), pod())).toBe(false);
  });
  it('subresources need their selector; ephemeralcontainers match Pod rules', () => {
    const sub = (subresource: string): AdmissionInfo => ({ operation: 'UPDATE', subresource });
    expect(matches(any({ kinds: ['Pod'] }), pod(), sub('status'))).toBe(false);
    expect(matches(any({ kinds: ['Pod/status'] }), pod(), sub('status'))).toBe(true);
    expect(matches(any({ kinds: ['Pod'] }), pod(), sub('ephemeralcontainers'))).toBe(true);
    const scale: Resource = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'prod' } };
    const adm: AdmissionInfo = { operation: 'UPDATE', subresource: 'scale', requestKind: { group: 'apps', version: 'v1', kind: 'Deployment' } };
    expect(matches(any({ kinds: ['Deployment/scale'] }), scale, adm)).toBe(true);
    expect(matches(any({ kinds: ['Deployment'] }), scale, adm)).toBe(false);
  });
});

describe('resource descriptions (doesResourceMatchConditionBlock)', () => {
  it('names, name and namespaces take wildcards; a Namespace is matched by its own name', () => {
    expect(matches(any({ kinds: ['Pod'], names: ['web-*'] }), pod())).toBe(true);
    expect(matches(any({ kinds: ['Pod'], names: ['db-*', 'w?b-1'] }), pod())).toBe(true);
    expect(matches(any({ kinds: ['Pod'], name: 'db' }), pod())).toBe(false);
    expect(matches(any({ kinds: ['Pod'], namespaces: ['pr*'] }), pod())).toBe(true);
    expect(matches(any({ kinds: ['Pod'], namespaces: ['dev'] }), pod())).toBe(false);
    const ns: Resource = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'prod' } };
    expect(matches(any({ kinds: ['Namespace'], namespaces: ['prod'] }), ns)).toBe(true);
  });
  it('generateName stands in for a missing name', () => {
    expect(matches(any({ kinds: ['Pod'], names: ['web-*'] }), pod({ name: undefined, generateName: 'web-' }))).toBe(true);
  });
  it('label selectors: matchLabels (wildcards expand against the labels) and matchExpressions', () => {
    expect(matches(any({ kinds: ['Pod'], selector: { matchLabels: { app: 'web' } } }), pod())).toBe(true);
    expect(matches(any({ kinds: ['Pod'], selector: { matchLabels: { 'app.kubernetes.io/*': 'sh*' } } }), pod())).toBe(true);
    expect(matches(any({ kinds: ['Pod'], selector: { matchLabels: { 'app.kubernetes.io/*': 'db' } } }), pod())).toBe(false);
    const expr = (operator: string, values?: string[]): unknown => any({ kinds: ['Pod'], selector: { matchExpressions: [{ key: 'app', operator, ...(values ? { values } : {}) }] } });
    expect(matches(expr('In', ['web', 'api']), pod())).toBe(true);
    expect(matches(expr('NotIn', ['web']), pod())).toBe(false);
    expect(matches(expr('Exists'), pod())).toBe(true);
    expect(matches(expr('DoesNotExist'), pod())).toBe(false);
    expect(matches(any({ kinds: ['Pod'], selector: {} }), pod())).toBe(true);
  });
  it('namespaceSelector reads the admission namespace labels', () => {
    const m = any({ kinds: ['Pod'], namespaceSelector: { matchLabels: { env: 'prod' } } });
    expect(matches(m, pod(), { operation: 'CREATE', namespaceLabels: { env: 'prod' } })).toBe(true);
    expect(matches(m, pod(), { operation: 'CREATE', namespaceLabels: { env: 'dev' } })).toBe(false);
    expect(matches(m, pod())).toBe(false);
  });
  it('annotations take wildcards on keys and values', () => {
    expect(matches(any({ kinds: ['Pod'], annotations: { 'team.io/*': 'a*' } }), pod())).toBe(true);
    expect(matches(any({ kinds: ['Pod'], annotations: { 'team.io/owner': 'bob' } }), pod())).toBe(false);
  });
  it('operations', () => {
    expect(matches(any({ kinds: ['Pod'], operations: ['CREATE', 'UPDATE'] }), pod())).toBe(true);
    expect(matches(any({ kinds: ['Pod'], operations: ['DELETE'] }), pod())).toBe(false);
    expect(matches(any({ kinds: ['Pod'], operations: ['CREATE'] }), pod(), {})).toBe(false); // background scan: no operation
  });
});

describe('user info (subjects, roles, clusterRoles)', () => {
  const sa: AdmissionInfo = { operation: 'CREATE', userInfo: { username: 'system:serviceaccount:ci:deployer', groups: ['system:serviceaccounts'] }, roles: ['ci:builder'], clusterRoles: ['edit'] };
  it('subjects: ServiceAccount by namespace:name, User and Group by name, all with wildcards', () => {
    expect(matches(any({ kinds: ['Pod'] }, { subjects: [{ kind: 'ServiceAccount', name: 'deploy*', namespace: 'ci' }] }), pod(), sa)).toBe(true);
    expect(matches(any({ kinds: ['Pod'] }, { subjects: [{ kind: 'ServiceAccount', name: 'deployer', namespace: 'prod' }] }), pod(), sa)).toBe(false);
    expect(matches(any({ kinds: ['Pod'] }, { subjects: [{ kind: 'Group', name: 'system:serviceaccounts' }] }), pod(), sa)).toBe(true);
    expect(matches(any({ kinds: ['Pod'] }, { subjects: [{ kind: 'User', name: 'alice' }] }), pod(), sa)).toBe(false);
  });
  it('roles and clusterRoles', () => {
    expect(matches(any({ kinds: ['Pod'] }, { roles: ['ci:builder'] }), pod(), sa)).toBe(true);
    expect(matches(any({ kinds: ['Pod'] }, { clusterRoles: ['cluster-admin'] }), pod(), sa)).toBe(false);
  });
  it('with no admission user info at all, user filters in match are ignored (but not in exclude)', () => {
    expect(matches(any({ kinds: ['Pod'] }, { clusterRoles: ['cluster-admin'] }), pod())).toBe(true);
    expect(matches(any({ kinds: ['Pod'] }), pod(), { operation: 'CREATE' }, { any: [{ clusterRoles: ['cluster-admin'] }] })).toBe(true);
    expect(matches(any({ kinds: ['Pod'] }), pod(), { ...sa, clusterRoles: ['cluster-admin'] }, { any: [{ clusterRoles: ['cluster-admin'] }] })).toBe(false);
  });
});

describe('any / all / legacy, and exclude', () => {
  it('any is OR, all is AND, the legacy flat form still works', () => {
    expect(matches({ any: [{ resources: { kinds: ['Service'] } }, { resources: { kinds: ['Pod'] } }] }, pod())).toBe(true);
    expect(matches({ all: [{ resources: { kinds: ['Pod'] } }, { resources: { namespaces: ['prod'] } }] }, pod())).toBe(true);
    expect(matches({ all: [{ resources: { kinds: ['Pod'] } }, { resources: { namespaces: ['dev'] } }] }, pod())).toBe(false);
    expect(matches({ resources: { kinds: ['Pod'], namespaces: ['prod'] } }, pod())).toBe(true);
  });
  it('exclude any drops on one filter; exclude all only when every filter excludes', () => {
    const m = any({ kinds: ['Pod'] });
    expect(matches(m, pod(), undefined, { any: [{ resources: { namespaces: ['kube-system'] } }, { resources: { names: ['web-*'] } }] })).toBe(false);
    expect(matches(m, pod(), undefined, { all: [{ resources: { namespaces: ['prod'] } }, { resources: { names: ['db-*'] } }] })).toBe(true);
    expect(matches(m, pod(), undefined, { all: [{ resources: { namespaces: ['prod'] } }, { resources: { names: ['web-*'] } }] })).toBe(false);
    expect(matches(m, pod(), undefined, { resources: { namespaces: ['prod'] } })).toBe(false);
  });
});
