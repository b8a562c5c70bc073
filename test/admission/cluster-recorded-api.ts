// A stand-in for the Kubernetes API server, which cannot run here: an HTTPS server on
// 127.0.0.1 (a throwaway CA made with openssl; a bearer token) that answers in the shapes the
// API server sends, taken from recorded responses (test/fixtures/admission/k8s-api/SOURCE.md):
// built-in lists without per-item apiVersion/kind, paged with limit/continue; custom objects
// created, updated with resourceVersion checks, deleted and listed with label selectors,
// answered with the recorded custom-object and Status bodies; watches as newline-delimited
// JSON events, including the recorded in-band 410 Expired. Every request is kept so tests can
// assert the HTTP contract: paths, verbs, query parameters and bodies.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Resource } from '../../src/policy/types.js';
import { k8sApiDir } from './reports-fixtures.js';

export const TOKEN = 'recorded-api-token';

export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  body?: unknown;
}

interface WatchConn {
  collection: string;
  res: ServerResponse;
}

const KINDS: Record<string, string> = {
  clusterpolicies: 'ClusterPolicy',
  policies: 'Policy',
  policyreports: 'PolicyReport',
  clusterpolicyreports: 'ClusterPolicyReport',
};
const CLUSTER_SCOPED = new Set(['clusterpolicies', 'clusterpolicyreports']);
const BUILTIN_KINDS: Record<string, { kind: string; apiVersion: string }> = {
  '/api/v1/pods': { kind: 'PodList', apiVersion: 'v1' },
  '/api/v1/namespaces': { kind: 'NamespaceList', apiVersion: 'v1' },
  '/api/v1/replicationcontrollers': { kind: 'ReplicationControllerList', apiVersion: 'v1' },
  '/apis/apps/v1/deployments': { kind: 'DeploymentList', apiVersion: 'apps/v1' },
  '/apis/apps/v1/replicasets': { kind: 'ReplicaSetList', apiVersion: 'apps/v1' },
  '/apis/apps/v1/daemonsets': { kind: 'DaemonSetList', apiVersion: 'apps/v1' },
  '/apis/apps/v1/statefulsets': { kind: 'StatefulSetList', apiVersion: 'apps/v1' },
  '/apis/batch/v1/jobs': { kind: 'JobList', apiVersion: 'batch/v1' },
  '/apis/batch/v1/cronjobs': { kind: 'CronJobList', apiVersion: 'batch/v1' },
};

function recordedText(path: string): string {
  return readFileSync(join(k8sApiDir, path), 'utf8');
}

/** Keys sorted at every level, as the API server's unstructured encoder writes custom objects. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

/** A recorded Status body with this object's name, group and resource filled in. */
function status(file: string, message: string, details: Record<string, unknown>): Record<string, unknown> {
  const body = JSON.parse(recordedText(file)) as Record<string, unknown>;
  return { ...body, message, details };
}

