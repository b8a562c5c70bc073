// `portcullis serve` wired to reports, the background scan and cluster mode, end to end through
// startServe: AdmissionReviews over HTTPS in, PolicyReport files (offline) or API writes
// (cluster mode) out. Expected report contents are derived from the same fixtures through the
// pure cores (reviewAdmission, scanOnce), never written by hand.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOfflineInput, scanOnce } from '../../src/admission/background.js';
import { loadPolicySet, policySetFromDocs, reviewAdmission, ReportStore } from '../../src/admission/index.js';
import { startServe, type RunningServe } from '../../src/cli/commands/serve-run.js';
import { registerServe, type ServeFlags } from '../../src/cli/commands/serve.js';
import type { PolicyReportDoc } from '../../src/report/policyreport.js';
import type { Resource } from '../../src/policy/types.js';
import { asListItems, RecordedApi, type SeenRequest } from './cluster-recorded-api.js';
import { bookstoreDir, bookstoreResources, recorded } from './reports-fixtures.js';
import { metricValue, policyDir, postReview, reviewFixture, send, waitFor, withUid } from './server-helpers.js';

const work = mkdtempSync(join(tmpdir(), 'portcullis-serve-wiring-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const baseFlags = (over: Partial<ServeFlags>): ServeFlags => ({
  addr: '127.0.0.1:0',
  generateCert: true,
  caOut: join(work, `ca-${Math.random().toString(36).slice(2)}.pem`),
  serviceName: 'portcullis',
  namespace: 'portcullis',
  timeout: '8s',
  logLevel: 'silent',
  ...over,
});

/** Report results without their timestamps, comparable across two stores. */
function shape(doc: PolicyReportDoc): { kind: string; namespace?: string; summary: unknown; results: string[] } {
  return {
    kind: doc.kind,
    ...(doc.metadata.namespace ? { namespace: doc.metadata.namespace } : {}),
    summary: doc.summary,
    results: doc.results.map((r) => `${r.policy}/${r.rule} ${r.resources[0]!.kind}/${r.resources[0]!.name} ${r.result} (${r.properties.process})`),
  };
}

function client(running: RunningServe): { port: number; agent: Agent } {
  return { port: running.address.port, agent: new Agent({ ca: running.ca!, keepAlive: false }) };
}

