// Java archives (jar, war, ear, Jenkins jpi/hpi): one package per Maven pom.properties,
// else one from the manifest or the file name; nested archives (fat jars, WEB-INF/lib)
// recursively, located as `outer.jar:BOOT-INF/lib/inner.jar`. Zips are untrusted: only
// the members we need are inflated, sizes are capped before inflating, nesting is bounded.
import { unzipSync, type UnzipFileInfo } from 'fflate';
import type { FileCandidate, Want } from '../../layers/types.js';
import type { Cataloger, CatalogContext, Package } from '../types.js';
import { packageId, toPurl } from '../purl.js';
import { sortBy } from '../../util/index.js';
import { identityFromManifest, parseArchiveFileName, parseBundleLicense, parseManifest, parseProperties } from './java-meta.js';

const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;
const ARCHIVE_RE = /\.(jar|war|ear|jpi|hpi)$/i;
const POM_PROPERTIES_RE = /^META-INF\/maven\/([^/]+)\/([^/]+)\/pom\.properties$/;
const MANIFEST = 'META-INF/MANIFEST.MF';

export interface JavaArchiveLimits {
  /** Inflated bytes allowed for one top-level archive, nested members included (bomb guard). */
  maxInflatedBytes: number;
  /** Archive nesting depth: the top-level archive is depth 1. */
  maxDepth: number;
  /** Cap on one manifest or pom.properties. */
  maxMetaBytes: number;
}

export const DEFAULT_JAVA_LIMITS: JavaArchiveLimits = {
  maxInflatedBytes: 512 * 1024 * 1024,
  maxDepth: 4,
  maxMetaBytes: 1024 * 1024,
};

interface Walk {
  limits: JavaArchiveLimits;
  remaining: number;
  warn(message: string): void;
  out: Package[];
}

function listMembers(data: Uint8Array, loc: string, w: Walk): UnzipFileInfo[] | undefined {
  const list: UnzipFileInfo[] = [];
  try {
    unzipSync(data, {
      filter: (f) => {
        list.push(f);
        return false;
      },
    });
  } catch (e) {
    w.warn(`${loc}: not a readable zip archive (${e instanceof Error ? e.message : String(e)})`);
    return undefined;
  }
  return list;
}

/** Inflates the chosen members; when one is corrupt, retries one by one so the rest survive. */
function extract(data: Uint8Array, names: Set<string>, loc: string, w: Walk): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  if (!names.size) return out;
  try {
    const files = unzipSync(data, { filter: (f) => names.has(f.name) });
    for (const [k, v] of Object.entries(files)) out.set(k, v);
    return out;
  } catch {
    for (const name of [...names].sort()) {
      try {
        const files = unzipSync(data, { filter: (f) => f.name === name });
        if (files[name]) out.set(name, files[name]);
      } catch (e) {
        w.warn(`${loc}: member ${name} is corrupt (${e instanceof Error ? e.message : String(e)})`);
      }
    }
    return out;
  }
}

function mavenPackage(group: string, artifact: string, version: string | undefined, loc: string, source: string): Package {
  const purl = toPurl({ type: 'maven', namespace: group, name: artifact, version });
  return {
    id: packageId(purl, loc),
    name: artifact,
    version: version ?? '',
    type: 'maven',
    purl,
    licenses: [],
    locations: [{ path: loc }],
    foundBy: 'java',
    metadata: { groupId: group, artifactId: artifact, source },
  };
}