export class RecordedApi {
  readonly requests: SeenRequest[] = [];
  /** Built-in collections (all namespaces), items as the API server lists them. */
  readonly builtins = new Map<string, Resource[]>();
  /** Custom objects: `group/version/plural` → `namespace/name` → object. */
  readonly custom = new Map<string, Map<string, Record<string, unknown>>>();
  private rv = 600;
  /** Runs once, just before the next request with this method is answered (a concurrent writer). */
  readonly before = new Map<string, () => void>();
  private readonly watches: WatchConn[] = [];
  private readonly watchWaiters: Array<{ collection: string; resolve: () => void }> = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly kubeconfig: string,
    readonly caPem: string,
  ) {}

  /** Starts the server and writes a kubeconfig for it (CA data, bearer token) into `dir`. */
  static async start(dir: string): Promise<RecordedApi> {
    const key = join(dir, 'api.key');
    const cert = join(dir, 'api.crt');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
    const holder: { api?: RecordedApi } = {};
    const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (req, res) => void holder.api!.handle(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const caPem = readFileSync(cert, 'utf8');
    const kubeconfig = join(dir, 'kubeconfig');
    writeFileSync(kubeconfig, RecordedApi.kubeconfigText(url, caPem, TOKEN));
    holder.api = new RecordedApi(server, url, kubeconfig, caPem);
    return holder.api;
  }

  static kubeconfigText(server: string, caPem: string, token: string): string {
    return stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'recorded', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
      users: [{ name: 'tester', user: { token } }],
      contexts: [{ name: 'recorded', context: { cluster: 'recorded', user: 'tester' } }],
      'current-context': 'recorded',
    });
  }

  async close(): Promise<void> {
    for (const w of this.watches) w.res.end();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** Requests other than watches, as `METHOD path`. */
  calls(filter: (r: SeenRequest) => boolean = () => true): string[] {
    return this.requests.filter((r) => r.query.watch === undefined && filter(r)).map((r) => `${r.method} ${r.path}`);
  }

  clearRequests(): void {
    this.requests.length = 0;
  }

  // --- custom objects (the test acts as kubectl) ---------------------------------------------

  private collection(group: string, version: string, plural: string): Map<string, Record<string, unknown>> {
    const key = `${group}/${version}/${plural}`;
    let m = this.custom.get(key);
    if (!m) this.custom.set(key, (m = new Map()));
    return m;
  }

  private stamp(obj: Record<string, unknown>, group: string, version: string, plural: string, ns: string | undefined, prev?: Record<string, unknown>): Record<string, unknown> {
    const md = (obj.metadata ?? {}) as Record<string, unknown>;
    const pmd = (prev?.metadata ?? {}) as Record<string, unknown>;
    return sortKeys({
      ...obj,
      apiVersion: `${group}/${version}`,
      kind: KINDS[plural],
      metadata: {
        ...md,
        ...(ns ? { namespace: ns } : {}),
        creationTimestamp: pmd.creationTimestamp ?? '2023-12-13T17:27:03Z',
        generation: typeof pmd.generation === 'number' ? pmd.generation + 1 : 1,
        resourceVersion: String(++this.rv),
        uid: pmd.uid ?? randomUUID(),
      },
    }) as Record<string, unknown>;
  }

  /** Create or replace an object (as `kubectl apply` would) and tell the watchers. */
  apply(group: string, version: string, plural: string, obj: Resource): void {
    const md = obj.metadata as { name: string; namespace?: string };
    const ns = CLUSTER_SCOPED.has(plural) ? undefined : (md.namespace ?? 'default');
    const coll = this.collection(group, version, plural);
    const id = `${ns ?? ''}/${md.name}`;
    const prev = coll.get(id);
    const stored = this.stamp(obj, group, version, plural, ns, prev);
    coll.set(id, stored);
    this.emit(`${group}/${version}/${plural}`, prev ? 'MODIFIED' : 'ADDED', stored);
  }

  remove(group: string, version: string, plural: string, name: string, ns?: string): void {
    const coll = this.collection(group, version, plural);
    const id = `${ns ?? ''}/${name}`;
    const prev = coll.get(id);
    if (!prev) return;
    coll.delete(id);
    this.emit(`${group}/${version}/${plural}`, 'DELETED', { ...prev, metadata: { ...(prev.metadata as object), resourceVersion: String(++this.rv) } });
  }

  /** Another writer updated the object: its resourceVersion moves on. */
  touch(group: string, version: string, plural: string, name: string, ns?: string): void {
    const coll = this.collection(group, version, plural);
    const id = `${ns ?? ''}/${name}`;
    const prev = coll.get(id)!;
    coll.set(id, this.stamp(prev, group, version, plural, ns, prev));
  }

  /** Ends the watches on a collection with the recorded in-band 410 Expired event. */
  expireWatches(collection: string): void {
    const line = recordedText('status/watch-expired-410.jsonl');
    for (const w of this.watches.filter((x) => x.collection === collection)) {
      w.res.write(line);
      w.res.end();
    }
  }

  /** Resolves when a watch on the collection (`group/version/plural`) is open. */
  waitForWatch(collection: string): Promise<void> {
    if (this.watches.some((w) => w.collection === collection && !w.res.writableEnded)) return Promise.resolve();
    return new Promise((resolve) => this.watchWaiters.push({ collection, resolve }));
  }

  private emit(collection: string, type: string, object: unknown): void {
    for (const w of this.watches.filter((x) => x.collection === collection && !x.res.writableEnded)) w.res.write(`${JSON.stringify({ type, object })}\n`);
  }

  // --- the HTTP side ---------------------------------------------------------------------------

  private send(res: ServerResponse, code: number, body: unknown): void {
    const text = JSON.stringify(body) + '\n';
    res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const seen: SeenRequest = { method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), authorization: req.headers.authorization };
    if (raw) seen.body = JSON.parse(raw);
    this.requests.push(seen);
    const hook = this.before.get(seen.method);
    if (hook) {
      this.before.delete(seen.method);
      hook();
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      // The Status the API server answers an unknown token with (shape of the recorded Status bodies).
      return this.send(res, 401, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    const builtin = BUILTIN_KINDS[url.pathname];
    if (builtin && req.method === 'GET') return this.listBuiltin(url, res, builtin);
    const m = /^\/apis\/([^/]+)\/([^/]+)\/(?:namespaces\/([^/]+)\/)?([^/]+)(?:\/([^/]+))?$/.exec(url.pathname);
    if (!m || !KINDS[m[4]!]) return this.send(res, 404, status('status/not-found-404.json', `the server could not find the requested resource`, {}));
    const [, group, version, ns, plural, name] = m as unknown as [string, string, string, string | undefined, string, string | undefined];
    const coll = this.collection(group, version, plural);
    const details = (n: string) => ({ name: n, group, kind: plural });
    if (!name && req.method === 'GET' && url.searchParams.get('watch') === 'true') {
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      const conn = { collection: `${group}/${version}/${plural}`, res };
      this.watches.push(conn);
      res.flushHeaders();
      for (const w of this.watchWaiters.filter((x) => x.collection === conn.collection)) w.resolve();
      return;
    }
    if (!name && req.method === 'GET') {
      const selector = (url.searchParams.get('labelSelector') ?? '').split(',').filter(Boolean).map((s) => s.split('=') as [string, string]);
      const items = [...coll.entries()]
        .filter(([id]) => ns === undefined || id.startsWith(`${ns}/`))
        .map(([, o]) => o)
        .filter((o) => selector.every(([k, v]) => ((o.metadata as { labels?: Record<string, string> }).labels ?? {})[k] === v));
      // The recorded custom-resource list shape (custom-resource/list-200.json).
      return this.send(res, 200, { apiVersion: `${group}/${version}`, items, kind: `${KINDS[plural]}List`, metadata: { continue: '', resourceVersion: String(this.rv) } });
    }
    if (!name && req.method === 'POST') {
      const body = seen.body as Record<string, unknown>;
      const n = String((body.metadata as { name?: unknown }).name);
      const id = `${ns ?? ''}/${n}`;
      if (coll.has(id)) return this.send(res, 409, status('status/already-exists-409.json', `${plural}.${group} "${n}" already exists`, details(n)));
      const stored = this.stamp(body, group, version, plural, ns);
      coll.set(id, stored);
      return this.send(res, 201, stored);
    }
    const id = `${ns ?? ''}/${name}`;
    const cur = coll.get(id);
    if (!cur) return this.send(res, 404, status('status/not-found-404.json', `${plural}.${group} "${name}" not found`, details(name!)));
    if (req.method === 'GET') return this.send(res, 200, cur);
    if (req.method === 'PUT') {
      const body = seen.body as Record<string, unknown>;
      const want = (body.metadata as { resourceVersion?: unknown }).resourceVersion;
      if (want !== (cur.metadata as { resourceVersion: string }).resourceVersion) {
        return this.send(
          res,
          409,
          status('status/conflict-409.json', `Operation cannot be fulfilled on ${plural}.${group} "${name}": the object has been modified; please apply your changes to the latest version and try again`, details(name!)),
        );
      }
      const stored = this.stamp(body, group, version, plural, ns, cur);
      coll.set(id, stored);
      return this.send(res, 200, stored);
    }
    if (req.method === 'DELETE') {
      coll.delete(id);
      const ok = JSON.parse(recordedText('custom-resource/delete-200.json')) as Record<string, unknown>;
      return this.send(res, 200, { ...ok, details: { ...details(name!), uid: (cur.metadata as { uid: string }).uid } });
    }
    return this.send(res, 405, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'MethodNotAllowed', code: 405 });
  }

  /** A built-in list page (limit/continue), in the recorded list shape. */
  private listBuiltin(url: URL, res: ServerResponse, meta: { kind: string; apiVersion: string }): void {
    const all = this.builtins.get(url.pathname) ?? [];
    const limit = Number(url.searchParams.get('limit') ?? all.length) || all.length;
    const from = Number(Buffer.from(url.searchParams.get('continue') ?? '', 'base64').toString() || '0');
    const page = all.slice(from, from + limit);
    const next = from + limit < all.length ? Buffer.from(String(from + limit)).toString('base64') : undefined;
    this.send(res, 200, {
      kind: meta.kind,
      apiVersion: meta.apiVersion,
      metadata: { resourceVersion: '518', ...(next ? { continue: next, remainingItemCount: all.length - from - limit } : {}) },
      items: page,
    });
  }
}

/** Items as the API server lists them: no apiVersion/kind of their own. */
export function asListItems(resources: readonly Resource[]): Resource[] {
  return resources.map((r) => {
    const copy: Resource = { ...r };
    delete copy.apiVersion;
    delete copy.kind;
    return copy;
  });
}