describe('offline: --policies, --reports-dir, --background-resources', () => {
  let running: RunningServe;
  let dir: string;
  const reportsDir = join(work, 'reports');

  beforeAll(async () => {
    dir = policyDir('Audit');
    running = await startServe(
      baseFlags({ policies: [dir], reportsDir, reportInterval: '200ms', backgroundInterval: '1h', backgroundResources: [bookstoreDir] }),
    );
  });
  afterAll(async () => {
    await running?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reviewed requests and the background scan end up in PolicyReport files with the right results and summaries', async () => {
    const t = client(running);
    const reviews = [withUid(reviewFixture('pod-create'), 'wiring-1'), reviewFixture('pod-create-default-ns')];
    for (const r of reviews) expect((await postReview(t, r)).status).toBe(200);

    // What the files must say, derived independently: the scan of the same manifests with the
    // same policies, then the reviews' results, in one store.
    const set = loadPolicySet(dir);
    const expected = new ReportStore();
    scanOnce(expected, set.policies, loadOfflineInput({ paths: [bookstoreDir] }));
    for (const r of reviews) expected.record(reviewAdmission(r, set).results, 'admission review');
    const want = expected.snapshot();
    // Guards against a vacuous comparison: the review's failures and the scan's results are both in it.
    const bookstore = want.find((d) => d.metadata.namespace === 'bookstore')!;
    expect(bookstore.results.filter((r) => r.resources[0]!.name === 'web' && r.result === 'fail' && r.properties.process === 'admission review')).toHaveLength(3);
    expect(bookstore.results.some((r) => r.properties.process === 'background scan')).toBe(true);

    const file = join(reportsDir, 'policyreport-bookstore-portcullis-policy-report.yaml');
    const read = (): PolicyReportDoc[] =>
      readdirSync(reportsDir)
        .filter((f) => f.endsWith('.yaml'))
        .sort()
        .map((f) => parse(readFileSync(join(reportsDir, f), 'utf8')) as PolicyReportDoc);
    await waitFor(() => existsSync(file) && JSON.stringify(read().map(shape)) === JSON.stringify(want.map(shape)), 8000);
    const docs = read();
    expect(docs.map(shape)).toEqual(want.map(shape));
    expect(docs.map((d) => d.kind)).toContain('PolicyReport');
    const written = docs.find((d) => d.metadata.namespace === 'bookstore')!;
    const counted = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
    for (const r of written.results) counted[r.result]++;
    expect(written.summary).toEqual(counted);
    expect(written.summary.fail).toBeGreaterThanOrEqual(3);
    t.agent.destroy();
  });

  it('--policies and --cluster together, and --background-resources without --reports-dir, are usage errors (exit 2)', async () => {
    await expect(startServe(baseFlags({ policies: [dir], cluster: true }))).rejects.toMatchObject({ code: 'USAGE', exitCode: 2 });
    await expect(startServe(baseFlags({ policies: [dir], backgroundResources: [bookstoreDir] }))).rejects.toMatchObject({ code: 'USAGE', exitCode: 2 });
    await expect(startServe(baseFlags({ policies: [dir], backgroundInterval: 'hourly' }))).rejects.toMatchObject({ code: 'BAD_FLAG' });
    // Through commander, as `portcullis serve` parses its argv.
    const program = new Command().exitOverride();
    registerServe(program);
    await expect(program.parseAsync(['serve', '--policies', dir, '--cluster', '--generate-cert'], { from: 'user' })).rejects.toMatchObject({ code: 'USAGE', exitCode: 2 });
  });
});

