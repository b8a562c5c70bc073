// Inventory → SPDX 2.3 JSON, written by hand (the model is small). Shape follows what
// syft writes (DocumentRoot package, sourceInfo naming where the package was found),
// with our extra facts as annotations carrying the same `portcullis:` properties as
// the CycloneDX output.
import type { Inventory, OsInfo, Package, Target } from '../inventory/types.js';
import { compareStrings, sha256Hex } from '../util/index.js';
import { documentUuid, isoSeconds, resolveClock } from './determinism.js';
import { DEFAULT_TOOL_VERSION, TOOL_NAME, type EncodeOptions } from './options.js';
import { osProps, packageProps, targetProps, type Prop } from './properties.js';
import { toSpdxLicenseField, type ExtractedLicense } from './spdx-license.js';
import { imagePurl } from './target.js';

export interface SpdxAnnotation {
  annotationDate: string;
  annotationType: 'OTHER' | 'REVIEW';
  annotator: string;
  comment: string;
}

export interface SpdxExternalRef {
  referenceCategory: string;
  referenceType: string;
  referenceLocator: string;
}

export interface SpdxPackage {
  name: string;
  SPDXID: string;
  versionInfo?: string;
  description?: string;
  downloadLocation: string;
  filesAnalyzed: boolean;
  checksums?: Array<{ algorithm: string; checksumValue: string }>;
  sourceInfo?: string;
  licenseConcluded?: string;
  licenseDeclared?: string;
  copyrightText?: string;
  externalRefs?: SpdxExternalRef[];
  primaryPackagePurpose?: string;
  annotations?: SpdxAnnotation[];
}

export interface SpdxRelationship {
  spdxElementId: string;
  relatedSpdxElement: string;
  relationshipType: string;
}

export interface SpdxDocument {
  spdxVersion: string;
  dataLicense: string;
  SPDXID: string;
  name: string;
  documentNamespace: string;
  creationInfo: { created: string; creators: string[] };
  packages: SpdxPackage[];
  hasExtractedLicensingInfos?: ExtractedLicense[];
  relationships: SpdxRelationship[];
}

