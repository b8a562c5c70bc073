// Shared by the admission server tests: fixtures, a policy directory per test, a server on
// 127.0.0.1 with a generated CA the client trusts, and a small HTTPS client.
import { cpSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import {
  createAdmissionServer,
  generateServingCertificate,
  PolicyStore,
  watchPolicies,
  type AdmissionReportSink,
  type AdmissionServer,
  type GeneratedCertificate,
  type PolicyWatcher,
} from '../../src/admission/index.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'admission');
export const REVIEWS = join(FIXTURES, 'reviews');

export function reviewFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REVIEWS, `${name}.json`), 'utf8')) as Record<string, unknown>;
}

export const REVIEW_NAMES = readdirSync(REVIEWS)
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.slice(0, -5))
  .sort();

/** The fixture policies copied to a fresh directory, the Bookstore policy set to `action`. */
export function policyDir(action: 'Audit' | 'Enforce', prefix = 'portcullis-policies-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(join(FIXTURES, 'policies'), dir, { recursive: true });
  setBookstoreAction(dir, action);
  return dir;
}

export function setBookstoreAction(dir: string, action: 'Audit' | 'Enforce'): void {
  const file = join(dir, 'bookstore', '70-kyverno-policy.yaml');
  const text = readFileSync(join(FIXTURES, 'policies', 'bookstore', '70-kyverno-policy.yaml'), 'utf8');
  const changed = text.replace('validationFailureAction: Audit', `validationFailureAction: ${action}`);
  if (action === 'Enforce' && changed === text) throw new Error('the Bookstore policy no longer says validationFailureAction: Audit');
  writeFileSync(file, changed);
}

/** A pino logger whose JSON lines land in `lines`. */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'debug' }, sink), lines };
}

let certPromise: Promise<GeneratedCertificate> | undefined;
/** One generated CA and serving certificate per test file (generation is cheap, but not free). */
export function testCertificate(): Promise<GeneratedCertificate> {
  certPromise ??= generateServingCertificate({ serviceName: 'portcullis', namespace: 'portcullis' });
  return certPromise;
}

export interface TestServer {
  readonly server: AdmissionServer;
  readonly store: PolicyStore;
  readonly watcher: PolicyWatcher;
  readonly port: number;
  readonly ca: string;
  readonly agent: Agent;
  readonly lines: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startTestServer(
  dir: string,
  opts: { timeoutMs?: number; reports?: AdmissionReportSink; bodyLimit?: number; debounceMs?: number; load?: boolean } = {},
): Promise<TestServer> {
  const cert = await testCertificate();
  const { logger, lines } = captureLogger();
  const store = new PolicyStore();
  const server = createAdmissionServer({
    policies: store,
    tls: cert,
    logger,
    ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
    ...(opts.reports ? { reports: opts.reports } : {}),
    ...(opts.bodyLimit ? { bodyLimit: opts.bodyLimit } : {}),
  });
  const watcher = watchPolicies(dir, store, { debounceMs: opts.debounceMs ?? 100 });
  if (opts.load ?? true) {
    const first = await watcher.reload();
    if (first.error) throw first.error;
  }
  const { port } = await server.listen('127.0.0.1', 0);
  const agent = new Agent({ keepAlive: true, ca: cert.ca, maxSockets: 16 });
  return {
    server,
    store,
    watcher,
    port,
    ca: cert.ca,
    agent,
    lines,
    async close() {
      watcher.close();
      agent.destroy();
      await server.close();
    },
  };
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): Record<string, unknown>;
}

/** One HTTPS request, trusting the test CA; the body is sent whole. */
export function send(
  t: { port: number; agent: Agent },
  method: string,
  path: string,
  body?: string | Buffer,
  headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' },
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: t.port, method, path, agent: t.agent, servername: 'portcullis.portcullis.svc', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) as Record<string, unknown> });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const postReview = (t: { port: number; agent: Agent }, review: unknown, path = '/validate') => send(t, 'POST', path, JSON.stringify(review));

/** A copy of a fixture review with a fresh uid (so an echoed uid proves which request it answers). */
export function withUid(review: Record<string, unknown>, uid: string): Record<string, unknown> {
  return { ...review, request: { ...(review.request as Record<string, unknown>), uid } };
}

/** A value of a Prometheus text exposition sample, by name and labels (all must match). */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const kv of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) have[kv[1]!] = kv[2]!;
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

export async function waitFor(cond: () => boolean | Promise<boolean>, timeoutMs = 5000, stepMs = 25): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
