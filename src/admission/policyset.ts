/**
 * Policy sets for the admission server: the policies of a directory tree (or files), compiled
 * once, with a content-hash version. A set is immutable; a reload builds a new one and swaps it
 * in whole, so a request evaluated synchronously always sees one consistent set. A set that fails
 * to load never replaces the one serving.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { isPortcullisError } from '../errors/index.js';
import { compilePolicy, loadPolicies, type CompiledPolicy } from '../policy/engine/index.js';
import type { Resource } from '../policy/types.js';
import { compareStrings } from '../util/sort.js';
import { AdmissionError } from './errors.js';

export interface PolicySet {
  readonly policies: CompiledPolicy[];
  /** sha256 (16 hex digits) of the policy documents, keys sorted: equal content, equal version. */
  readonly version: string;
  readonly loadedAt: Date;
  /** Where the set came from: the directory or files, or a cluster-mode label. */
  readonly source: string;
}

const POLICY_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);
/** A policy file larger than this is refused (the biggest kyverno/policies file is ~30 KB). */
export const MAX_POLICY_FILE_BYTES = 8 * 1024 * 1024;
const MAX_POLICY_FILES = 10_000;

interface PolicyFile {
  readonly path: string;
  readonly text: string;
}

function loadError(input: string, reason: string, cause?: unknown): AdmissionError {
  return new AdmissionError('POLICY_LOAD', reason, { input, ...(cause !== undefined ? { cause } : {}) });
}

function errnoReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file or directory' : `cannot read (${code ?? (e as Error).message})`;
}

/** Directory entries we read: dot-names are skipped (a ConfigMap volume's `..data` copies, `.kyverno-test`). */
function wanted(name: string): boolean {
  return !name.startsWith('.') && POLICY_EXTENSIONS.has(extname(name).toLowerCase());
}

interface Listing {
  readonly files: string[];
  /** Directories walked (and parents of file arguments): what a watcher watches. */
  readonly dirs: string[];
}

function asList(dirOrFiles: string | string[]): string[] {
  const list = (Array.isArray(dirOrFiles) ? dirOrFiles : [dirOrFiles]).map((p) => resolve(p));
  if (list.length === 0) throw loadError('--policies', 'no policy directory or file given');
  return list;
}

/**
 * The policy files under the paths, sorted within each directory. Symlinked files are followed
 * (ConfigMap keys are symlinks); symlinked directories are not (no loops).
 */
function listPolicyFiles(dirOrFiles: string | string[]): Listing {
  const files: string[] = [];
  const dirs: string[] = [];
  const walk = (dir: string) => {
    dirs.push(dir);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      throw loadError(dir, errnoReason(e), e);
    }
    entries.sort((a, b) => compareStrings(a.name, b.name));
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (wanted(e.name) && (e.isFile() || (e.isSymbolicLink() && statSync(p, { throwIfNoEntry: false })?.isFile()))) files.push(p);
      if (files.length > MAX_POLICY_FILES) throw loadError(dir, `more than ${MAX_POLICY_FILES} policy files`);
    }
  };
  for (const p of asList(dirOrFiles)) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      throw loadError(p, errnoReason(e), e);
    }
    if (st.isDirectory()) walk(p);
    else {
      files.push(p);
      dirs.push(dirname(p));
    }
  }
  return { files, dirs: [...new Set(dirs)] };
}

function checkSize(path: string, size: number): void {
  if (size > MAX_POLICY_FILE_BYTES) throw loadError(path, `larger than ${MAX_POLICY_FILE_BYTES} bytes`);
}

function readPolicyFiles(paths: string[]): PolicyFile[] {
  return paths.map((path) => {
    try {
      checkSize(path, statSync(path).size);
      return { path, text: readFileSync(path, 'utf8') };
    } catch (e) {
      throw isPortcullisError(e) ? e : loadError(path, errnoReason(e), e);
    }
  });
}

/** A hash of the files as read (paths and bytes): a reload whose files did not change is skipped. */
function fingerprintOf(files: readonly PolicyFile[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(f.path).update('\0').update(f.text).update('\0');
  return h.digest('hex');
}

/** JSON with object keys sorted, so the version does not depend on key order. */
function stableJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort(compareStrings);
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`).join(',')}}`;
}

