// Reliability: 10,000 requests to `portcullis serve` (a child process, Pod Security Standards plus
// the fixture policies) through 16 keep-alive connections: valid reviews interleaved with
// malformed JSON, wrong kinds, 5 MB objects and clients that trickle their body, while the
// policy directory is rewritten (Audit ↔ Enforce, and a broken set) mid-run. Every valid
// answer must equal reviewAdmission computed here with the set the server says it used; every
// bad one must be a 400; the process must survive with memory flat.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicySet, reviewAdmission, type PolicySet } from '../../src/admission/index.js';
import { startServeChild, type ServeChild } from './serve-child.js';
import { FIXTURES, REVIEW_NAMES, metricValue, reviewFixture, send, setBookstoreAction, withUid } from './server-helpers.js';

const TOTAL = 10_000;
const CONCURRENCY = 16;

/** A seeded generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Job =
  | { kind: 'valid'; review: Record<string, unknown> }
  | { kind: 'big'; review: Record<string, unknown> }
  | { kind: 'slow'; review: Record<string, unknown> }
  | { kind: 'malformed'; body: Buffer }
  | { kind: 'wrong'; body: Buffer };

/** A ConfigMap of ~5 MB in a CREATE review (no policy matches ConfigMaps: allowed). */
function bigReview(uid: string): Record<string, unknown> {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big', namespace: 'bookstore' }, data: { 'blob.txt': 'x'.repeat(5 * 1024 * 1024) } };
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid,
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      name: 'big',
      namespace: 'bookstore',
      operation: 'CREATE',
      userInfo: { username: 'kubernetes-admin', groups: ['system:authenticated'] },
      object: cm,
      oldObject: null,
      dryRun: false,
    },
  };
}

function makeJobs(rand: () => number): Job[] {
  const jobs: Job[] = [];
  const bodies = REVIEW_NAMES.map((n) => JSON.stringify(reviewFixture(n)));
  for (let i = 0; i < TOTAL; i++) {
    const r = rand();
    const pick = reviewFixture(REVIEW_NAMES[Math.floor(rand() * REVIEW_NAMES.length)]!);
    if (r < 0.005) jobs.push({ kind: 'big', review: bigReview(`big-${i}`) });
    else if (r < 0.01) jobs.push({ kind: 'slow', review: withUid(pick, `slow-${i}`) });
    else if (r < 0.1) {
      const b = bodies[i % bodies.length]!;
      const variants = [b.slice(0, Math.floor(rand() * b.length)), 'null x', '{"apiVersion":"admission.k8s.io/v1",,}', '\u0000\u0001garbage'];
      const v = variants[i % variants.length]!;
      // Invalid UTF-8 in the middle of an otherwise valid review, for good measure.
      jobs.push({ kind: 'malformed', body: i % 5 === 0 ? Buffer.concat([Buffer.from(b.slice(0, 50)), Buffer.from([0xff, 0xfe]), Buffer.from(b.slice(50, 80))]) : Buffer.from(v) });
    } else if (r < 0.2) {
      const variants: unknown[] = [
        { ...pick, apiVersion: 'admission.k8s.io/v1beta1' },
        { ...pick, kind: 'Pod' },
        (pick.request as { object: unknown }).object,
        { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { ...(pick.request as object), operation: 'PATCH' } },
        { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request: { ...(pick.request as object), object: [1, 2] } },
        [pick],
      ];
      jobs.push({ kind: 'wrong', body: Buffer.from(JSON.stringify(variants[i % variants.length])) });
    } else jobs.push({ kind: 'valid', review: withUid(pick, `valid-${i}`) });
  }
  return jobs;
}

/** A request written in ~10 pieces over ~300 ms on its own TLS connection. */
function slowRequest(port: number, ca: string, body: string): Promise<{ status: number; headers: Record<string, string>; text: string }> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host: '127.0.0.1', port, ca, servername: 'portcullis.portcullis.svc' }, () => {
      const buf = Buffer.from(body);
      sock.write(`POST /validate HTTP/1.1\r\nHost: portcullis\r\nContent-Type: application/json\r\nContent-Length: ${buf.length}\r\nConnection: close\r\n\r\n`);
      const step = Math.ceil(buf.length / 10);
      let off = 0;
      const tick = () => {
        sock.write(buf.subarray(off, off + step));
        off += step;
        if (off < buf.length) setTimeout(tick, 30);
      };
      tick();
    });
    let got = Buffer.alloc(0);
    sock.on('data', (c: Buffer) => (got = Buffer.concat([got, c])));
    sock.on('error', reject);
    sock.on('close', () => {
      const text = got.toString('utf8');
      const [head, ...rest] = text.split('\r\n\r\n');
      const lines = (head ?? '').split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines.slice(1)) {
        const i = l.indexOf(':');
        headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(lines[0]?.split(' ')[1]), headers, text: rest.join('\r\n\r\n') });
    });
  });
}

