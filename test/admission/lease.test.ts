// Leader election for report writes. A kube-apiserver cannot run here, so a stand-in HTTP
// server on 127.0.0.1 (plain http, hence insecure-skip-tls-verify in its kubeconfig) answers the Lease API (GET/POST/PUT with resourceVersion conflicts, as
// the API server does) and records PolicyReport requests; the electors and writers under test
// are the real ones, talking HTTP through KubeClient.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ClusterReportWriter, KubeClient, loadKubeConfig } from '../../src/admission/cluster.js';
import { LeaseElector, writeWhileLeader } from '../../src/admission/lease.js';
import { ReportStore } from '../../src/admission/reports.js';

const LEASE_PATH = '/apis/coordination.k8s.io/v1/namespaces/portcullis/leases/portcullis-reports';
const tmp = mkdtempSync(join(tmpdir(), 'portcullis-lease-'));
let server: Server;
let kubeconfig = '';
let lease: Record<string, unknown> | undefined;
let rv = 0;
const reportRequests: Array<{ method: string; path: string; agent: string }> = [];

function send(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
const conflict = { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'Conflict', code: 409 };

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const body = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
      if (path.startsWith('/apis/wgpolicyk8s.io/')) {
        reportRequests.push({ method: req.method ?? '', path, agent: String(req.headers.authorization) });
        if (req.method === 'GET') return send(res, 200, { apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'List', items: [], metadata: { resourceVersion: String(rv) } });
        return send(res, 201, body);
      }
      if (req.method === 'GET' && path === LEASE_PATH) return lease ? send(res, 200, lease) : send(res, 404, { kind: 'Status', reason: 'NotFound', code: 404 });
      if (req.method === 'POST' && path === LEASE_PATH.slice(0, LEASE_PATH.lastIndexOf('/'))) {
        if (lease) return send(res, 409, { ...conflict, reason: 'AlreadyExists' });
        lease = { ...body, metadata: { ...(body.metadata as object), resourceVersion: String(++rv) } };
        return send(res, 201, lease);
      }
      if (req.method === 'PUT' && path === LEASE_PATH && lease) {
        const want = (body.metadata as { resourceVersion?: string }).resourceVersion;
        if (want !== (lease.metadata as { resourceVersion: string }).resourceVersion) return send(res, 409, conflict);
        lease = { ...body, metadata: { ...(body.metadata as object), resourceVersion: String(++rv) } };
        return send(res, 200, lease);
      }
      send(res, 404, { kind: 'Status', reason: 'NotFound', code: 404 });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  kubeconfig = join(tmp, 'kubeconfig');
  const user = (n: string) => `- name: ${n}\n  user:\n    token: ${n}\n`;
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true\nusers:\n${user('a')}${user('b')}contexts:\n- name: a\n  context: {cluster: c, user: a}\n- name: b\n  context: {cluster: c, user: b}\ncurrent-context: a\n`,
  );
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});
beforeEach(() => {
  lease = undefined;
  reportRequests.length = 0;
});

const client = (context: string) => new KubeClient(loadKubeConfig({ kubeconfig, context }));
const elector = (id: string, seconds = 15) => new LeaseElector(client(id), { namespace: 'portcullis', identity: id, leaseDurationSeconds: seconds, renewMs: 50 });

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('LeaseElector (a stand-in HTTP server plays the API server)', () => {
  it('two electors against one Lease: exactly one leads, and keeps leading while it renews', async () => {
    const a = elector('a');
    const b = elector('b');
    const results = await Promise.all([a.tryAcquire(), b.tryAcquire()]);
    expect(results.filter(Boolean)).toHaveLength(1);
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    const holder = a.isLeader() ? 'a' : 'b';
    expect((lease!.spec as { holderIdentity: string; leaseDurationSeconds: number }).holderIdentity).toBe(holder);
    expect((lease!.spec as { leaseDurationSeconds: number }).leaseDurationSeconds).toBe(15);
    for (let i = 0; i < 3; i++) expect(await Promise.all([a.tryAcquire(), b.tryAcquire()])).toEqual([holder === 'a', holder === 'b']);
  });

  it('the leader stops renewing: the other takes over only after the lease duration', async () => {
    const a = elector('a', 1);
    const b = elector('b', 1);
    expect(await a.tryAcquire()).toBe(true);
    expect(await b.tryAcquire()).toBe(false);
    await new Promise((r) => setTimeout(r, 400));
    expect(await b.tryAcquire()).toBe(false); // not expired yet
    await new Promise((r) => setTimeout(r, 800));
    expect(await b.tryAcquire()).toBe(true);
    expect((lease!.spec as { holderIdentity: string; leaseTransitions: number }).holderIdentity).toBe('b');
    expect((lease!.spec as { leaseTransitions: number }).leaseTransitions).toBe(1);
    expect(await a.tryAcquire()).toBe(false);
    expect(a.isLeader()).toBe(false);
  });

  it("only the leader's writer sends report requests; the follower keeps aggregating in memory", async () => {
    const stores = { a: new ReportStore(), b: new ReportStore() };
    const electors = { a: elector('a'), b: elector('b') };
    const writers = { a: new ClusterReportWriter(client('a'), { debounceMs: 20 }), b: new ClusterReportWriter(client('b'), { debounceMs: 20 }) };
    const detach = (['a', 'b'] as const).map((k) => writeWhileLeader(electors[k], writers[k], stores[k]));
    electors.a.start();
    await until(() => electors.a.isLeader(), 'a to lead');
    electors.b.start();
    await until(() => reportRequests.length > 0, 'a report write');
    await new Promise((r) => setTimeout(r, 200));
    expect(electors.b.isLeader()).toBe(false);
    expect(reportRequests.length).toBeGreaterThan(0);
    expect(reportRequests.every((r) => r.agent === 'Bearer a')).toBe(true);
    await Promise.all([electors.a.stop(), electors.b.stop()]);
    detach.forEach((d) => d());
    await Promise.all([writers.a.close(), writers.b.close()]);
  });
});
