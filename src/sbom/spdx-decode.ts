// SPDX 2.2/2.3 JSON → DecodedDocument. The described package is the target; an
// OPERATING_SYSTEM package (or Trivy's SPDXRef-OperatingSystem-…) is the OS; every other
// package is a package. DEPENDS_ON / DEPENDENCY_OF give the graph.
import type { OsInfo, Target } from '../inventory/types.js';
import { SbomError } from './errors.js';
import type { DecodedDocument, DecodeLimits, PackageDraft } from './document.js';
import { PREFIX, PropBag, readOsProps, readTargetProps, type Prop } from './properties.js';
import { attributionProps, readForeignTarget } from './foreign.js';
import { fromSpdxLicenseField } from './spdx-license.js';
import { digestFromOciPurl } from './target.js';
import { obj, objects, str, strings, type JsonObject } from './shape.js';
import { TOOL_NAME } from './options.js';

/** "Tool: syft-0.91.0" → "syft"; "Tool: trivy-dev" → "trivy". */
function producer(creators: string[]): string | undefined {
  for (const c of creators) {
    const m = /^Tool:\s*(.+)$/.exec(c.trim());
    if (!m) continue;
    return m[1].replace(/-(v?\d[\w.+~-]*|dev|devel|snapshot)$/i, '').trim() || undefined;
  }
  return undefined;
}

function purlOf(p: JsonObject): string | undefined {
  for (const r of objects(p.externalRefs)) {
    if (str(r.referenceType)?.toLowerCase() === 'purl') {
      const loc = str(r.referenceLocator);
      if (loc) return loc;
    }
  }
  return undefined;
}

/** Our annotations (`portcullis:…=value`) and Trivy's attributionTexts, as one property bag. */
function props(p: JsonObject): PropBag {
  const entries: Prop[] = [];
  for (const a of objects(p.annotations)) {
    const c = str(a.comment);
    if (!c?.startsWith(PREFIX)) continue;
    const eq = c.indexOf('=');
    if (eq > 0) entries.push([c.slice(0, eq), c.slice(eq + 1)]);
  }
  entries.push(...attributionProps(strings(p.attributionTexts)));
  return new PropBag(entries);
}

function purpose(p: JsonObject): string {
  return (str(p.primaryPackagePurpose) ?? '').toUpperCase().replace(/-/g, '_');
}

function isOs(p: JsonObject): boolean {
  return purpose(p) === 'OPERATING_SYSTEM' || (str(p.SPDXID) ?? '').startsWith('SPDXRef-OperatingSystem');
}

function target(root: JsonObject | undefined, docName: string | undefined, ours: boolean, input: string): Target {
  if (!root) return { kind: 'sbom', name: docName ?? input };
  const bag = props(root);
  const id = str(root.SPDXID) ?? '';
  const isImage = purpose(root) === 'CONTAINER' || /ContainerImage|DocumentRoot-Image/.test(id);
  const t: Target = { kind: isImage ? 'image' : 'sbom', name: str(root.name) ?? docName ?? input };
  const purl = purlOf(root);
  if (purl) t.purl = purl;
  const sha = objects(root.checksums).find((c) => str(c.algorithm)?.toUpperCase() === 'SHA256');
  const version = str(root.versionInfo);
  const digest =
    digestFromOciPurl(purl) ??
    (version && /^sha256:[0-9a-f]{64}$/.test(version) ? version : undefined) ??
    (sha && /^[0-9a-f]{64}$/.test(str(sha.checksumValue) ?? '') ? `sha256:${str(sha.checksumValue)}` : undefined);
  if (isImage && digest) t.digest = digest;
  // Our own documents say exactly what the target was; nothing is inferred for them.
  if (ours) {
    const mine = readTargetProps(bag);
    return { kind: mine.kind ?? t.kind, name: mine.name ?? t.name, ...mine };
  }
  return Object.assign(t, readForeignTarget(bag));
}

