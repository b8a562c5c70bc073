/**
 * Cluster mode: the Kubernetes API, through @kubernetes/client-node's KubeConfig (kubeconfig
 * file, contexts, exec/OIDC auth, in-cluster service account) and Watch.
 *
 * Requests are plain JSON over node:http(s) with the KubeConfig's TLS and credentials applied:
 * the policy engine wants objects exactly as the API server sends them, not the client's typed
 * models (which turn timestamps into Dates and drop unknown fields). Lists are paged; list
 * items get back the apiVersion/kind the API server leaves out of them.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { Resource } from '../policy/types.js';
import { compareStrings } from '../util/sort.js';
import { metadataOf, namespaceLabelsOf, type ScanInput } from './background.js';
import { LifecycleError } from './reports.js';

export interface KubeConfigOptions {
  /** A kubeconfig file; default $KUBECONFIG, ~/.kube/config, then the in-cluster service account. */
  kubeconfig?: string;
  context?: string;
  /** Use the Pod's service account (KUBERNETES_SERVICE_HOST/PORT and the mounted token). */
  inCluster?: boolean;
}

export function loadKubeConfig(opts: KubeConfigOptions = {}): KubeConfig {
  const kc = new KubeConfig();
  const input = opts.kubeconfig ?? (opts.inCluster ? 'in-cluster config' : 'default kubeconfig');
  try {
    if (opts.inCluster) kc.loadFromCluster();
    else if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
    if (opts.context) kc.setCurrentContext(opts.context);
  } catch (e) {
    throw new LifecycleError('CLUSTER_API', `cannot load kubeconfig: ${(e as Error).message.split('\n')[0]}`, { input, cause: e });
  }
  if (!kc.getCurrentCluster()) throw new LifecycleError('CLUSTER_API', 'no current cluster in the kubeconfig', { input });
  return kc;
}

export interface ApiResponse {
  status: number;
  body: unknown;
}

export interface KubeClientOptions {
  timeoutMs?: number;
  /** A response larger than this is refused (lists are paged, so pages stay small). */
  maxBodyBytes?: number;
  /** Items per list page. */
  pageSize?: number;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A one-line reason from a Kubernetes Status body. */
function statusText(res: ApiResponse): string {
  const b = res.body;
  if (isObject(b) && b.kind === 'Status') return `${res.status} ${String(b.reason ?? '')}: ${String(b.message ?? '')}`.trim();
  return `HTTP ${res.status}`;
}

/** JSON over HTTP(S) to the API server with the KubeConfig's credentials. */
export class KubeClient {
  private readonly timeoutMs: number;
  private readonly maxBodyBytes: number;
  private readonly pageSize: number;

  constructor(
    readonly kc: KubeConfig,
    opts: KubeClientOptions = {},
  ) {
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxBodyBytes = opts.maxBodyBytes ?? 64 * 1024 * 1024;
    this.pageSize = opts.pageSize ?? 500;
  }

  get server(): string {
    return this.kc.getCurrentCluster()!.server.replace(/\/+$/, '');
  }

