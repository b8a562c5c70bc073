// Cluster mode against its HTTP contract. A kube-apiserver cannot run here, so
// cluster-recorded-api.ts stands in for it: an HTTPS server on 127.0.0.1 answering with
// recorded Kubernetes API responses (a kind v1.29 cluster's kube-system Pods and Deployment,
// custom-object and Status bodies; see test/fixtures/admission/k8s-api/SOURCE.md). The tests
// assert the requests the code makes — paths, verbs, query parameters, bodies — and what it
// makes of the answers: policy watch, background listing, report writes, readiness.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BackgroundScanner, compilePolicyDocs, scanOnce } from '../../src/admission/background.js';
import { ClusterReportWriter, KubeClient, listClusterResources, loadKubeConfig, SCAN_TARGETS, watchClusterPolicies } from '../../src/admission/cluster.js';
import { ReportStore, type ReportSink } from '../../src/admission/reports.js';
import { evaluatePolicies, loadPolicies } from '../../src/policy/index.js';
import type { Resource } from '../../src/policy/types.js';
import { asListItems, RecordedApi, TOKEN } from './cluster-recorded-api.js';
import { runCli } from './readiness-cli.js';
import { SERVICES, bookstoreResources, chapterPolicyFile, lifecycleDir, recorded, replicaSetAndPods } from './reports-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'portcullis-cluster-'));
let api: RecordedApi;

const recordedPods = recorded('kind-v1.29/pods-kube-system.json').items as Resource[];
const recordedDeployments = recorded('kind-v1.29/deployments-kube-system.json').items as Resource[];
const bookstore = bookstoreResources();
const chapterDoc = loadPolicies(readFileSync(chapterPolicyFile, 'utf8'), chapterPolicyFile)[0]!;
const everywhereDoc = loadPolicies(readFileSync(join(lifecycleDir, 'require-image-digest-everywhere.yaml'), 'utf8'), 'everywhere')[0]!;

/** The cluster the chapter builds: kind's kube-system (recorded) plus the Bookstore, as lists. */
function seedCluster(): void {
  const of = (kind: string) => bookstore.filter((r) => r.kind === kind);
  const kubeSystemNs: Resource = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } };
  api.builtins.set('/api/v1/namespaces', asListItems([kubeSystemNs, ...of('Namespace')]));
  api.builtins.set('/api/v1/pods', recordedPods);
  api.builtins.set('/apis/apps/v1/deployments', [...recordedDeployments, ...asListItems(of('Deployment'))]);
  api.apply('kyverno.io', 'v1', 'clusterpolicies', chapterDoc);
}

function client(opts: ConstructorParameters<typeof KubeClient>[1] = {}): KubeClient {
  return new KubeClient(loadKubeConfig({ kubeconfig: api.kubeconfig }), opts);
}

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  api = await RecordedApi.start(tmp);
});
afterAll(async () => {
  await api.close();
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  api.builtins.clear();
  api.custom.clear();
  api.clearRequests();
  seedCluster();
  api.clearRequests();
});