/** SPDX ids allow `[A-Za-z0-9.-]` after `SPDXRef-`. */
export function sanitizeSpdxId(s: string): string {
  return s.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

/** The short hash at the end of a package's SPDXID: the package id's own, when it is ours. */
export function idSuffix(id: string): string {
  return /^pkg-[0-9a-f]{16}$/.test(id) ? id.slice(4) : sha256Hex(id).slice(0, 16);
}

function annotations(props: Prop[], annotator: string, date: string): SpdxAnnotation[] | undefined {
  if (!props.length) return undefined;
  return props.map(([k, v]) => ({ annotationDate: date, annotationType: 'OTHER', annotator, comment: `${k}=${v}` }));
}

function purlRef(purl: string): SpdxExternalRef {
  return { referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: purl };
}

function rootPackage(t: Target, annotator: string, date: string): SpdxPackage {
  const purl = imagePurl(t);
  const pkg: SpdxPackage = {
    name: t.name,
    SPDXID: `SPDXRef-DocumentRoot-${t.kind === 'image' ? 'Image' : 'Directory'}-${sanitizeSpdxId(t.name)}`,
    versionInfo: t.digest,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
  };
  const hex = /^sha256:([0-9a-f]{64})$/.exec(t.digest ?? '')?.[1];
  if (hex) pkg.checksums = [{ algorithm: 'SHA256', checksumValue: hex }];
  if (purl) pkg.externalRefs = [purlRef(purl)];
  pkg.primaryPackagePurpose = t.kind === 'image' ? 'CONTAINER' : 'FILE';
  pkg.annotations = annotations(targetProps(t), annotator, date);
  return pkg;
}

function osPackage(os: OsInfo, annotator: string, date: string): SpdxPackage {
  return {
    name: os.id,
    SPDXID: `SPDXRef-OperatingSystem-${sanitizeSpdxId(`${os.id}-${os.versionId ?? ''}`)}`,
    versionInfo: os.versionId,
    description: os.prettyName,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    primaryPackagePurpose: 'OPERATING_SYSTEM',
    annotations: annotations(osProps(os), annotator, date),
  };
}

function sourceInfo(p: Package): string | undefined {
  const paths = p.locations.map((l) => '/' + l.path);
  if (!paths.length) return undefined;
  return `acquired package info from ${p.foundBy || 'unknown'}: ${paths.join(', ')}`;
}

function libraryPackage(p: Package, spdxId: string, extracted: Map<string, ExtractedLicense>, annotator: string, date: string): SpdxPackage {
  return {
    name: p.name,
    SPDXID: spdxId,
    versionInfo: p.version,
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    sourceInfo: sourceInfo(p),
    // We report what packages declare; concluding a licence is a human's job.
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: toSpdxLicenseField(p.licenses, extracted),
    externalRefs: p.purl ? [purlRef(p.purl)] : undefined,
    primaryPackagePurpose: 'LIBRARY',
    annotations: annotations(packageProps(p), annotator, date),
  };
}

function relationshipKey(r: SpdxRelationship): string {
  return `${r.spdxElementId}\0${r.relationshipType}\0${r.relatedSpdxElement}`;
}

function buildDocument(inv: Inventory, toolVersion: string, created: string): Omit<SpdxDocument, 'documentNamespace'> {
  const annotator = `Tool: ${TOOL_NAME}-${toolVersion}`;
  const root = rootPackage(inv.target, annotator, created);
  const packages: SpdxPackage[] = [root];
  const relationships: SpdxRelationship[] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relatedSpdxElement: root.SPDXID, relationshipType: 'DESCRIBES' },
  ];
  if (inv.os) {
    const os = osPackage(inv.os, annotator, created);
    packages.push(os);
    relationships.push({ spdxElementId: root.SPDXID, relatedSpdxElement: os.SPDXID, relationshipType: 'CONTAINS' });
  }

  const extracted = new Map<string, ExtractedLicense>();
  const spdxIds = new Map<string, string>();
  const used = new Set<string>(packages.map((p) => p.SPDXID));
  const libs: SpdxPackage[] = [];
  for (const p of inv.packages) {
    if (spdxIds.has(p.id)) continue;
    const base = `SPDXRef-Package-${sanitizeSpdxId(`${p.type}-${p.name}`)}-${idSuffix(p.id)}`;
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    spdxIds.set(p.id, id);
    libs.push(libraryPackage(p, id, extracted, annotator, created));
    relationships.push({ spdxElementId: root.SPDXID, relatedSpdxElement: id, relationshipType: 'CONTAINS' });
  }
  for (const p of inv.packages) {
    const from = spdxIds.get(p.id) as string;
    for (const d of new Set(p.dependsOn ?? [])) {
      const to = spdxIds.get(d);
      if (to && to !== from) relationships.push({ spdxElementId: from, relatedSpdxElement: to, relationshipType: 'DEPENDS_ON' });
    }
  }
  libs.sort((a, b) => compareStrings(a.SPDXID, b.SPDXID));
  relationships.sort((a, b) => compareStrings(relationshipKey(a), relationshipKey(b)));

  const doc: Omit<SpdxDocument, 'documentNamespace'> = {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: inv.target.name,
    creationInfo: { created, creators: [annotator] },
    packages: [...packages, ...libs],
    relationships,
  };
  if (extracted.size) doc.hasExtractedLicensingInfos = [...extracted.values()].sort((a, b) => compareStrings(a.licenseId, b.licenseId));
  return doc;
}

/**
 * Inventory → SPDX 2.3 JSON. With a fixed clock (opts.now or SOURCE_DATE_EPOCH) the
 * document namespace is derived from the content, so the output is byte-identical
 * across runs.
 */
export function encodeSpdx(inv: Inventory, opts: EncodeOptions = {}): string {
  const clock = resolveClock(opts.now);
  const body = buildDocument(inv, opts.toolVersion ?? DEFAULT_TOOL_VERSION, isoSeconds(clock.date));
  const uuid = documentUuid(clock, () => JSON.stringify(body));
  const { spdxVersion, dataLicense, SPDXID, name, ...rest } = body;
  // Key order as SPDX examples and peers write it: namespace right after the name.
  const doc: SpdxDocument = { spdxVersion, dataLicense, SPDXID, name, documentNamespace: `urn:uuid:${uuid}`, ...rest };
  return JSON.stringify(doc, null, 2) + '\n';
}
