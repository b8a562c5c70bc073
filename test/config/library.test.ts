// The built-in Kubernetes library run through the policy engine: a hardened Pod passes
// every check; each mutation of it fails exactly the checks it should, as a Pod and as the
// Pod template of a Deployment (autogen). Expected sets are read off the Pod Security
// Standards and the supply-chain chapter, not off the engine's output.
import { parseAllDocuments } from 'yaml';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileLibrary, type CompiledLibrary } from '../../src/config/k8s.js';
import { kubernetesChecks, LIBRARY, REGISTRY_POLICY } from '../../src/config/library/index.js';
import { registryPatterns } from '../../src/config/registries.js';
import { evaluatePolicy } from '../../src/policy/engine/index.js';
import type { Resource } from '../../src/policy/types.js';

const DIGEST = 'sha256:' + 'a'.repeat(64);
const IMAGE = `ghcr.io/acme/app:1.2.3@${DIGEST}`;

type Obj = Record<string, unknown>;
const clone = <T>(x: T): T => structuredClone(x);

function goodContainer(name = 'app'): Obj {
  return {
    name,
    image: IMAGE,
    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '64Mi' } },
    livenessProbe: { httpGet: { path: '/healthz', port: 8080 } },
    readinessProbe: { httpGet: { path: '/ready', port: 8080 } },
  };
}
// Init and ephemeral containers take no probes or resources here; the rest of the hardening applies.
const goodInit = (): Obj => ({ name: 'init', image: IMAGE, securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } } });
const goodEphemeral = (): Obj => ({ name: 'debug', image: IMAGE, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } });

function goodPod(): Resource {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'good', namespace: 'shop' },
    spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [goodContainer()] },
  };
}

const spec = (p: Resource) => p.spec as Obj;
const c0 = (p: Resource) => (spec(p).containers as Obj[])[0];
const sc0 = (p: Resource) => c0(p).securityContext as Obj;

function deployment(pod: Resource): Resource {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' }, ...(pod.metadata as Obj).annotations ? { annotations: (pod.metadata as Obj).annotations } : {} }, spec: clone(pod.spec) } } };
}
function cronJob(pod: Resource): Resource {
  return { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: clone(pod.spec) } } } } };
}
function job(pod: Resource): Resource {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'once' }, spec: { template: { spec: clone(pod.spec) } } };
}

interface Outcome {
  /** Check IDs with a failing rule; `ID!error` / `ID!warn` for those statuses. */
  failing: string[];
  /** Check IDs that gave a response and no failure. */
  passing: string[];
  rules: string[];
}

function evaluate(lib: CompiledLibrary, resource: Resource): Outcome {
  const failing = new Set<string>();
  const responded = new Set<string>();
  const rules: string[] = [];
  for (const { policy, check } of lib.policies) {
    for (const r of evaluatePolicy(policy, { resource, admission: { operation: 'CREATE' } })) {
      responded.add(check.id);
      rules.push(r.rule);
      if (r.status === 'fail') failing.add(check.id);
      else if (r.status === 'error' || r.status === 'warn') failing.add(`${check.id}!${r.status}`);
    }
  }
  const bad = new Set([...failing].map((f) => f.split('!')[0]));
  return { failing: [...failing].sort(), passing: [...responded].filter((id) => !bad.has(id)).sort(), rules };
}

let lib: CompiledLibrary;
let registryLib: CompiledLibrary;
beforeAll(() => {
  lib = compileLibrary();
  registryLib = compileLibrary({ allowedRegistries: registryPatterns(['ghcr.io/acme']) });
});

const ALL = kubernetesChecks().map((c) => c.id);
const WITHOUT_REGISTRY = kubernetesChecks().filter((c) => c.policy !== REGISTRY_POLICY).map((c) => c.id);

