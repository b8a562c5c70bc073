import { describe, expect, it } from 'vitest';
import { matchPattern, validateElement } from '../../../src/policy/engine/pattern.js';
import { preparePattern } from '../../../src/policy/engine/references.js';

/*
 * pkg/engine/validate/validate_test.go: the pattern/resource inputs and the expected paths and
 * outcomes as written there. `validateResourceElement`/`validateMap` return (path, err);
 * `validateElement` returns the same pair. `variables.SubstituteAll(nil, pattern)` (the `$()`
 * references) is `preparePattern`.
 */

const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx-deployment', labels: { app: 'nginx' } },
  spec: {
    replicas: 3,
    selector: { matchLabels: { app: 'nginx' } },
    template: {
      metadata: { labels: { app: 'nginx' } },
      spec: {
        securityContext: { runAsNonRoot: true },
        containers: [
          {
            name: 'nginx',
            image: 'https://nirmata/nginx:latest',
            imagePullPolicy: 'Always',
            readinessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 5, periodSeconds: 10 },
            livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 15, periodSeconds: 11 },
            resources: { limits: { memory: '2Gi', cpu: 8 }, requests: { memory: '512Mi', cpu: '8' } },
            ports: [{ containerPort: 80 }],
          },
        ],
      },
    },
  },
};

/** The StatefulSet shared by the Asterisk and livenessProbe tests; only its livenessProbe differs. */
function statefulSet(livenessProbe: unknown): unknown {
  const container: Record<string, unknown> = {
    name: 'nginxo',
    image: 'registry.k8s.io/nginx-but-no-slim:0.8',
    ports: [{ containerPort: 8780, name: 'webp' }],
    volumeMounts: [{ name: 'www', mountPath: '/usr/share/nginxo/html' }],
  };
  if (livenessProbe !== undefined) container.livenessProbe = livenessProbe;
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'game-web', labels: { originalLabel: 'isHere' } },
    spec: {
      selector: { matchLabels: { app: 'nginxo' } },
      serviceName: 'nginxo',
      replicas: 3,
      template: {
        metadata: { labels: { app: 'nginxo' } },
        spec: { terminationGracePeriodSeconds: 10, containers: [container] },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: 'www' },
          spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'my-storage-class', resources: { requests: { storage: '1Gi' } } },
        },
      ],
    },
  };
}

const memoryDeployment = (limitsKey = 'limits', memoryKey = 'memory'): unknown => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'nginx-deployment', labels: { app: 'nginx' } },
  spec: { containers: [{ name: 'nirmata', resources: { requests: { memory: '1024Mi' }, [limitsKey]: { [memoryKey]: '2048Mi' } } }] },
});
const memoryPattern = (requestMemory: string, limitsKey = 'limits', memoryKey = 'memory'): unknown => ({
  spec: { containers: [{ name: '*', resources: { requests: { memory: requestMemory }, [limitsKey]: { [memoryKey]: '2048Mi' } } }] },
});

