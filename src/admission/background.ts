/**
 * The background scan: existing resources evaluated with every `background: true` policy,
 * as Kyverno's background controller does (no admission request: `request.operation` is
 * empty), feeding the ReportStore. Offline, the resources come from manifest files or a
 * `kubectl get … -o json` dump; in cluster mode, from cluster.ts's listing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { compilePolicy, evaluatePolicies, loadPolicies, loadResources } from '../policy/index.js';
import type { CompiledPolicy } from '../policy/index.js';
import { PolicyError } from '../policy/types.js';
import type { Resource, ResourceRef, RuleResult } from '../policy/types.js';
import { compareStrings } from '../util/sort.js';
import { LifecycleError, type ReportStore } from './reports.js';

/** What a scan evaluates: the resources and the labels of their namespaces (for namespaceSelector). */
export interface ScanInput {
  resources: Resource[];
  namespaceLabels: Map<string, Record<string, string>>;
}

const MAX_FILE_BYTES = 64 * 1024 * 1024;
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Kinds that live outside namespaces: a manifest of these without a namespace stays cluster-scoped. */
const CLUSTER_SCOPED = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterPolicy',
  'ClusterPolicyReport',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function metadataOf(r: Resource): Record<string, unknown> {
  return isObject(r.metadata) ? r.metadata : {};
}

export function refOf(r: Resource): ResourceRef {
  const md = metadataOf(r);
  const ns = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : undefined;
  return {
    apiVersion: typeof r.apiVersion === 'string' ? r.apiVersion : '',
    kind: typeof r.kind === 'string' ? r.kind : '',
    ...(ns ? { namespace: ns } : {}),
    name: typeof md.name === 'string' ? md.name : '',
  };
}

/** Objects a scan does not evaluate: policies and reports themselves. */
function isControlObject(r: Resource): boolean {
  const av = typeof r.apiVersion === 'string' ? r.apiVersion : '';
  return av.startsWith('kyverno.io/') || av.startsWith('wgpolicyk8s.io/') || av.startsWith('reports.kyverno.io/');
}

/** Files under the paths: directories are walked for .yaml/.yml/.json, sorted; symlinked folders are not followed. */
export function collectManifestFiles(paths: readonly string[], flag: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareStrings(a.name, b.name))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && MANIFEST_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(p);
    }
  };
  for (const p of paths) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new LifecycleError('BAD_INPUT', 'no such file or directory', { input: flag ? `${flag} ${p}` : p });
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

