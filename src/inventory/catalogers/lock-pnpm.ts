// pnpm-lock.yaml, lockfile formats 5.x (pnpm 7), 6.0 (pnpm 8) and 9.0 (pnpm 9 and 10).
//
// Package keys: v5 `/name/1.0.0_peer@2`, v6 `/name@1.0.0(peer@2)`, v9 `name@1.0.0` with
// the peer-resolved variants under `snapshots`. Peer variants of one version are one
// package. v5/v6 mark development-only packages with `dev: true`; v9 no longer does, so
// dev-ness is derived from the importers: reachable from devDependencies only.
import type { CollectedFile } from '../../layers/types.js';
import type { Cataloger, CatalogContext, Package } from '../types.js';
import { type JsonRecord, LockPackages, catalogEach, isRecord, npmPurl, parseYaml, readText, str, warnFile, wantByName } from './lockfile-util.js';

const NAME = 'pnpm-lock';

type Style = 'v5' | 'v6' | 'v9';

function styleOf(lockfileVersion: string | undefined): Style | undefined {
  const major = Number.parseInt(lockfileVersion ?? '', 10);
  if (!Number.isFinite(major) || major < 1) return undefined;
  return major <= 5 ? 'v5' : major < 9 ? 'v6' : 'v9';
}

function withoutPeers(s: string): string {
  const i = s.indexOf('(');
  return i < 0 ? s : s.slice(0, i);
}

/** Name and version written in a package key (registry packages only). */
function parseKey(key: string, style: Style): { name: string; version: string } | undefined {
  if (style === 'v5') {
    if (!key.startsWith('/')) return undefined; // tarball/git keys carry name and version fields
    const segs = key.slice(1).split('/');
    const scoped = segs[0].startsWith('@');
    const name = scoped ? `${segs[0]}/${segs[1] ?? ''}` : segs[0];
    const version = segs.slice(scoped ? 2 : 1).join('/').split('_')[0];
    return name && version && !name.endsWith('/') ? { name, version } : undefined;
  }
  const k = withoutPeers(style === 'v6' && key.startsWith('/') ? key.slice(1) : key);
  const at = k.indexOf('@', 1);
  return at > 0 && at < k.length - 1 ? { name: k.slice(0, at), version: k.slice(at + 1) } : undefined;
}

/** The key that identifies a package across its peer variants. */
function baseKey(key: string, style: Style): string {
  if (style !== 'v5') return withoutPeers(key);
  const p = parseKey(key, style);
  return p ? `/${p.name}/${p.version}` : key;
}

/** Where a dependency reference (`1.0.0`, `1.0.0(peer@2)`, `/alias/1.0.0`, `other@1.0.0`) points. */
function refToKey(name: string, ref: string, style: Style): string | undefined {
  if (ref.startsWith('link:')) return undefined;
  const head = withoutPeers(ref);
  if (style === 'v5') return ref.startsWith('/') || ref.includes('/') ? ref : `/${name}/${ref}`;
  if (style === 'v6') return ref.startsWith('/') || head.includes('/') ? ref : `/${name}@${ref}`;
  const at = head.indexOf('@', 1);
  return at > 0 && !head.slice(0, at).includes(':') ? ref : `${name}@${ref}`;
}

function isLocal(key: string, entry: JsonRecord): boolean {
  if (/(^|@)(file|link):/.test(key)) return true;
  const res = entry.resolution;
  return isRecord(res) && (res.directory !== undefined || res.type === 'directory' || (str(res.tarball)?.startsWith('file:') ?? false));
}

function dependencyRefs(entry: unknown, fields: readonly string[]): Array<[string, string]> {
  if (!isRecord(entry)) return [];
  const out: Array<[string, string]> = [];
  for (const f of fields) {
    const deps = entry[f];
    if (!isRecord(deps)) continue;
    for (const [name, v] of Object.entries(deps)) {
      // v5 writes `name: ref`; v6 and v9 importers write `name: {specifier, version}`.
      const ref = typeof v === 'string' ? v : isRecord(v) ? str(v.version) : undefined;
      if (ref) out.push([name, ref]);
    }
  }
  return out;
}

/** Keys reachable from the given roots, iteratively (the graph may have cycles). */
function reach(roots: Iterable<string>, graph: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const k = stack.pop()!;
    if (seen.has(k)) continue;
    seen.add(k);
    for (const t of graph.get(k) ?? []) if (!seen.has(t)) stack.push(t);
  }
  return seen;
}

function parsePnpmLock(file: CollectedFile, ctx: CatalogContext): Package[] {
  // pnpm 9 may prepend a document for its own tooling; the lockfile is the one with packages.
  const docs = parseYaml(readText(file, ctx), file.path, ctx).filter(isRecord);
  const doc = docs.reverse().find((d) => isRecord(d.packages) || isRecord(d.importers)) ?? docs[0];
  const style = styleOf(str(doc?.lockfileVersion));
  if (!doc || !style) {
    if (doc || docs.length) warnFile(ctx, file.path, 'unsupported or missing lockfileVersion');
    return [];
  }
  const packages = isRecord(doc.packages) ? doc.packages : {};
  const source = style === 'v9' && isRecord(doc.snapshots) ? doc.snapshots : packages;

  const graph = new Map<string, string[]>();
  for (const [key, entry] of Object.entries(source)) {
    const targets = dependencyRefs(entry, ['dependencies', 'optionalDependencies'])
      .map(([n, r]) => refToKey(n, r, style))
      .filter((k): k is string => k !== undefined);
    graph.set(key, targets);
  }

  let devOnly: ((base: string) => boolean) | undefined;
  if (style === 'v9') {
    const importers = isRecord(doc.importers) ? Object.values(doc.importers) : [doc];
    const roots = (fields: string[]): string[] =>
      importers.flatMap((imp) => dependencyRefs(imp, fields).map(([n, r]) => refToKey(n, r, style))).filter((k): k is string => k !== undefined);
    const prod = new Set([...reach(roots(['dependencies', 'optionalDependencies']), graph)].map((k) => baseKey(k, style)));
    const dev = new Set([...reach(roots(['devDependencies']), graph)].map((k) => baseKey(k, style)));
    devOnly = (base) => dev.has(base) && !prod.has(base);
  }

  const out = new LockPackages(file.path, NAME, true);
  const ids = new Map<string, string>();
  let unnamed = 0;
  for (const [key, entry] of Object.entries(packages)) {
    if (!isRecord(entry) || isLocal(key, entry)) continue;
    const parsed = parseKey(key, style);
    const name = str(entry.name) ?? parsed?.name;
    const version = str(entry.version) ?? parsed?.version;
    if (!name || !version) {
      unnamed++;
      continue;
    }
    const base = baseKey(key, style);
    const dev = devOnly ? devOnly(base) : entry.dev === 'true';
    ids.set(base, out.add({ name, version, type: 'npm', purl: npmPurl(name, version), dev }));
  }
  if (unnamed) warnFile(ctx, file.path, `${unnamed} package key(s) without a readable name or version skipped`);

  for (const [key, targets] of graph) {
    const from = ids.get(baseKey(key, style));
    if (!from) continue;
    for (const t of targets) {
      const to = ids.get(baseKey(t, style));
      if (to) out.depend(from, to);
    }
  }
  return out.toPackages();
}

export const pnpmLockCataloger: Cataloger = {
  name: NAME,
  version: '1',
  scopes: ['filesystem'],
  want: wantByName((b) => b === 'pnpm-lock.yaml'),
  catalog: (ctx) => catalogEach(ctx, (f) => parsePnpmLock(f, ctx)),
};