/** The engine's error, as one line naming the file. */
function asLoadError(e: unknown, file: string): AdmissionError {
  if (e instanceof AdmissionError) return e;
  const line = isPortcullisError(e) ? e.toLine() : e instanceof Error ? e.message : String(e);
  return loadError(file, line.startsWith(file) ? line.slice(file.length).replace(/^:\s*/, '') : line, e);
}

interface PendingDoc {
  readonly doc: Resource;
  readonly source: string;
}

function parseFiles(files: readonly PolicyFile[]): PendingDoc[] {
  const out: PendingDoc[] = [];
  for (const f of files) {
    let docs: Resource[];
    try {
      docs = loadPolicies(f.text, f.path);
    } catch (e) {
      throw asLoadError(e, f.path);
    }
    for (const doc of docs) out.push({ doc, source: f.path });
  }
  return out;
}

/**
 * Compiles the documents, one yield point per policy (the async loader lets requests run
 * between policies, so a reload does not stall the server for the whole compile).
 */
function* compileSteps(docs: readonly PendingDoc[], source: string): Generator<void, PolicySet> {
  const policies: CompiledPolicy[] = [];
  const seen = new Map<string, string>();
  const h = createHash('sha256');
  for (const d of docs) {
    let p: CompiledPolicy;
    try {
      p = compilePolicy(d.doc, d.source);
    } catch (e) {
      throw asLoadError(e, d.source);
    }
    const key = `${p.kind}/${p.name}`;
    const prior = seen.get(key);
    if (prior !== undefined) throw loadError(d.source, `${key} is also defined in ${prior}`);
    seen.set(key, d.source);
    policies.push(p);
    h.update(stableJson(d.doc)).update('\n');
    yield;
  }
  return { policies, version: h.digest('hex').slice(0, 16), loadedAt: new Date(), source };
}

function runSync(steps: Generator<void, PolicySet>): PolicySet {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

async function runAsync(steps: Generator<void, PolicySet>): Promise<PolicySet> {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await yieldToLoop();
  }
}

function sourceLabel(dirOrFiles: string | string[]): string {
  return (Array.isArray(dirOrFiles) ? dirOrFiles : [dirOrFiles]).join(',');
}

/**
 * Loads and compiles every kyverno.io ClusterPolicy/Policy under the paths (directories read
 * recursively for .yaml/.yml/.json). Throws AdmissionError POLICY_LOAD naming the file and the
 * reason: unreadable, too large, bad YAML, an invalid policy, a name defined twice.
 */
export function loadPolicySet(dirOrFiles: string | string[]): PolicySet {
  const files = readPolicyFiles(listPolicyFiles(dirOrFiles).files);
  return runSync(compileSteps(parseFiles(files), sourceLabel(dirOrFiles)));
}

/**
 * loadPolicySet, yielding to the event loop between policies: a server reloading its set keeps
 * answering (reading a few local files is quick; compiling is what takes time).
 */
export async function loadPolicySetAsync(dirOrFiles: string | string[]): Promise<PolicySet> {
  const files = readPolicyFiles(listPolicyFiles(dirOrFiles).files);
  return runAsync(compileSteps(parseFiles(files), sourceLabel(dirOrFiles)));
}

/** A set from policy objects already parsed (cluster mode reads them from the API). */
export function policySetFromDocs(docs: Resource[], source: string): PolicySet {
  const pending = docs.map((doc) => {
    const md = doc.metadata !== null && typeof doc.metadata === 'object' ? (doc.metadata as Record<string, unknown>) : {};
    const ns = typeof md.namespace === 'string' && md.namespace !== '' ? `${md.namespace}/` : '';
    return { doc, source: `${source}: ${String(doc.kind)} ${ns}${String(md.name)}` };
  });
  return runSync(compileSteps(pending, source));
}

// --- the store and its watcher ----------------------------------------------------------

/** What the server reads the serving set from (the store below, or cluster mode's own). */
export interface PolicySetSource {
  readonly current: PolicySet | undefined;
}

export interface PolicyStoreListener {
  loaded?(set: PolicySet, previous: PolicySet | undefined): void;
  failed?(error: AdmissionError): void;
}

