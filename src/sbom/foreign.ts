// How other tools record what our model needs, read back from their SBOMs:
//   syft:  syft:package:foundBy, syft:location:N:path / :layerID (the layer's diffID),
//          syft:metadata:source / sourceVersion (deb), originPackage (apk), sourceRpm (rpm),
//          syft:distro:* on the OS component; purl qualifier upstream=NAME[@VERSION];
//          SPDX sourceInfo "acquired package info from …: /path, /path".
//   Trivy: aquasecurity:trivy:SrcName / SrcVersion / SrcRelease / SrcEpoch, LayerDigest,
//          LayerDiffID, FilePath, ImageID, RepoDigest (as CycloneDX properties, and as
//          "Key: value" SPDX attributionTexts); SPDX sourceInfo "built package from: NAME VERSION".
import type { Location, OsInfo, Target } from '../inventory/types.js';
import type { PurlParts } from '../inventory/purl.js';
import { indexed, numbered, relPath, type PropBag } from './properties.js';

const TRIVY = 'aquasecurity:trivy:';

export interface ForeignFacts {
  foundBy?: string;
  source?: { name: string; version?: string };
  locations: Location[];
  metadata?: Record<string, string>;
}

function rpmSource(file: string): { name: string; version?: string } | undefined {
  // openssl-3.0.7-24.el9.src.rpm → openssl, 3.0.7-24.el9
  const m = /^(.+)-([^-]+)-([^-]+?)\.(?:no)?src\.rpm$/.exec(file);
  return m ? { name: m[1], version: `${m[2]}-${m[3]}` } : undefined;
}

function withVersion(name: string, version: string | undefined): { name: string; version?: string } {
  return version ? { name, version } : { name };
}

function foreignSource(bag: PropBag, sourceInfo: string | undefined, purl: PurlParts | undefined): ForeignFacts['source'] {
  const trivyName = bag.get(`${TRIVY}SrcName`);
  if (trivyName) {
    const v = bag.get(`${TRIVY}SrcVersion`);
    const rel = bag.get(`${TRIVY}SrcRelease`);
    const epoch = bag.get(`${TRIVY}SrcEpoch`);
    const version = v ? `${epoch && epoch !== '0' ? `${epoch}:` : ''}${v}${rel ? `-${rel}` : ''}` : undefined;
    return withVersion(trivyName, version);
  }
  const syftSource = bag.get('syft:metadata:source');
  if (syftSource) return withVersion(syftSource, bag.get('syft:metadata:sourceVersion'));
  const origin = bag.get('syft:metadata:originPackage');
  if (origin) return { name: origin };
  const srpm = bag.get('syft:metadata:sourceRpm');
  if (srpm && rpmSource(srpm)) return rpmSource(srpm);
  const built = /^built package from:\s*(\S+)(?:\s+(\S+))?/.exec(sourceInfo ?? '');
  if (built) return withVersion(built[1], built[2]);
  const upstream = purl?.qualifiers?.upstream;
  if (upstream) {
    const at = upstream.lastIndexOf('@');
    return at > 0 ? withVersion(upstream.slice(0, at), upstream.slice(at + 1)) : { name: upstream };
  }
  return undefined;
}

function foreignLocations(bag: PropBag, sourceInfo: string | undefined): Location[] {
  const syft: Location[] = [];
  for (const f of indexed(bag, 'syft:location:')) {
    const path = f.get('path');
    if (path === undefined) continue;
    const layer = f.get('layerID');
    syft.push(layer ? { path: relPath(path), layerDiffId: layer } : { path: relPath(path) });
  }
  if (syft.length) return syft;
  const digest = bag.get(`${TRIVY}LayerDigest`);
  const diffId = bag.get(`${TRIVY}LayerDiffID`);
  const file = bag.get(`${TRIVY}FilePath`);
  if (digest || diffId || file) {
    const loc: Location = { path: relPath(file ?? '') };
    if (digest) loc.layerDigest = digest;
    if (diffId) loc.layerDiffId = diffId;
    return [loc];
  }
  const acquired = /^acquired package info from [^:]*:\s*(.+)$/.exec(sourceInfo ?? '');
  if (acquired) {
    return acquired[1]
      .split(/,\s*/)
      .map((p) => p.trim())
      .filter(Boolean)
      .map((p) => ({ path: relPath(p) }));
  }
  return [];
}

/** Package facts from syft's and Trivy's own conventions. */
export function readForeignPackage(bag: PropBag, sourceInfo: string | undefined, purl: PurlParts | undefined): ForeignFacts {
  const meta = bag.withPrefix('syft:metadata:');
  return {
    foundBy: bag.get('syft:package:foundBy'),
    source: foreignSource(bag, sourceInfo, purl),
    locations: foreignLocations(bag, sourceInfo),
    metadata: meta.length ? Object.fromEntries(meta) : undefined,
  };
}

/** syft's `syft:distro:*` properties on its operating-system component. */
export function readForeignOs(bag: PropBag): Partial<OsInfo> {
  const out: Partial<OsInfo> = {};
  const get = (k: string) => bag.get(`syft:distro:${k}`);
  if (get('id')) out.id = get('id');
  if (get('versionID')) out.versionId = get('versionID');
  if (get('versionCodename')) out.versionCodename = get('versionCodename');
  if (get('name')) out.name = get('name');
  if (get('prettyName')) out.prettyName = get('prettyName');
  const like = numbered(bag, 'syft:distro:idLike:');
  if (like.length) out.idLike = like;
  return out;
}

/** Trivy's image facts on its root component. */
export function readForeignTarget(bag: PropBag): Partial<Target> {
  const out: Partial<Target> = {};
  const id = bag.get(`${TRIVY}ImageID`);
  if (id) out.imageId = id;
  const repoDigests = bag.all(`${TRIVY}RepoDigest`);
  if (repoDigests.length) {
    out.repoDigests = repoDigests;
    const d = /@(sha256:[0-9a-f]{64})$/.exec(repoDigests[0])?.[1];
    if (d) out.digest = d;
  }
  return out;
}

/** SPDX `attributionTexts` as Trivy writes them ("LayerDiffID: sha256:…") → its property names. */
export function attributionProps(texts: readonly string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const t of texts) {
    const m = /^([A-Za-z][A-Za-z0-9]*):\s?(.*)$/.exec(t);
    if (m) out.push([`${TRIVY}${m[1]}`, m[2]]);
  }
  return out;
}

/**
 * The OS from purl `distro` qualifiers (`debian-12`, `alpine-3.19.1`, or a codename such
 * as `bookworm` beside the vendor namespace), when the document has no OS element: the
 * value most OS packages carry.
 */
export function osFromDistro(purls: ReadonlyArray<PurlParts | undefined>): OsInfo | undefined {
  const counts = new Map<string, number>();
  for (const p of purls) {
    if (!p || !['deb', 'apk', 'rpm'].includes(p.type)) continue;
    const d = p.qualifiers?.distro;
    if (d) {
      const key = `${p.namespace ?? ''}\0${d}`;
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
  if (!best) return undefined;
  const [vendor, distro] = best.split('\0');
  const m = /^([a-z][a-z0-9._]*?)-(\d[\w.~+-]*)$/i.exec(distro);
  if (m) return { id: m[1].toLowerCase(), versionId: m[2] };
  return vendor ? { id: vendor.toLowerCase(), versionCodename: distro } : undefined;
}
