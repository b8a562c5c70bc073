import type { Inventory, Package } from '../inventory/types.js';
import { isSpdxExpression } from '../inventory/license.js';
import { compareStrings, sortBy } from '../util/index.js';
import { isCycloneDxSpdxId } from './cyclonedx-spdx-ids.js';
import { documentUuid, resolveClock } from './determinism.js';
import { osProps, packageProps, targetProps, type Prop } from './properties.js';
import { imagePurl, rootNameVersion, rootRef } from './target.js';
import { rootDependencies } from './graph.js';
import { DEFAULT_TOOL_VERSION, TOOL_NAME, type EncodeOptions } from './options.js';

// The JSON is built here as plain objects rather than through the CycloneDX library's models
// and serializer, whose loading alone cost ~80 ms of start-up. The shapes, key order and
// omission rules are those of that library's 1.6 JSON normalizer, and the golden files in
// test/fixtures/sbom/golden (written by it) hold us to the same bytes. Keys set to
// undefined are left out by JSON.stringify, as the normalizer's were.

type ComponentType = 'application' | 'container' | 'file' | 'library' | 'operating-system';

type CdxLicense = { license: { id: string } } | { license: { name: string } } | { expression: string };

interface CdxProperty {
  name: string;
  value: string;
}

interface CdxComponent {
  type: ComponentType;
  name: string;
  version?: string;
  'bom-ref'?: string;
  description?: string;
  licenses?: CdxLicense[];
  purl?: string;
  properties?: CdxProperty[];
}

interface CdxDependency {
  ref: string;
  dependsOn?: string[];
}

interface CdxBom {
  $schema: string;
  bomFormat: 'CycloneDX';
  specVersion: '1.6';
  version: number;
  serialNumber?: string;
  metadata: {
    timestamp: string;
    tools: { components: CdxComponent[] };
    component: CdxComponent;
  };
  components: CdxComponent[];
  dependencies: CdxDependency[];
}

/** A component with a reference in the document, and what it depends on (in insertion order). */
interface Node {
  ref: string;
  json: CdxComponent;
  deps: Set<Node>;
}

function properties(props: Prop[]): CdxProperty[] | undefined {
  return props.length ? props.map(([name, value]) => ({ name, value })) : undefined;
}

/**
 * CycloneDX allows either a list of single licences (id or name) or exactly one
 * expression. One SPDX id → `license.id`; one compound expression → `expression`; several
 * entries → one `license` each, compound ones as names, so none is dropped.
 */
function licenses(input: readonly string[]): CdxLicense[] | undefined {
  const list = [...new Set(input)].sort(compareStrings);
  if (!list.length) return undefined;
  if (list.length === 1 && !isCycloneDxSpdxId(list[0]) && isSpdxExpression(list[0])) return [{ expression: list[0] }];
  return list.map((l) => (isCycloneDxSpdxId(l) ? { license: { id: l } } : { license: { name: l } }));
}

function component(
  type: ComponentType,
  name: string,
  ref: string | undefined,
  f: { version?: string; description?: string; licenses?: CdxLicense[]; purl?: string; props?: Prop[] },
): CdxComponent {
  // Key order is the output order; empty version and description are left out.
  return {
    type,
    name,
    version: f.version || undefined,
    'bom-ref': ref || undefined,
    description: f.description || undefined,
    licenses: f.licenses,
    purl: f.purl,
    properties: f.props ? properties(f.props) : undefined,
  };
}

function node(ref: string, json: CdxComponent): Node {
  return { ref, json, deps: new Set() };
}

function packageNode(p: Package): Node {
  return node(p.id, component('library', p.name, p.id, { version: p.version, purl: p.purl, licenses: licenses(p.licenses), props: packageProps(p) }));
}

/**
 * References must be unique and non-empty. The library replaced an empty or repeated one
 * (a later one, in document order) with a random `BomRef.…` value; ours is `BomRef.N`, the
 * first N free, so even such an inventory encodes reproducibly. Package ids from our
 * catalogers and decoder (`pkg-` + hex) never collide with the root's or the OS's.
 */
function makeRefsUnique(nodes: readonly Node[]): void {
  const taken = new Set(['', ...nodes.map((n) => n.ref)]);
  const known = new Set(['']);
  let n = 0;
  for (const x of nodes) {
    if (known.has(x.ref)) {
      do x.ref = `BomRef.${++n}`;
      while (taken.has(x.ref));
      taken.add(x.ref);
      x.json['bom-ref'] = x.ref;
    }
    known.add(x.ref);
  }
}

function buildBom(inv: Inventory, toolVersion: string, date: Date): CdxBom {
  const t = inv.target;
  const { name, version } = rootNameVersion(t);
  const rootType: ComponentType = t.kind === 'image' ? 'container' : t.kind === 'filesystem' ? 'file' : 'application';
  const root = node(rootRef(t), component(rootType, name, rootRef(t), { version, purl: imagePurl(t), props: targetProps(t) }));

  // Everything is ordered by byte order of its reference (compareStrings), never with
  // localeCompare, whose order follows the process locale (in da_DK "aa" sorts after "z").
  const byId = new Map<string, Node>();
  const nodes: Node[] = [];
  for (const p of inv.packages) {
    if (byId.has(p.id)) continue;
    const c = packageNode(p);
    byId.set(p.id, c);
    nodes.push(c);
  }
  // A repeated id keeps its first package, and the dependencies of all of them.
  for (const p of inv.packages) {
    const c = byId.get(p.id) as Node;
    for (const d of [...new Set(p.dependsOn ?? [])].sort(compareStrings)) {
      const dep = byId.get(d);
      if (dep && dep !== c) c.deps.add(dep);
    }
  }
  const rootDeps: Node[] = [];
  if (inv.os) {
    const os = inv.os;
    const ref = `os:${os.id}@${os.versionId ?? ''}`;
    const osNode = node(ref, component('operating-system', os.id, ref, { version: os.versionId, description: os.prettyName, props: osProps(os) }));
    nodes.push(osNode);
    rootDeps.push(osNode);
  }
  for (const id of rootDependencies(inv.packages)) rootDeps.push(byId.get(id) as Node);
  const byRef = (n: Node) => n.ref;
  for (const n of sortBy(rootDeps, byRef)) root.deps.add(n);
  const sorted = sortBy(nodes, byRef);
  makeRefsUnique([root, ...sorted]);

  const tool = component('application', TOOL_NAME, undefined, { version: toolVersion });
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    version: 1,
    serialNumber: undefined,
    metadata: { timestamp: date.toISOString(), tools: { components: [tool] }, component: root.json },
    components: sorted.map((n) => n.json),
    dependencies: [root, ...sorted].map((n) => ({ ref: n.ref, dependsOn: n.deps.size ? [...n.deps].map(byRef) : undefined })),
  };
}

/**
 * Inventory → CycloneDX 1.6 JSON (2-space indent, newline-terminated); lists come out in
 * byte order of their references. With a fixed clock (opts.now or SOURCE_DATE_EPOCH) the
 * serial number is derived from the content (the document without it), so the same
 * inventory gives the same bytes, whatever the locale.
 */
export function encodeCycloneDx(inv: Inventory, opts: EncodeOptions = {}): string {
  const clock = resolveClock(opts.now);
  const bom = buildBom(inv, opts.toolVersion ?? DEFAULT_TOOL_VERSION, clock.date);
  const serialize = () => JSON.stringify(bom, null, 2);
  bom.serialNumber = `urn:uuid:${documentUuid(clock, serialize)}`;
  return serialize() + '\n';
}
