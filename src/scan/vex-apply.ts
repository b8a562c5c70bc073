// Applying VEX statements to findings, as Trivy does (pkg/vex/vex.go): a statement whose
// product is the vulnerable package itself suppresses the finding; otherwise a statement
// can cut the paths from the package up to the scanned image (through the packages that
// depend on it), and the finding is suppressed only when every path is cut. Without a
// dependency graph the only path is package → image.
import type { Inventory, Package } from '../inventory/types.js';
import { purlMatches } from './purl-match.js';
import type { Finding, Suppression } from './types.js';
import type { VexComponent, VexProduct, VexStatement, VexStatements } from './vex.js';

interface Node {
  purl?: string;
  /** The bom-ref our SBOMs give it (the package id). */
  ref?: string;
}

const ROOT = '\0root';

function componentMatches(c: VexComponent, node: Node): boolean {
  return c.ids.some((id) => (node.ref !== undefined && id === node.ref) || (node.purl !== undefined && (id === node.purl || (id.startsWith('pkg:') && purlMatches(id, node.purl)))));
}

/** go-vex Product.Matches: the product is the node; subcomponents, when listed, must include the leaf. */
function productMatches(p: VexProduct, node: Node, leaf: Node | undefined): boolean {
  if (!componentMatches(p, node)) return false;
  if (!leaf || !p.subcomponents.length) return true;
  return p.subcomponents.some((s) => componentMatches(s, leaf));
}

/** The latest statement of one document about these ids and this node, if it rules the finding out. */
function ruling(doc: VexStatements, ids: ReadonlySet<string>, node: Node, leaf: Node | undefined): VexStatement | undefined {
  let latest: VexStatement | undefined;
  for (const st of doc.statements) {
    if (!ids.has(st.vulnerability) && !st.aliases.some((a) => ids.has(a))) continue;
    if (!st.products.some((p) => productMatches(p, node, leaf))) continue;
    if (!latest || st.time > latest.time || (st.time === latest.time && st.index > latest.index)) latest = st;
  }
  return latest && (latest.status === 'not_affected' || latest.status === 'fixed') ? latest : undefined;
}

/** The dependency graph upwards: package id → ids of packages depending on it, or the root. */
export interface VexGraph {
  parents: Map<string, string[]>;
  nodes: Map<string, Node>;
  root: Node;
}

export function buildVexGraph(inv: Pick<Inventory, 'target' | 'packages'> | undefined): VexGraph {
  const parents = new Map<string, string[]>();
  const nodes = new Map<string, Node>();
  const root: Node = { purl: inv?.target.purl };
  if (!inv) return { parents, nodes, root };
  const ids = new Set(inv.packages.map((p) => p.id));
  for (const p of inv.packages) {
    nodes.set(p.id, { purl: p.purl, ref: p.id });
    if (!parents.has(p.id)) parents.set(p.id, []);
  }
  for (const p of inv.packages) {
    for (const d of p.dependsOn ?? []) {
      if (!ids.has(d) || d === p.id) continue;
      const list = parents.get(d)!;
      if (!list.includes(p.id)) list.push(p.id);
    }
  }
  for (const list of parents.values()) if (!list.length) list.push(ROOT);
  // A dependency cycle nobody else depends on would never reach the image: hang it there.
  const reached = new Set<string>();
  const byId = new Map(inv.packages.map((p): [string, Package] => [p.id, p]));
  const queue = [...parents].filter(([, ps]) => ps.includes(ROOT)).map(([id]) => id);
  while (queue.length) {
    const id = queue.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    for (const d of byId.get(id)?.dependsOn ?? []) if (ids.has(d) && !reached.has(d)) queue.push(d);
  }
  for (const [id, list] of parents) if (!reached.has(id)) list.push(ROOT);
  return { parents, nodes, root };
}

/** Why VEX rules a finding out, or undefined when some path to the image stays affected. */
export function vexSuppression(docs: readonly VexStatements[], f: Finding, graph: VexGraph): Suppression | undefined {
  if (!docs.length) return undefined;
  const ids = new Set([f.id, ...f.aliases]);
  const leaf: Node = { purl: f.pkg.purl, ref: f.pkg.id };
  // Trivy asks each document in turn; the first that rules the finding out decides.
  const rule = (node: Node, l: Node | undefined) => {
    for (const doc of docs) {
      const st = ruling(doc, ids, node, l);
      if (st) return { doc, st };
    }
    return undefined;
  };
  const toSuppression = (r: { doc: VexStatements; st: VexStatement }): Suppression => {
    const s: Suppression = { kind: 'vex', source: r.doc.source, statement: r.st.status };
    if (r.st.justification) s.justification = r.st.justification;
    return s;
  };
  const direct = rule(leaf, undefined);
  if (direct) return toSuppression(direct);
  // Breadth-first up the dependents; a node a statement rules out is a wall.
  let first: { doc: VexStatements; st: VexStatement } | undefined;
  const seen = new Set<string>();
  const queue: string[] = [f.pkg.id];
  while (queue.length) {
    const id = queue.shift()!;
    if (seen.has(id)) continue;
    seen.add(id);
    const node = id === ROOT ? graph.root : id === f.pkg.id ? leaf : graph.nodes.get(id);
    if (!node) continue;
    const r = rule(node, leaf);
    if (r) {
      first ??= r;
      continue;
    }
    if (id === ROOT) return undefined;
    for (const p of graph.parents.get(id) ?? [ROOT]) if (!seen.has(p)) queue.push(p);
  }
  return first ? toSuppression(first) : undefined;
}
