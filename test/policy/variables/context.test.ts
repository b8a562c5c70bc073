/**
 * The evaluation context (kyverno pkg/engine/context, pkg/utils/image/infos.go and
 * infos_test.go, pkg/utils/api/image.go) and rule `context:` variable entries
 * (pkg/engine/context/loaders/variable.go).
 */
import { describe, expect, it } from 'vitest';
import { serviceAccountOf } from '../../../src/policy/variables/context.js';
import { getImageInfo } from '../../../src/policy/variables/images.js';
import { addContextEntries, buildContext, search, substitute } from '../../../src/policy/variables/index.js';
import { PolicyError } from '../../../src/policy/types.js';
import { seeded } from './helpers.js';

const podSpec = {
  initContainers: [{ name: 'init', image: 'busybox:1.36' }],
  containers: [
    { name: 'web', image: 'nginx' },
    { name: 'sidecar', image: 'ghcr.io/acme/proxy@sha256:' + 'b'.repeat(64) },
  ],
};
const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'shop' }, spec: podSpec };

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof PolicyError ? e.code : `not a PolicyError: ${String(e)}`;
  }
  return undefined;
}

describe('request', () => {
  it('holds the object, namespace, name and kind; operation only when given', () => {
    const ctx = buildContext({ resource: pod });
    expect(search('request.object.metadata.name', ctx, 'error')).toBe('p');
    expect(search('request.namespace', ctx, 'error')).toBe('shop');
    expect(search('request.name', ctx, 'error')).toBe('p');
    expect(search('request.kind', ctx, 'error')).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    expect(search("request.operation || 'BACKGROUND'", ctx, 'error')).toBe('BACKGROUND');
    expect(code(() => search('request.operation', ctx, 'error'))).toBe('VARIABLE');
    const deploy = buildContext({ resource: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } } });
    expect(search('request.kind', deploy, 'error')).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(search('request.namespace', deploy, 'error')).toBe('');
  });

  it('on UPDATE oldObject defaults to the resource; on DELETE only oldObject is there', () => {
    const update = buildContext({ resource: pod, admission: { operation: 'UPDATE' } });
    expect(search('request.oldObject.metadata.name', update, 'error')).toBe('p');
    const del = buildContext({ resource: pod, admission: { operation: 'DELETE' } });
    expect(code(() => search('request.object', del, 'error'))).toBe('VARIABLE');
    // substitution reads request.oldObject for request.object on DELETE
    expect(substitute('{{ request.object.metadata.name }}', del, 'error')).toBe('p');
  });

  it('userInfo, roles, clusterRoles, dryRun, subResource come from the admission info', () => {
    const ctx = buildContext({
      resource: pod,
      admission: { operation: 'CREATE', userInfo: { username: 'alice', groups: ['dev'] }, roles: ['shop:editor'], clusterRoles: ['view'], dryRun: true, subresource: 'status' },
    });
    expect(search('request.userInfo.groups', ctx, 'error')).toEqual(['dev']);
    expect(search('request.roles', ctx, 'error')).toEqual(['shop:editor']);
    expect(search('request.clusterRoles', ctx, 'error')).toEqual(['view']);
    expect(search('request.dryRun', ctx, 'error')).toBe(true);
    expect(search('request.subResource', ctx, 'error')).toBe('status');
  });

  it('values (dotted names) override what the context computed, shallow names first', () => {
    const ctx = buildContext({
      resource: pod,
      admission: { operation: 'CREATE' },
      variables: { 'request.object.metadata.name': 'renamed', 'request.operation': 'UPDATE', request: { operation: 'CONNECT' }, 'images.containers.web.tag': 'v2', custom: { a: 1 } },
    });
    expect(search('request.operation', ctx, 'error')).toBe('UPDATE');
    expect(search('request.object.metadata.name', ctx, 'nil')).toBe('renamed');
    expect(search('images.containers.web.tag', ctx, 'error')).toBe('v2');
    expect(search('custom.a', ctx, 'error')).toBe(1);
  });

  it('a DELETE given by values builds the DELETE context', () => {
    const ctx = buildContext({ resource: pod, variables: { 'request.operation': 'DELETE' } });
    expect(search('request.oldObject.metadata.name', ctx, 'error')).toBe('p');
    expect(code(() => search('request.object', ctx, 'error'))).toBe('VARIABLE');
  });
});