describe('the library as written', () => {
  it('holds one ClusterPolicy per check, each matching only Pods, with our annotations', () => {
    const docs = LIBRARY.flatMap((f) => parseAllDocuments(f.yaml).map((d) => d.toJS() as Obj));
    expect(docs).toHaveLength(ALL.length);
    for (const d of docs) {
      expect(d.apiVersion).toBe('kyverno.io/v1');
      expect(d.kind).toBe('ClusterPolicy');
      const ann = (d.metadata as Obj).annotations as Record<string, string>;
      expect(ann['policies.kyverno.io/severity']).toMatch(/^(low|medium|high|critical)$/);
      expect(ann['portcullis.dev/check-id']).toMatch(/^PCL-K8S-\d{3}$/);
      expect(ann['portcullis.dev/inspired-by']).toBeTruthy();
      for (const rule of (d.spec as Obj).rules as Obj[]) {
        expect(rule.match).toEqual({ any: [{ resources: { kinds: ['Pod'] } }] });
        // Only what the engine evaluates: validate with pattern / anyPattern / deny / foreach.
        expect(Object.keys(rule).filter((k) => !['name', 'match', 'preconditions', 'context', 'validate'].includes(k))).toEqual([]);
        expect(Object.keys(rule.validate as Obj).filter((k) => !['message', 'pattern', 'anyPattern', 'deny', 'foreach'].includes(k))).toEqual([]);
      }
    }
    expect(new Set(ALL).size).toBe(ALL.length);
  });

  it('compiles in the engine; the registry check only when a list is given', () => {
    expect(lib.policies.map((p) => p.check.id).sort()).toEqual(WITHOUT_REGISTRY);
    expect(registryLib.policies.map((p) => p.check.id).sort()).toEqual(ALL);
    for (const { policy, check } of registryLib.policies) {
      expect(policy.ruleNames.some((r) => r.startsWith('autogen-'))).toBe(true);
      expect(check.policy).toBe(policy.name);
    }
  });
});

describe('a hardened Pod', () => {
  it('passes every check, as a Pod, a Deployment and a CronJob', () => {
    for (const r of [goodPod(), deployment(goodPod()), cronJob(goodPod())]) {
      const o = evaluate(registryLib, r);
      expect(o.failing).toEqual([]);
      // CronJob Pods are not probed (autogen-controllers leaves them out).
      expect(o.passing).toEqual(r.kind === 'CronJob' ? ALL.filter((id) => id !== 'PCL-K8S-053' && id !== 'PCL-K8S-054') : ALL);
    }
  });

  it('with hardened init and ephemeral containers still passes', () => {
    const p = goodPod();
    spec(p).initContainers = [goodInit()];
    spec(p).ephemeralContainers = [goodEphemeral()];
    expect(evaluate(registryLib, p).failing).toEqual([]);
  });

  it('other kinds get no response', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } };
    expect(evaluate(registryLib, svc)).toEqual({ failing: [], passing: [], rules: [] });
  });
});

type Mutation = [string, (p: Resource) => void, string[]];

