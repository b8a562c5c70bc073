/**
 * PolicyReports from admission and background results, aggregated in memory.
 *
 * Reporting one object per request (or per resource) would flood etcd and the API server;
 * the store keeps the latest result per resource, policy and rule, and a snapshot groups
 * them into one PolicyReport per namespace and one ClusterPolicyReport, each split into
 * parts (`-1`, `-2`, …) well below etcd's 1.5 MB object limit. Writers (files here, the
 * Kubernetes API in cluster.ts) take snapshots; nothing is written per request.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { PortcullisError } from '../errors/index.js';
import type { ResourceRef, RuleResult } from '../policy/types.js';
import { toPolicyReports } from '../report/policyreport.js';
import type { PolicyReportDoc, PolicyReportResult, PolicyReportSummary } from '../report/policyreport.js';
import { compareStrings } from '../util/sort.js';

export type LifecycleErrorCode =
  | 'BAD_INPUT' // a resource dump, manifest or policy file is unusable
  | 'CLUSTER_API' // the Kubernetes API refused or could not be reached
  | 'REPORT_WRITE' // a report could not be written
  | 'NOT_FOUND'; // the named policy is not in the file
/** Errors of the reports / readiness / promote lifecycle. */
export class LifecycleError extends PortcullisError<LifecycleErrorCode> {}

export type ReportProcess = 'admission review' | 'background scan';

/** Aggregates results per resource in memory; the admission server calls `record` after each review. */
export interface ReportSink {
  record(results: RuleResult[], process: ReportProcess): void;
}

/** Per-object caps: etcd refuses objects over 1.5 MB; Kyverno's own reports stay far below. */
export const REPORT_LIMITS = { maxResults: 1000, maxBytes: 512 * 1024, maxMessageBytes: 4096 } as const;

export interface ReportStoreOptions {
  /** Timestamps of recorded results (SOURCE_DATE_EPOCH-aware for files: see `sourceDateClock`). */
  clock?: () => Date;
  maxResultsPerReport?: number;
  maxBytesPerReport?: number;
}

interface Entry {
  result: RuleResult;
  process: ReportProcess;
  at: number;
}

interface ResourceEntry {
  ref: ResourceRef;
  /** policy → rule → latest entry */
  policies: Map<string, Map<string, Entry>>;
}

/** Report object names: the same as `policy apply --format policyreport`, so both converge on one object. */
export const POLICY_REPORT_NAME = 'portcullis-policy-report';
export const CLUSTER_POLICY_REPORT_NAME = 'portcullis-cluster-policy-report';
export const REPORT_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/managed-by': 'portcullis' };

export function resourceKey(ref: ResourceRef): string {
  return [ref.apiVersion, ref.kind, ref.namespace ?? '', ref.name].join('\u0000');
}

/** A clock fixed at SOURCE_DATE_EPOCH (seconds) when it is set, so report files are reproducible. */
export function sourceDateClock(env: NodeJS.ProcessEnv = process.env): () => Date {
  const s = env.SOURCE_DATE_EPOCH?.trim();
  if (s !== undefined && /^\d+$/.test(s)) {
    const fixed = Number(s) * 1000;
    return () => new Date(fixed);
  }
  return () => new Date();
}

function resultSortKey(r: PolicyReportResult): string {
  const x = r.resources[0]!;
  return [r.policy, r.rule, x.namespace ?? '', x.kind, x.name, x.apiVersion].join('\u0000');
}

function summarize(results: readonly PolicyReportResult[]): PolicyReportSummary {
  const s: PolicyReportSummary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const r of results) s[r.result]++;
  return s;
}

/** Cuts a message to `max` UTF-8 bytes (on a character boundary), so no single result can blow the cap. */
function capMessage(message: string, max: number): string {
  if (Buffer.byteLength(message) <= max) return message;
  let cut = message.slice(0, max);
  while (Buffer.byteLength(cut) > max - 3) cut = cut.slice(0, -1);
  return `${cut}...`;
}

/**
 * Splits sorted results into parts of at most `maxResults` results and about `maxBytes` of
 * serialized JSON each. Greedy in sort order, so the split is deterministic.
 */