describe('serviceAccountName / serviceAccountNamespace', () => {
  it('come from system:serviceaccount:<ns>:<name>', () => {
    const ctx = buildContext({ resource: pod, admission: { userInfo: { username: 'system:serviceaccount:kube-system:replicaset-controller' } } });
    expect(search('serviceAccountName', ctx, 'error')).toBe('replicaset-controller');
    expect(search('serviceAccountNamespace', ctx, 'error')).toBe('kube-system');
  });

  it('are empty for other users, and Kyverno does not check the prefix', () => {
    expect(serviceAccountOf('alice')).toEqual({ name: '', namespace: '' });
    expect(serviceAccountOf('')).toEqual({ name: '', namespace: '' });
    // the first 22 characters are dropped whatever they are
    expect(serviceAccountOf('oidc:someone@example.:ns:name')).toEqual({ namespace: 'ns', name: 'name' });
    const ctx = buildContext({ resource: pod });
    expect(search('serviceAccountName', ctx, 'error')).toBe('');
  });
});

describe('images', () => {
  it('are read from a Pod by container name, with defaults', () => {
    const ctx = buildContext({ resource: pod });
    expect(search('images.containers.web', ctx, 'error')).toEqual({
      registry: 'docker.io', name: 'nginx', path: 'library/nginx', tag: 'latest',
      reference: 'docker.io/library/nginx:latest', referenceWithTag: 'docker.io/nginx:latest', jsonPointer: '/spec/containers/0/image',
    });
    expect(search('images.containers.sidecar', ctx, 'error')).toEqual({
      registry: 'ghcr.io', name: 'proxy', path: 'acme/proxy', digest: 'sha256:' + 'b'.repeat(64),
      reference: 'ghcr.io/acme/proxy@sha256:' + 'b'.repeat(64), referenceWithTag: 'ghcr.io/acme/proxy:', jsonPointer: '/spec/containers/1/image',
    });
    expect(search('images.initContainers.init.tag', ctx, 'error')).toBe('1.36');
    expect(search('images.containers.*.registry', ctx, 'error')).toEqual(['ghcr.io', 'docker.io']);
    expect(code(() => search('images.ephemeralContainers', ctx, 'error'))).toBe('VARIABLE');
  });

  it('are read from pod templates of a Deployment and a CronJob', () => {
    const deploy = buildContext({ resource: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: podSpec } } } });
    expect(search('images.containers.web.jsonPointer', deploy, 'error')).toBe('/spec/template/spec/containers/0/image');
    const cron = buildContext({
      resource: { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: podSpec } } } } },
    });
    expect(search('images.containers.web.reference', cron, 'error')).toBe('docker.io/library/nginx:latest');
    expect(search('images.initContainers.init.jsonPointer', cron, 'error')).toBe('/spec/jobTemplate/spec/template/spec/initContainers/0/image');
  });

  it('are absent for other kinds and when an image does not parse', () => {
    expect(code(() => search('images', buildContext({ resource: { kind: 'ConfigMap', metadata: { name: 'x' } } }), 'error'))).toBe('VARIABLE');
    const bad = { ...pod, spec: { containers: [{ name: 'x', image: 'UPPER/Case' }] } };
    expect(code(() => search('images', buildContext({ resource: bad }), 'error'))).toBe('VARIABLE');
  });

  // pkg/utils/image/infos_test.go (default registry docker.io, mutation on)
  it.each([
    ['nginx', 'nginx', 'docker.io', 'latest', ''],
    ['nginx:v10.3', 'nginx', 'docker.io', 'v10.3', ''],
    ['docker.io/test/nginx:v10.3', 'nginx', 'docker.io', 'v10.3', ''],
    ['test/nginx', 'nginx', 'docker.io', 'latest', ''],
    ['localhost:4443/test/nginx', 'nginx', 'localhost:4443', 'latest', ''],
    ['docker.io/test/centos@sha256:dead07b4d8ed7e29e98de0f4504d87e8880d4347859d839686a31da35a3b532f', 'centos', 'docker.io', '', 'sha256:dead07b4d8ed7e29e98de0f4504d87e8880d4347859d839686a31da35a3b532f'],
    ['localhost/netd:v0.4.4-gke.0', 'netd', 'localhost', 'v0.4.4-gke.0', ''],
  ])('getImageInfo(%s)', (image, name, registry, tag, digest) => {
    const info = getImageInfo(image);
    expect(info.name).toBe(name);
    expect(info.registry).toBe(registry);
    expect(info.tag ?? '').toBe(tag);
    expect(info.digest ?? '').toBe(digest);
  });

  it.each([
    ['nginx', 'docker.io/nginx:latest'],
    ['nginx:v10.3', 'docker.io/nginx:v10.3'],
    ['docker.io/test/nginx:v10.3', 'docker.io/test/nginx:v10.3'],
    ['test/nginx', 'docker.io/test/nginx:latest'],
    ['localhost:4443/test/nginx', 'localhost:4443/test/nginx:latest'],
    ['docker.io/test/centos@sha256:dead07b4d8ed7e29e98de0f4504d87e8880d4347859d839686a31da35a3b532f', 'docker.io/test/centos:'],
  ])('referenceWithTag of %s (Test_ReferenceWithTag)', (image, want) => {
    expect(getImageInfo(image).referenceWithTag).toBe(want);
  });

  it('"++" is not an image (Test_ParseError)', () => {
    expect(() => getImageInfo('++')).toThrow();
  });
});

