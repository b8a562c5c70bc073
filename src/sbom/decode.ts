// SBOM text (ours or another tool's) → Inventory. Format readers produce drafts; this
// file turns drafts into Packages the same way for both formats: purl → type/name/
// version/arch, facts from our properties first and from syft's/Trivy's otherwise.
import type { Inventory, Package } from '../inventory/types.js';
import { normalizeLicenses } from '../inventory/license.js';
import { packageId, parsePurl, toPurl, type PurlParts } from '../inventory/purl.js';
import { sortBy } from '../util/index.js';
import { SbomError } from './errors.js';
import { DEFAULT_LIMITS, type DecodedDocument, type DecodeLimits, type PackageDraft } from './document.js';
import { isPackageType, readPackageProps, relPath } from './properties.js';
import { osFromDistro, readForeignPackage, type ForeignFacts } from './foreign.js';
import { readCycloneDx } from './cyclonedx-decode.js';
import { readSpdx } from './spdx-decode.js';
import { isObject, type Json } from './shape.js';

function tryParsePurl(purl: string | undefined): PurlParts | undefined {
  if (!purl) return undefined;
  try {
    return parsePurl(purl);
  } catch {
    return undefined;
  }
}

function purlName(p: PurlParts): string {
  if (!p.namespace) return p.name;
  return p.type === 'maven' ? `${p.namespace}:${p.name}` : `${p.namespace}/${p.name}`;
}

interface Built {
  pkg: Package;
  draft: PackageDraft;
}

function buildPackage(d: PackageDraft, parts: PurlParts | undefined, doc: DecodedDocument): Omit<Package, 'id'> | undefined {
  const name = d.name ?? (parts ? purlName(parts) : undefined);
  const version = d.version ?? parts?.version;
  if (!name) return undefined;
  // Without a purl a package is only worth keeping when it says which version it is.
  if (!parts && !version) return undefined;
  const purl = parts ? (doc.ours && d.purl ? d.purl : toPurl(parts)) : toPurl({ type: 'generic', name, version });
  const mine = readPackageProps(d.props);
  // Our own documents say exactly what each package was; nothing is inferred for them.
  const theirs: ForeignFacts = doc.ours ? { locations: [] } : readForeignPackage(d.props, d.sourceInfo, parts);
  const type = mine.type ?? (parts && isPackageType(parts.type) ? parts.type : 'generic');
  const pkg: Omit<Package, 'id'> = {
    name,
    version: version ?? '',
    type,
    purl,
    licenses: normalizeLicenses(d.licenses),
    locations: mine.locations.length
      ? mine.locations
      : theirs.locations.length
        ? theirs.locations
        : (doc.ours ? [] : (d.evidencePaths ?? [])).map((path) => ({ path: relPath(path) })),
    // Another tool's SBOM rarely names its cataloger; the tool itself found the package.
    foundBy: mine.foundBy ?? theirs.foundBy ?? doc.producer ?? 'sbom',
  };
  const arch = mine.arch ?? parts?.qualifiers?.arch;
  if (arch) pkg.arch = arch;
  const source = mine.source ?? theirs.source;
  if (source) pkg.source = source;
  const metadata = mine.metadata ?? theirs.metadata;
  if (metadata) pkg.metadata = metadata;
  return pkg;
}

