/**
 * Leader election over a coordination.k8s.io/v1 Lease, so that of several serve replicas only
 * one writes PolicyReports (the others would overwrite its reports with their own partial
 * view). Create-or-renew with the Lease's resourceVersion for optimistic concurrency; a Lease
 * whose holder stopped renewing is taken over once it has looked unchanged for its duration.
 * Expiry is judged by when this process last saw the record change, not by the holder's
 * renewTime, so clock skew between nodes cannot shorten a lease.
 */
import { randomBytes } from 'node:crypto';
import type { KubeClient } from './cluster.js';
import type { ClusterReportWriter } from './cluster-reports.js';
import type { ReportStore } from './reports.js';

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export const REPORTS_LEASE = 'portcullis-reports';

export interface LeaseElectorOptions {
  namespace: string;
  /** Lease name (default {@link REPORTS_LEASE}). */
  name?: string;
  /** holderIdentity (default $HOSTNAME, the Pod name, else a random id). */
  identity?: string;
  /** Default 15. */
  leaseDurationSeconds?: number;
  /** How often to renew or retry (default 5000). */
  renewMs?: number;
  onChange?: (leader: boolean) => void;
  onError?: (e: unknown) => void;
}

/** MicroTime as the API server writes it: RFC 3339 with six fractional digits. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export function defaultIdentity(): string {
  const host = process.env.HOSTNAME;
  return host && host.length > 0 ? host : `portcullis-${randomBytes(6).toString('hex')}`;
}

export class LeaseElector {
  readonly identity: string;
  private readonly path: string;
  private readonly collection: string;
  private readonly durationMs: number;
  private leader = false;
  private readonly listeners = new Set<(leader: boolean) => void>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** The last record seen (holder + renewTime + resourceVersion) and when it was first seen. */
  private observed = '';
  private observedAt = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly opts: LeaseElectorOptions,
  ) {
    this.identity = opts.identity ?? defaultIdentity();
    const name = opts.name ?? REPORTS_LEASE;
    this.collection = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(opts.namespace)}/leases`;
    this.path = `${this.collection}/${encodeURIComponent(name)}`;
    this.durationMs = (opts.leaseDurationSeconds ?? 15) * 1000;
  }

  isLeader(): boolean {
    return this.leader;
  }

  private set(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.opts.onChange?.(leader);
    for (const fn of [...this.listeners]) fn(leader);
  }

  /** Calls `fn` on every change of leadership; returns an unsubscribe. */
  subscribe(fn: (leader: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private spec(prev: Record<string, unknown> | undefined, now: Date): Record<string, unknown> {
    const mine = prev?.holderIdentity === this.identity;
    const transitions = typeof prev?.leaseTransitions === 'number' ? prev.leaseTransitions : 0;
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.round(this.durationMs / 1000),
      acquireTime: mine && typeof prev?.acquireTime === 'string' ? prev.acquireTime : microTime(now),
      renewTime: microTime(now),
      leaseTransitions: prev && !mine ? transitions + 1 : transitions,
    };
  }

  /** One round: create, renew or take over the Lease; resolves to whether this process leads. */
  async tryAcquire(): Promise<boolean> {
    const now = new Date();
    const name = this.path.slice(this.collection.length + 1);
    const res = await this.client.request('GET', this.path);
    if (res.status === 404) {
      const created = await this.client.request('POST', this.collection, {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: decodeURIComponent(name), namespace: this.opts.namespace },
        spec: this.spec(undefined, now),
      });
      // 409: another replica created it first; it leads.
      if (created.status === 409) return this.lose();
      if (created.status < 200 || created.status >= 300) throw this.client.failure('POST', this.collection, created);
      this.observe(created.body);
      this.set(true);
      return true;
    }
    if (res.status < 200 || res.status >= 300) throw this.client.failure('GET', this.path, res);
    const lease = isObject(res.body) ? res.body : {};
    const md = isObject(lease.metadata) ? lease.metadata : {};
    const spec = isObject(lease.spec) ? lease.spec : {};
    this.observe(lease);
    const holder = typeof spec.holderIdentity === 'string' ? spec.holderIdentity : '';
    const durationMs = typeof spec.leaseDurationSeconds === 'number' ? spec.leaseDurationSeconds * 1000 : this.durationMs;
    const expired = holder === '' || Date.now() - this.observedAt > durationMs;
    if (holder !== this.identity && !expired) return this.lose();
    const put = await this.client.request('PUT', this.path, { ...lease, metadata: { ...md, resourceVersion: md.resourceVersion }, spec: { ...spec, ...this.spec(spec, now) } });
    // 409: someone else renewed or took it since our read.
    if (put.status === 409) return this.lose();
    if (put.status < 200 || put.status >= 300) throw this.client.failure('PUT', this.path, put);
    this.observe(put.body);
    this.set(true);
    return true;
  }

  private lose(): boolean {
    this.set(false);
    return false;
  }

  private observe(body: unknown): void {
    const o = isObject(body) ? body : {};
    const md = isObject(o.metadata) ? o.metadata : {};
    const spec = isObject(o.spec) ? o.spec : {};
    const key = `${String(spec.holderIdentity ?? '')}|${String(spec.renewTime ?? '')}|${String(md.resourceVersion ?? '')}`;
    if (key !== this.observed) {
      this.observed = key;
      this.observedAt = Date.now();
    }
  }

  /** Runs a round now and every renewMs; an error drops leadership (reports wait rather than race). */
  start(): void {
    this.stopped = false;
    const round = () => {
      if (this.stopped) return;
      this.running = this.tryAcquire().then(
        () => undefined,
        (e: unknown) => {
          this.set(false);
          this.opts.onError?.(e);
        },
      );
      void this.running.then(() => {
        if (this.stopped) return;
        this.timer = setTimeout(round, this.opts.renewMs ?? 5000);
        this.timer.unref();
      });
    };
    round();
  }

  /** Stops renewing (the Lease then expires for the others) and gives up leadership locally. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.set(false);
  }
}

/**
 * Attaches `writer` to `store` only while `elector` leads: the leader writes its whole snapshot
 * on taking over; a follower keeps aggregating in memory and writes nothing. Returns a detach.
 */
export function writeWhileLeader(elector: LeaseElector, writer: ClusterReportWriter, store: ReportStore): () => void {
  let detach: (() => void) | undefined;
  const onChange = (leader: boolean) => {
    if (leader && !detach) {
      detach = writer.attach(store);
      writer.schedule();
    } else if (!leader && detach) {
      detach();
      detach = undefined;
    }
  };
  const off = elector.subscribe(onChange);
  onChange(elector.isLeader());
  return () => {
    off();
    detach?.();
    detach = undefined;
  };
}