describe('context entries', () => {
  const base = buildContext({ resource: pod, admission: { operation: 'CREATE' } });

  it('a variable value is substituted and keeps its type', () => {
    const ctx = addContextEntries(base, [
      { name: 'ns', variable: { value: '{{ request.namespace }}' } },
      { name: 'obj', variable: { value: { n: '{{ request.object.metadata.name }}', count: 2 } } },
    ]);
    expect(search('ns', ctx, 'error')).toBe('shop');
    expect(search('obj', ctx, 'error')).toEqual({ n: 'p', count: 2 });
  });

  it('a jmesPath reads the context, later entries see earlier ones', () => {
    const ctx = addContextEntries(base, [
      { name: 'names', variable: { jmesPath: 'request.object.spec.containers[].name' } },
      { name: 'count', variable: { jmesPath: 'length(names)' } },
    ]);
    expect(search('names', ctx, 'error')).toEqual(['web', 'sidecar']);
    expect(search('count', ctx, 'error')).toBe(2);
  });

  it('value + jmesPath applies the path to the value', () => {
    const ctx = addContextEntries(base, [{ name: 'first', variable: { value: ['a', 'b'], jmesPath: '[0]' } }]);
    expect(search('first', ctx, 'error')).toBe('a');
  });

  it('the default applies to a missing or null result; without one it is an error', () => {
    const ctx = addContextEntries(base, [
      { name: 'team', variable: { jmesPath: 'request.object.metadata.labels.team', default: 'none' } },
      { name: 'sa', variable: { jmesPath: 'request.object.spec.serviceAccountName', default: '{{ request.namespace }}-default' } },
    ]);
    expect(search('team', ctx, 'error')).toBe('none');
    expect(search('sa', ctx, 'error')).toBe('shop-default');
    expect(code(() => addContextEntries(base, [{ name: 'x', variable: { jmesPath: 'request.object.nope' } }]))).toBe('VARIABLE');
    expect(code(() => addContextEntries(base, [{ name: 'x', variable: { value: null } }]))).toBe('VARIABLE');
  });

  it('a dotted entry name nests', () => {
    const ctx = addContextEntries(base, [{ name: 'a.b', variable: { value: 1 } }]);
    expect(search('a', ctx, 'error')).toEqual({ b: 1 });
  });

  it('cluster entries need a supplied value', () => {
    expect(code(() => addContextEntries(base, [{ name: 'cm', configMap: { name: 'x', namespace: 'y' } }]))).toBe('UNSUPPORTED');
    expect(code(() => addContextEntries(base, [{ name: 'svc', apiCall: { urlPath: '/api/v1/services' } }]))).toBe('UNSUPPORTED');
    const supplied = buildContext({ resource: pod, variables: { 'cm.data.allowed': 'a,b' } });
    const ctx = addContextEntries(supplied, [{ name: 'cm', configMap: { name: 'x', namespace: 'y' } }]);
    expect(search("split(cm.data.allowed, ',')", ctx, 'error')).toEqual(['a', 'b']);
    expect(code(() => addContextEntries(base, [{ variable: { value: 1 } }]))).toBe('INVALID_POLICY');
  });

  it('contexts are immutable: with() and entries make children', () => {
    const child = base.with('element', { name: 'c' });
    expect(search('element.name', child, 'error')).toBe('c');
    expect(code(() => search('element', base, 'error'))).toBe('VARIABLE');
    expect(addContextEntries(base, undefined)).toBe(base);
  });
});

describe('random()', () => {
  it('is reproducible with a seeded source and matches its pattern', () => {
    const a = buildContext({ resource: pod }, { random: seeded(7) });
    const b = buildContext({ resource: pod }, { random: seeded(7) });
    const first = search("random('[a-z]{4}-[0-9]{2,3}')", a, 'error');
    expect(first).toBe(search("random('[a-z]{4}-[0-9]{2,3}')", b, 'error'));
    expect(first).toMatch(/^[a-z]{4}-[0-9]{2,3}$/);
    expect(code(() => search("random('')", a, 'error'))).toBe('JMESPATH');
  });
});