describe('KubeClient (the recorded API stands in for a kube-apiserver)', () => {
  it('lists page by page with limit/continue, restoring the apiVersion/kind list items lack; TLS checked against the kubeconfig CA', async () => {
    const { items, resourceVersion } = await client({ pageSize: 2 }).list('/api/v1/pods');
    expect(api.requests.map((r) => [r.method, r.path, r.query])).toEqual([
      ['GET', '/api/v1/pods', { limit: '2' }],
      ['GET', '/api/v1/pods', { limit: '2', continue: Buffer.from('2').toString('base64') }],
    ]);
    expect(api.requests.every((r) => r.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(items.map((p) => `${String(p.apiVersion)} ${String(p.kind)} ${(p.metadata as { name: string }).name}`)).toEqual([
      'v1 Pod coredns-76f75df574-6pgxc',
      'v1 Pod etcd-v1.29-control-plane',
      'v1 Pod kindnet-tnxdf',
    ]);
    expect(resourceVersion).toBe('518');
  });

  it('a wrong token is a CLUSTER_API error naming the Status; an untrusted certificate never gets that far', async () => {
    const bad = join(tmp, 'bad-token');
    writeFileSync(bad, RecordedApi.kubeconfigText(api.url, api.caPem, 'wrong'));
    await expect(new KubeClient(loadKubeConfig({ kubeconfig: bad })).list('/api/v1/pods')).rejects.toMatchObject({ code: 'CLUSTER_API', message: expect.stringContaining('401 Unauthorized') });
    const otherCa = join(tmp, 'other-ca');
    const foreign = readFileSync('/etc/ssl/certs/ca-certificates.crt', 'utf8').split('-----END CERTIFICATE-----')[0] + '-----END CERTIFICATE-----\n';
    writeFileSync(otherCa, RecordedApi.kubeconfigText(api.url, foreign, TOKEN));
    const before = api.requests.length;
    await expect(new KubeClient(loadKubeConfig({ kubeconfig: otherCa })).list('/api/v1/pods')).rejects.toMatchObject({ code: 'CLUSTER_API' });
    expect(api.requests.length).toBe(before);
    expect(() => loadKubeConfig({ kubeconfig: join(tmp, 'missing') })).toThrow(expect.objectContaining({ code: 'CLUSTER_API' }));
  });
});

describe('background listing and scan', () => {
  it('lists namespaces and every scan target across namespaces; the scan records background results', async () => {
    const input = await listClusterResources(client());
    expect(api.calls().sort()).toEqual(['GET /api/v1/namespaces', ...SCAN_TARGETS.map((t) => `GET ${t.path}`)].sort());
    expect(api.requests.every((r) => r.query.limit === '500')).toBe(true);
    expect(input.resources.map((r) => `${String(r.kind)}/${(r.metadata as { name: string }).name}`).sort()).toEqual(
      [...SERVICES.map((s) => `Deployment/${s}`), 'Deployment/coredns', 'Pod/coredns-76f75df574-6pgxc', 'Pod/etcd-v1.29-control-plane', 'Pod/kindnet-tnxdf'].sort(),
    );
    expect(input.namespaceLabels.get('bookstore')).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted', 'kubernetes.io/metadata.name': 'bookstore' });

    const store = new ReportStore();
    const scanner = new BackgroundScanner({ store, policies: () => compilePolicyDocs([{ doc: everywhereDoc, source: 'e' }]), list: () => listClusterResources(client()), intervalMs: 3_600_000 });
    const summary = await scanner.runOnce();
    await scanner.stop();
    expect(summary).toMatchObject({ resources: 8, policies: 1 });
    const docs = store.snapshot();
    expect(docs.map((d) => d.metadata.namespace)).toEqual(['bookstore', 'kube-system']);
    expect(docs[1]!.results.map((r) => `${r.resources[0]!.name}:${r.result}`).sort()).toEqual(
      ['coredns:fail', 'coredns-76f75df574-6pgxc:fail', 'etcd-v1.29-control-plane:fail', 'kindnet-tnxdf:fail'].sort(),
    );
    expect(docs.flatMap((d) => d.results).every((r) => r.properties.process === 'background scan')).toBe(true);
  });
});

describe('watchClusterPolicies', () => {
  it('lists, watches from the list resourceVersion, follows changes, re-lists after 410 Expired', async () => {
    const seen: Resource[][] = [];
    const watch = watchClusterPolicies(client(), (docs) => seen.push(docs), { debounceMs: 5, retryMs: 50 });
    try {
      await watch.ready;
      await until(() => seen.length === 1, 'the first set');
      expect(seen[0]!.map((d) => (d.metadata as { name: string }).name)).toEqual(['bookstore-image-supply-chain']);
      expect(compilePolicyDocs(seen[0]!.map((doc) => ({ doc, source: 'cluster' })))[0]!.ruleNames).toContain('autogen-require-image-digest');
      await api.waitForWatch('kyverno.io/v1/clusterpolicies');
      await api.waitForWatch('kyverno.io/v1/policies');
      const lists = api.requests.filter((r) => r.query.watch === undefined).map((r) => `${r.method} ${r.path}`);
      expect(lists.sort()).toEqual(['GET /apis/kyverno.io/v1/clusterpolicies', 'GET /apis/kyverno.io/v1/policies']);
      const w = api.requests.find((r) => r.query.watch === 'true' && r.path === '/apis/kyverno.io/v1/clusterpolicies')!;
      expect(w.query).toMatchObject({ watch: 'true', allowWatchBookmarks: 'true', resourceVersion: expect.stringMatching(/^\d+$/) });

      // kubectl apply of the policy in Enforce: a MODIFIED event.
      const enforce = structuredClone(chapterDoc) as { spec: Record<string, unknown> };
      enforce.spec.validationFailureAction = 'Enforce';
      api.apply('kyverno.io', 'v1', 'clusterpolicies', enforce as unknown as Resource);
      await until(() => seen.length === 2, 'the modified set');
      expect((seen[1]![0]!.spec as { validationFailureAction: string }).validationFailureAction).toBe('Enforce');

      // The watch falls out of the history window: the client lists again, then watches again.
      api.clearRequests();
      api.expireWatches('kyverno.io/v1/clusterpolicies');
      await until(() => api.calls().includes('GET /apis/kyverno.io/v1/clusterpolicies'), 're-list after 410');
      await api.waitForWatch('kyverno.io/v1/clusterpolicies');

      // A namespaced Policy appears, and the ClusterPolicy goes.
      api.apply('kyverno.io', 'v1', 'policies', { ...everywhereDoc, kind: 'Policy', metadata: { name: 'digests', namespace: 'bookstore' } });
      api.remove('kyverno.io', 'v1', 'clusterpolicies', 'bookstore-image-supply-chain');
      await until(() => seen.at(-1)!.length === 1 && seen.at(-1)![0]!.kind === 'Policy', 'the final set');
      expect(watch.current().map((d) => `${String(d.kind)}/${(d.metadata as { name: string }).name}`)).toEqual(['Policy/digests']);
    } finally {
      watch.stop();
    }
  });
});

describe('ClusterReportWriter', () => {
  const REPORTS = '/apis/wgpolicyk8s.io/v1alpha2';

  async function scannedStore(opts: ConstructorParameters<typeof ReportStore>[0] = {}): Promise<ReportStore> {
    const store = new ReportStore({ clock: () => new Date('2026-01-02T03:04:05Z'), ...opts });
    scanOnce(store, compilePolicyDocs([{ doc: everywhereDoc, source: 'e' }]), await listClusterResources(client()));
    api.clearRequests();
    return store;
  }

  it('creates one report per namespace, then leaves unchanged ones alone', async () => {
    const store = await scannedStore();
    const writer = new ClusterReportWriter(client());
    const first = await writer.flush(store.snapshot());
    expect(api.calls((r) => r.method === 'GET').sort()).toEqual([`GET ${REPORTS}/clusterpolicyreports`, `GET ${REPORTS}/policyreports`]);
    expect(api.calls((r) => r.method !== 'GET')).toEqual([`POST ${REPORTS}/namespaces/bookstore/policyreports`, `POST ${REPORTS}/namespaces/kube-system/policyreports`]);
    expect(api.requests.filter((r) => r.method === 'GET').every((r) => r.query.labelSelector === 'app.kubernetes.io/managed-by=portcullis')).toBe(true);
    const posted = api.requests.filter((r) => r.method === 'POST').map((r) => r.body);
    expect(posted).toEqual(store.snapshot());
    expect(first).toEqual({ created: ['PolicyReport/bookstore/portcullis-policy-report', 'PolicyReport/kube-system/portcullis-policy-report'], updated: [], unchanged: [], deleted: [] });

    // The API server hands the objects back with sorted keys and its own metadata: still unchanged.
    api.clearRequests();
    const second = await writer.flush(store.snapshot());
    expect(second.unchanged).toHaveLength(2);
    expect(api.calls().filter((c) => !c.startsWith('GET'))).toEqual([]);
  });

  it('updates with the stored resourceVersion, and once more after a 409 Conflict', async () => {
    const store = await scannedStore();
    const writer = new ClusterReportWriter(client());
    await writer.flush(store.snapshot());
    const digest = replicaSetAndPods(bookstore.find((r) => r.kind === 'Deployment')!, 1).pods[0]!;
    store.record(evaluatePolicies(compilePolicyDocs([{ doc: everywhereDoc, source: 'e' }]), { resource: digest }), 'admission review');
    // Someone else writes the report between our list and our update.
    api.before.set('PUT', () => api.touch('wgpolicyk8s.io', 'v1alpha2', 'policyreports', 'portcullis-policy-report', 'bookstore'));
    api.clearRequests();
    const s = await writer.flush(store.snapshot());
    expect(s.updated).toEqual(['PolicyReport/bookstore/portcullis-policy-report']);
    const path = `${REPORTS}/namespaces/bookstore/policyreports/portcullis-policy-report`;
    expect(api.calls().filter((c) => c.endsWith(path))).toEqual([`PUT ${path}`, `GET ${path}`, `PUT ${path}`]);
    const puts = api.requests.filter((r) => r.method === 'PUT').map((r) => (r.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion);
    expect(puts[0]).not.toBe(puts[1]); // the stale version, then the one just read
    const stored = api.custom.get('wgpolicyk8s.io/v1alpha2/policyreports')!.get('bookstore/portcullis-policy-report')!;
    expect((stored.results as unknown[]).length).toBe(store.snapshot().find((d) => d.metadata.namespace === 'bookstore')!.results.length);
  });

  it('split parts no longer needed are deleted', async () => {
    const store = await scannedStore({ maxResultsPerReport: 2 });
    const writer = new ClusterReportWriter(client());
    await writer.flush(store.snapshot());
    const names = () => [...api.custom.get('wgpolicyk8s.io/v1alpha2/policyreports')!.keys()].sort();
    expect(names()).toEqual(['bookstore/portcullis-policy-report-1', 'bookstore/portcullis-policy-report-2', 'kube-system/portcullis-policy-report-1', 'kube-system/portcullis-policy-report-2']);
    for (const d of store.snapshot()) if (d.metadata.namespace === 'kube-system') for (const r of d.results) store.forget(r.resources[0]!);
    api.clearRequests();
    const s = await writer.flush(store.snapshot());
    expect(s.deleted).toEqual(['PolicyReport/kube-system/portcullis-policy-report-1', 'PolicyReport/kube-system/portcullis-policy-report-2']);
    expect(api.calls().filter((c) => c.startsWith('DELETE'))).toEqual([
      `DELETE ${REPORTS}/namespaces/kube-system/policyreports/portcullis-policy-report-1`,
      `DELETE ${REPORTS}/namespaces/kube-system/policyreports/portcullis-policy-report-2`,
    ]);
    expect(names()).toEqual(['bookstore/portcullis-policy-report-1', 'bookstore/portcullis-policy-report-2']);
  });

  it('300 admission requests → one debounced write, never one object per request', async () => {
    const store = new ReportStore();
    const writes: unknown[] = [];
    const writer = new ClusterReportWriter(client(), { debounceMs: 100, onWrite: (s) => writes.push(s) });
    writer.attach(store);
    const sink: ReportSink = store; // what the admission server holds
    const policies = compilePolicyDocs([{ doc: chapterDoc, source: 'c' }]);
    const pods = bookstore.filter((r) => r.kind === 'Deployment').flatMap((d) => replicaSetAndPods(d, 75).pods);
    for (const p of pods) sink.record(evaluatePolicies(policies, { resource: p, admission: { operation: 'CREATE' } }), 'admission review');
    await until(() => writes.length === 1, 'the debounced write');
    await writer.close();
    expect(api.calls().filter((c) => c.startsWith('POST'))).toEqual([`POST ${REPORTS}/namespaces/bookstore/policyreports`]);
    const body = api.requests.find((r) => r.method === 'POST')!.body as { results: unknown[]; summary: { fail: number } };
    expect(body.results).toHaveLength(900); // 300 Pods × 3 rules, in one object
    expect(body.summary.fail).toBe(300);
  });
});

describe('readiness and promote --cluster', () => {
  it('readiness reads resources and policies from the cluster', async () => {
    api.apply('kyverno.io', 'v1', 'clusterpolicies', everywhereDoc);
    api.clearRequests();
    const r = await runCli(['readiness', '--cluster', '--kubeconfig', api.kubeconfig]);
    expect(r.code).toBe(0);
    expect(api.calls()).toContain('GET /apis/kyverno.io/v1/clusterpolicies');
    expect(r.stdout).toContain('bookstore-image-supply-chain (Audit, cluster:ClusterPolicy/bookstore-image-supply-chain)');
    expect(r.stdout).toContain('require-image-digest (Audit, cluster:ClusterPolicy/require-image-digest)');
    expect(r.stdout).toMatch(/kube-system +Deployment\/coredns +require-image-digest +Pod\/coredns-76f75df574-6pgxc +yes/);
    expect(r.stdout).toContain('namespaces: [kube-system]');
    expect(r.stdout).toContain('2 Audit policies assessed over 8 resources: 0 ready, 2 not ready');
  });

  it('promote --cluster refuses while the Bookstore images are unpinned', async () => {
    const f = join(tmp, 'promote-cluster.yaml');
    writeFileSync(f, readFileSync(chapterPolicyFile, 'utf8'));
    const r = await runCli(['policy', 'promote', f, '--to', 'Enforce', '--cluster', '--kubeconfig', api.kubeconfig]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n').filter((l) => l.startsWith('portcullis: refused:'))).toHaveLength(SERVICES.length);
    expect(api.calls().some((c) => c.startsWith('POST') || c.startsWith('PUT'))).toBe(false);
  });
});
