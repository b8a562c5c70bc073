// End to end over HTTPS on 127.0.0.1 (random port, the client trusting the generated CA):
// real AdmissionReview payloads in, the answers compared with reviewAdmission computed directly.
import { rmSync } from 'node:fs';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicySet, reviewAdmission, type PolicySet } from '../../src/admission/index.js';
import { ReportStore } from '../../src/admission/reports.js';
import type { RuleResult } from '../../src/policy/types.js';
import { REVIEW_NAMES, metricValue, policyDir, postReview, reviewFixture, send, startTestServer, waitFor, withUid, type TestServer } from './server-helpers.js';

type Response = { uid: string; allowed: boolean; warnings?: string[]; auditAnnotations?: Record<string, string>; status?: { code: number; message: string } };

describe.each(['Audit', 'Enforce'] as const)('the Bookstore policy in %s, over HTTPS', (action) => {
  let dir: string;
  let t: TestServer;
  let set: PolicySet;
  beforeAll(async () => {
    dir = policyDir(action);
    set = loadPolicySet(dir);
    t = await startTestServer(dir);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(REVIEW_NAMES)('%s: the answer is reviewAdmission’s, with the same uid', async (name) => {
    const review = reviewFixture(name);
    const res = await postReview(t, review);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-portcullis-policy-set']).toBe(set.version);
    const body = res.json();
    expect(body).toEqual(reviewAdmission(review, set).review);
    expect((body.response as Response).uid).toBe((review.request as { uid: string }).uid);
  });

  it('Pod create: Audit allows with warnings; Enforce denies naming every failing rule', async () => {
    const res = (await postReview(t, reviewFixture('pod-create'))).json().response as Response;
    const rules = ['disallow-latest-tag', 'require-image-digest', 'require-run-as-non-root'].map((r) => `bookstore-image-supply-chain/${r}`);
    if (action === 'Audit') {
      expect(res.allowed).toBe(true);
      expect(res.warnings?.map((w) => w.split(': ')[0])).toEqual(rules);
      expect(res.auditAnnotations?.['audit-failures']).toBe(rules.join(','));
    } else {
      expect(res.allowed).toBe(false);
      expect(res.status?.code).toBe(403);
      for (const r of rules) expect(res.status?.message).toContain(`\n${r}: validation error: `);
    }
  });

  it('the namespace the policy does not match is untouched, in either mode', async () => {
    const res = (await postReview(t, reviewFixture('pod-create-default-ns'))).json().response as Response;
    expect(res).toEqual({ uid: 'c4e6a8b0-d2f4-4a6c-8e0b-3d5f7a9c1e23', allowed: true });
  });

  it('the apiserver’s ?timeout=10s query does not change the route', async () => {
    const review = reviewFixture('pod-create');
    const res = await postReview(t, review, '/validate?timeout=10s');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual(reviewAdmission(review, set).review);
  });

  it('/mutate answers allowed with no patch (image pinning fills it later)', async () => {
    const res = await postReview(t, reviewFixture('deployment-create'), '/mutate');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: '2c4e6a8c-0e2a-4c6e-8a0c-6b8d0f2a4c56', allowed: true } });
  });
});

