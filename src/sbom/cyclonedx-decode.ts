// CycloneDX JSON (1.2–1.7) → DecodedDocument. Lenient: other tools' documents are often
// slightly off-schema, so a malformed component is skipped, never fatal; only a document
// that is not CycloneDX at all, or exceeds the limits, is refused.
import type { OsInfo, Target } from '../inventory/types.js';
import { SbomError } from './errors.js';
import type { DecodedDocument, DecodeLimits, PackageDraft } from './document.js';
import { PropBag, readOsProps, readTargetProps, type Prop } from './properties.js';
import { readForeignOs, readForeignTarget } from './foreign.js';
import { digestFromOciPurl } from './target.js';
import { obj, objects, str, strings, type JsonObject } from './shape.js';
import { TOOL_NAME } from './options.js';

// Component types that are never packages (the OS is read separately).
const NOT_PACKAGES = new Set(['operating-system', 'container', 'file', 'device', 'platform', 'data', 'machine-learning-model', 'cryptographic-asset']);

function props(c: JsonObject): PropBag {
  const entries: Prop[] = [];
  for (const p of objects(c.properties)) {
    const name = str(p.name);
    if (name && typeof p.value === 'string') entries.push([name, p.value]);
  }
  return new PropBag(entries);
}

/** `licenses`: [{license: {id|name}}] or [{expression}] (1.5+ also lets `expression` sit beside). */
function licenses(c: JsonObject): string[] {
  const out: string[] = [];
  for (const l of objects(c.licenses)) {
    const expr = str(l.expression);
    if (expr) {
      out.push(expr);
      continue;
    }
    const lic = obj(l.license);
    const v = str(lic?.id) ?? str(lic?.name);
    if (v) out.push(v);
  }
  return out;
}

/** `metadata.tools` is a list of {vendor,name,version} up to 1.4 and {components,services} since 1.5. */
function producer(metadata: JsonObject | undefined): string | undefined {
  const tools = metadata?.tools;
  const list = Array.isArray(tools) ? objects(tools) : [...objects(obj(tools)?.components), ...objects(obj(tools)?.services)];
  for (const t of list) {
    const name = str(t.name);
    if (name) return name;
  }
  return undefined;
}

/** npm scopes, Go module paths and Maven groups live in `group` in some tools' output. */
function fullName(name: string, group: string | undefined, purlType: string | undefined): string {
  if (!group || name.startsWith(group)) return name;
  return purlType === 'maven' ? `${group}:${name}` : `${group}/${name}`;
}

function purlType(purl: string | undefined): string | undefined {
  return /^pkg:([A-Za-z][A-Za-z0-9.+-]*)\//.exec(purl ?? '')?.[1]?.toLowerCase();
}

function target(root: JsonObject | undefined, ours: boolean, input: string): Target {
  if (!root) return { kind: 'sbom', name: input };
  const bag = props(root);
  const purl = str(root.purl);
  const version = str(root.version);
  const isImage = root.type === 'container';
  const t: Target = { kind: isImage ? 'image' : 'sbom', name: str(root.name) ?? input };
  if (purl) t.purl = purl;
  const digest = digestFromOciPurl(purl) ?? (version && /^sha256:[0-9a-f]{64}$/.test(version) ? version : undefined);
  if (isImage && digest) t.digest = digest;
  // Our own documents say exactly what the target was; nothing is inferred for them.
  if (ours) {
    const mine = readTargetProps(bag);
    return { kind: mine.kind ?? t.kind, name: mine.name ?? t.name, ...mine };
  }
  return Object.assign(t, readForeignTarget(bag));
}

function os(c: JsonObject): OsInfo | undefined {
  const bag = props(c);
  const facts = { ...readForeignOs(bag), ...readOsProps(bag) };
  const id = facts.id ?? str(c.name)?.toLowerCase();
  if (!id) return undefined;
  const out: OsInfo = { ...facts, id };
  const version = str(c.version);
  if (!out.versionId && version) out.versionId = version;
  const description = str(c.description);
  if (!out.prettyName && description && description !== id) out.prettyName = description;
  return out;
}

export function readCycloneDx(doc: JsonObject, input: string, limits: DecodeLimits): DecodedDocument {
  const spec = str(doc.specVersion);
  if (!spec || !/^1\.[2-7]$/.test(spec)) {
    throw new SbomError('UNSUPPORTED_FORMAT', `CycloneDX specVersion ${JSON.stringify(doc.specVersion ?? null)} is not supported (1.2–1.7 are)`, { input });
  }
  if (doc.components !== undefined && !Array.isArray(doc.components)) {
    throw new SbomError('INVALID_SBOM', 'CycloneDX "components" is not an array', { input });
  }
  const metadata = obj(doc.metadata);
  const tool = producer(metadata);
  const ours = tool === TOOL_NAME;
  const drafts: PackageDraft[] = [];
  let osInfo: OsInfo | undefined;
  let count = 0;

  // Iterative walk with an explicit depth, so hostile nesting cannot exhaust the stack.
  const stack: Array<{ c: JsonObject; depth: number }> = objects(doc.components).reverse().map((c) => ({ c, depth: 1 }));
  while (stack.length) {
    const { c, depth } = stack.pop() as { c: JsonObject; depth: number };
    if (depth > limits.maxDepth) {
      throw new SbomError('INVALID_SBOM', `components are nested deeper than ${limits.maxDepth} levels`, { input });
    }
    if (++count > limits.maxPackages) {
      throw new SbomError('INVALID_SBOM', `more than ${limits.maxPackages} components`, { input });
    }
    for (const child of objects(c.components).reverse()) stack.push({ c: child, depth: depth + 1 });

    const type = str(c.type);
    if (type === 'operating-system') {
      osInfo ??= os(c);
      continue;
    }
    if (type && NOT_PACKAGES.has(type)) continue;
    const name = str(c.name);
    const purl = str(c.purl);
    if (!name && !purl) continue;
    const ref = str(c['bom-ref']) ?? `#${count}`;
    drafts.push({
      ref,
      name: name ? fullName(name, str(c.group), purlType(purl)) : undefined,
      version: str(c.version),
      purl,
      licenses: licenses(c),
      props: props(c),
      evidencePaths: objects(obj(c.evidence)?.occurrences)
        .map((o) => str(o.location))
        .filter((x): x is string => x !== undefined),
      ownId: ours && /^pkg-[0-9a-f]{16}$/.test(ref) ? ref : undefined,
    });
  }

  const dependsOn = new Map<string, string[]>();
  for (const d of objects(doc.dependencies)) {
    const ref = str(d.ref);
    if (!ref) continue;
    const list = dependsOn.get(ref);
    if (list) for (const x of strings(d.dependsOn)) list.push(x);
    else dependsOn.set(ref, strings(d.dependsOn));
  }

  return { producer: tool, ours, target: target(obj(metadata?.component), ours, input), os: osInfo, drafts, dependsOn };
}