function os(p: JsonObject): OsInfo | undefined {
  const facts = readOsProps(props(p));
  const id = facts.id ?? str(p.name)?.toLowerCase();
  if (!id) return undefined;
  const out: OsInfo = { ...facts, id };
  const version = str(p.versionInfo);
  if (!out.versionId && version) out.versionId = version;
  const description = str(p.description);
  if (!out.prettyName && description) out.prettyName = description;
  return out;
}

export function readSpdx(doc: JsonObject, input: string, limits: DecodeLimits): DecodedDocument {
  const version = str(doc.spdxVersion);
  if (!version || !/^SPDX-2\.[123]$/.test(version)) {
    throw new SbomError('UNSUPPORTED_FORMAT', `spdxVersion ${JSON.stringify(doc.spdxVersion ?? null)} is not supported (SPDX-2.2 and SPDX-2.3 are)`, { input });
  }
  if (doc.packages !== undefined && !Array.isArray(doc.packages)) {
    throw new SbomError('INVALID_SBOM', 'SPDX "packages" is not an array', { input });
  }
  const packages = objects(doc.packages);
  if (packages.length > limits.maxPackages) {
    throw new SbomError('INVALID_SBOM', `more than ${limits.maxPackages} packages`, { input });
  }
  const tool = producer(strings(obj(doc.creationInfo)?.creators));
  const ours = tool === TOOL_NAME;

  const extracted = new Map<string, { name?: string; comment?: string }>();
  for (const e of objects(doc.hasExtractedLicensingInfos)) {
    const id = str(e.licenseId);
    if (id) extracted.set(id, { name: str(e.name) ?? str(e.extractedText), comment: str(e.comment) });
  }

  const described: string[] = [...strings(doc.documentDescribes)];
  const dependsOn = new Map<string, string[]>();
  const addEdge = (from: string, to: string) => {
    const list = dependsOn.get(from);
    if (list) list.push(to);
    else dependsOn.set(from, [to]);
  };
  for (const r of objects(doc.relationships)) {
    const a = str(r.spdxElementId);
    const b = str(r.relatedSpdxElement);
    const type = str(r.relationshipType);
    if (!a || !b || !type) continue;
    if (type === 'DESCRIBES' && a === 'SPDXRef-DOCUMENT') described.push(b);
    else if (type === 'DESCRIBED_BY' && b === 'SPDXRef-DOCUMENT') described.push(a);
    else if (type === 'DEPENDS_ON') addEdge(a, b);
    else if (type === 'DEPENDENCY_OF') addEdge(b, a);
  }

  const byId = new Map<string, JsonObject>();
  for (const p of packages) {
    const id = str(p.SPDXID);
    if (id && !byId.has(id)) byId.set(id, p);
  }
  const rootId = described.find((id) => byId.has(id));
  const root = rootId ? byId.get(rootId) : undefined;

  let osInfo: OsInfo | undefined;
  const drafts: PackageDraft[] = [];
  packages.forEach((p, i) => {
    const id = str(p.SPDXID) ?? `#${i}`;
    if (p === root) return;
    if (isOs(p)) {
      osInfo ??= os(p);
      return;
    }
    const name = str(p.name);
    const purl = purlOf(p);
    if (!name && !purl) return;
    let licenses = fromSpdxLicenseField(p.licenseDeclared, extracted, ours);
    if (!licenses.length) licenses = fromSpdxLicenseField(p.licenseConcluded, extracted, ours);
    const own = ours ? /-([0-9a-f]{16})$/.exec(id)?.[1] : undefined;
    drafts.push({
      ref: id,
      name,
      version: str(p.versionInfo),
      purl,
      licenses,
      props: props(p),
      sourceInfo: str(p.sourceInfo),
      ownId: own ? `pkg-${own}` : undefined,
    });
  });

  return { producer: tool, ours, target: target(root, str(doc.name), ours, input), os: osInfo, drafts, dependsOn };
}