describe('pkg/engine/validate/validate_test.go', () => {
  it('TestValidateMap', () => {
    const pattern = { spec: { template: { spec: { containers: [{ name: '?*', resources: { requests: { cpu: '<4|8' } } }] } } } };
    expect(validateElement(deployment, pattern)).toEqual({ path: '' });
  });

  it('TestValidateMap_AsteriskForInt', () => {
    const pattern = { spec: { template: { spec: { containers: [{ name: '*', livenessProbe: { periodSeconds: '*' } }] } } } };
    expect(validateElement(statefulSet({ periodSeconds: 11 }), pattern).error).toBeUndefined();
  });

  it('TestValidateMap_AsteriskForMap', () => {
    const pattern = { spec: { template: { spec: { containers: [{ name: '*', livenessProbe: '*' }] } } } };
    expect(validateElement(statefulSet({ periodSeconds: 11 }), pattern)).toEqual({ path: '' });
  });

  it('TestValidateMap_AsteriskForArray', () => {
    const pattern = { spec: { template: { spec: { containers: '*' } } } };
    expect(validateElement(statefulSet({ periodSeconds: 11 }), pattern)).toEqual({ path: '' });
  });

  it('TestValidateMap_AsteriskFieldIsMissing', () => {
    const pattern = { spec: { template: { spec: { containers: [{ name: '*', livenessProbe: '*' }] } } } };
    const r = validateElement(statefulSet(null), pattern);
    expect(r.path).toBe('/spec/template/spec/containers/0/');
    expect(r.error).toBeDefined();
  });

  it('TestValidateMap_livenessProbeIsNull', () => {
    const pattern = { spec: { template: { spec: { containers: [{ name: '*', livenessProbe: null }] } } } };
    expect(validateElement(statefulSet(null), pattern)).toEqual({ path: '' });
  });

  it('TestValidateMap_livenessProbeIsMissing', () => {
    const pattern = { spec: { template: { spec: { containers: [{ name: '*', livenessProbe: null }] } } } };
    expect(validateElement(statefulSet(undefined), pattern)).toEqual({ path: '' });
  });

  it('TestValidateMapElement_TwoElementsInArrayOnePass', () => {
    const pattern = { '^(list)': [{ '(name)': 'nirmata-*', object: [{ '(key1)': 'value*', key2: 'value*' }] }] };
    const resource = {
      list: [
        { name: 'nirmata-1', object: [{ key1: 'value1', key2: 'value2' }] },
        { name: 'nirmata-1', object: [{ key1: 'not_value', key2: 'not_value' }] },
      ],
    };
    expect(validateElement(resource, pattern)).toEqual({ path: '' });
  });

  it('TestValidateMapElement_OneElementInArrayPass', () => {
    const pattern = [{ '(name)': 'nirmata-*', object: [{ '(key1)': 'value*', key2: 'value*' }] }];
    const resource = [{ name: 'nirmata-1', object: [{ key1: 'value1', key2: 'value2' }] }];
    expect(validateElement(resource, pattern)).toEqual({ path: '' });
  });

  it('TestValidateMap_CorrectRelativePathInConfig', () => {
    const pattern = preparePattern(memoryPattern('$(<=./../../limits/memory)'));
    expect(validateElement(memoryDeployment(), pattern)).toEqual({ path: '' });
  });

  it('TestValidateMap_RelativePathDoesNotExists (no substitution: the reference stays literal)', () => {
    const r = validateElement(memoryDeployment(), memoryPattern('$(./../somekey/somekey2/memory)'));
    expect(r.path).toBe('/spec/containers/0/resources/requests/memory/');
    expect(r.error).toBeDefined();
  });

  it('TestValidateMap_OnlyAnchorsInPath', () => {
    const r = validateElement(memoryDeployment(), memoryPattern('$()'));
    expect(r.path).toBe('/spec/containers/0/resources/requests/memory/');
    expect(r.error).toBeDefined();
  });

  it('TestValidateMap_MalformedReferenceOnlyDolarMark', () => {
    const r = validateElement(memoryDeployment(), memoryPattern('$'));
    expect(r.path).toBe('/spec/containers/0/resources/requests/memory/');
    expect(r.error).toBeDefined();
  });

  it('TestValidateMap_RelativePathWithParentheses', () => {
    const pattern = preparePattern(memoryPattern('$(<=./../../lim(its/mem)ory)', 'lim(its', 'mem)ory'));
    expect(validateElement(memoryDeployment('lim(its', 'mem)ory'), pattern)).toEqual({ path: '' });
  });

  it('TestValidateMap_MalformedPath', () => {
    const r = validateElement(memoryDeployment(), memoryPattern('$(>2048)'));
    expect(r.path).toBe('/spec/containers/0/resources/requests/memory/');
    expect(r.error).toBeDefined();
  });

  it('TestValidateMap_AbosolutePathExists', () => {
    const pattern = preparePattern(memoryPattern('$(<=/spec/containers/0/resources/limits/memory)'));
    expect(validateElement(memoryDeployment(), pattern)).toEqual({ path: '' });
  });

  it('TestValidateMap_AbsolutePathToMetadata', () => {
    const pattern = { spec: { containers: [{ '(name)': 'kyverno', image: 'kyverno.io*' }] } };
    const resource = { spec: { containers: [{ name: 'kyverno', image: 'kyverno.io/test:latest' }] } };
    expect(validateElement(resource, pattern)).toEqual({ path: '' });
  });

  it('TestValidateMap_AbsolutePathToMetadata_fail', () => {
    const pattern = preparePattern({
      metadata: { labels: { app: 'nirmata*' } },
      spec: { containers: [{ '(name)': '$(/metadata/labels/app)', image: 'nirmata.io*' }] },
    });
    const resource = { metadata: { labels: { app: 'nirmata*' } }, spec: { containers: [{ name: 'nirmata', image: 'nginx' }] } };
    const r = validateElement(resource, pattern);
    expect(r.path).toBe('/spec/containers/0/image/');
    expect(r.error).toBeDefined();
  });

  it('TestValidateMap_AbosolutePathDoesNotExists', () => {
    const r = validateElement(memoryDeployment(), memoryPattern('$(<=/some/memory)'));
    expect(r.path).toBe('/spec/containers/0/resources/requests/memory/');
    expect(r.error).toBeDefined();
  });

  it('TestValidateMapElement_OneElementInArrayNotPass', () => {
    const pattern = [{ '(name)': 'nirmata-*', object: [{ '(key1)': 'value*', key2: 'value*' }] }];
    const resource = [{ name: 'nirmata-1', object: [{ key1: 'value5', key2: '1value1' }] }];
    const r = validateElement(resource, pattern);
    expect(r.path).toBe('/0/object/0/key2/');
    expect(r.error).toBeDefined();
  });

  // TestValidateMapWildcardKeys: testValidationPattern(num, pattern, resource, path, nilErr)
  const WILDCARD_KEYS: Array<[string, unknown, unknown, string, boolean]> = [
    ['1', { metadata: { annotations: { 'test/*': 'value1' } } }, { metadata: { annotations: { 'test/bar': 'value1' } } }, '', true],
    ['2', { metadata: { annotations: { 'test/b??': 'v*' } } }, { metadata: { annotations: { 'test/bar': 'value1' } } }, '', true],
    ['3', {}, { metadata: { annotations: { 'test/bar': 'value1' } } }, '', true],
    ['4', { metadata: { annotations: { 'test/b??': 'v*' } } }, { metadata: { labels: { 'test/bar': 'value1' } } }, '/metadata/annotations/', false],
    ['5', { metadata: { labels: { '*/test': 'foo' } } }, { metadata: { labels: { 'foo/test': 'foo' } } }, '', true],
    ['6', { metadata: { labels: { 'foo/a*': 'bar' } } }, { metadata: { labels: { 'foo/aa?': 'bar', 'foo/789': 'bar' } } }, '', true],
    ['7', { metadata: { labels: { 'foo/ABC*': 'bar' } } }, { metadata: { labels: { 'foo/AB?': 'bar', 'foo/ABC': 'bar2' } } }, '/metadata/labels/foo/ABC/', false],
    ['8', { '=(metadata)': { '=(labels)': { 'foo/P*': 'bar', 'foo/Q*': 'bar2' } } }, { metadata: { labels: { 'foo/PQR': 'bar', 'foo/QR': 'bar2' } } }, '', true],
    ['9', { metadata: { labels: { 'foo/1*': 'bar' } } }, { metadata: { labels: { 'foo/123': 'bar222' } } }, '/metadata/labels/foo/123/', false],
    ['10', { metadata: { labels: { 'foo/X*': 'bar', 'foo/A*': 'bar2' } } }, { metadata: { labels: { 'foo/XYZ': 'bar' } } }, '/metadata/labels/foo/A*/', false],
    ['11', { '=(metadata)': { '=(labels)': { 'foo/1*': 'bar', 'foo/4*': 'bar2' } } }, { metadata: { labels: { 'foo/123': 'bar' } } }, '/metadata/labels/foo/4*/', false],
  ];
  it.each(WILDCARD_KEYS)('TestValidateMapWildcardKeys %s', (_n, pattern, resource, path, nilErr) => {
    const r = validateElement(resource, pattern);
    expect(r.path).toBe(path);
    expect(r.error === undefined).toBe(nilErr);
  });

  /*
   * TestConditionalAnchorWithMultiplePatterns and Test_global_anchor go through MatchPattern.
   * The Go helper (testMatchPattern) asserts only the pass and skip rows; its "Fail" rows are
   * never checked. They are asserted here too, with the outcome Kyverno's code gives: for
   * test-23, -25, -27, -30 and -35 a global anchor mismatch skips every element (or the whole
   * map), and the skip propagates to the root, so MatchPattern returns a skip, not a failure.
   */
  const C = { spec: { containers: [{ name: '*', '(image)': '*:latest | !*:*', imagePullPolicy: '!Always' }] } };
  const c = (...containers: Array<[string, string, string]>): unknown => ({
    spec: { containers: containers.map(([name, image, imagePullPolicy]) => ({ name, image, imagePullPolicy })) },
  });
  const G = { spec: { containers: [{ name: '*', '<(image)': '*:latest', imagePullPolicy: '!Always' }] } };
  const ENV_G = { spec: { containers: [{ name: '*', '<(image)': 'nginx', env: [{ '<(name)': 'foo', '<(value)': 'bar' }], imagePullPolicy: '!Always' }] } };
  const ENV_ONLY = { spec: { containers: [{ name: '*', env: [{ '<(name)': 'foo', '<(value)': 'bar' }], imagePullPolicy: '!Always' }] } };
  const envPod = (envName: string, policy: string): unknown => ({
    spec: { containers: [{ name: 'nginx', image: 'nginx', env: [{ name: envName, value: 'bar' }], imagePullPolicy: policy }] },
  });
  const DOCKER = { metadata: { labels: { 'allow-docker': 'true' } }, '(spec)': { '(volumes)': [{ '(hostPath)': { path: '/var/run/docker.sock' } }] } };
  const dockerPod = (labels: Record<string, string>, volumes?: unknown[]): unknown => ({
    metadata: { labels, name: 'nginx' },
    spec: { containers: [{ image: 'nginx', name: 'nginx' }], ...(volumes ? { volumes } : {}) },
  });
  const ISTIO = {
    spec: { '=(initContainers)': [{ '(name)': '!istio-init', '=(securityContext)': { '=(runAsUser)': '>0' } }], '=(containers)': [{ '=(securityContext)': { '=(runAsUser)': '>0' } }] },
  };
  const VOLS = { spec: { '=(volumes)': [{ '(name)': '!credential-socket&!istio-data&!istio-envoy&!workload-certs&!workload-socket', '=(emptyDir)': { sizeLimit: '?*' } }] } };
  const CASES: Array<[string, unknown, unknown, 'pass' | 'skip' | 'fail']> = [
    ['test-1', C, c(['nginx', 'nginx:1.2.3', 'Always']), 'skip'],
    ['test-2', C, c(['nginx', 'nginx:latest', 'Always']), 'fail'],
    ['test-3', C, c(['nginx', 'nginx', 'Always']), 'fail'],
    ['test-4', C, c(['nginx', 'nginx', 'Never']), 'pass'],
    ['test-5', C, c(['nginx', 'nginx:latest', 'Never']), 'pass'],
    ['test-6', C, c(['nginx', 'nginx:1.2.3', 'Never']), 'skip'],
    ['test-7', C, c(['nginx', 'nginx', 'Always'], ['busybox', 'busybox:1.28', 'Always']), 'fail'],
    ['test-8', C, c(['nginx', 'nginx:latest', 'Always'], ['busybox', 'busybox:1.28', 'Always']), 'fail'],
    ['test-9', C, c(['nginx', 'nginx:1.2.3', 'Always'], ['busybox', 'busybox:1.28', 'Always']), 'skip'],
    ['test-10', C, c(['nginx', 'nginx', 'Never'], ['busybox', 'busybox:1.28', 'Always']), 'pass'],
    ['test-11', C, c(['nginx', 'nginx:latest', 'Never'], ['busybox', 'busybox:1.28', 'Always']), 'pass'],
    ['test-12', C, c(['nginx', 'nginx:1.2.3', 'Never'], ['busybox', 'busybox:1.28', 'Always']), 'skip'],
    ['test-13', C, c(['busybox', 'busybox:1.28', 'Always'], ['nginx', 'nginx', 'Always']), 'fail'],
    ['test-14', C, c(['busybox', 'busybox:1.28', 'Always'], ['nginx', 'nginx:latest', 'Always']), 'fail'],
    ['test-15', C, c(['busybox', 'busybox:1.28', 'Always'], ['nginx', 'nginx:1.2.3', 'Always']), 'skip'],
    ['test-16', C, c(['busybox', 'busybox:1.28', 'Always'], ['nginx', 'nginx', 'Never']), 'pass'],
    ['test-17', C, c(['busybox', 'busybox:1.28', 'Always'], ['nginx', 'nginx:latest', 'Never']), 'pass'],
    ['test-18', C, c(['busybox', 'busybox:1.28', 'Always'], ['nginx', 'nginx:1.2.3', 'Never']), 'skip'],
    ['test-19', C, c(['busybox', 'busybox', 'Always'], ['nginx', 'nginx', 'Always']), 'fail'],
    ['test-20', C, c(['busybox', 'busybox:latest', 'Always'], ['nginx', 'nginx:latest', 'Always']), 'fail'],
    ['test-21', C, c(['busybox', 'busybox:1.2.3', 'Always'], ['nginx', 'nginx:latest', 'IfNotPresent']), 'pass'],
    ['test-22', { spec: { containers: [{ name: '*', '(image)': '!*:* | *:latest', imagePullPolicy: '!Always' }] } }, c(['nginx', 'nginx:latest', 'Always']), 'fail'],
    ['test-23', G, c(['nginx', 'nginx', 'Always']), 'skip'],
    ['test-24', G, c(['nginx', 'nginx:latest', 'Always']), 'fail'],
    ['test-25', ENV_G, envPod('foo1', 'Always'), 'skip'],
    ['test-26', ENV_G, envPod('foo', 'Always'), 'fail'],
    ['test-27', ENV_ONLY, envPod('foo1', 'Always'), 'skip'],
    ['test-28', ENV_ONLY, envPod('foo', 'IfNotpresent'), 'pass'],
    ['test-29', ENV_ONLY, envPod('foo', 'Always'), 'fail'],
    ['test-30', { metadata: { '<(name)': 'nginx' }, spec: { imagePullSecrets: [{ name: 'regcred' }] } }, { metadata: { name: 'somename' }, spec: { containers: [{ name: 'nginx', image: 'nginx:latest' }], imagePullSecrets: [{ name: 'cred' }] } }, 'skip'],
    ['test-31', { metadata: { '<(name)': 'nginx' }, spec: { imagePullSecrets: [{ name: 'regcred' }] } }, { metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx:latest' }], imagePullSecrets: [{ name: 'cred' }] } }, 'fail'],
    ['test-32', { metadata: { labels: { '<(foo)': 'bar' } }, spec: { containers: [{ name: 'nginx', image: '!*:latest' }] } }, { metadata: { name: 'nginx', labels: { foo: 'bar' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } }, 'pass'],
    ['test-33', { metadata: { labels: { '<(foo)': 'bar' } }, spec: { containers: [{ name: 'nginx', image: '!*:latest' }] } }, { metadata: { name: 'nginx', labels: { foo: 'bar' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:latest' }] } }, 'fail'],
    ['test-34', { spec: { containers: [{ name: '*', '<(image)': 'nginx' }], imagePullSecrets: [{ name: 'my-registry-secret' }] } }, { spec: { containers: [{ name: 'nginx', image: 'nginx' }], imagePullSecrets: [{ name: 'cred' }] } }, 'fail'],
    ['test-35', { spec: { containers: [{ name: '*', '<(image)': 'nginx' }], imagePullSecrets: [{ name: 'my-registry-secret' }] } }, { spec: { containers: [{ name: 'nginx', image: 'somepod' }], imagePullSecrets: [{ name: 'cred' }] } }, 'skip'],
    ['test-36', { spec: { containers: [{ name: '*', '<(image)': 'nginx' }], imagePullSecrets: [{ name: 'my-registry-secret' }] } }, { spec: { containers: [{ name: 'nginx', image: 'nginx' }], imagePullSecrets: [{ name: 'my-registry-secret' }] } }, 'pass'],
    ['test-37', DOCKER, dockerPod({ run: 'nginx' }), 'skip'],
    ['test-38', DOCKER, dockerPod({ run: 'nginx' }, [{ hostPath: { path: '/var/run/docker.sock' } }]), 'fail'],
    ['test-39', DOCKER, dockerPod({ run: 'nginx' }, [{ hostPath: { path: '/randome/value' } }]), 'skip'],
    ['test-40', DOCKER, dockerPod({ run: 'nginx', 'allow-docker': 'true' }, [{ hostPath: { path: '/var/run/docker.sock' } }]), 'pass'],
    ['test-41', DOCKER, dockerPod({ run: 'nginx', 'allow-docker': 'false' }, [{ hostPath: { path: '/var/run/docker.sock' } }]), 'fail'],
    ['test-42', DOCKER, dockerPod({ run: 'nginx' }, [{ hostPath: { path: '/var/run/docker.sock' } }]), 'fail'],
    ['test-43', { spec: { '=(volumes)': [{ '(name)': '!cache-volume', '=(emptyDir)': { sizeLimit: '?*' } }] } }, { spec: { volumes: [{ name: 'cache-volume', emptyDir: {} }] } }, 'skip'],
    ['test-44', ISTIO, { spec: { initContainers: [{ name: 'nginx', securityContext: { runAsUser: 1000 } }], containers: [{ name: 'nginx', image: 'nginx' }] } }, 'pass'],
    ['test-45', ISTIO, { spec: { initContainers: [{ name: 'nginx', securityContext: { runAsUser: 0 } }], containers: [{ name: 'nginx', image: 'nginx' }] } }, 'fail'],
    ['test-46', ISTIO, { spec: { initContainers: [{ name: 'istio-init', securityContext: { runAsUser: 0 } }], containers: [{ securityContext: { runAsUser: 1000 } }] } }, 'pass'],
    ['test-47', ISTIO, { spec: { initContainers: [{ name: 'istio-init', securityContext: { runAsUser: 1000 } }], containers: [{ securityContext: { runAsUser: 0 } }] } }, 'fail'],
    ['test-48', ISTIO, { spec: { containers: [{ securityContext: { runAsUser: 1000 } }] } }, 'pass'],
    ['test-49', ISTIO, { spec: { containers: [{ securityContext: { runAsUser: 0 } }] } }, 'fail'],
    ['test-50', ISTIO, { spec: { initContainers: [{ name: 'istio-init', securityContext: { runAsUser: 0 } }], containers: [{ name: 'nginx', image: 'nginx' }] } }, 'pass'],
    ['test-51', VOLS, { spec: { volumes: [{ name: 'credential-socket', emptyDir: { sizeLimit: '1Gi' } }] } }, 'skip'],
    ['test-52', VOLS, { spec: { volumes: [{ name: 'cache-volume', emptyDir: { sizeLimit: '1Gi' } }] } }, 'pass'],
    ['test-53', VOLS, { spec: { volumes: [{ name: 'cache-volume' }] } }, 'pass'],
    ['test-54', VOLS, { spec: { volumes: [{ name: 'cache-volume', emptyDir: {} }] } }, 'fail'],
    ['check_global_anchor_skip', G, c(['nginx', 'nginx:v1', 'Always']), 'skip'],
    ['check_global_anchor_fail', G, c(['nginx', 'nginx:latest', 'Always']), 'fail'],
    ['check_global_anchor_pass', G, c(['nginx', 'nginx:latest', 'IfNotPresent']), 'pass'],
    ['check_global_anchor_mixed', G, c(['nginx', 'nginx:latest', 'IfNotPresent'], ['nginx', 'nginx:v2', 'IfNotPresent']), 'pass'],
  ];
  it.each(CASES)('TestConditionalAnchorWithMultiplePatterns / Test_global_anchor %s', (_name, pattern, resource, status) => {
    expect(matchPattern(resource, pattern).status).toBe(status);
  });
});