/** Drafts → packages with unique ids and dependsOn resolved to those ids. */
export function assemble(doc: DecodedDocument): Inventory {
  const built: Built[] = [];
  const ids = new Set<string>();
  const refToId = new Map<string, string>();
  const purls: Array<PurlParts | undefined> = [];
  for (const d of doc.drafts) {
    const parts = tryParsePurl(d.purl);
    purls.push(parts);
    const p = buildPackage(d, parts, doc);
    if (!p) continue;
    const path = p.locations[0]?.path ?? '';
    let id = d.ownId && !ids.has(d.ownId) ? d.ownId : packageId(p.purl, path);
    // Two entries with the same purl and path (duplicates happen): keep both, distinctly.
    for (let n = 1; ids.has(id); n++) id = packageId(p.purl, `${path}\0${d.ref}\0${n}`);
    ids.add(id);
    if (!refToId.has(d.ref)) refToId.set(d.ref, id);
    built.push({ pkg: { id, ...p }, draft: d });
  }
  for (const { pkg, draft } of built) {
    const deps = new Set<string>();
    for (const ref of doc.dependsOn.get(draft.ref) ?? []) {
      const id = refToId.get(ref);
      if (id && id !== pkg.id) deps.add(id);
    }
    if (deps.size) pkg.dependsOn = [...deps].sort();
  }
  const inv: Inventory = {
    target: doc.target,
    packages: sortBy(
      built.map((b) => b.pkg),
      (p) => p.purl,
      (p) => p.locations[0]?.path ?? '',
      (p) => p.id,
    ),
  };
  const os = doc.os ?? osFromDistro(purls);
  if (os) inv.os = os;
  if (doc.producer) inv.producer = doc.producer;
  return inv;
}

/** SPDX 3 documents are JSON-LD with an spdx.org context (a string or a list of them). */
function contextMentionsSpdx(ctx: Json | undefined): boolean {
  const list = typeof ctx === 'string' ? [ctx] : Array.isArray(ctx) ? ctx : [];
  return list.some((c) => typeof c === 'string' && c.includes('spdx'));
}

export interface DecodeOptions {
  limits?: Partial<DecodeLimits>;
}

/**
 * Reads a CycloneDX (1.2–1.7) or SPDX (2.2/2.3) JSON document into an Inventory. `name`
 * names the input in errors. Every failure is an SbomError: INVALID_SBOM for text that is
 * not JSON, a broken structure or a document over the limits; UNSUPPORTED_FORMAT for JSON
 * (or XML, or SPDX 3) we do not read.
 */
export function decodeSbom(text: string, name: string, opts: DecodeOptions = {}): Inventory {
  const limits: DecodeLimits = { ...DEFAULT_LIMITS, ...opts.limits };
  if (typeof text !== 'string') throw new SbomError('INVALID_SBOM', 'input is not text', { input: name });
  if (text.length > limits.maxChars) {
    throw new SbomError('INVALID_SBOM', `document is ${text.length} characters, over the ${limits.maxChars} limit`, { input: name });
  }
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const head = body.trimStart();
  if (!head) throw new SbomError('INVALID_SBOM', 'document is empty', { input: name });
  if (head.startsWith('<')) throw new SbomError('UNSUPPORTED_FORMAT', 'XML SBOMs are not supported; use the JSON form', { input: name });
  if (head.startsWith('SPDXVersion:')) throw new SbomError('UNSUPPORTED_FORMAT', 'SPDX tag-value is not supported; use SPDX JSON', { input: name });

  let doc: Json;
  try {
    doc = JSON.parse(body) as Json;
  } catch (e) {
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new SbomError('INVALID_SBOM', `not valid JSON: ${why}`, { input: name, cause: e });
  }
  if (!isObject(doc)) throw new SbomError('UNSUPPORTED_FORMAT', 'JSON document is not an object, so neither CycloneDX nor SPDX', { input: name });

  let decoded: DecodedDocument;
  if (doc.bomFormat === 'CycloneDX') decoded = readCycloneDx(doc, name, limits);
  else if (typeof doc.spdxVersion === 'string') decoded = readSpdx(doc, name, limits);
  else if (contextMentionsSpdx(doc['@context'])) {
    throw new SbomError('UNSUPPORTED_FORMAT', 'SPDX 3 (JSON-LD) is not supported; SPDX 2.2/2.3 JSON is', { input: name });
  } else {
    throw new SbomError('UNSUPPORTED_FORMAT', 'JSON is neither CycloneDX (bomFormat) nor SPDX (spdxVersion)', { input: name });
  }
  return assemble(decoded);
}