  async request(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<ApiResponse> {
    const url = new URL(this.server + path);
    const opts: https.RequestOptions = {};
    await this.kc.applyToHTTPSOptions(opts);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const base = opts.headers && !Array.isArray(opts.headers) ? (opts.headers as http.OutgoingHttpHeaders) : {};
    const headers: http.OutgoingHttpHeaders = { ...base, accept: 'application/json', 'user-agent': 'portcullis' };
    if (payload) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = payload.length;
    }
    const send = url.protocol === 'http:' ? http.request : https.request;
    return new Promise<ApiResponse>((resolve, reject) => {
      const fail = (reason: string, cause?: unknown) => reject(new LifecycleError('CLUSTER_API', `${method} ${path}: ${reason}`, { input: this.server, cause }));
      const req = send(url, { method, agent: opts.agent, headers, auth: opts.auth, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > this.maxBodyBytes) {
            req.destroy();
            fail(`response larger than ${this.maxBodyBytes} bytes`);
            return;
          }
          chunks.push(c);
        });
        res.on('error', (e) => fail(e.message, e));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          if (text !== '') {
            try {
              parsed = JSON.parse(text);
            } catch {
              if ((res.statusCode ?? 0) < 400) return fail(`response is not JSON (${res.headers['content-type'] ?? 'no content type'})`);
            }
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no response in ${this.timeoutMs} ms`)));
      req.on('error', (e) => fail(e.message, e));
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** The CLUSTER_API error for a refused request, with the Status reason and message. */
  failure(method: string, path: string, res: ApiResponse): LifecycleError {
    return new LifecycleError('CLUSTER_API', `${method} ${path}: ${statusText(res)}`, { input: this.server });
  }

  /** A request that must succeed (2xx): the response body, else CLUSTER_API with the Status reason. */
  async ok(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<Record<string, unknown>> {
    const res = await this.request(method, path, body);
    if (res.status < 200 || res.status >= 300) throw this.failure(method, path, res);
    return isObject(res.body) ? res.body : {};
  }

  /** Every item of a collection, page by page (`limit`/`continue`), with apiVersion and kind filled in. */
  async list(path: string, query: Record<string, string> = {}): Promise<{ items: Resource[]; resourceVersion: string }> {
    const items: Resource[] = [];
    let cont = '';
    let resourceVersion = '';
    for (let page = 0; page < 100_000; page++) {
      const q = new URLSearchParams({ ...query, limit: String(this.pageSize), ...(cont ? { continue: cont } : {}) });
      const body = await this.ok('GET', `${path}?${q.toString()}`);
      const kind = typeof body.kind === 'string' ? body.kind.replace(/List$/, '') : '';
      const apiVersion = typeof body.apiVersion === 'string' ? body.apiVersion : '';
      for (const it of Array.isArray(body.items) ? body.items : []) {
        if (!isObject(it)) continue;
        items.push({ apiVersion, kind, ...it });
      }
      const md = isObject(body.metadata) ? body.metadata : {};
      resourceVersion = typeof md.resourceVersion === 'string' ? md.resourceVersion : resourceVersion;
      cont = typeof md.continue === 'string' ? md.continue : '';
      if (!cont) break;
    }
    return { items, resourceVersion };
  }

  /** A watch through the client's Watch (newline-delimited JSON events); `done` runs once when it ends. */
  watch(
    path: string,
    query: Record<string, string | boolean>,
    onEvent: (type: string, obj: Record<string, unknown>) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    return new Watch(this.kc).watch(path, query, (type: string, obj: unknown) => onEvent(type, isObject(obj) ? obj : {}), done);
  }
}

// --- policies -------------------------------------------------------------------------------

function objectKey(o: Record<string, unknown>): string {
  const md = isObject(o.metadata) ? o.metadata : {};
  return `${String(md.namespace ?? '')}/${String(md.name ?? '')}`;
}

/** list → watch from the list's resourceVersion → re-watch on close, re-list on 410 Gone or errors. */
class ListWatch {
  items = new Map<string, Resource>();
  listed = false;
  private rv = '';
  private stopped = false;
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: KubeClient,
    readonly path: string,
    private readonly update: () => void,
    private readonly onError: (e: unknown) => void,
    private readonly retryMs: number,
  ) {}

  start(): void {
    void this.cycle(true);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.controller?.abort();
  }

  private later(relist: boolean, ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.cycle(relist), ms);
    this.timer.unref();
  }

  private async cycle(relist: boolean): Promise<void> {
    if (this.stopped) return;
    try {
      if (relist) {
        const { items, resourceVersion } = await this.client.list(this.path);
        if (this.stopped) return;
        this.items = new Map(items.map((i) => [objectKey(i), i]));
        this.rv = resourceVersion;
        this.listed = true;
        this.update();
      }
      // 410 Gone (the resourceVersion fell out of the history window): list again at once.
      let gone = false;
      let failed = false;
      this.controller = await this.client.watch(
        this.path,
        { resourceVersion: this.rv, allowWatchBookmarks: true },
        (type, obj) => {
          const md = isObject(obj.metadata) ? obj.metadata : {};
          if (type === 'ERROR') {
            if (obj.code === 410) gone = true;
            else {
              failed = true;
              this.onError(new LifecycleError('CLUSTER_API', `watch ${this.path}: ${String(obj.reason ?? '')} ${String(obj.message ?? '')}`.trim()));
            }
            return;
          }
          if (typeof md.resourceVersion === 'string') this.rv = md.resourceVersion;
          if (type === 'ADDED' || type === 'MODIFIED') this.items.set(objectKey(obj), obj);
          else if (type === 'DELETED') this.items.delete(objectKey(obj));
          else return; // BOOKMARK: only the resourceVersion moves
          this.update();
        },
        (err: unknown) => {
          if (this.stopped) return;
          if (err && !(err instanceof Error && err.name === 'AbortError')) this.onError(err);
          if (err || failed) this.later(true, this.retryMs);
          else if (gone) this.later(true, 0);
          else this.later(false, 0); // the server ended the watch: resume from the last resourceVersion
        },
      );
      if (this.stopped) this.controller.abort();
    } catch (e) {
      this.onError(e);
      this.later(true, this.retryMs);
    }
  }
}

export interface ClusterPolicyWatch {
  /** Resolves once ClusterPolicies and Policies have both been listed. */
  readonly ready: Promise<void>;
  /** The current documents, sorted (ClusterPolicies, then Policies by namespace/name). */
  current(): Resource[];
  stop(): void;
}

export interface ClusterPolicyWatchOptions {
  retryMs?: number;
  /** Changes arriving within this window are delivered together. */
  debounceMs?: number;
  onError?: (e: unknown) => void;
}

/**
 * Watches kyverno.io/v1 ClusterPolicies and Policies; `onChange` receives every current
 * document (engineer S's `policySetFromDocs` turns them into a set) after the first lists
 * and after each change.
 */
export function watchClusterPolicies(client: KubeClient, onChange: (docs: Resource[]) => void, opts: ClusterPolicyWatchOptions = {}): ClusterPolicyWatch {
  const retryMs = opts.retryMs ?? 5000;
  const onError = opts.onError ?? (() => undefined);
  let timer: NodeJS.Timeout | undefined;
  let resolveReady!: () => void;
  const ready = new Promise<void>((r) => (resolveReady = r));
  const current = (): Resource[] => {
    const sorted = (m: Map<string, Resource>) => [...m.entries()].sort((a, b) => compareStrings(a[0], b[0])).map(([, v]) => v);
    return [...sorted(cluster.items), ...sorted(namespaced.items)];
  };
  const update = () => {
    if (!cluster.listed || !namespaced.listed) return;
    resolveReady();
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      onChange(current());
    }, opts.debounceMs ?? 100);
    timer.unref();
  };
  const cluster: ListWatch = new ListWatch(client, '/apis/kyverno.io/v1/clusterpolicies', update, onError, retryMs);
  const namespaced: ListWatch = new ListWatch(client, '/apis/kyverno.io/v1/policies', update, onError, retryMs);
  cluster.start();
  namespaced.start();
  return {
    ready,
    current,
    stop: () => {
      if (timer) clearTimeout(timer);
      cluster.stop();
      namespaced.stop();
    },
  };
}

/** The ClusterPolicies and Policies in the cluster now (for readiness and promote), named `cluster:Kind/name`. */
export async function listClusterPolicyDocs(client: KubeClient): Promise<Array<{ doc: Resource; source: string }>> {
  const [cluster, namespaced] = await Promise.all([client.list('/apis/kyverno.io/v1/clusterpolicies'), client.list('/apis/kyverno.io/v1/policies')]);
  return [...cluster.items, ...namespaced.items].map((doc) => {
    const md = metadataOf(doc);
    const ns = typeof md.namespace === 'string' ? `${md.namespace}/` : '';
    return { doc, source: `cluster:${String(doc.kind)}/${ns}${String(md.name)}` };
  });
}

// --- background listing ---------------------------------------------------------------------

/** What the background scan lists: Pods and the controllers that make them (autogen targets). */
export const SCAN_TARGETS: ReadonlyArray<{ kind: string; path: string }> = [
  { kind: 'Pod', path: '/api/v1/pods' },
  { kind: 'ReplicationController', path: '/api/v1/replicationcontrollers' },
  { kind: 'Deployment', path: '/apis/apps/v1/deployments' },
  { kind: 'ReplicaSet', path: '/apis/apps/v1/replicasets' },
  { kind: 'DaemonSet', path: '/apis/apps/v1/daemonsets' },
  { kind: 'StatefulSet', path: '/apis/apps/v1/statefulsets' },
  { kind: 'Job', path: '/apis/batch/v1/jobs' },
  { kind: 'CronJob', path: '/apis/batch/v1/cronjobs' },
];

/** Lists namespaces (for their labels) and the scan targets across all namespaces. */
export async function listClusterResources(client: KubeClient, targets = SCAN_TARGETS): Promise<ScanInput> {
  const [namespaces, ...lists] = await Promise.all([client.list('/api/v1/namespaces'), ...targets.map((t) => client.list(t.path))]);
  return { resources: lists.flatMap((l) => l.items), namespaceLabels: namespaceLabelsOf(namespaces.items) };
}

// Report writes live in cluster-reports.ts; re-exported here, the cluster-mode face.
export { ClusterReportWriter, type ClusterReportWriterOptions, type WriteSummary } from './cluster-reports.js';
