import { collectFiles, walkDirectory } from '../layers/index.js';
import type { FileTree, FileWanter, ReadOptions } from '../layers/types.js';
import type { ImageSource } from '../oci/types.js';
import { compareStrings } from '../util/sort.js';
import { attributeLayers } from './attribution.js';
import { defaultCatalogers } from './catalogers/index.js';
import { detectOs, osWanter } from './os.js';
import { toPurl } from './purl.js';
import type { CatalogScope, Cataloger, Inventory, OsInfo, Package, Target } from './types.js';

export * from './types.js';
export { toPurl, parsePurl, packageId, golangPurlParts, normalizePypiName } from './purl.js';
export { normalizeLicense, normalizeLicenses, isSpdxExpression } from './license.js';
export { defaultCatalogers } from './catalogers/index.js';
export { detectOs } from './os.js';

export interface InventoryOptions {
  /** Which catalogers run: installed packages (images, unpacked roots) or lockfiles too (source trees). */
  scope?: CatalogScope;
  /** Override the cataloger set (tests, `--catalogers`). */
  catalogers?: Cataloger[];
  /** Layer cache directory; unset disables caching. */
  cacheDir?: string;
  maxLayerBytes?: number;
  maxFileBytes?: number;
  onLayerRead?: ReadOptions['onLayerRead'];
  /** Non-fatal problems (skipped entries, oversize files). */
  onWarning?: (message: string) => void;
}

function wantersFor(catalogers: Cataloger[]): FileWanter[] {
  return [osWanter, ...catalogers.map((c) => ({ id: c.name, version: c.version, want: c.want.bind(c) }))];
}

function selectCatalogers(opts: InventoryOptions, fallback: CatalogScope): Cataloger[] {
  const scope = opts.scope ?? fallback;
  return opts.catalogers ?? defaultCatalogers.filter((c) => c.scopes.includes(scope));
}

/** Inventory of an image (any transport; `dir:` roots too). */
export async function buildInventory(source: ImageSource, opts: InventoryOptions = {}): Promise<Inventory> {
  const catalogers = selectCatalogers(opts, 'image');
  const tree = await collectFiles(source, wantersFor(catalogers), {
    cacheDir: opts.cacheDir,
    maxLayerBytes: opts.maxLayerBytes,
    maxFileBytes: opts.maxFileBytes,
    onLayerRead: opts.onLayerRead,
  });
  return catalogTree(tree, catalogers, imageTarget(source), opts);
}

/** Inventory of a directory on disk: a source tree (`fs`) by default, lockfiles included. */
export async function inventoryDirectory(dir: string, opts: InventoryOptions = {}): Promise<Inventory> {
  const catalogers = selectCatalogers(opts, 'filesystem');
  const tree = await walkDirectory(dir, wantersFor(catalogers), { maxFileBytes: opts.maxFileBytes });
  return catalogTree(tree, catalogers, { kind: 'filesystem', name: dir }, opts);
}

function catalogTree(tree: FileTree, catalogers: Cataloger[], target: Target, opts: InventoryOptions): Inventory {
  const warn = (m: string) => opts.onWarning?.(m);
  for (const w of tree.warnings) warn(w);
  const os: OsInfo | undefined = detectOs((p) => tree.resolve(p));
  const byId = new Map<string, Package>();
  for (const c of catalogers) {
    const files = tree.filesFor(c.name);
    if (files.length === 0) continue;
    const found = c.catalog({ files, lookup: (p) => tree.resolve(p), os, warn: (m) => warn(`${c.name}: ${m}`) });
    attributeLayers(c, found, tree, os);
    for (const p of found) if (!byId.has(p.id)) byId.set(p.id, p);
  }
  return sortInventory({ target, os, packages: [...byId.values()] });
}

/** Sort packages (purl, then first path) and their lists, so output is deterministic. */
export function sortInventory(inv: Inventory): Inventory {
  const packages = inv.packages
    .map((p) => ({ ...p, licenses: [...p.licenses].sort(compareStrings), dependsOn: p.dependsOn ? [...new Set(p.dependsOn)].sort(compareStrings) : undefined }))
    .sort((a, b) => compareStrings(a.purl, b.purl) || compareStrings(a.locations[0]?.path ?? '', b.locations[0]?.path ?? '') || compareStrings(a.id, b.id));
  return { ...inv, packages };
}

export function imageTarget(source: ImageSource): Target {
  const target: Target = { kind: 'image', name: source.name };
  if (source.transport === 'dir') return { kind: 'filesystem', name: source.name };
  if (source.manifestDigest) target.digest = source.indexDigest ?? source.manifestDigest;
  if (source.configDigest) target.imageId = source.configDigest;
  if (source.platform) target.platform = source.platform;
  target.layers = source.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, mediaType: l.mediaType, size: l.size }));
  if (source.ref) {
    const repo = `${source.ref.registry}/${source.ref.repository}`;
    if (target.digest) target.repoDigests = [`${repo}@${target.digest}`];
    const name = source.ref.repository.split('/').pop() ?? source.ref.repository;
    const version = target.digest ?? source.configDigest;
    if (version) {
      target.purl = toPurl({ type: 'oci', name, version, qualifiers: { repository_url: repo, tag: source.ref.tag, arch: source.platform?.architecture } });
    }
  } else if (source.configDigest) {
    const base = source.name.replace(/^[a-z-]+:/, '').split('/').pop() ?? 'image';
    target.purl = toPurl({ type: 'oci', name: base.replace(/[:@].*$/, '').toLowerCase() || 'image', version: target.digest ?? source.configDigest, qualifiers: { arch: source.platform?.architecture } });
  }
  return target;
}
