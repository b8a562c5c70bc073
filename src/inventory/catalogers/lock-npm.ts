// package-lock.json / npm-shrinkwrap.json, lockfile versions 1 to 3.
//
// v2 and v3 list every installed copy under `packages`, keyed by its node_modules path;
// a dependency resolves as Node does, from the dependent's own node_modules up to the
// root. v1 nests copies under `dependencies` and resolves `requires` the same way up the
// nesting. The root project, workspace members and links or file: dependencies are not
// packages of their own here (they are the project, not something it pulled in).
import type { CollectedFile } from '../../layers/types.js';
import type { Cataloger, CatalogContext, Package } from '../types.js';
import {
  type JsonRecord,
  LockPackages,
  catalogEach,
  isRecord,
  npmPurl,
  parseJson,
  readText,
  str,
  warnFile,
  wantByName,
} from './lockfile-util.js';

const NAME = 'npm-lock';
// Node itself resolves no deeper than a path allows; real v1 trees stay far below this.
const MAX_V1_DEPTH = 200;

/** Declared licence of a v2/v3 entry: a string, or the legacy `{type}` / array forms. */
function licensesOf(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (isRecord(v) && typeof v.type === 'string') return [v.type];
  if (Array.isArray(v)) return v.flatMap((x) => licensesOf(x));
  return [];
}

function dependencyNames(entry: JsonRecord, fields: readonly string[]): string[] {
  const names = new Set<string>();
  for (const f of fields) {
    const deps = entry[f];
    if (isRecord(deps)) for (const n of Object.keys(deps)) names.add(n);
  }
  return [...names];
}

/** `node_modules/a/node_modules/@s/b` → `@s/b`. */
function nameFromKey(key: string): string {
  const i = key.lastIndexOf('node_modules/');
  return i < 0 ? key : key.slice(i + 'node_modules/'.length);
}

function isInstalledKey(key: string): boolean {
  return key.startsWith('node_modules/') || key.includes('/node_modules/');
}

/** Node's lookup: `<from>/node_modules/<name>`, then each enclosing node_modules, then the root. */
function resolveFrom(from: string, name: string, exists: (key: string) => boolean): string | undefined {
  let base = from;
  for (;;) {
    const candidate = (base ? `${base}/` : '') + `node_modules/${name}`;
    if (exists(candidate)) return candidate;
    if (!base) return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i >= 0 ? base.slice(0, i) : '';
  }
}

function fromPackages(packages: JsonRecord, out: LockPackages, ctx: CatalogContext): void {
  const ids = new Map<string, string>();
  for (const [key, entry] of Object.entries(packages)) {
    if (!key || !isRecord(entry) || !isInstalledKey(key)) continue; // root and workspace members
    if (entry.link === true) continue; // symlink to a workspace member or local directory
    if (str(entry.resolved)?.startsWith('file:')) continue; // local tarball or directory
    const name = str(entry.name) ?? nameFromKey(key);
    const version = str(entry.version);
    if (!name || !version) {
      warnFile(ctx, out.path, `${key}: entry without name or version skipped`);
      continue;
    }
    ids.set(
      key,
      out.add({
        name,
        version,
        type: 'npm',
        purl: npmPurl(name, version),
        licenses: licensesOf(entry.license),
        // devOptional means "dev or optional": installed in production when optional
        // dependencies are, so only a plain `dev` marks development-only.
        dev: entry.dev === true,
      }),
    );
  }
  const exists = (k: string): boolean => isRecord(packages[k]) && Object.prototype.hasOwnProperty.call(packages, k);
  for (const [key, id] of ids) {
    const entry = packages[key] as JsonRecord;
    for (const dep of dependencyNames(entry, ['dependencies', 'optionalDependencies', 'peerDependencies'])) {
      const target = resolveFrom(key, dep, exists);
      const targetId = target === undefined ? undefined : ids.get(target);
      if (targetId) out.depend(id, targetId);
    }
  }
}