function walkArchive(data: Uint8Array, loc: string, fileName: string, depth: number, w: Walk): void {
  const members = listMembers(data, loc, w);
  if (!members) return;

  const chosen = new Set<string>();
  const nested: string[] = [];
  let depthWarned = false;
  for (const f of members) {
    const name = f.name;
    const isMeta = name === MANIFEST || POM_PROPERTIES_RE.test(name);
    const isNested = !name.endsWith('/') && ARCHIVE_RE.test(name);
    if (!isMeta && !isNested) continue;
    if (f.compression !== 0 && f.compression !== 8) {
      w.warn(`${loc}: member ${name} uses unsupported compression method ${f.compression}, skipped`);
      continue;
    }
    if (isMeta && f.originalSize > w.limits.maxMetaBytes) {
      w.warn(`${loc}: member ${name} declares ${f.originalSize} bytes, over the ${w.limits.maxMetaBytes}-byte cap, skipped`);
      continue;
    }
    if (isNested && depth >= w.limits.maxDepth) {
      if (!depthWarned) w.warn(`${loc}: archives nested deeper than ${w.limits.maxDepth} levels are not read`);
      depthWarned = true;
      continue;
    }
    // Declared sizes bound what fflate allocates and inflates (it never grows the buffer).
    if (f.originalSize > w.remaining) {
      w.warn(`${loc}: member ${name} would exceed the ${w.limits.maxInflatedBytes}-byte inflation limit (zip bomb guard), skipped`);
      continue;
    }
    w.remaining -= f.originalSize;
    chosen.add(name);
    if (isNested) nested.push(name);
  }
  const files = extract(data, chosen, loc, w);
  const text = (name: string): string | undefined => {
    const b = files.get(name);
    return b ? Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8') : undefined;
  };

  const manifestText = text(MANIFEST);
  const manifest = manifestText !== undefined ? parseManifest(manifestText) : new Map<string, string>();
  const licenses = parseBundleLicense(manifest.get('bundle-license'));
  const fromFile = parseArchiveFileName(fileName);

  const poms: Package[] = [];
  for (const name of [...chosen].sort()) {
    const m = POM_PROPERTIES_RE.exec(name);
    const body = m ? text(name) : undefined;
    if (!m || body === undefined) continue;
    const props = parseProperties(body);
    const group = props.get('groupId') || m[1];
    const artifact = props.get('artifactId') || m[2];
    const version = props.get('version');
    if (!version || /\s/.test(group + artifact + version)) {
      w.warn(`${loc}: malformed ${name} (needs groupId, artifactId and version without spaces), skipped`);
      continue;
    }
    poms.push(mavenPackage(group, artifact, version, loc, 'pom.properties'));
  }

  const mine: Package[] = [];
  if (poms.length) {
    mine.push(...poms);
    // The manifest describes the archive itself: its licence goes to the pom that is the
    // archive (the only one, or the one named like the file), not to shaded-in ones.
    const self =
      poms.length === 1
        ? poms[0]
        : poms.find((p) => p.name === fromFile.name || p.name === manifest.get('implementation-title'));
    if (self) self.licenses = licenses;
  } else {
    const id = identityFromManifest(manifest, fileName);
    if (id.name) {
      // Without a group, use the name as syft does: maven purls need a namespace.
      const p = mavenPackage(id.group ?? id.name, id.name, id.version, loc, id.source);
      p.licenses = licenses;
      if (!id.group) p.metadata!.groupIdGuessed = 'true';
      mine.push(p);
    }
  }
  w.out.push(...mine);

  for (const name of nested.sort()) {
    const inner = files.get(name);
    if (inner) walkArchive(inner, `${loc}:${name}`, name, depth + 1, w);
  }
}

/** All packages in one archive and the archives nested in it. Never throws on bad input. */
export function catalogJavaArchive(
  data: Uint8Array,
  path: string,
  warn: (message: string) => void,
  limits: JavaArchiveLimits = DEFAULT_JAVA_LIMITS,
): Package[] {
  const w: Walk = { limits, remaining: limits.maxInflatedBytes, warn, out: [] };
  walkArchive(data, path, path, 1, w);
  // A shaded jar may carry the same pom.properties twice: one package per (purl, location).
  const seen = new Set<string>();
  return w.out.filter((p) => (seen.has(p.id) ? false : (seen.add(p.id), true)));
}

export const javaArchiveCataloger: Cataloger = {
  name: 'java',
  version: '1',
  scopes: ['image', 'filesystem'],
  want(c: FileCandidate): Want {
    // Larger archives are skipped by the layer reader, with a warning naming them.
    return ARCHIVE_RE.test(c.path) ? { maxBytes: MAX_ARCHIVE_BYTES } : false;
  },
  catalog(ctx: CatalogContext): Package[] {
    const out: Package[] = [];
    for (const f of ctx.files) {
      if (!ARCHIVE_RE.test(f.path)) continue;
      out.push(...catalogJavaArchive(f.data, f.path, (m) => ctx.warn(m)));
    }
    return sortBy(out, (p) => p.purl, (p) => p.locations[0].path);
  },
};