describe('the server around the core', () => {
  let dir: string;
  let t: TestServer;
  const recorded: Array<{ results: RuleResult[]; process: string }> = [];
  beforeAll(async () => {
    dir = policyDir('Audit');
    t = await startTestServer(dir, { reports: { record: (results, process) => void recorded.push({ results, process }) } });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['malformed JSON', '{"apiVersion": "admission.k8s.io/v1", "kind": ', /not JSON/],
    ['an empty body', '', /empty body/],
    ['v1beta1', JSON.stringify({ ...reviewFixture('pod-create'), apiVersion: 'admission.k8s.io/v1beta1' }), /apiVersion/],
    ['a Pod instead of a review', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }), /apiVersion/],
    ['a review without uid', JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { kind: {} } }), /request\.uid/],
    ['JSON 10,000 levels deep', '['.repeat(10_000) + ']'.repeat(10_000), /deeper/],
  ])('%s → 400 with the reason', async (_n, body, reason) => {
    const res = await send(t, 'POST', '/validate', body);
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ code: 'BAD_REQUEST' });
    expect(String(res.json().message)).toMatch(reason);
  });

  it('a body that is not JSON by content type → 400; unknown paths → 404; too large → 413', async () => {
    const wrongType = await send(t, 'POST', '/validate', JSON.stringify(reviewFixture('pod-create')), { 'content-type': 'text/plain' });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json().message).toMatch(/content type/);
    expect((await send(t, 'GET', '/validate')).status).toBe(404);
    expect((await send(t, 'POST', '/nope', '{}')).status).toBe(404);
    const huge = await send(t, 'POST', '/validate', Buffer.alloc(17 * 1024 * 1024, 0x20));
    expect(huge.status).toBe(413);
    await waitFor(() => t.lines.some((l) => l.msg === 'admission request' && l.code === 413));
    // And it still serves.
    expect((await postReview(t, reviewFixture('pod-create'))).status).toBe(200);
  });

  it('health, readiness and metrics', async () => {
    expect((await send(t, 'GET', '/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await send(t, 'GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ready', policySet: t.store.current!.version, policies: 3 });
    await postReview(t, reviewFixture('pod-create'));
    const m = (await send(t, 'GET', '/metrics')).text;
    expect(metricValue(m, 'portcullis_admission_requests_total', { endpoint: 'validate', code: '200' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(m, 'portcullis_admission_requests_total', { endpoint: 'validate', code: '400' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(m, 'portcullis_admission_rule_results_total', { policy: 'bookstore-image-supply-chain', rule: 'disallow-latest-tag', result: 'fail', action: 'Audit' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(m, 'portcullis_admission_request_duration_seconds_count', { endpoint: 'validate' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(m, 'portcullis_policy_load_errors_total')).toBe(0);
    expect(metricValue(m, 'portcullis_policies_loaded')).toBe(3);
    expect(metricValue(m, 'portcullis_policy_set_info', { version: t.store.current!.version })).toBe(1);
    expect(metricValue(m, 'portcullis_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('one JSON log line per request: uid, kind, namespace/name, operation, decision, duration', async () => {
    await postReview(t, withUid(reviewFixture('deployment-update'), 'log-line-uid'));
    await waitFor(() => t.lines.some((l) => l.uid === 'log-line-uid'));
    const line = t.lines.find((l) => l.uid === 'log-line-uid')!;
    expect(line).toMatchObject({ msg: 'admission request', endpoint: 'validate', code: 200, kind: 'apps/v1/Deployment', resource: 'bookstore/catalog', operation: 'UPDATE', decision: 'allowed', warnings: 2, dryRun: false });
    expect(typeof line.durationMs).toBe('number');
    expect(t.lines.filter((l) => l.uid === 'log-line-uid')).toHaveLength(1);
  });

  it('reports get the results after the answer, and nothing for dry runs', async () => {
    recorded.length = 0;
    await postReview(t, reviewFixture('pod-create-dryrun'));
    await postReview(t, withUid(reviewFixture('pod-create'), 'report-uid'));
    await waitFor(() => recorded.length >= 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.process).toBe('admission review');
    expect(recorded[0]!.results.map((r) => r.status)).toEqual(['fail', 'fail', 'fail']);
  });

  it("engineer R's ReportStore fits the sink: a PolicyReport for the namespace after a review", async () => {
    const store = new ReportStore();
    const d = policyDir('Audit');
    const s = await startTestServer(d, { reports: store });
    try {
      await postReview(s, reviewFixture('pod-create'));
      await waitFor(() => store.snapshot().length > 0);
      const [report] = store.snapshot();
      expect(report).toMatchObject({ kind: 'PolicyReport', metadata: { namespace: 'bookstore' }, summary: { fail: 3 } });
    } finally {
      await s.close();
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('a throwing report sink is logged, not fatal', async () => {
    const d = policyDir('Audit');
    const s = await startTestServer(d, { reports: { record: () => { throw new Error('sink down'); } } });
    try {
      expect((await postReview(s, reviewFixture('pod-create'))).status).toBe(200);
      await waitFor(() => s.lines.some((l) => l.msg === 'report sink failed'));
      expect((await postReview(s, reviewFixture('pod-create'))).status).toBe(200);
    } finally {
      await s.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('before a policy set is loaded', () => {
  it('readyz is 503 and /validate answers 503 (the failurePolicy applies)', async () => {
    const d = policyDir('Audit');
    const s = await startTestServer(d, { load: false });
    try {
      expect((await send(s, 'GET', '/readyz')).status).toBe(503);
      const res = await postReview(s, reviewFixture('pod-create'));
      expect(res.status).toBe(503);
      expect(res.json().code).toBe('NOT_READY');
      await s.watcher.reload();
      expect((await send(s, 'GET', '/readyz')).status).toBe(200);
      expect((await postReview(s, reviewFixture('pod-create'))).status).toBe(200);
    } finally {
      await s.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});

describe('every request is answered before the timeout', () => {
  it('a client that trickles its body past the budget gets an error answer in time; others are served meanwhile', async () => {
    const d = policyDir('Audit');
    const s = await startTestServer(d, { timeoutMs: 1000 });
    try {
      const body = JSON.stringify(reviewFixture('pod-create'));
      const started = Date.now();
      let firstByteAt = 0;
      const answer = await new Promise<string>((resolve, reject) => {
        const sock = connect({ host: '127.0.0.1', port: s.port, ca: s.ca, servername: 'portcullis.portcullis.svc' }, () => {
          sock.write(`POST /validate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`);
          sock.write(body.slice(0, 100)); // and never the rest
        });
        let got = '';
        sock.on('data', (c: Buffer) => {
          firstByteAt ||= Date.now();
          got += c.toString('utf8');
        });
        sock.on('close', () => resolve(got));
        sock.on('error', reject);
        setTimeout(() => sock.destroy(), 3000);
      });
      // The app answers at 80% of the budget (500 TIMEOUT: the webhook's failurePolicy decides).
      expect(answer).toMatch(/^HTTP\/1\.1 500 /);
      expect(answer).toMatch(/"code":"TIMEOUT"/);
      expect(firstByteAt - started).toBeGreaterThanOrEqual(700);
      expect(firstByteAt - started).toBeLessThan(1000);
      // Logged and counted like any other answer, though the handler never ran.
      await waitFor(() => s.lines.some((l) => l.msg === 'admission request' && l.code === 500 && (l.error as { code?: string } | undefined)?.code === 'TIMEOUT'));
      const m = (await send(s, 'GET', '/metrics')).text;
      expect(metricValue(m, 'portcullis_admission_requests_total', { endpoint: 'validate', code: '500' })).toBe(1);
      expect((await postReview(s, reviewFixture('pod-create'))).status).toBe(200);

      // Headers that never end never reach a route: the socket-level backstop answers 408 and closes.
      const t0 = Date.now();
      const headersOnly = await new Promise<{ text: string; at: number }>((resolve, reject) => {
        const sock = connect({ host: '127.0.0.1', port: s.port, ca: s.ca, servername: 'portcullis.portcullis.svc' }, () => {
          sock.write('POST /validate HTTP/1.1\r\nHost: x\r\n');
        });
        let got = '';
        let at = 0;
        sock.on('data', (c: Buffer) => {
          at ||= Date.now();
          got += c.toString('utf8');
        });
        sock.on('close', () => resolve({ text: got, at }));
        sock.on('error', reject);
        setTimeout(() => sock.destroy(), 3000);
      });
      expect(headersOnly.text).toMatch(/^HTTP\/1\.1 408 /);
      expect(headersOnly.at - t0).toBeLessThan(1000);
    } finally {
      await s.close();
      rmSync(d, { recursive: true, force: true });
    }
  });
});
