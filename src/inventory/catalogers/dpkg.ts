// Debian packages from dpkg's database: var/lib/dpkg/status, or distroless's
// var/lib/dpkg/status.d/ (one stanza per file), with installed files from
// var/lib/dpkg/info/*.list and licences from usr/share/doc/*/copyright.
import type { CollectedFile, FileCandidate, Want } from '../../layers/types.js';
import type { CatalogContext, Cataloger, Package } from '../types.js';
import { packageId, toPurl } from '../purl.js';
import { normalizeLicenses } from '../license.js';
import { distroQualifier } from '../os.js';
import { sortBy } from '../../util/index.js';
import { parseRelations, parseSourceField, parseStanzas, type Stanza } from './dpkg-control.js';
import { createCopyrightReducer, licensesFromCopyright } from './dpkg-copyright.js';

const STATUS = 'var/lib/dpkg/status';
const STATUS_D = 'var/lib/dpkg/status.d/';
const INFO = 'var/lib/dpkg/info/';
const DOC = 'usr/share/doc/';
/** distroless status.d files hold one stanza each; a few KiB. */
const MAX_STATUS_D_BYTES = 4 * 1024 * 1024;

const NAME_RE = /^[a-z0-9][a-z0-9+.-]*$/i;
const VERSION_RE = /^[A-Za-z0-9.+~:_-]+$/;
const ARCH_RE = /^[a-z0-9][a-z0-9-]*$/;
const MAX_TOKEN = 256;

const decoder = new TextDecoder('utf-8', { fatal: false });

function wantDpkg(c: FileCandidate): Want {
  const p = c.path;
  if (p === STATUS) return true;
  if (p.startsWith(STATUS_D)) {
    const rest = p.slice(STATUS_D.length);
    if (!rest || rest.includes('/') || rest.endsWith('.md5sums')) return false;
    return { maxBytes: MAX_STATUS_D_BYTES };
  }
  if (p.startsWith(INFO)) {
    const rest = p.slice(INFO.length);
    return rest.endsWith('.list') && !rest.includes('/');
  }
  if (p.startsWith(DOC) && p.endsWith('/copyright')) {
    const rest = p.slice(DOC.length, -'/copyright'.length);
    if (rest && !rest.includes('/')) return { reduce: createCopyrightReducer };
  }
  return false;
}

interface Entry {
  name: string;
  version: string;
  arch?: string;
  source: { name: string; version: string };
  depends: string[][];
  provides: string[];
  maintainer?: string;
  installedSize?: string;
  path: string;
  pkg?: Package;
}

function isInstalled(stanza: Stanza, fromStatusD: boolean): boolean {
  const status = stanza.fields.get('status');
  if (status === undefined) return fromStatusD;
  // want flag status: "install ok installed", "hold ok installed", "deinstall ok config-files"…
  return status.split(/\s+/)[2] === 'installed';
}

/** Validate one stanza into an entry; a reason string when it must be skipped. */
function toEntry(stanza: Stanza, path: string): Entry | string {
  if (stanza.error) return stanza.error;
  const f = stanza.fields;
  const name = f.get('package') ?? '';
  if (!name) return 'no Package field';
  if (name.length > MAX_TOKEN || !NAME_RE.test(name)) return `invalid package name "${name.slice(0, 64)}"`;
  const version = f.get('version') ?? '';
  if (!version) return `package ${name}: no Version field`;
  if (version.length > MAX_TOKEN || !VERSION_RE.test(version)) return `package ${name}: invalid version "${version.slice(0, 64)}"`;
  const archRaw = f.get('architecture');
  const arch = archRaw && archRaw.length <= MAX_TOKEN && ARCH_RE.test(archRaw) ? archRaw : undefined;
  let source = { name, version };
  const srcField = f.get('source');
  if (srcField) {
    const s = parseSourceField(srcField);
    if (s && s.name.length <= MAX_TOKEN && NAME_RE.test(s.name) && (!s.version || VERSION_RE.test(s.version))) {
      source = { name: s.name, version: s.version ?? version };
    }
  }
  const rel = (k: string) => parseRelations(f.get(k) ?? '');
  return {
    name,
    version,
    arch,
    source,
    depends: [...rel('pre-depends'), ...rel('depends')],
    provides: rel('provides').map((alts) => alts[0]),
    maintainer: f.get('maintainer')?.split('\n')[0].slice(0, 1024) || undefined,
    installedSize: /^\d{1,15}$/.test(f.get('installed-size') ?? '') ? f.get('installed-size') : undefined,
    path,
  };
}

