// Our facts that neither format has a field for travel as name/value properties under
// the `portcullis:` prefix (CycloneDX properties, SPDX annotations), named the way syft
// names its own (`syft:location:0:path`), so a round trip loses nothing.
import type { Location, OsInfo, Package, PackageType, Target, TargetKind } from '../inventory/types.js';
import { compareStrings } from '../util/index.js';

export type Prop = [name: string, value: string];

export const PREFIX = 'portcullis:';

const PACKAGE_TYPES: readonly PackageType[] = ['deb', 'apk', 'rpm', 'npm', 'pypi', 'golang', 'maven', 'cargo', 'gem', 'composer', 'generic'];
const TARGET_KINDS: readonly TargetKind[] = ['image', 'filesystem', 'sbom'];

export function isPackageType(s: string | undefined): s is PackageType {
  return s !== undefined && (PACKAGE_TYPES as readonly string[]).includes(s);
}

export function packageProps(p: Package): Prop[] {
  const out: Prop[] = [[`${PREFIX}package:type`, p.type]];
  if (p.foundBy) out.push([`${PREFIX}package:foundBy`, p.foundBy]);
  if (p.arch) out.push([`${PREFIX}package:arch`, p.arch]);
  if (p.source?.name) out.push([`${PREFIX}package:source:name`, p.source.name]);
  if (p.source?.version) out.push([`${PREFIX}package:source:version`, p.source.version]);
  p.locations.forEach((l, i) => {
    out.push([`${PREFIX}location:${i}:path`, l.path]);
    if (l.layerDigest) out.push([`${PREFIX}location:${i}:layerDigest`, l.layerDigest]);
    if (l.layerDiffId) out.push([`${PREFIX}location:${i}:layerDiffId`, l.layerDiffId]);
  });
  // The layer that introduced the package, where Trivy puts it (LayerDigest/LayerDiffID).
  const first = p.locations[0];
  if (first?.layerDigest) out.push([`${PREFIX}layer:digest`, first.layerDigest]);
  if (first?.layerDiffId) out.push([`${PREFIX}layer:diffId`, first.layerDiffId]);
  for (const [k, v] of Object.entries(p.metadata ?? {}).sort(([a], [b]) => compareStrings(a, b))) {
    if (typeof v === 'string') out.push([`${PREFIX}metadata:${k}`, v]);
  }
  return out;
}

export function platformString(p: { os: string; architecture: string; variant?: string }): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

export function targetProps(t: Target): Prop[] {
  const out: Prop[] = [
    [`${PREFIX}target:kind`, t.kind],
    [`${PREFIX}target:name`, t.name],
  ];
  if (t.purl) out.push([`${PREFIX}target:purl`, t.purl]);
  if (t.digest) out.push([`${PREFIX}image:digest`, t.digest]);
  if (t.imageId) out.push([`${PREFIX}image:id`, t.imageId]);
  (t.repoDigests ?? []).forEach((d, i) => out.push([`${PREFIX}image:repoDigest:${i}`, d]));
  if (t.platform) out.push([`${PREFIX}image:platform`, platformString(t.platform)]);
  (t.layers ?? []).forEach((l, i) => {
    out.push([`${PREFIX}image:layer:${i}:digest`, l.digest]);
    out.push([`${PREFIX}image:layer:${i}:diffId`, l.diffId]);
    if (l.mediaType) out.push([`${PREFIX}image:layer:${i}:mediaType`, l.mediaType]);
    out.push([`${PREFIX}image:layer:${i}:size`, String(l.size)]);
  });
  return out;
}

export function osProps(os: OsInfo): Prop[] {
  const out: Prop[] = [[`${PREFIX}os:id`, os.id]];
  if (os.versionId) out.push([`${PREFIX}os:versionId`, os.versionId]);
  if (os.versionCodename) out.push([`${PREFIX}os:versionCodename`, os.versionCodename]);
  if (os.name) out.push([`${PREFIX}os:name`, os.name]);
  if (os.prettyName) out.push([`${PREFIX}os:prettyName`, os.prettyName]);
  (os.idLike ?? []).forEach((v, i) => out.push([`${PREFIX}os:idLike:${i}`, v]));
  return out;
}

/** Properties as read from a document: repeated names keep every value, in order. */
export class PropBag {
  private readonly map = new Map<string, string[]>();

  constructor(entries: Iterable<Prop> = []) {
    for (const [k, v] of entries) this.add(k, v);
  }

  add(name: string, value: string): void {
    const list = this.map.get(name);
    if (list) list.push(value);
    else this.map.set(name, [value]);
  }

  get(name: string): string | undefined {
    return this.map.get(name)?.[0];
  }

  all(name: string): string[] {
    return this.map.get(name) ?? [];
  }

  /** Entries whose name starts with `prefix`, the prefix removed. */
  withPrefix(prefix: string): Prop[] {
    const out: Prop[] = [];
    for (const [k, vs] of this.map) if (k.startsWith(prefix)) for (const v of vs) out.push([k.slice(prefix.length), v]);
    return out;
  }