// Cluster mode. A kube-apiserver cannot run here, so cluster-recorded-api.ts stands in for it:
// an HTTPS server on 127.0.0.1 answering with recorded Kubernetes API responses (see
// test/fixtures/admission/k8s-api/SOURCE.md). The policies come from its watched ClusterPolicy.
describe('cluster mode against the recorded-API stand-in', () => {
  let api: RecordedApi;
  let running: RunningServe;
  const CP = ['kyverno.io', 'v1', 'clusterpolicies'] as const;
  // Enforce on Pods in namespaces labelled restricted: matches only if the namespace labels
  // listed from the API reach the server's namespaceSelector.
  const policy = (action: 'Enforce' | 'Audit'): Resource => ({
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name: 'restricted-namespaces-require-digest' },
    spec: {
      validationFailureAction: action,
      background: true,
      rules: [
        {
          name: 'require-image-digest',
          match: { any: [{ resources: { kinds: ['Pod'], namespaceSelector: { matchLabels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } }] },
          validate: { message: 'Reference images by digest.', pattern: { spec: { containers: [{ image: '*@sha256:*' }] } } },
        },
      ],
    },
  });
  const servedVersion = () => policySetFromDocs([...api.custom.get(CP.join('/'))!.values()] as Resource[], 'cluster').version;
  const reportWrites = (r: SeenRequest) =>
    (r.method === 'POST' || r.method === 'PUT') && r.path.startsWith('/apis/wgpolicyk8s.io/v1alpha2/namespaces/bookstore/policyreports');

  beforeAll(async () => {
    const dir = mkdtempSync(join(work, 'api-'));
    api = await RecordedApi.start(dir);
    const bookstore = bookstoreResources();
    const kubeSystemNs: Resource = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kube-system', labels: { 'kubernetes.io/metadata.name': 'kube-system' } } };
    api.builtins.set('/api/v1/namespaces', asListItems([kubeSystemNs, ...bookstore.filter((r) => r.kind === 'Namespace')]));
    api.builtins.set('/api/v1/pods', recorded('kind-v1.29/pods-kube-system.json').items as Resource[]);
    api.builtins.set('/apis/apps/v1/deployments', asListItems(bookstore.filter((r) => r.kind === 'Deployment')));
    api.apply(...CP, policy('Enforce'));
    running = await startServe(baseFlags({ cluster: true, kubeconfig: api.kubeconfig, reportInterval: '1s', backgroundInterval: '1h' }));
  });
  afterAll(async () => {
    await running?.close();
    await api?.close();
  });

  it('serves the watched ClusterPolicy with listed namespace labels, and writes reports through the API in batches', async () => {
    const t = client(running);
    // Ready once the watched set is swapped in; the first scan lists namespaces and workloads.
    await waitFor(async () => (await send(t, 'GET', '/readyz')).status === 200, 8000);
    await waitFor(() => (running.reports?.stats.resources ?? 0) > 0, 8000);
    expect(api.calls()).toEqual(expect.arrayContaining(['GET /apis/kyverno.io/v1/clusterpolicies', 'GET /api/v1/namespaces', 'GET /apis/apps/v1/deployments']));

    const denied = await postReview(t, withUid(reviewFixture('pod-create'), 'cluster-1'));
    expect(denied.headers['x-portcullis-policy-set']).toBe(servedVersion());
    expect((denied.json().response as { allowed: boolean }).allowed).toBe(false);
    // Same Pod in a namespace without the label: the selector does not match.
    expect(((await postReview(t, reviewFixture('pod-create-default-ns'))).json().response as { allowed: boolean }).allowed).toBe(true);

    // The scan's report went out first; then three reviews inside one window make one write.
    await waitFor(() => api.requests.some(reportWrites), 8000);
    await new Promise((r) => setTimeout(r, 1500));
    api.clearRequests();
    for (const uid of ['cluster-2', 'cluster-3', 'cluster-4']) await postReview(t, withUid(reviewFixture('pod-create'), uid));
    await waitFor(() => api.requests.some(reportWrites), 8000);
    await new Promise((r) => setTimeout(r, 1500));
    const writes = api.requests.filter(reportWrites);
    expect(writes).toHaveLength(1);
    const body = writes[0]!.body as PolicyReportDoc;
    expect(writes[0]!.path).toMatch(/^\/apis\/wgpolicyk8s\.io\/v1alpha2\/namespaces\/bookstore\/policyreports(\/portcullis-policy-report)?$/);
    expect(body.kind).toBe('PolicyReport');
    expect(body.results.filter((r) => r.resources[0]!.name === 'web').map((r) => `${r.rule} ${r.result} ${r.properties.process}`)).toEqual([
      'require-image-digest fail admission review',
    ]);
    t.agent.destroy();
  });

  it('a policy change swaps the set; a set that does not compile keeps the old one serving', async () => {
    const t = client(running);
    const before = servedVersion();
    api.apply(...CP, { apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'broken' }, spec: { notAField: true, rules: [] } });
    await waitFor(async () => (metricValue((await send(t, 'GET', '/metrics')).text, 'portcullis_policy_load_errors_total') ?? 0) >= 1, 8000);
    const still = await postReview(t, reviewFixture('pod-create'));
    expect(still.headers['x-portcullis-policy-set']).toBe(before);
    expect((still.json().response as { allowed: boolean }).allowed).toBe(false);

    api.remove(...CP, 'broken');
    api.apply(...CP, policy('Audit'));
    const after = servedVersion();
    expect(after).not.toBe(before);
    await waitFor(async () => (await postReview(t, reviewFixture('pod-create'))).headers['x-portcullis-policy-set'] === after, 8000);
    expect(((await postReview(t, reviewFixture('pod-create'))).json().response as { allowed: boolean }).allowed).toBe(true);
    t.agent.destroy();
  });
});
