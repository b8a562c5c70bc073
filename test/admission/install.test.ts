// `portcullis install` dogfooded: the manifests parse as Kubernetes reads them, match the
// Kubernetes API types, pass our own `portcullis config` checks, and hold the webhook,
// RBAC and CRD properties docs/deployment.md promises.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InstallError, INSTALL_DEFAULTS, renderInstallManifests, type InstallOptions } from '../../src/admission/index.js';
import { compileLibrary, scanConfig } from '../../src/config/index.js';
import { evaluatePolicy, parseDocuments } from '../../src/policy/index.js';
import type { Resource, RuleResult } from '../../src/policy/index.js';
import { toPolicyReports } from '../../src/report/policyreport.js';
import { MODEL_OF_KIND, validateObject } from './install-k8s-schema.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DIGEST_IMAGE = 'registry.example.com/portcullis@sha256:' + 'ab'.repeat(32);
type Obj = Record<string, unknown> & { kind: string; apiVersion: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> } };

/** The objects of a rendered stream, read as Kubernetes reads YAML (the policy engine's YAML 1.1 reader). */
function objects(text: string): Obj[] {
  return parseDocuments(text, 'install.yaml') as Obj[];
}
const render = (o: InstallOptions = {}) => objects(renderInstallManifests(o));
const one = (objs: Obj[], kind: string): Obj => {
  const found = objs.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};
// Typed views of the pieces the tests read.
interface Webhook {
  name: string;
  admissionReviewVersions: string[];
  clientConfig: { caBundle?: string; service: { name: string; namespace: string; path: string; port: number } };
  failurePolicy: string;
  sideEffects: string;
  timeoutSeconds: number;
  matchPolicy: string;
  namespaceSelector: { matchExpressions: Array<{ key: string; operator: string; values: string[] }> };
  rules: Array<{ apiGroups: string[]; resources: string[]; operations: string[] }>;
  matchConditions: Array<{ name: string; expression: string }>;
}
const webhookOf = (objs: Obj[]) => (one(objs, 'ValidatingWebhookConfiguration').webhooks as Webhook[])[0]!;
interface Container {
  image: string;
  args: string[];
  securityContext: Record<string, unknown>;
  resources: { requests?: Record<string, string>; limits?: Record<string, string> };
  livenessProbe: { httpGet: { path: string; scheme: string; port: string } };
  readinessProbe: { httpGet: { path: string; scheme: string; port: string } };
  volumeMounts: Array<{ name: string; mountPath: string; readOnly?: boolean }>;
}
const podSpecOf = (objs: Obj[]) => (one(objs, 'Deployment').spec as { template: { spec: Record<string, unknown> & { containers: Container[]; volumes: Array<Record<string, unknown>> } } }).template.spec;

let certDir: string;
let caPem: string;
beforeAll(() => {
  // A real CA and serving certificate, made by the script docs/deployment.md tells users to run.
  certDir = mkdtempSync(join(tmpdir(), 'portcullis-install-'));
  execFileSync('sh', [join(ROOT, 'deploy/tls/generate-certs.sh'), 'portcullis', certDir, '30'], { stdio: 'ignore' });
  caPem = readFileSync(join(certDir, 'ca.crt'), 'utf8');
});
afterAll(() => rmSync(certDir, { recursive: true, force: true }));