const MUTATIONS: Mutation[] = [
  ['hostNetwork: true', (p) => void (spec(p).hostNetwork = true), ['PCL-K8S-001']],
  ['hostPID: true', (p) => void (spec(p).hostPID = true), ['PCL-K8S-001']],
  ['hostIPC: true', (p) => void (spec(p).hostIPC = true), ['PCL-K8S-001']],
  ['hostNetwork: false', (p) => void (spec(p).hostNetwork = false), []],
  ['privileged container', (p) => void (sc0(p).privileged = true), ['PCL-K8S-002']],
  ['privileged initContainer', (p) => void (spec(p).initContainers = [{ ...goodInit(), securityContext: { ...(goodInit().securityContext as Obj), privileged: true } }]), ['PCL-K8S-002']],
  ['privileged ephemeralContainer', (p) => void (spec(p).ephemeralContainers = [{ ...goodEphemeral(), securityContext: { ...(goodEphemeral().securityContext as Obj), privileged: true } }]), ['PCL-K8S-002']],
  ['add SYS_ADMIN', (p) => void ((sc0(p).capabilities as Obj).add = ['SYS_ADMIN']), ['PCL-K8S-003', 'PCL-K8S-026']],
  ['add CHOWN (baseline allows, restricted does not)', (p) => void ((sc0(p).capabilities as Obj).add = ['CHOWN']), ['PCL-K8S-026']],
  ['add NET_BIND_SERVICE', (p) => void ((sc0(p).capabilities as Obj).add = ['NET_BIND_SERVICE']), []],
  ['hostPath volume', (p) => void (spec(p).volumes = [{ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }]), ['PCL-K8S-004', 'PCL-K8S-020']],
  ['emptyDir volume', (p) => void (spec(p).volumes = [{ name: 'tmp', emptyDir: {} }]), []],
  ['nfs volume', (p) => void (spec(p).volumes = [{ name: 'share', nfs: { server: 'nfs', path: '/x' } }]), ['PCL-K8S-020']],
  ['hostPort 8080', (p) => void (c0(p).ports = [{ containerPort: 8080, hostPort: 8080 }]), ['PCL-K8S-005']],
  ['hostPort 0', (p) => void (c0(p).ports = [{ containerPort: 8080, hostPort: 0 }]), []],
  ['AppArmor annotation unconfined', (p) => void ((p.metadata as Obj).annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' }), ['PCL-K8S-006']],
  ['AppArmor annotation runtime/default', (p) => void ((p.metadata as Obj).annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'runtime/default' }), []],
  ['appArmorProfile Unconfined', (p) => void ((spec(p).securityContext as Obj).appArmorProfile = { type: 'Unconfined' }), ['PCL-K8S-006']],
  ['appArmorProfile Localhost', (p) => void (sc0(p).appArmorProfile = { type: 'Localhost', localhostProfile: 'k8s-app' }), []],
  ['seLinuxOptions.type spc_t', (p) => void ((spec(p).securityContext as Obj).seLinuxOptions = { type: 'spc_t' }), ['PCL-K8S-007']],
  ['seLinuxOptions.user', (p) => void (sc0(p).seLinuxOptions = { user: 'system_u' }), ['PCL-K8S-007']],
  ['seLinuxOptions.type container_t', (p) => void (sc0(p).seLinuxOptions = { type: 'container_t', level: 's0:c123,c456' }), []],
  ['procMount Unmasked', (p) => void (sc0(p).procMount = 'Unmasked'), ['PCL-K8S-008']],
  ['container seccomp Unconfined', (p) => void (sc0(p).seccompProfile = { type: 'Unconfined' }), ['PCL-K8S-009', 'PCL-K8S-024']],
  ['no seccomp profile at all', (p) => void delete (spec(p).securityContext as Obj).seccompProfile, ['PCL-K8S-024']],
  ['seccomp RuntimeDefault on the container instead of the Pod', (p) => {
    delete (spec(p).securityContext as Obj).seccompProfile;
    sc0(p).seccompProfile = { type: 'RuntimeDefault' };
  }, []],
  ['unsafe sysctl', (p) => void ((spec(p).securityContext as Obj).sysctls = [{ name: 'kernel.msgmax', value: '65536' }]), ['PCL-K8S-010']],
  ['safe sysctl', (p) => void ((spec(p).securityContext as Obj).sysctls = [{ name: 'net.ipv4.tcp_syncookies', value: '1' }]), []],
  ['hostProcess container', (p) => void (sc0(p).windowsOptions = { hostProcess: true }), ['PCL-K8S-011']],
  ['allowPrivilegeEscalation unset', (p) => void delete sc0(p).allowPrivilegeEscalation, ['PCL-K8S-021']],
  ['allowPrivilegeEscalation true', (p) => void (sc0(p).allowPrivilegeEscalation = true), ['PCL-K8S-021']],
  // The chapter's production variant of require-run-as-non-root, both ways.
  ['runAsNonRoot on every container instead of the Pod', (p) => {
    delete (spec(p).securityContext as Obj).runAsNonRoot;
    spec(p).containers = [goodContainer('a'), goodContainer('b')];
    for (const c of spec(p).containers as Obj[]) (c.securityContext as Obj).runAsNonRoot = true;
  }, []],
  ['runAsNonRoot nowhere', (p) => void delete (spec(p).securityContext as Obj).runAsNonRoot, ['PCL-K8S-022']],
  ['runAsNonRoot on one container of two', (p) => {
    delete (spec(p).securityContext as Obj).runAsNonRoot;
    spec(p).containers = [goodContainer('a'), goodContainer('b')];
    ((spec(p).containers as Obj[])[0].securityContext as Obj).runAsNonRoot = true;
  }, ['PCL-K8S-022']],
  ['runAsNonRoot on the Pod, overridden to false by a container', (p) => void (sc0(p).runAsNonRoot = false), ['PCL-K8S-022']],
  ['runAsUser 0 on the container', (p) => void (sc0(p).runAsUser = 0), ['PCL-K8S-023']],
  ['runAsUser 0 on the Pod', (p) => void ((spec(p).securityContext as Obj).runAsUser = 0), ['PCL-K8S-023']],
  ['runAsUser 1000', (p) => void (sc0(p).runAsUser = 1000), []],
  ['capabilities not dropped', (p) => void delete sc0(p).capabilities, ['PCL-K8S-025']],
  ['drop NET_RAW only', (p) => void (sc0(p).capabilities = { drop: ['NET_RAW'] }), ['PCL-K8S-025']],
  // The chapter's image story: a bare name is an implicit :latest that !*:latest cannot see.
  ['image nginx (bare)', (p) => void (c0(p).image = 'nginx'), ['PCL-K8S-040', 'PCL-K8S-042']],
  ['image nginx:latest', (p) => void (c0(p).image = 'nginx:latest'), ['PCL-K8S-040', 'PCL-K8S-041']],
  ['image nginx:1.27', (p) => void (c0(p).image = 'nginx:1.27'), ['PCL-K8S-040']],
  ['image localhost:5000/app (a port is not a tag)', (p) => void (c0(p).image = 'localhost:5000/app'), ['PCL-K8S-040', 'PCL-K8S-042']],
  ['image nginx@sha256 (digest, no tag)', (p) => void (c0(p).image = `nginx@${DIGEST}`), []],
  ['initContainer with a bare image', (p) => void (spec(p).initContainers = [{ ...goodInit(), image: 'busybox' }]), ['PCL-K8S-040', 'PCL-K8S-042']],
  ['readOnlyRootFilesystem false', (p) => void (sc0(p).readOnlyRootFilesystem = false), ['PCL-K8S-050']],
  ['initContainer with a writable root', (p) => void (spec(p).initContainers = [{ ...goodInit(), securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }]), ['PCL-K8S-050']],
  ['no resources', (p) => void delete c0(p).resources, ['PCL-K8S-051', 'PCL-K8S-052']],
  ['cpu request only', (p) => void (c0(p).resources = { requests: { cpu: '100m' }, limits: { memory: '64Mi' } }), ['PCL-K8S-051']],
  ['no memory limit', (p) => void (c0(p).resources = { requests: { cpu: '100m', memory: '64Mi' } }), ['PCL-K8S-052']],
  ['no livenessProbe', (p) => void delete c0(p).livenessProbe, ['PCL-K8S-053']],
  ['no readinessProbe', (p) => void delete c0(p).readinessProbe, ['PCL-K8S-054']],
];

describe.each([
  ['Pod', (p: Resource) => p],
  ['Deployment', deployment],
])('each check, as a %s', (kind, wrap) => {
  it.each(MUTATIONS)('%s', (_name, mutate, want) => {
    const p = goodPod();
    mutate(p);
    const o = evaluate(lib, wrap(p));
    expect(o.failing).toEqual(want);
    if (kind === 'Deployment') expect(o.rules.every((r) => r.startsWith('autogen-'))).toBe(true);
  });
});

describe('probes are for long-running workloads', () => {
  it('a Job or CronJob without probes passes; a Deployment does not', () => {
    const p = goodPod();
    delete c0(p).livenessProbe;
    delete c0(p).readinessProbe;
    expect(evaluate(lib, job(p)).failing).toEqual([]);
    expect(evaluate(lib, cronJob(p)).failing).toEqual([]);
    expect(evaluate(lib, deployment(p)).failing).toEqual(['PCL-K8S-053', 'PCL-K8S-054']);
  });
});

describe('allowed registries (PCL-K8S-043)', () => {
  it.each([
    [IMAGE, []],
    [`ghcr.io/acme/team/app@${DIGEST}`, []],
    [`ghcr.io/acmeevil/app@${DIGEST}`, ['PCL-K8S-043']],
    [`ghcr.io/other/app@${DIGEST}`, ['PCL-K8S-043']],
    [`nginx@${DIGEST}`, ['PCL-K8S-043']],
  ])('%s → %j', (image, want) => {
    const p = goodPod();
    c0(p).image = image;
    expect(evaluate(registryLib, p).failing).toEqual(want);
  });

  it('matches Docker Hub images through their normalized name', () => {
    const hub = compileLibrary({ allowedRegistries: registryPatterns(['docker.io']) });
    const p = goodPod();
    c0(p).image = `nginx@${DIGEST}`;
    expect(evaluate(hub, p).failing).toEqual([]);
    c0(p).image = IMAGE;
    expect(evaluate(hub, p).failing).toEqual(['PCL-K8S-043']);
  });
});