export function splitResults(results: readonly PolicyReportResult[], maxResults: number, maxBytes: number): PolicyReportResult[][] {
  const envelope = 2048; // apiVersion, kind, metadata, summary
  const parts: PolicyReportResult[][] = [];
  let cur: PolicyReportResult[] = [];
  let bytes = envelope;
  for (const r of results) {
    const size = Buffer.byteLength(JSON.stringify(r)) + 1;
    if (cur.length > 0 && (cur.length >= maxResults || bytes + size > maxBytes)) {
      parts.push(cur);
      cur = [];
      bytes = envelope;
    }
    cur.push(r);
    bytes += size;
  }
  if (cur.length > 0) parts.push(cur);
  return parts;
}

function reportDoc(namespace: string, name: string, results: PolicyReportResult[]): PolicyReportDoc {
  const labels = { ...REPORT_LABELS };
  return namespace
    ? { apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'PolicyReport', metadata: { name, namespace, labels }, summary: summarize(results), results }
    : { apiVersion: 'wgpolicyk8s.io/v1alpha2', kind: 'ClusterPolicyReport', metadata: { name, labels }, summary: summarize(results), results };
}

/** Aggregates results per resource: the latest result per policy and rule replaces the previous one. */
export class ReportStore implements ReportSink {
  private readonly resources = new Map<string, ResourceEntry>();
  private readonly listeners = new Set<() => void>();
  private readonly clock: () => Date;
  private readonly maxResults: number;
  private readonly maxBytes: number;

  constructor(opts: ReportStoreOptions = {}) {
    this.clock = opts.clock ?? (() => new Date());
    this.maxResults = opts.maxResultsPerReport ?? REPORT_LIMITS.maxResults;
    this.maxBytes = opts.maxBytesPerReport ?? REPORT_LIMITS.maxBytes;
  }

  /**
   * Record an evaluation: for each resource and policy in `results`, that policy's previous
   * results for the resource are replaced (a rule that no longer responds is dropped).
   */
  record(results: RuleResult[], process: ReportProcess): void {
    if (results.length === 0) return;
    const at = this.clock().getTime();
    const byResource = new Map<string, Map<string, RuleResult[]>>();
    for (const r of results) {
      const key = resourceKey(r.resource);
      let policies = byResource.get(key);
      if (!policies) byResource.set(key, (policies = new Map()));
      const list = policies.get(r.policy);
      if (list) list.push(r);
      else policies.set(r.policy, [r]);
    }
    for (const [key, policies] of byResource) {
      const first = policies.values().next().value![0]!;
      let entry = this.resources.get(key);
      if (!entry) this.resources.set(key, (entry = { ref: { ...first.resource }, policies: new Map() }));
      for (const [policy, list] of policies) {
        const rules = new Map<string, Entry>();
        for (const r of list) rules.set(r.rule, { result: r, process, at });
        entry.policies.set(policy, rules);
      }
    }
    this.changed();
  }

  /**
   * Replace everything known about one resource (a background scan evaluated it with every
   * policy): policies that no longer respond for it are dropped too.
   */
  replace(ref: ResourceRef, results: RuleResult[], process: ReportProcess): void {
    const key = resourceKey(ref);
    const had = this.resources.delete(key);
    if (results.length > 0) this.record(results, process);
    else if (had) this.changed();
  }

  /** A deleted resource: its results are dropped. Returns whether anything was known. */
  forget(ref: ResourceRef): boolean {
    const had = this.resources.delete(resourceKey(ref));
    if (had) this.changed();
    return had;
  }

  /** A deleted (or no longer background) policy: its results are dropped everywhere. */
  forgetPolicy(policy: string): void {
    let any = false;
    for (const [key, entry] of this.resources) {
      if (entry.policies.delete(policy)) any = true;
      if (entry.policies.size === 0) this.resources.delete(key);
    }
    if (any) this.changed();
  }

  /**
   * After a full listing of `kinds`: drop resources of those kinds that were not listed
   * (deleted since). Resources of other kinds (seen only at admission) are kept.
   */
  retain(listed: Iterable<ResourceRef>, kinds: ReadonlySet<string>): number {
    const keep = new Set<string>();
    for (const ref of listed) keep.add(resourceKey(ref));
    let dropped = 0;
    for (const [key, entry] of this.resources) {
      if (kinds.has(entry.ref.kind) && !keep.has(key)) {
        this.resources.delete(key);
        dropped++;
      }
    }
    if (dropped > 0) this.changed();
    return dropped;
  }