/** Installed paths from a dpkg .list file: files only (an entry that is a parent of another is a directory). */
function filesFromList(data: Buffer): string[] {
  const paths = new Set<string>();
  for (let line of decoder.decode(data).split('\n')) {
    if (line.endsWith('\r')) line = line.slice(0, -1);
    let i = 0;
    while (line.charCodeAt(i) === 47 /* / */) i++;
    const p = i ? line.slice(i) : line;
    if (!p || p === '.' || p === '..' || p.startsWith('../') || p.endsWith('/..') || p.includes('/../')) continue;
    paths.add(p);
  }
  // Keep files, not the directories dpkg also lists: a directory is an ancestor of a path.
  const dirs = new Set<string>();
  for (const p of paths) {
    for (let j = p.lastIndexOf('/'); j > 0; j = p.lastIndexOf('/', j - 1)) {
      const d = p.slice(0, j);
      if (dirs.has(d)) break; // its ancestors are in already
      dirs.add(d);
    }
  }
  return [...paths].filter((p) => !dirs.has(p)).sort();
}

function buildPackage(e: Entry, ctx: CatalogContext): Package {
  const os = ctx.os;
  const purl = toPurl({
    type: 'deb',
    namespace: os?.id ?? 'debian',
    name: e.name,
    version: e.version,
    // The form the issue and Trivy use (no syft-style `upstream`): the source package is
    // kept in Package.source and the SBOM properties instead.
    qualifiers: { arch: e.arch, distro: distroQualifier(os) },
  });
  const copyright = ctx.lookup(`${DOC}${e.name}/copyright`);
  const short = copyright ? licensesFromCopyright(decoder.decode(copyright.data)) : undefined;
  const list = (e.arch ? ctx.lookup(`${INFO}${e.name}:${e.arch}.list`) : undefined) ?? ctx.lookup(`${INFO}${e.name}.list`);
  const metadata: Record<string, string> = {};
  if (e.maintainer) metadata.maintainer = e.maintainer;
  if (e.installedSize) metadata.installedSize = e.installedSize;
  const pkg: Package = {
    id: packageId(purl, e.path),
    name: e.name,
    version: e.version,
    type: 'deb',
    purl,
    source: e.source,
    licenses: normalizeLicenses(short ?? []),
    locations: [{ path: e.path }],
    foundBy: 'dpkg',
  };
  if (e.arch) pkg.arch = e.arch;
  if (list) pkg.files = filesFromList(list.data);
  if (Object.keys(metadata).length) pkg.metadata = metadata;
  return pkg;
}

/** Resolve each entry's Depends/Pre-Depends to ids of packages present (first satisfiable alternative). */
function resolveDepends(entries: Entry[]): void {
  const byName = new Map<string, Entry[]>();
  const provided = new Map<string, Entry[]>();
  const add = (m: Map<string, Entry[]>, k: string, e: Entry) => m.set(k, [...(m.get(k) ?? []), e]);
  for (const e of entries) {
    add(byName, e.name, e);
    for (const p of e.provides) add(provided, p, e);
  }
  const pick = (name: string, from: Entry): Entry | undefined => {
    const cands = byName.get(name) ?? provided.get(name);
    if (!cands?.length) return undefined;
    // Multi-Arch: prefer the depender's architecture, then arch-independent, then any.
    return cands.find((c) => c.arch === from.arch) ?? cands.find((c) => c.arch === 'all') ?? cands[0];
  };
  for (const e of entries) {
    const ids = new Set<string>();
    for (const alts of e.depends) {
      for (const a of alts) {
        const hit = pick(a, e);
        if (hit && hit !== e && hit.pkg) {
          ids.add(hit.pkg.id);
          break;
        }
      }
    }
    if (ids.size && e.pkg) e.pkg.dependsOn = [...ids].sort();
  }
}

function entriesOf(file: CollectedFile, fromStatusD: boolean, ctx: CatalogContext): Entry[] {
  const out: Entry[] = [];
  for (const stanza of parseStanzas(decoder.decode(file.data))) {
    const e = toEntry(stanza, file.path);
    if (typeof e === 'string') {
      ctx.warn(`${file.path}: stanza at line ${stanza.line} skipped: ${e}`);
      continue;
    }
    if (isInstalled(stanza, fromStatusD)) out.push(e);
  }
  return out;
}

export const dpkgCataloger: Cataloger = {
  name: 'dpkg',
  version: '1',
  scopes: ['image'],
  want: wantDpkg,
  catalog(ctx: CatalogContext): Package[] {
    const entries: Entry[] = [];
    for (const f of ctx.files) {
      if (f.path === STATUS) entries.push(...entriesOf(f, false, ctx));
      else if (f.path.startsWith(STATUS_D) && wantDpkg(f)) entries.push(...entriesOf(f, true, ctx));
    }
    const seen = new Set<string>();
    const kept: Entry[] = [];
    for (const e of entries) {
      e.pkg = buildPackage(e, ctx);
      if (seen.has(e.pkg.id)) {
        ctx.warn(`${e.path}: duplicate entry for ${e.name} ${e.version} skipped`);
        continue;
      }
      seen.add(e.pkg.id);
      kept.push(e);
    }
    resolveDepends(kept);
    return sortBy(
      kept.map((e) => e.pkg as Package),
      (p) => p.name,
      (p) => p.purl,
      (p) => p.locations[0].path,
    );
  },
};