interface V1Scope {
  nodes: Map<string, V1Node>;
  parent?: V1Scope;
}
interface V1Node {
  entry: JsonRecord;
  /** Scope in which this node's own `requires` resolve: its nested deps, else where it sits. */
  lookup: V1Scope;
  id?: string;
}

/** `npm:real-name@1.0.0` (an alias) → [real-name, 1.0.0]. */
function splitAlias(version: string): [string, string] | undefined {
  const spec = version.slice(4);
  const at = spec.indexOf('@', 1);
  return at > 0 ? [spec.slice(0, at), spec.slice(at + 1)] : undefined;
}

function fromDependencies(dependencies: JsonRecord, out: LockPackages, ctx: CatalogContext): void {
  const all: V1Node[] = [];
  const root: V1Scope = { nodes: new Map() };
  // Iterative walk: the nesting comes from the file, so no recursion on its depth.
  const work: Array<{ deps: JsonRecord; scope: V1Scope; depth: number }> = [{ deps: dependencies, scope: root, depth: 0 }];
  let tooDeep = false;
  while (work.length) {
    const { deps, scope, depth } = work.pop()!;
    for (const [name, entry] of Object.entries(deps)) {
      if (!isRecord(entry)) continue;
      const node: V1Node = { entry, lookup: scope };
      if (isRecord(entry.dependencies)) {
        if (depth + 1 > MAX_V1_DEPTH) tooDeep = true;
        else {
          const child: V1Scope = { nodes: new Map(), parent: scope };
          node.lookup = child;
          work.push({ deps: entry.dependencies, scope: child, depth: depth + 1 });
        }
      }
      scope.nodes.set(name, node);
      all.push(node);
      let realName = name;
      let version = str(entry.version);
      if (!version) {
        warnFile(ctx, out.path, `${name}: entry without version skipped`);
        continue;
      }
      if (version.startsWith('file:') || version.startsWith('link:')) continue; // local
      if (version.startsWith('npm:')) {
        const alias = splitAlias(version);
        if (!alias) continue;
        [realName, version] = alias;
      }
      node.id = out.add({ name: realName, version, type: 'npm', purl: npmPurl(realName, version), dev: entry.dev === true });
    }
  }
  if (tooDeep) warnFile(ctx, out.path, `dependencies nested deeper than ${MAX_V1_DEPTH} levels ignored`);
  for (const node of all) {
    if (!node.id || !isRecord(node.entry.requires)) continue;
    for (const dep of Object.keys(node.entry.requires)) {
      for (let s: V1Scope | undefined = node.lookup; s; s = s.parent) {
        const target = s.nodes.get(dep);
        if (target) {
          if (target.id) out.depend(node.id, target.id);
          break;
        }
      }
    }
  }
}

function parsePackageLock(file: CollectedFile, ctx: CatalogContext): Package[] {
  const doc = parseJson(readText(file, ctx), file.path, ctx);
  if (doc === undefined) return [];
  if (!isRecord(doc)) {
    warnFile(ctx, file.path, 'not a package-lock object');
    return [];
  }
  const out = new LockPackages(file.path, NAME, true);
  if (isRecord(doc.packages)) fromPackages(doc.packages, out, ctx);
  else if (isRecord(doc.dependencies)) fromDependencies(doc.dependencies, out, ctx);
  else if (doc.lockfileVersion === undefined || doc.packages !== undefined || doc.dependencies !== undefined)
    warnFile(ctx, file.path, 'no packages or dependencies map: not a package-lock');
  return out.toPackages();
}

export const npmLockCataloger: Cataloger = {
  name: NAME,
  version: '1',
  scopes: ['filesystem'],
  want: wantByName((b) => b === 'package-lock.json' || b === 'npm-shrinkwrap.json'),
  catalog: (ctx) => catalogEach(ctx, (f) => parsePackageLock(f, ctx)),
};
