// Which files a config scan reads. Paths named on the command line are read whatever
// their name (a Dockerfile by name, anything else as manifests); directories are walked
// for Dockerfiles (Dockerfile, Containerfile, *.Dockerfile, Dockerfile.*) and YAML/JSON
// manifests. The walk follows no symbolic link (no loops, no escaping the directory),
// skips .git and node_modules, and leaves a Helm chart's templates/ to `helm template | -`.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { compareStrings } from '../util/sort.js';
import type { CheckTarget, ConfigErrorCode } from './types.js';

export interface ScanTarget {
  /** As named or found (`-` for stdin). */
  file: string;
  type: CheckTarget;
  /** Named on the command line (or stdin), not found by a walk. */
  explicit: boolean;
}

export interface WalkResult {
  targets: ScanTarget[];
  errors: Array<{ file: string; code: ConfigErrorCode; message: string }>;
  skipped: Array<{ file: string; reason: string }>;
}

const SKIP_DIRS = new Set(['.git', 'node_modules']);
const MANIFEST_EXT = /\.(ya?ml|json)$/i;
const NOT_A_DOCKERFILE = /\.(md|txt|dockerignore)$/i;

/** Dockerfile, Containerfile, app.Dockerfile, Dockerfile.dev (case-insensitive). */
export function isDockerfileName(path: string): boolean {
  const name = basename(path);
  const lower = name.toLowerCase();
  if (lower === 'dockerfile' || lower === 'containerfile') return true;
  if (NOT_A_DOCKERFILE.test(lower)) return false;
  return lower.endsWith('.dockerfile') || lower.startsWith('dockerfile.') || lower.startsWith('containerfile.');
}

/** Expand the paths of a scan into the files to read, sorted and without duplicates. */
export function collectTargets(paths: readonly string[]): WalkResult {
  const out: WalkResult = { targets: [], errors: [], skipped: [] };
  const seen = new Set<string>();
  const add = (t: ScanTarget) => {
    if (seen.has(t.file)) return;
    seen.add(t.file);
    out.targets.push(t);
  };
  for (const p of paths) {
    if (p === '-') {
      add({ file: '-', type: 'kubernetes', explicit: true });
      continue;
    }
    if (!existsSync(p)) {
      out.errors.push({ file: p, code: 'NOT_FOUND', message: 'no such file or directory' });
      continue;
    }
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      out.errors.push({ file: p, code: 'UNREADABLE', message: `cannot stat (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    if (st.isDirectory()) walk(p, out, add);
    else add({ file: p, type: isDockerfileName(p) ? 'dockerfile' : 'kubernetes', explicit: true });
  }
  out.targets.sort((a, b) => compareStrings(a.file, b.file));
  out.skipped.sort((a, b) => compareStrings(a.file, b.file));
  return out;
}

function walk(root: string, out: WalkResult, add: (t: ScanTarget) => void): void {
  // Iterative, so a deep tree cannot exhaust the stack.
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop() as string;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      out.errors.push({ file: dir, code: 'UNREADABLE', message: `cannot list (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
      continue;
    }
    const chart = entries.some((e) => e.isFile() && e.name === 'Chart.yaml');
    for (const e of entries) {
      const path = join(dir, e.name);
      if (e.isSymbolicLink()) continue;
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name)) continue;
        if (chart && e.name === 'templates') {
          out.skipped.push({ file: path, reason: 'Helm chart templates: render them (helm template … | portcullis config -)' });
          continue;
        }
        stack.push(path);
      } else if (e.isFile()) {
        if (isDockerfileName(e.name)) add({ file: path, type: 'dockerfile', explicit: false });
        else if (MANIFEST_EXT.test(e.name) && !(chart && /^(Chart|values[^/]*)\.ya?ml$/.test(e.name))) add({ file: path, type: 'kubernetes', explicit: false });
      }
    }
  }
}

