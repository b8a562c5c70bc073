/**
 * Report writes in cluster mode: ReportStore snapshots upserted through the Kubernetes API as
 * wgpolicyk8s.io/v1alpha2 PolicyReports and ClusterPolicyReports, debounced (never one write
 * per request), with unchanged objects left alone and stale split parts deleted.
 */
import type { Resource } from '../policy/types.js';
import type { PolicyReportDoc } from '../report/policyreport.js';
import { compareStrings } from '../util/sort.js';
import { metadataOf } from './background.js';
import type { KubeClient } from './cluster.js';
import { REPORT_LABELS, type ReportStore } from './reports.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const REPORT_API = '/apis/wgpolicyk8s.io/v1alpha2';

function collectionPath(kind: string, namespace: string | undefined): string {
  return kind === 'PolicyReport' ? `${REPORT_API}/namespaces/${encodeURIComponent(namespace ?? '')}/policyreports` : `${REPORT_API}/clusterpolicyreports`;
}

function reportId(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** JSON with object keys sorted: the API server returns custom objects with sorted keys. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .sort(compareStrings)
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export interface WriteSummary {
  created: string[];
  updated: string[];
  unchanged: string[];
  deleted: string[];
}

export interface ClusterReportWriterOptions {
  /** Changes are written at most once per window (never per request). */
  debounceMs?: number;
  onWrite?: (s: WriteSummary) => void;
  onError?: (e: unknown) => void;
}

/**
 * Upserts report snapshots through the API: create, or update with the stored
 * resourceVersion (re-read once on a conflict); unchanged objects are not written; split
 * parts that are no longer needed are deleted. Writes are debounced and never overlap.
 */
export class ClusterReportWriter {
  private timer: NodeJS.Timeout | undefined;
  private inflight: Promise<void> | undefined;
  private dirty = false;
  private source: (() => PolicyReportDoc[]) | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: ClusterReportWriterOptions = {},
  ) {}

  /** Write the store's snapshot after changes (debounced); returns a detach function. */
  attach(store: ReportStore): () => void {
    this.source = () => store.snapshot();
    return store.onChange(() => this.schedule());
  }

  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, this.opts.debounceMs ?? 10_000);
    this.timer.unref();
  }

  /** Cancels a pending write and waits for one under way. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.inflight;
  }

  private run(): void {
    if (this.inflight) {
      this.dirty = true;
      return;
    }
    const source = this.source;
    if (!source) return;
    this.inflight = this.flush(source())
      .then((s) => this.opts.onWrite?.(s), (e: unknown) => this.opts.onError?.(e))
      .finally(() => {
        this.inflight = undefined;
        if (this.dirty) {
          this.dirty = false;
          this.schedule();
        }
      });
  }

  /** Make the cluster's Portcullis reports exactly `docs`. */
  async flush(docs: readonly PolicyReportDoc[]): Promise<WriteSummary> {
    const summary: WriteSummary = { created: [], updated: [], unchanged: [], deleted: [] };
    const labelSelector = Object.entries(REPORT_LABELS)
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    const [ns, cl] = await Promise.all([
      this.client.list(`${REPORT_API}/policyreports`, { labelSelector }),
      this.client.list(`${REPORT_API}/clusterpolicyreports`, { labelSelector }),
    ]);
    const existing = new Map<string, Resource>();
    for (const o of [...ns.items, ...cl.items]) {
      const md = metadataOf(o);
      existing.set(reportId(String(o.kind), typeof md.namespace === 'string' ? md.namespace : undefined, String(md.name)), o);
    }
    for (const doc of docs) {
      const id = reportId(doc.kind, doc.metadata.namespace, doc.metadata.name);
      const cur = existing.get(id);
      existing.delete(id);
      if (cur && canonical({ summary: cur.summary, results: cur.results ?? [] }) === canonical({ summary: doc.summary, results: doc.results })) {
        summary.unchanged.push(id);
        continue;
      }
      if (cur) {
        await this.update(doc, String(metadataOf(cur).resourceVersion ?? ''));
        summary.updated.push(id);
      } else {
        const res = await this.client.request('POST', collectionPath(doc.kind, doc.metadata.namespace), doc);
        if (res.status === 409) {
          // Created by someone else since the list: update it instead.
          await this.update(doc, await this.currentVersion(doc));
          summary.updated.push(id);
        } else if (res.status >= 200 && res.status < 300) summary.created.push(id);
        else throw this.client.failure('POST', collectionPath(doc.kind, doc.metadata.namespace), res);
      }
    }
    for (const [id, o] of [...existing.entries()].sort((a, b) => compareStrings(a[0], b[0]))) {
      const md = metadataOf(o);
      const path = `${collectionPath(String(o.kind), typeof md.namespace === 'string' ? md.namespace : undefined)}/${encodeURIComponent(String(md.name))}`;
      const res = await this.client.request('DELETE', path);
      if (res.status !== 404 && (res.status < 200 || res.status >= 300)) throw this.client.failure('DELETE', path, res);
      summary.deleted.push(id);
    }
    return summary;
  }

  private objectPath(doc: PolicyReportDoc): string {
    return `${collectionPath(doc.kind, doc.metadata.namespace)}/${encodeURIComponent(doc.metadata.name)}`;
  }

  private async currentVersion(doc: PolicyReportDoc): Promise<string> {
    const cur = await this.client.ok('GET', this.objectPath(doc));
    return String(metadataOf(cur).resourceVersion ?? '');
  }

  /** PUT with the resourceVersion; on 409 Conflict, re-read it and try once more. */
  private async update(doc: PolicyReportDoc, resourceVersion: string): Promise<void> {
    const body = (rv: string) => ({ ...doc, metadata: { ...doc.metadata, resourceVersion: rv } });
    let res = await this.client.request('PUT', this.objectPath(doc), body(resourceVersion));
    if (res.status === 409) res = await this.client.request('PUT', this.objectPath(doc), body(await this.currentVersion(doc)));
    if (res.status < 200 || res.status >= 300) throw this.client.failure('PUT', this.objectPath(doc), res);
  }
}