/** Holds the serving set; `swap` replaces it whole, `fail` reports a set that did not load. */
export class PolicyStore implements PolicySetSource {
  #current: PolicySet | undefined;
  readonly #listeners = new Set<PolicyStoreListener>();

  constructor(initial?: PolicySet) {
    this.#current = initial;
  }

  get current(): PolicySet | undefined {
    return this.#current;
  }

  swap(set: PolicySet): void {
    const previous = this.#current;
    this.#current = set;
    for (const l of this.#listeners) l.loaded?.(set, previous);
  }

  fail(error: AdmissionError): void {
    for (const l of this.#listeners) l.failed?.(error);
  }

  subscribe(listener: PolicyStoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export interface ReloadOutcome {
  /** true when a new set was swapped in. */
  readonly changed: boolean;
  readonly error?: AdmissionError;
}

export interface PolicyWatcher {
  /** Re-reads the paths now; a set whose files did not change is not recompiled. */
  reload(): Promise<ReloadOutcome>;
  close(): void;
}

export interface WatchOptions {
  /** Quiet time after the last change before reloading (editors and ConfigMap swaps write in bursts). */
  readonly debounceMs?: number;
  /** A periodic check as well, for filesystems where inotify misses changes; 0 turns it off. */
  readonly pollMs?: number;
}

/**
 * Keeps `store` serving the policies under the paths: fs.watch on every directory of the tree
 * (re-established after each reload, since directories come and go), a debounce, and an
 * optional poll. The first `reload()` loads the initial set.
 */
export function watchPolicies(dirOrFiles: string | string[], store: PolicyStore, opts: WatchOptions = {}): PolicyWatcher {
  const debounceMs = opts.debounceMs ?? 250;
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<ReloadOutcome> | undefined;
  let again = false;
  let closed = false;
  let lastFingerprint: string | undefined;

  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      void reload();
    }, debounceMs);
    timer.unref();
  };

  const rewatch = (dirs: readonly string[]) => {
    const want = new Set(dirs);
    for (const [d, w] of watchers) {
      if (!want.has(d)) {
        w.close();
        watchers.delete(d);
      }
    }
    for (const d of want) {
      if (watchers.has(d)) continue;
      try {
        const w = watch(d, { persistent: false }, schedule);
        w.on('error', () => {
          w.close();
          watchers.delete(d);
          schedule();
        });
        watchers.set(d, w);
      } catch {
        // A directory gone between listing and watching: the next reload lists again.
      }
    }
  };

  // When listing failed (a directory renamed away), watch what can still be watched.
  const fallbackDirs = (): string[] => {
    const list = Array.isArray(dirOrFiles) ? dirOrFiles : [dirOrFiles];
    return list.map((p) => {
      try {
        return statSync(resolve(p), { throwIfNoEntry: false })?.isDirectory() ? resolve(p) : dirname(resolve(p));
      } catch {
        return dirname(resolve(p));
      }
    });
  };

  const once = async (): Promise<ReloadOutcome> => {
    let listing: Listing | undefined;
    try {
      listing = listPolicyFiles(dirOrFiles);
      const files = readPolicyFiles(listing.files);
      const fp = fingerprintOf(files);
      if (fp === lastFingerprint) return { changed: false };
      lastFingerprint = fp;
      const set = await runAsync(compileSteps(parseFiles(files), sourceLabel(dirOrFiles)));
      if (closed) return { changed: false };
      if (store.current?.version === set.version) return { changed: false };
      store.swap(set);
      return { changed: true };
    } catch (e) {
      const error = e instanceof AdmissionError ? e : loadError(sourceLabel(dirOrFiles), e instanceof Error ? e.message : String(e), e);
      if (!closed) store.fail(error);
      return { changed: false, error };
    } finally {
      if (!closed) rewatch(listing?.dirs ?? fallbackDirs());
    }
  };

  // One reload at a time; a change seen during a reload runs one more after it.
  const reload = (): Promise<ReloadOutcome> => {
    if (running) {
      again = true;
      return running;
    }
    running = once().finally(() => {
      running = undefined;
      if (again && !closed) {
        again = false;
        void reload();
      }
    });
    return running;
  };

  const poll = opts.pollMs && opts.pollMs > 0 ? setInterval(() => void reload(), opts.pollMs) : undefined;
  poll?.unref();

  return {
    reload,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