  get size(): number {
    return this.map.size;
  }
}

/** `N:field` entries (location:0:path …) grouped by N, in numeric order. */
export function indexed(bag: PropBag, prefix: string): Array<Map<string, string>> {
  const byIndex = new Map<number, Map<string, string>>();
  for (const [rest, v] of bag.withPrefix(prefix)) {
    const m = /^(\d{1,6}):(.+)$/.exec(rest);
    if (!m) continue;
    const i = Number(m[1]);
    let fields = byIndex.get(i);
    if (!fields) byIndex.set(i, (fields = new Map()));
    if (!fields.has(m[2])) fields.set(m[2], v);
  }
  return [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, f]) => f);
}

/** Values of `prefixN` entries (idLike:0, idLike:1 …), in numeric order. */
export function numbered(bag: PropBag, prefix: string): string[] {
  return bag
    .withPrefix(prefix)
    .filter(([k]) => /^\d{1,6}$/.test(k))
    .sort(([a], [b]) => Number(a) - Number(b))
    .map(([, v]) => v);
}

/** Relative path, as the inventory keeps it: no leading slash. */
export function relPath(p: string): string {
  return p.replace(/^\/+/, '');
}

export interface PackageFacts {
  type?: PackageType;
  foundBy?: string;
  arch?: string;
  source?: { name: string; version?: string };
  locations: Location[];
  metadata?: Record<string, string>;
}

/** Reads the facts `packageProps` wrote. */
export function readPackageProps(bag: PropBag): PackageFacts {
  const type = bag.get(`${PREFIX}package:type`);
  const srcName = bag.get(`${PREFIX}package:source:name`);
  const srcVersion = bag.get(`${PREFIX}package:source:version`);
  const locations: Location[] = [];
  for (const f of indexed(bag, `${PREFIX}location:`)) {
    const path = f.get('path');
    if (path === undefined) continue;
    const loc: Location = { path: relPath(path) };
    if (f.get('layerDigest')) loc.layerDigest = f.get('layerDigest');
    if (f.get('layerDiffId')) loc.layerDiffId = f.get('layerDiffId');
    locations.push(loc);
  }
  const meta = bag.withPrefix(`${PREFIX}metadata:`);
  return {
    type: isPackageType(type) ? type : undefined,
    foundBy: bag.get(`${PREFIX}package:foundBy`),
    arch: bag.get(`${PREFIX}package:arch`),
    source: srcName ? (srcVersion ? { name: srcName, version: srcVersion } : { name: srcName }) : undefined,
    locations,
    // fromEntries defines own properties, so a key like `__proto__` cannot reach the prototype.
    metadata: meta.length ? Object.fromEntries(meta) : undefined,
  };
}

function parsePlatform(s: string): Target['platform'] {
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) return undefined;
  return variant ? { os, architecture, variant } : { os, architecture };
}

/** Reads the facts `targetProps` wrote; only fields that were present. */
export function readTargetProps(bag: PropBag): Partial<Target> {
  const out: Partial<Target> = {};
  const kind = bag.get(`${PREFIX}target:kind`);
  if (kind && (TARGET_KINDS as readonly string[]).includes(kind)) out.kind = kind as TargetKind;
  const name = bag.get(`${PREFIX}target:name`);
  if (name) out.name = name;
  const purl = bag.get(`${PREFIX}target:purl`);
  if (purl) out.purl = purl;
  const digest = bag.get(`${PREFIX}image:digest`);
  if (digest) out.digest = digest;
  const id = bag.get(`${PREFIX}image:id`);
  if (id) out.imageId = id;
  const repoDigests = numbered(bag, `${PREFIX}image:repoDigest:`);
  if (repoDigests.length) out.repoDigests = repoDigests;
  const platform = bag.get(`${PREFIX}image:platform`);
  if (platform) out.platform = parsePlatform(platform);
  const layers = indexed(bag, `${PREFIX}image:layer:`)
    .filter((f) => f.get('digest') && f.get('diffId'))
    .map((f) => {
      const size = Number(f.get('size') ?? '-1');
      return {
        digest: f.get('digest') as string,
        diffId: f.get('diffId') as string,
        mediaType: f.get('mediaType') ?? '',
        size: Number.isSafeInteger(size) ? size : -1,
      };
    });
  if (layers.length) out.layers = layers;
  return out;
}

/** Reads the facts `osProps` wrote. */
export function readOsProps(bag: PropBag): Partial<OsInfo> {
  const out: Partial<OsInfo> = {};
  const get = (k: string) => bag.get(`${PREFIX}os:${k}`);
  if (get('id')) out.id = get('id');
  if (get('versionId')) out.versionId = get('versionId');
  if (get('versionCodename')) out.versionCodename = get('versionCodename');
  if (get('name')) out.name = get('name');
  if (get('prettyName')) out.prettyName = get('prettyName');
  const like = numbered(bag, `${PREFIX}os:idLike:`);
  if (like.length) out.idLike = like;
  return out;
}