  /** Called (synchronously) after every change; returns an unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get stats(): { resources: number; results: number } {
    let results = 0;
    for (const e of this.resources.values()) for (const rules of e.policies.values()) results += rules.size;
    return { resources: this.resources.size, results };
  }

  /**
   * PolicyReport per namespace and one ClusterPolicyReport (cluster-scoped resources), each
   * split into capped parts. Sorted: the cluster report first, then namespaces; results by
   * policy, rule, then resource.
   */
  snapshot(): PolicyReportDoc[] {
    // Batch results by (timestamp, process) so the shared renderer shapes each result.
    const batches = new Map<string, { at: number; process: ReportProcess; results: RuleResult[] }>();
    for (const e of this.resources.values()) {
      for (const rules of e.policies.values()) {
        for (const entry of rules.values()) {
          const k = `${entry.at}\u0000${entry.process}`;
          let b = batches.get(k);
          if (!b) batches.set(k, (b = { at: entry.at, process: entry.process, results: [] }));
          b.results.push(entry.result);
        }
      }
    }
    const byNamespace = new Map<string, PolicyReportResult[]>();
    for (const b of batches.values()) {
      for (const doc of toPolicyReports(b.results, { timestamp: new Date(b.at), properties: { process: b.process } })) {
        const ns = doc.metadata.namespace ?? '';
        let list = byNamespace.get(ns);
        if (!list) byNamespace.set(ns, (list = []));
        for (const r of doc.results) list.push({ ...r, message: capMessage(r.message, REPORT_LIMITS.maxMessageBytes) });
      }
    }
    const out: PolicyReportDoc[] = [];
    for (const ns of [...byNamespace.keys()].sort(compareStrings)) {
      const sorted = byNamespace.get(ns)!.sort((a, b) => compareStrings(resultSortKey(a), resultSortKey(b)));
      const parts = splitResults(sorted, this.maxResults, this.maxBytes);
      const base = ns ? POLICY_REPORT_NAME : CLUSTER_POLICY_REPORT_NAME;
      parts.forEach((part, i) => out.push(reportDoc(ns, parts.length === 1 ? base : `${base}-${i + 1}`, part)));
    }
    return out;
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
const REPORT_FILE = /^(cluster)?policyreport-[a-z0-9.-]+\.yaml$/;

/** The file a report object is written to (names are checked: they come from resources). */
export function reportFileName(doc: PolicyReportDoc): string {
  const { name, namespace } = doc.metadata;
  if (!DNS_SUBDOMAIN.test(name)) throw new LifecycleError('REPORT_WRITE', 'report name is not a DNS subdomain', { input: name });
  if (doc.kind === 'ClusterPolicyReport') return `clusterpolicyreport-${name}.yaml`;
  if (namespace === undefined || !DNS_LABEL.test(namespace)) {
    throw new LifecycleError('REPORT_WRITE', 'namespace is not a DNS label', { input: String(namespace) });
  }
  return `policyreport-${namespace}-${name}.yaml`;
}

/** Writes snapshots as YAML files (offline mode), one per object, atomically; stale parts are removed. */
export class FileReportWriter {
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly dir: string) {}

  /** Write the store's snapshot after changes, at most once per `debounceMs`; returns a detach function. */
  attach(store: ReportStore, opts: { debounceMs?: number; onError?: (e: unknown) => void } = {}): () => void {
    const off = store.onChange(() => {
      if (this.timer) return;
      this.timer = setTimeout(() => {
        this.timer = undefined;
        try {
          this.write(store.snapshot());
        } catch (e) {
          opts.onError?.(e);
        }
      }, opts.debounceMs ?? 10_000);
      this.timer.unref();
    });
    return () => {
      off();
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
    };
  }

  write(docs: readonly PolicyReportDoc[]): { written: string[]; removed: string[] } {
    const files = docs.map((d) => ({ file: reportFileName(d), text: stringify(d, { lineWidth: 0 }) }));
    mkdirSync(this.dir, { recursive: true });
    const written: string[] = [];
    for (const { file, text } of files) {
      const target = join(this.dir, file);
      const tmp = join(this.dir, `.${file}.${randomBytes(6).toString('hex')}.tmp`);
      try {
        writeFileSync(tmp, text);
        renameSync(tmp, target);
      } catch (e) {
        rmSync(tmp, { force: true });
        throw new LifecycleError('REPORT_WRITE', `cannot write (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { input: target, cause: e });
      }
      written.push(target);
    }
    const keep = new Set(files.map((f) => f.file));
    const removed: string[] = [];
    for (const name of readdirSync(this.dir).sort(compareStrings)) {
      if (REPORT_FILE.test(name) && !keep.has(name)) {
        rmSync(join(this.dir, name), { force: true });
        removed.push(join(this.dir, name));
      }
    }
    return { written, removed };
  }
}