describe('renderInstallManifests: the stream', () => {
  it('renders the objects in apply order, deterministically', () => {
    const text = renderInstallManifests();
    expect(renderInstallManifests()).toBe(text);
    expect(objects(text).map((o) => o.kind)).toEqual([
      'Namespace',
      'CustomResourceDefinition',
      'CustomResourceDefinition',
      'ServiceAccount',
      'ClusterRole',
      'ClusterRoleBinding',
      'Service',
      'Deployment',
      'PodDisruptionBudget',
      'ValidatingWebhookConfiguration',
    ]);
  });

  it('puts every namespaced object in its namespace, labelled for Pod Security restricted', () => {
    const objs = render({ namespace: 'gatekeeping' });
    const ns = one(objs, 'Namespace');
    expect(ns.metadata.name).toBe('gatekeeping');
    expect(ns.metadata.labels).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted' });
    for (const kind of ['ServiceAccount', 'Service', 'Deployment', 'PodDisruptionBudget']) expect(one(objs, kind).metadata.namespace, kind).toBe('gatekeeping');
  });

  it('matches the Kubernetes API types field by field (client-node models of the v1.34 OpenAPI spec)', () => {
    const variants: InstallOptions[] = [{}, { caBundle: caPem, image: DIGEST_IMAGE, policies: [{ name: 'p.yaml', text: 'kind: ClusterPolicy\n' }], excludeNamespaces: ['monitoring'] }];
    for (const opts of variants) {
      for (const o of render(opts)) expect(validateObject(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
    }
  });

  it('the schema check catches a misspelt field (so the test above can fail)', () => {
    const dep = one(render(), 'Deployment');
    (podSpecOf([dep]).containers[0]!.securityContext as Record<string, unknown>).readOnlyRootFileSystem = true;
    (dep.spec as Record<string, unknown>).replicas = '2';
    const errors = validateObject(dep);
    expect(errors.some((e) => e.includes('readOnlyRootFileSystem: unknown field'))).toBe(true);
    expect(errors.some((e) => e.includes('.spec.replicas: want int32'))).toBe(true);
    // …down into a CRD's OpenAPI schema, and required fields.
    const crd = render().find((o) => o.kind === 'CustomResourceDefinition')!;
    const schema = (crd.spec as { versions: Array<{ schema: { openAPIV3Schema: { properties: Record<string, Record<string, unknown>> } } }> }).versions[0]!.schema.openAPIV3Schema;
    schema.properties.summary!['x-kubernetes-list-kind'] = 'atomic';
    delete (crd.spec as Record<string, unknown>).group;
    expect(validateObject(crd)).toEqual([
      'CustomResourceDefinition/policyreports.wgpolicyk8s.io.spec.versions[0].schema.openAPIV3Schema.properties.summary.x-kubernetes-list-kind: unknown field of V1JSONSchemaProps',
      'CustomResourceDefinition/policyreports.wgpolicyk8s.io.spec: V1CustomResourceDefinitionSpec needs group',
    ]);
  });
});

describe('renderInstallManifests: our own config checks (portcullis config)', () => {
  const findings = (text: string) => scanConfig(['-'], { stdin: text }).files.flatMap((f) => f.findings);

  it('pass with a digest-pinned image: restricted PSS, resources, probes, read-only root', () => {
    const report = scanConfig(['-'], { stdin: renderInstallManifests({ image: DIGEST_IMAGE }) });
    expect(report.errors).toEqual([]);
    expect(report.files[0]!.findings).toEqual([]);
    expect(report.files[0]!.successes).toBeGreaterThan(20);
  });

  it('with the default tag-only image, digest pinning (PCL-K8S-040) is the one documented exception', () => {
    const f = findings(renderInstallManifests());
    expect(f.map((x) => `${x.checkId} ${x.resource}`)).toEqual(['PCL-K8S-040 Deployment/portcullis/portcullis']);
  });

  it('the checks do run on the Deployment: weakening it produces findings', () => {
    const text = renderInstallManifests({ image: DIGEST_IMAGE })
      .replace('readOnlyRootFilesystem: true', 'readOnlyRootFilesystem: false')
      .replace('allowPrivilegeEscalation: false', 'allowPrivilegeEscalation: true');
    expect(findings(text).map((x) => x.checkId).sort()).toEqual(['PCL-K8S-021', 'PCL-K8S-050']);
  });
});

describe('renderInstallManifests: the Deployment', () => {
  it('runs non-root with a read-only root, no privileges, requests and a memory limit, HTTPS probes', () => {
    const pod = podSpecOf(render());
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const c = pod.containers[0]!;
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(c.resources.requests).toEqual({ cpu: '100m', memory: '128Mi' });
    expect(c.resources.limits?.memory).toBeDefined();
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'https', scheme: 'HTTPS' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'https', scheme: 'HTTPS' });
    expect(c.volumeMounts.find((m) => m.mountPath === '/tmp')?.name).toBe('tmp');
    expect(pod.volumes.find((v) => v.name === 'tmp')).toHaveProperty('emptyDir');
    expect(pod.volumes.find((v) => v.name === 'tls')).toMatchObject({ secret: { secretName: 'portcullis-tls' } });
    expect(pod.volumes.find((v) => v.name === 'policies')).toMatchObject({ configMap: { name: 'portcullis-policies' } });
  });

  it('serves with the flags of portcullis serve, its deadline below the API server timeout', () => {
    for (const timeoutSeconds of [3, 10, 30]) {
      const objs = render({ timeoutSeconds });
      const args = podSpecOf(objs).containers[0]!.args;
      expect(args).toContain('--policies=/etc/portcullis/policies');
      expect(args).toContain('--tls-cert=/etc/portcullis/tls/tls.crt');
      expect(args).toContain('--tls-key=/etc/portcullis/tls/tls.key');
      const server = Number(/^--timeout=(\d+)s$/.exec(args.find((a) => a.startsWith('--timeout='))!)![1]);
      expect(server).toBeGreaterThanOrEqual(1);
      expect(server).toBeLessThan(webhookOf(objs).timeoutSeconds);
    }
  });

  it('keeps two replicas apart with a PodDisruptionBudget; one replica gets none (it would block drains)', () => {
    const objs = render();
    expect((one(objs, 'Deployment').spec as { replicas: number }).replicas).toBe(2);
    expect(one(objs, 'PodDisruptionBudget').spec).toMatchObject({ minAvailable: 1 });
    const pod = podSpecOf(objs);
    expect(JSON.stringify(pod.affinity)).toContain('kubernetes.io/hostname');
    expect(render({ replicas: 1 }).some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });

  it('pins the image it is given', () => {
    expect(podSpecOf(render({ image: DIGEST_IMAGE })).containers[0]!.image).toBe(DIGEST_IMAGE);
  });
});

describe('renderInstallManifests: the webhook configuration', () => {
  it('has the required fields and safe defaults', () => {
    const wh = webhookOf(render());
    expect(wh.sideEffects).toBe('None');
    expect(wh.admissionReviewVersions).toEqual(['v1']);
    expect(wh.failurePolicy).toBe('Ignore');
    expect(wh.timeoutSeconds).toBe(10);
    expect(wh.clientConfig.service).toEqual({ name: 'portcullis', namespace: 'portcullis', path: '/validate', port: 443 });
    expect(wh.clientConfig.caBundle).toBeUndefined();
    expect(wh.name.split('.').length).toBeGreaterThanOrEqual(3);
  });

  it('excludes kube-system and its own namespace (and the extra ones) by kubernetes.io/metadata.name NotIn', () => {
    const wh = webhookOf(render({ namespace: 'gatekeeping', excludeNamespaces: ['monitoring', 'kube-system'] }));
    expect(wh.namespaceSelector.matchExpressions).toEqual([{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['gatekeeping', 'kube-system', 'monitoring'] }]);
  });

  it('reviews Pods and every Pod controller on CREATE and UPDATE', () => {
    const wh = webhookOf(render());
    const covered = wh.rules.flatMap((r) => r.resources.map((res) => `${r.apiGroups[0]}/${res}`));
    for (const want of ['/pods', '/replicationcontrollers', 'apps/deployments', 'apps/statefulsets', 'apps/daemonsets', 'apps/replicasets', 'batch/jobs', 'batch/cronjobs']) expect(covered).toContain(want);
    for (const r of wh.rules) expect(r.operations).toEqual(['CREATE', 'UPDATE']);
  });

  it('skips its own service account and the nodes in CEL match conditions', () => {
    const wh = webhookOf(render({ namespace: 'gatekeeping' }));
    const names = wh.matchConditions.map((m) => m.name);
    expect(new Set(names).size).toBe(names.length);
    expect(wh.matchConditions).toEqual([
      { name: 'exclude-portcullis', expression: 'request.userInfo.username != "system:serviceaccount:gatekeeping:portcullis"' },
      { name: 'exclude-nodes', expression: '!("system:nodes" in request.userInfo.groups)' },
    ]);
  });

  it('carries the CA bundle base64-encoded, from PEM or from base64', () => {
    const fromPem = webhookOf(render({ caBundle: caPem })).clientConfig.caBundle!;
    expect(fromPem).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
    const decoded = Buffer.from(fromPem, 'base64').toString('utf8');
    // The bundle is the CA that signed the serving certificate the script made.
    const ca = new X509Certificate(decoded);
    const leaf = new X509Certificate(readFileSync(join(certDir, 'tls.crt')));
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost('portcullis.portcullis.svc')).toBe('portcullis.portcullis.svc');
    expect(webhookOf(render({ caBundle: Buffer.from(caPem).toString('base64') })).clientConfig.caBundle).toBe(fromPem);
  });

  it('fails closed only when asked', () => {
    expect(webhookOf(render({ failurePolicy: 'Fail' })).failurePolicy).toBe('Fail');
  });

  it('with cert-manager: an Issuer, a Certificate for the Service names, and the CA injection annotation', () => {
    const objs = render({ certManager: true, namespace: 'gatekeeping' });
    const cert = one(objs, 'Certificate');
    expect(cert.spec).toMatchObject({ secretName: 'portcullis-tls', dnsNames: ['portcullis.gatekeeping.svc', 'portcullis.gatekeeping.svc.cluster.local'], issuerRef: { kind: 'Issuer', name: one(objs, 'Issuer').metadata.name } });
    expect(one(objs, 'ValidatingWebhookConfiguration').metadata.annotations).toEqual({ 'cert-manager.io/inject-ca-from': 'gatekeeping/portcullis' });
  });
});