export function readManifestText(file: string): string {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st?.isFile()) throw new LifecycleError('BAD_INPUT', st ? 'not a regular file' : 'no such file', { input: file });
  if (st.size > MAX_FILE_BYTES) throw new LifecycleError('BAD_INPUT', `larger than ${MAX_FILE_BYTES} bytes`, { input: file });
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new LifecycleError('BAD_INPUT', `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { input: file });
  }
}

/** A policy-engine error, named after the file when the engine did not name it. */
function named(e: unknown, file: string): unknown {
  if (e instanceof PolicyError && !e.input) return new PolicyError(e.code, e.message, { input: file, cause: e });
  return e;
}

/** Namespace labels from Namespace objects, with the label the API server sets on every namespace. */
export function namespaceLabelsOf(resources: readonly Resource[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const r of resources) {
    if (r.kind !== 'Namespace') continue;
    const md = metadataOf(r);
    if (typeof md.name !== 'string') continue;
    const labels: Record<string, string> = {};
    if (isObject(md.labels)) for (const [k, v] of Object.entries(md.labels)) if (typeof v === 'string') labels[k] = v;
    labels['kubernetes.io/metadata.name'] ??= md.name;
    out.set(md.name, labels);
  }
  return out;
}

export interface OfflineInput extends ScanInput {
  /** kyverno.io policies found among the manifests (readiness uses them when no --policies is given). */
  policyDocs: Array<{ doc: Resource; source: string }>;
}

/**
 * Resources from manifest files/directories and/or a `kubectl get … -o json` List dump, as
 * the API server would hold them: a namespaced kind without a namespace is in `default`.
 * Policies and reports among them are set apart, not evaluated.
 */
export function loadOfflineInput(opts: { paths?: readonly string[]; dumps?: readonly string[] }): OfflineInput {
  const resources: Resource[] = [];
  const policyDocs: Array<{ doc: Resource; source: string }> = [];
  const files = [
    ...collectManifestFiles(opts.paths ?? [], '--resources').map((f) => ({ f, flag: '--resources' })),
    ...(opts.dumps ?? []).map((f) => {
      if (!statSync(f, { throwIfNoEntry: false })?.isFile()) throw new LifecycleError('BAD_INPUT', 'no such file', { input: `-f ${f}` });
      return { f, flag: '-f' };
    }),
  ];
  for (const { f } of files) {
    const text = readManifestText(f);
    let docs: Resource[];
    try {
      docs = loadResources(text, f);
    } catch (e) {
      throw named(e, f);
    }
    for (const d of docs) {
      if (typeof d.apiVersion === 'string' && d.apiVersion.startsWith('kyverno.io/') && (d.kind === 'ClusterPolicy' || d.kind === 'Policy')) {
        policyDocs.push({ doc: d, source: f });
        continue;
      }
      if (isControlObject(d)) continue;
      const r = structuredClone(d);
      const md = (isObject(r.metadata) ? r.metadata : (r.metadata = {})) as Record<string, unknown>;
      if ((typeof md.namespace !== 'string' || md.namespace === '') && !CLUSTER_SCOPED.has(String(r.kind))) md.namespace = 'default';
      resources.push(r);
    }
  }
  if (files.length > 0 && resources.length === 0) {
    throw new LifecycleError('BAD_INPUT', 'no Kubernetes resources found', { input: files.map((x) => x.f).join(' ') });
  }
  return { resources, namespaceLabels: namespaceLabelsOf(resources), policyDocs };
}

/** Compiles every kyverno.io ClusterPolicy/Policy in the files (sorted by policy name). */
export function loadPolicyFiles(paths: readonly string[]): CompiledPolicy[] {
  const out: CompiledPolicy[] = [];
  for (const file of collectManifestFiles(paths, '--policies')) {
    try {
      for (const doc of loadPolicies(readManifestText(file), file)) out.push(compilePolicy(doc, file));
    } catch (e) {
      throw named(e, file);
    }
  }
  if (out.length === 0) throw new LifecycleError('BAD_INPUT', 'no ClusterPolicy or Policy found', { input: paths.join(' ') });
  return out.sort((a, b) => compareStrings(a.name, b.name));
}

/** Compiles policy documents (from manifests or the API), sorted by name. */
export function compilePolicyDocs(docs: ReadonlyArray<{ doc: Resource; source: string }>): CompiledPolicy[] {
  return docs.map(({ doc, source }) => compilePolicy(doc, source)).sort((a, b) => compareStrings(a.name, b.name));
}

export interface ScanSummary {
  resources: number;
  results: number;
  policies: number;
  dropped: number;
}

/** Evaluates one resource with the background policies, as the background controller does (no operation). */
export function evaluateInBackground(policies: readonly CompiledPolicy[], resource: Resource, input: ScanInput): RuleResult[] {
  const ns = refOf(resource).namespace;
  const namespaceLabels = ns ? input.namespaceLabels.get(ns) : undefined;
  return evaluatePolicies(policies, { resource, admission: namespaceLabels ? { namespaceLabels } : {} });
}

/**
 * One background scan: every `background: true` policy on every listed resource. Each
 * resource's results replace what the store knew of it; resources of the listed kinds that
 * are gone are dropped.
 */
export function scanOnce(store: ReportStore, policies: readonly CompiledPolicy[], input: ScanInput): ScanSummary {
  const bg = policies.filter((p) => p.background);
  const listed: ResourceRef[] = [];
  const kinds = new Set<string>();
  let results = 0;
  for (const resource of input.resources) {
    if (isControlObject(resource)) continue;
    const ref = refOf(resource);
    listed.push(ref);
    kinds.add(ref.kind);
    const rs = evaluateInBackground(bg, resource, input);
    results += rs.length;
    store.replace(ref, rs, 'background scan');
  }
  const dropped = store.retain(listed, kinds);
  return { resources: listed.length, results, policies: bg.length, dropped };
}

export interface BackgroundScannerOptions {
  store: ReportStore;
  /** The current policies (a reload swaps them; the next scan sees the new set). */
  policies: () => readonly CompiledPolicy[];
  /** Lists the resources to scan (cluster.ts in cluster mode, loadOfflineInput offline). */
  list: () => Promise<ScanInput>;
  intervalMs: number;
  onScan?: (s: ScanSummary) => void;
  onError?: (e: unknown) => void;
}

/** Runs `scanOnce` now and every interval; one scan at a time, never overlapping. */
export class BackgroundScanner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<ScanSummary | undefined> | undefined;
  private stopped = true;

  constructor(private readonly opts: BackgroundScannerOptions) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.tick();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One scan now (waits for a scan already under way instead of starting a second). */
  async runOnce(): Promise<ScanSummary | undefined> {
    if (this.running) return this.running;
    this.running = (async () => {
      try {
        const input = await this.opts.list();
        const s = scanOnce(this.opts.store, this.opts.policies(), input);
        this.opts.onScan?.(s);
        return s;
      } catch (e) {
        this.opts.onError?.(e);
        return undefined;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  private async tick(): Promise<void> {
    await this.runOnce();
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.opts.intervalMs);
    this.timer.unref();
  }
}
