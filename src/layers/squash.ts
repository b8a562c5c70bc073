// The squashed view: layers applied base first, as a container runtime would, but only
// over what was recorded (wanted files, links, deletions). Pure and synchronous.
import type { LayerInfo } from '../oci/types.js';
import { compareStrings } from '../util/sort.js';
import { layerLabel, type ReadContents } from './contents.js';
import { clampPath, isUnder, splitPath } from './paths.js';
import { LayerError, type CollectedFile, type FileTree, type FileVersion, type LayerContents } from './types.js';
import type { KeptFile } from './want.js';

/** Linux gives up after 40 symlinks in one lookup (MAXSYMLINKS). */
export const MAX_SYMLINK_HOPS = 40;

interface Version extends KeptFile {
  layer: LayerInfo;
}
type Node = { kind: 'file'; v: Version; history: Version[] } | { kind: 'link'; target: string };

/** Path → node, with a count of nodes under each directory so subtree deletes stay cheap. */
class View {
  readonly nodes = new Map<string, Node>();
  private readonly under = new Map<string, number>();

  get(p: string): Node | undefined {
    return this.nodes.get(p);
  }

  set(p: string, n: Node): void {
    if (!this.nodes.has(p)) this.bump(p, 1);
    this.nodes.set(p, n);
  }

  delete(p: string): void {
    if (this.nodes.delete(p)) this.bump(p, -1);
  }

  /** Deletes everything strictly under `dir` ('' = the root). */
  deleteUnder(dir: string): void {
    if (dir === '') {
      this.nodes.clear();
      this.under.clear();
      return;
    }
    if (!this.under.get(dir)) return;
    for (const k of [...this.nodes.keys()]) if (isUnder(k, dir)) this.delete(k);
  }

  deleteTree(p: string): void {
    this.delete(p);
    this.deleteUnder(p);
  }

  private bump(p: string, d: number): void {
    for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
      const dir = p.slice(0, i);
      const n = (this.under.get(dir) ?? 0) + d;
      if (n) this.under.set(dir, n);
      else this.under.delete(dir);
    }
  }
}

/**
 * Applies layers base first. Deletions of layer N (whiteouts, opaque directories, and
 * paths it replaced with something unkept) act on layers below N only; a file written
 * again pushes its previous version into `history`, and a deletion resets the history.
 */
export function squash(layers: LayerContents[]): FileTree {
  const view = new View();
  const warnings: string[] = [];
  for (const l of layers) warnings.push(...l.warnings);
  for (const l of layers) applyLayer(view, l as ReadContents, warnings);
  return createTree(view, warnings);
}

function applyLayer(view: View, l: ReadContents, warnings: string[]): void {
  for (const d of l.opaqueDirs) view.deleteUnder(d);
  for (const p of l.whiteouts) view.deleteTree(p);
  for (const p of l.replaced ?? []) view.deleteTree(p);
  for (const p of l.symlinks.keys()) view.deleteTree(p);
  // A file or hard link replacing a directory removes what was inside it.
  for (const p of l.files.keys()) view.deleteUnder(p);
  for (const p of l.hardlinks.keys()) view.deleteUnder(p);

  const put = (p: string, v: Version): void => {
    const prev = view.get(p);
    view.set(p, { kind: 'file', v, history: prev?.kind === 'file' ? [...prev.history, prev.v] : [] });
  };
  for (const [p, f] of l.files) put(p, { ...f, layer: l.layer });
  for (const [p, t] of l.hardlinks) {
    const same = l.files.get(t);
    const lower = view.get(t);
    const target: KeptFile | undefined = same ?? (lower?.kind === 'file' ? lower.v : undefined);
    if (!target) {
      warnings.push(`${layerLabel(l.layer)}: hard link ${p} → ${t}: target not found`);
      view.deleteTree(p);
      continue;
    }
    const asked = l.hardlinkWantedBy?.get(p) ?? target.wantedBy;
    const wantedBy = target.wantedBy.filter((id) => asked.includes(id));
    const missed = asked.filter((id) => !target.wantedBy.includes(id));
    // tar stores a hard link's data under the first name only; a wanter that asked for
    // the link but not for that name has nothing to read.
    if (missed.length) warnings.push(`${layerLabel(l.layer)}: hard link ${p} → ${t}: target content was not collected for ${missed.join(', ')}`);
    if (wantedBy.length === 0) {
      view.deleteTree(p);
      continue;
    }
    let byWanter: Map<string, Buffer> | undefined;
    for (const id of wantedBy) {
      const b = target.byWanter?.get(id);
      if (b) (byWanter ??= new Map()).set(id, b);
    }
    put(p, { data: target.data, mode: target.mode, size: target.size, wantedBy, ...(byWanter ? { byWanter } : {}), layer: l.layer });
  }
  for (const [p, t] of l.symlinks) view.set(p, { kind: 'link', target: t });
}

function toVersion(v: Version, id?: string): FileVersion {
  return { layer: v.layer, data: (id !== undefined ? v.byWanter?.get(id) : undefined) ?? v.data, mode: v.mode, size: v.size };
}

function createTree(view: View, warnings: string[]): FileTree {
  const files = new Map<string, CollectedFile>();
  const fileNodes: Array<[string, { v: Version; history: Version[] }]> = [];
  const links = new Map<string, string>();
  for (const [p, n] of [...view.nodes].sort((a, b) => compareStrings(a[0], b[0]))) {
    if (n.kind === 'link') {
      links.set(p, n.target);
      continue;
    }
    fileNodes.push([p, n]);
    files.set(p, { path: p, ...toVersion(n.v), wantedBy: n.v.wantedBy, history: n.history.map((h) => toVersion(h)) });
  }
  const byId = new Map<string, CollectedFile[]>();
  return {
    files,
    warnings,
    resolve: (path) => {
      const p = resolvePath(path, links);
      return files.get(p);
    },
    filesFor: (id) => {
      let out = byId.get(id);
      if (!out) {
        out = [];
        for (const [p, n] of fileNodes) {
          if (!n.v.wantedBy.includes(id)) continue;
          const f = files.get(p) as CollectedFile;
          const special = n.v.byWanter?.has(id) || n.history.some((h) => h.byWanter || !h.wantedBy.includes(id));
          out.push(
            special
              ? { ...f, data: n.v.byWanter?.get(id) ?? f.data, history: n.history.filter((h) => h.wantedBy.includes(id)).map((h) => toVersion(h, id)) }
              : f,
          );
        }
        byId.set(id, out);
      }
      return out;
    },
  };
}

/**
 * Resolves `path` against the root: every component that is a symlink is replaced by
 * its target (absolute targets start again at the image root), and `..` never climbs
 * above the root. Throws SYMLINK_LOOP after MAX_SYMLINK_HOPS expansions.
 */
export function resolvePath(path: string, links: ReadonlyMap<string, string>): string {
  if (links.size === 0) return clampPath(path);
  const todo = splitPath(path).reverse(); // a stack: next component last
  const done: string[] = [];
  let hops = 0;
  while (todo.length) {
    const seg = todo.pop() as string;
    if (seg === '..') {
      done.pop();
      continue;
    }
    done.push(seg);
    const target = links.get(done.join('/'));
    if (target === undefined) continue;
    if (++hops > MAX_SYMLINK_HOPS) throw new LayerError('SYMLINK_LOOP', `symbolic link loop (more than ${MAX_SYMLINK_HOPS} links while resolving)`, { input: path });
    done.pop();
    if (target.startsWith('/')) done.length = 0;
    const parts = splitPath(target);
    for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i]);
  }
  return done.join('/');
}