describe('10,000 requests with bad ones, slow ones, big ones and reloads in the middle', () => {
  let work: string;
  let dir: string;
  let s: ServeChild;
  const sets = new Map<string, PolicySet>();

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'portcullis-reliability-'));
    dir = join(work, 'policies');
    cpSync(join(FIXTURES, 'policies'), dir, { recursive: true });
    cpSync(join(FIXTURES, 'pss'), join(dir, 'pss'), { recursive: true });
    for (const action of ['Audit', 'Enforce'] as const) {
      setBookstoreAction(dir, action);
      const set = loadPolicySet(dir);
      sets.set(set.version, set);
    }
    setBookstoreAction(dir, 'Audit');
    s = await startServeChild({ policies: [dir] }, join(work, 'ca.pem'));
  });
  afterAll(async () => {
    if (s && s.child.exitCode === null) {
      s.child.kill('SIGKILL');
      await s.exited;
    }
    rmSync(work, { recursive: true, force: true });
  });

  // ~15-30 s on the 2-core box; the margin is for a box busy with other work.
  it('answers every valid request right, every bad one with 400, survives, memory flat; SIGTERM exits 0', { timeout: 150_000 }, async () => {
    const jobs = makeJobs(lcg(20261127));
    const agent = new Agent({ keepAlive: true, ca: s.ca, maxSockets: CONCURRENCY });
    const t = { port: s.port, agent };
    const failures: string[] = [];
    const counts: Record<string, number> = {};
    const memory: Array<{ at: number; rss: number; heap: number }> = [];
    const versionsSeen = new Set<string>();
    let reloadErrorsWritten = 0;

    const sample = async (at: number) => {
      const m = (await send(t, 'GET', '/metrics')).text;
      memory.push({ at, rss: metricValue(m, 'portcullis_process_resident_memory_bytes')!, heap: metricValue(m, 'portcullis_nodejs_heap_size_used_bytes')! });
    };

    // Policy changes while requests are in flight: Enforce, a broken set, fixed, Audit, Enforce.
    const changes = new Map<number, () => void>([
      [1500, () => setBookstoreAction(dir, 'Enforce')],
      [3500, () => (writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nspec: {{'), reloadErrorsWritten++)],
      [5000, () => rmSync(join(dir, 'broken.yaml'))],
      [6000, () => setBookstoreAction(dir, 'Audit')],
      [8000, () => setBookstoreAction(dir, 'Enforce')],
    ]);

    const check = async (i: number, job: Job) => {
      counts[job.kind] = (counts[job.kind] ?? 0) + 1;
      if (job.kind === 'malformed' || job.kind === 'wrong') {
        const res = await send(t, 'POST', '/validate', job.body);
        if (res.status !== 400 || (res.json() as { code?: string }).code !== 'BAD_REQUEST') failures.push(`#${i} ${job.kind}: ${res.status} ${res.text.slice(0, 200)}`);
        return;
      }
      const body = JSON.stringify(job.review);
      const res = job.kind === 'slow' ? await slowRequest(s.port, s.ca, body) : await send(t, 'POST', '/validate', body);
      const version = String(res.headers['x-portcullis-policy-set']);
      const set = sets.get(version);
      if (res.status !== 200 || !set) {
        failures.push(`#${i} ${job.kind}: ${res.status} set ${version} ${res.text.slice(0, 200)}`);
        return;
      }
      versionsSeen.add(version);
      const expected = reviewAdmission(job.review, set).review;
      if (JSON.stringify(JSON.parse(res.text)) !== JSON.stringify(expected)) failures.push(`#${i} ${job.kind}: answer differs from reviewAdmission (set ${version})`);
    };

    const started = Date.now();
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const i = next++;
        changes.get(i)?.();
        if (i % 250 === 0) await sample(i);
        try {
          await check(i, jobs[i]!);
        } catch (e) {
          failures.push(`#${i} ${jobs[i]!.kind}: ${(e as Error).message}`);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await sample(TOTAL);
    const seconds = (Date.now() - started) / 1000;

    expect(failures.slice(0, 20)).toEqual([]);
    expect(counts.valid! + counts.big! + counts.slow! + counts.malformed! + counts.wrong!).toBe(TOTAL);
    expect(counts.big).toBeGreaterThan(20);
    expect(counts.slow).toBeGreaterThan(20);
    // Both sets served (the reloads took effect), and only they did (the broken one never).
    expect([...versionsSeen].sort()).toEqual([...sets.keys()].sort());
    expect(s.child.exitCode).toBeNull();
    expect((await send(t, 'GET', '/healthz')).status).toBe(200);
    const m = (await send(t, 'GET', '/metrics')).text;
    expect(metricValue(m, 'portcullis_policy_load_errors_total')).toBe(reloadErrorsWritten);
    expect(metricValue(m, 'portcullis_admission_requests_total', { endpoint: 'validate', code: '400' })).toBe(counts.malformed! + counts.wrong!);

    // Memory flat. The heap is a GC sawtooth (5 MB bodies make garbage in bursts), so compare its
    // lower envelope, the live set: the lowest heap of the last 3,000 requests against the lowest
    // of 2,000–5,000 (after warm-up). RSS, which Node rarely gives back, gets a wider bound.
    const low = (from: number, to: number) => Math.min(...memory.filter((x) => x.at >= from && x.at < to).map((x) => x.heap));
    const early = low(2000, 5000);
    const late = low(7000, TOTAL + 1);
    const rssAfterWarmup = memory.find((x) => x.at >= 2000)!.rss;
    const peakRss = Math.max(...memory.map((x) => x.rss));
    console.log(
      `reliability: ${TOTAL} requests in ${seconds.toFixed(1)} s; ${JSON.stringify(counts)}; heap low ${mb(early)} → ${mb(late)} MB; rss ${mb(rssAfterWarmup)} → peak ${mb(peakRss)} MB`,
    );
    expect(late).toBeLessThan(early + 16 * 1024 * 1024);
    expect(peakRss).toBeLessThan(rssAfterWarmup + 256 * 1024 * 1024);

    // Logs: one JSON line per admission request (plus the server's own), nothing else on stderr.
    const requestLines = s.lines.filter((l) => l.msg === 'admission request');
    expect(requestLines.length).toBeGreaterThanOrEqual(TOTAL - 10); // the last lines may still be in the pipe
    expect(s.otherStderr).toEqual([]);

    agent.destroy();
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });
});

const mb = (n: number) => (n / 1024 / 1024).toFixed(0);
