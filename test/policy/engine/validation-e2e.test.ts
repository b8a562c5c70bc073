import { describe, expect, it } from 'vitest';
import { compilePolicy, evaluatePolicy } from '../../../src/policy/engine/index.js';
import type { Resource } from '../../../src/policy/types.js';

/*
 * pkg/engine/validation_test.go (end-to-end: a policy and a resource through Validate), the
 * first nine functions of the stored version. Inputs and pass/fail outcomes are as written
 * there. The stored file predates Kyverno's current wording ("Rule X failed" became "rule X
 * failed", and anyPattern errors are joined by spaces, validate_resource.go), so the messages
 * asserted here are the current ones.
 */
const cp = (name: string, rules: unknown[]) => compilePolicy({ apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name }, spec: { rules } }, `${name}.json`);
const podRules = (name: string, validate: unknown) => ({ name, match: { resources: { kinds: ['Pod'] } }, validate });
const run = (p: ReturnType<typeof cp>, resource: Resource) => evaluatePolicy(p, { resource }).map((r) => [r.status, r.message]);

const imagePod: Resource = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'myapp-pod', labels: { app: 'myapp' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:latest', imagePullPolicy: 'Always' }] },
};
const hostPathPod = (path: string): Resource => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'image-with-hostpath', labels: { 'app.type': 'prod', namespace: 'my-namespace' } },
  spec: {
    containers: [{ name: 'image-with-hostpath', image: 'docker.io/nautiker/curl', volumeMounts: [{ name: 'var-lib-etcd', mountPath: '/var/lib' }] }],
    volumes: [{ name: 'var-lib-etcd', hostPath: { path } }],
  },
});
const v1Pod = (spec: Record<string, unknown> = {}): Resource => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'myapp-pod', labels: { app: 'v1' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx' }], ...spec },
});
const validateImage = (policy: string) =>
  cp('validate-image', [
    podRules('validate-tag', { message: 'An image tag is required', pattern: { spec: { containers: [{ image: '*:*' }] } } }),
    podRules('validate-latest', { message: "imagePullPolicy 'Always' required with tag 'latest'", pattern: { spec: { containers: [{ '(image)': '*latest', imagePullPolicy: policy }] } } }),
  ]);

describe('pkg/engine/validation_test.go', () => {
  it('TestValidate_image_tag_fail', () => {
    expect(run(validateImage('NotPresent'), imagePod)).toEqual([
      ['pass', "validation rule 'validate-tag' passed."],
      ['fail', "validation error: imagePullPolicy 'Always' required with tag 'latest'. rule validate-latest failed at path /spec/containers/0/imagePullPolicy/"],
    ]);
  });

  it('TestValidate_image_tag_pass', () => {
    expect(run(validateImage('Always'), imagePod)).toEqual([
      ['pass', "validation rule 'validate-tag' passed."],
      ['pass', "validation rule 'validate-latest' passed."],
    ]);
  });

  it('TestValidate_Fail_anyPattern', () => {
    const p = cp('validate-namespace', [
      podRules('check-default-namespace', { message: 'A namespace is required', anyPattern: [{ metadata: { namespace: '?*' } }, { metadata: { namespace: '!default' } }] }),
    ]);
    const pod: Resource = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'myapp-pod', labels: { app: 'myapp' } }, spec: { containers: [{ name: 'nginx', image: 'nginx' }] } };
    expect(run(p, pod)).toEqual([
      ['fail', 'validation error: A namespace is required. rule check-default-namespace[0] failed at path /metadata/namespace/ rule check-default-namespace[1] failed at path /metadata/namespace/'],
    ]);
  });

  it('TestValidate_host_network_port', () => {
    const p = cp('validate-host-network-port', [
      podRules('validate-host-network-port', { message: 'Host network and port are not allowed', pattern: { spec: { hostNetwork: false, containers: [{ name: '*', ports: [{ hostPort: null }] }] } } }),
    ]);
    const pod: Resource = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'nginx-host-network' },
      spec: { hostNetwork: false, containers: [{ name: 'nginx-host-network', image: 'nginx', ports: [{ containerPort: 80, hostPort: 80 }] }] },
    };
    expect(run(p, pod)).toEqual([['fail', 'validation error: Host network and port are not allowed. rule validate-host-network-port failed at path /spec/containers/0/ports/0/hostPort/']]);
  });

  it('TestValidate_anchor_arraymap_pass', () => {
    const p = cp('validate-host-path', [podRules('validate-host-path', { message: "Host path '/var/lib/' is not allowed", pattern: { spec: { volumes: [{ name: '*', '=(hostPath)': { path: '!/var/lib' } }] } } })]);
    expect(run(p, hostPathPod('/var/lib1'))).toEqual([['pass', "validation rule 'validate-host-path' passed."]]);
  });

  it('TestValidate_anchor_arraymap_fail', () => {
    const p = cp('validate-host-path', [podRules('validate-host-path', { message: "Host path '/var/lib/' is not allowed", pattern: { spec: { volumes: [{ '=(hostPath)': { path: '!/var/lib' } }] } } })]);
    expect(run(p, hostPathPod('/var/lib'))).toEqual([['fail', "validation error: Host path '/var/lib/' is not allowed. rule validate-host-path failed at path /spec/volumes/0/hostPath/path/"]]);
  });

  const nonRoot = () => cp('policy-secaas-k8s', [podRules('pod rule 2', { message: 'pod: validate run as non root user', pattern: { spec: { '=(securityContext)': { runAsNonRoot: true } } } })]);

  it('TestValidate_anchor_map_notfound', () => {
    expect(run(nonRoot(), v1Pod())).toEqual([['pass', "validation rule 'pod rule 2' passed."]]);
  });

  it('TestValidate_anchor_map_found_valid', () => {
    expect(run(nonRoot(), v1Pod({ securityContext: { runAsNonRoot: true } }))).toEqual([['pass', "validation rule 'pod rule 2' passed."]]);
  });

  it('TestValidate_inequality_List_Processing', () => {
    const p = cp('policy-secaas-k8s', [podRules('pod rule 2', { message: 'pod: validate run as non root user', pattern: { spec: { '=(supplementalGroups)': '>0' } } })]);
    expect(run(p, v1Pod({ supplementalGroups: ['2', '5', '10'] }))).toEqual([['pass', "validation rule 'pod rule 2' passed."]]);
  });
});