describe('renderInstallManifests: RBAC', () => {
  const role = one(render(), 'ClusterRole') as Obj & { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> };

  it('has no wildcard and no verb beyond read and report writes', () => {
    for (const r of role.rules) {
      for (const v of [...r.apiGroups, ...r.resources, ...r.verbs]) expect(v).not.toContain('*');
      const writes = r.verbs.filter((v) => !['get', 'list', 'watch'].includes(v));
      if (writes.length > 0) {
        expect(r.apiGroups).toEqual(['wgpolicyk8s.io']);
        expect(writes.every((v) => ['create', 'update', 'patch', 'delete'].includes(v))).toBe(true);
      }
      for (const forbidden of ['secrets', 'escalate', 'bind', 'impersonate']) {
        expect([...r.resources, ...r.verbs]).not.toContain(forbidden);
      }
    }
  });

  it('grants get on secrets and serviceaccounts only when pull secrets are opted into', () => {
    const withSecrets = one(render({ pullSecrets: true }), 'ClusterRole') as unknown as { rules: Array<{ apiGroups: string[]; resources: string[]; verbs: string[] }> };
    const extra = withSecrets.rules.filter((r) => !role.rules.some((x) => JSON.stringify(x) === JSON.stringify(r)));
    expect(extra).toEqual([{ apiGroups: [''], resources: ['secrets', 'serviceaccounts'], verbs: ['get'] }]);
    const text = renderInstallManifests({ pullSecrets: true });
    expect(text).toMatch(/# pull secrets \(opt-in\).*\n {2}- apiGroups:\n {6}- ""\n {4}resources:\n {6}- secrets/);
    const args = (d: Record<string, unknown>) => JSON.stringify(d);
    expect(args(one(render({ pullSecrets: true }), 'Deployment'))).toContain('--pull-secrets');
    expect(args(one(render({}), 'Deployment'))).not.toContain('--pull-secrets');
  });

  it('reports: a Role and RoleBinding in its own namespace with only lease verbs, and serve --reports-cluster', () => {
    const objs = render({ namespace: 'team-sec', reports: true });
    const r = one(objs, 'Role') as unknown as { metadata: { namespace: string }; rules: unknown[] };
    expect(r.metadata.namespace).toBe('team-sec');
    expect(r.rules).toEqual([{ apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update'] }]);
    const b = one(objs, 'RoleBinding') as unknown as { metadata: { namespace: string }; roleRef: { kind: string; name: string }; subjects: Array<{ namespace: string }> };
    expect([b.metadata.namespace, b.roleRef.kind, b.subjects[0]!.namespace]).toEqual(['team-sec', 'Role', 'team-sec']);
    const container = podSpecOf(objs).containers[0] as unknown as { args: string[] };
    expect(container.args).toContain('--reports-cluster');
    expect(container.args).toContain('--namespace=team-sec');
    expect(renderInstallManifests({ reports: true })).toMatch(/# reports \(opt-in\): replicas elect.*\n {2}- apiGroups:\n {6}- coordination\.k8s\.io/);
    const off = render({});
    expect(off.some((o) => o.kind === 'Role' || o.kind === 'RoleBinding')).toBe(false);
    expect(JSON.stringify(one(off, 'Deployment'))).not.toContain('--reports-cluster');
  });

  it('explains every rule in the rendered YAML', () => {
    const text = renderInstallManifests();
    const roleText = text.slice(text.indexOf('kind: ClusterRole\n'), text.indexOf('kind: ClusterRoleBinding'));
    expect(roleText.match(/^ {2}# \S.*\n {2}- apiGroups:/gm)).toHaveLength(role.rules.length);
  });

  it('binds only its service account, and needs no namespaced Role', () => {
    const objs = render({ namespace: 'gatekeeping' });
    expect(one(objs, 'ClusterRoleBinding')).toMatchObject({ roleRef: { kind: 'ClusterRole', name: 'portcullis' }, subjects: [{ kind: 'ServiceAccount', name: 'portcullis', namespace: 'gatekeeping' }] });
    expect(objs.some((o) => o.kind === 'Role' || o.kind === 'RoleBinding')).toBe(false);
  });
});

describe('renderInstallManifests: PolicyReport CRDs', () => {
  const crds = render().filter((o) => o.kind === 'CustomResourceDefinition') as Array<Obj & { spec: { group: string; scope: string; names: { plural: string; kind: string }; versions: Array<{ name: string; served: boolean; storage: boolean; schema: { openAPIV3Schema: Record<string, unknown> } }> } }>;

  it('are apiextensions.k8s.io/v1 CRDs for wgpolicyk8s.io v1alpha2, namespaced and cluster-scoped', () => {
    expect(crds.map((c) => [c.apiVersion, c.metadata.name, c.spec.scope, c.spec.names.kind])).toEqual([
      ['apiextensions.k8s.io/v1', 'policyreports.wgpolicyk8s.io', 'Namespaced', 'PolicyReport'],
      ['apiextensions.k8s.io/v1', 'clusterpolicyreports.wgpolicyk8s.io', 'Cluster', 'ClusterPolicyReport'],
    ]);
    for (const c of crds) {
      expect(c.metadata.name).toBe(`${c.spec.names.plural}.${c.spec.group}`);
      expect(c.spec.versions.filter((v) => v.storage).map((v) => v.name)).toEqual(['v1alpha2']);
      expect(c.spec.versions.every((v) => v.served && v.schema.openAPIV3Schema.type === 'object')).toBe(true);
    }
  });

  it('accept the reports Portcullis writes (results of our library on our own Deployment)', () => {
    // Real results: the config library's policies evaluated on the rendered Deployment with the
    // tag-only image, so there are passes and a fail; then the report renderer's documents.
    const deployment = one(render(), 'Deployment') as unknown as Resource;
    const results: RuleResult[] = compileLibrary().policies.flatMap(({ policy }) => evaluatePolicy(policy, { resource: deployment }));
    expect(results.some((r) => r.status === 'fail')).toBe(true);
    const reports = toPolicyReports(results, { timestamp: new Date(0) });
    expect(reports.length).toBeGreaterThan(0);
    const ajv = new Ajv({ strict: false, validateFormats: false });
    for (const report of reports) {
      const crd = crds.find((c) => c.spec.names.kind === report.kind)!;
      const validate = ajv.compile(crd.spec.versions[0]!.schema.openAPIV3Schema);
      expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    }
    // …and refuse what they should: a severity outside the enum.
    const crd = crds[0]!;
    const bad = { ...reports[0]!, results: [{ ...reports[0]!.results[0]!, severity: 'urgent' }] };
    expect(ajv.compile(crd.spec.versions[0]!.schema.openAPIV3Schema)(bad)).toBe(false);
  });

  it('can be left out', () => {
    expect(render({ crds: false }).some((o) => o.kind === 'CustomResourceDefinition')).toBe(false);
  });
});

describe('renderInstallManifests: policies', () => {
  it('renders the given policy files into the ConfigMap the Deployment mounts', () => {
    const objs = render({ policiesConfigMap: 'team-policies', policies: [{ name: 'b.yaml', text: 'b: 1\n' }, { name: 'a.yml', text: 'a: 1\n' }] });
    const cm = one(objs, 'ConfigMap');
    expect(cm.metadata.name).toBe('team-policies');
    expect(Object.keys(cm.data as object)).toEqual(['a.yml', 'b.yaml']);
    expect(podSpecOf(objs).volumes.find((v) => v.name === 'policies')).toMatchObject({ configMap: { name: 'team-policies' } });
    expect(render().some((o) => o.kind === 'ConfigMap')).toBe(false);
  });
});

describe('renderInstallManifests: bad options', () => {
  const code = (o: InstallOptions) => {
    try {
      renderInstallManifests(o);
    } catch (e) {
      expect(e).toBeInstanceOf(InstallError);
      return [(e as InstallError).code, (e as InstallError).input];
    }
    return undefined;
  };

  it('refuses what cannot work, naming the option', () => {
    expect(code({ namespace: 'Bad_NS' })).toEqual(['BAD_OPTION', '--namespace']);
    expect(code({ namespace: 'kube-system' })).toEqual(['BAD_OPTION', '--namespace']);
    expect(code({ namespace: 'default' })).toEqual(['BAD_OPTION', '--namespace']);
    expect(code({ image: 'has space' })).toEqual(['BAD_OPTION', '--image']);
    expect(code({ replicas: 0 })).toEqual(['BAD_OPTION', '--replicas']);
    expect(code({ timeoutSeconds: 2 })).toEqual(['BAD_OPTION', '--timeout-seconds']);
    expect(code({ timeoutSeconds: 31 })).toEqual(['BAD_OPTION', '--timeout-seconds']);
    expect(code({ failurePolicy: 'Maybe' as 'Fail' })).toEqual(['BAD_OPTION', '--failure-policy']);
    expect(code({ caBundle: 'not a certificate' })).toEqual(['BAD_OPTION', '--ca-bundle']);
    expect(code({ caBundle: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' })).toEqual(['BAD_OPTION', '--ca-bundle']);
    expect(code({ certManager: true, caBundle: caPem })).toEqual(['BAD_OPTION', '--ca-bundle']);
    expect(code({ excludeNamespaces: ['UPPER'] })).toEqual(['BAD_OPTION', '--exclude-namespace']);
    expect(code({ policies: [{ name: '../x.yaml', text: '' }] })).toEqual(['BAD_OPTION', '../x.yaml']);
    expect(code({ policies: [{ name: 'big.yaml', text: 'x'.repeat(1_000_001) }] })).toEqual(['BAD_OPTION', '--policies']);
  });

  it('renders the mutating webhook only with mutation, pinning through /mutate and serve --pin-images', () => {
    expect(code({ mutation: false })).toBeUndefined();
    expect(render().some((o) => o.kind === 'MutatingWebhookConfiguration')).toBe(false);
    expect(podSpecOf(render()).containers[0]!.args).not.toContain('--pin-images');
    const objs = render({ mutation: true, failurePolicy: 'Fail', timeoutSeconds: 12, excludeNamespaces: ['team-x'] });
    const validating = webhookOf(objs);
    const m = (one(objs, 'MutatingWebhookConfiguration').webhooks as Array<Record<string, unknown>>)[0]!;
    expect(m.name).toBe('mutate.portcullis.dev');
    expect(m.clientConfig).toEqual({ ...(validating.clientConfig as object), service: { ...(validating.clientConfig as { service: object }).service, path: '/mutate' } });
    expect(m.sideEffects).toBe('None');
    expect(m.failurePolicy).toBe('Ignore');
    expect(m.reinvocationPolicy).toBe('IfNeeded');
    expect(m.timeoutSeconds).toBe(12);
    expect(m.namespaceSelector).toEqual(validating.namespaceSelector);
    expect(JSON.stringify(m.namespaceSelector)).toContain('team-x');
    expect(m.rules).toEqual(validating.rules);
    expect(podSpecOf(objs).containers[0]!.args).toContain('--pin-images');
    // The schema helper's kind table has no entry for it yet: the client-node model exists.
    MODEL_OF_KIND.MutatingWebhookConfiguration ??= 'V1MutatingWebhookConfiguration';
    expect(validateObject(one(objs, 'MutatingWebhookConfiguration'))).toEqual([]);
  });

  it('defaults to the package version for the image tag', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(INSTALL_DEFAULTS.image).toBe(`portcullis:${pkg.version}`);
  });
});
