// RPM packages from the rpm database: rpmdb.sqlite (rpm ≥ 4.16: Fedora 33+, RHEL 9+,
// openSUSE) and the BerkeleyDB `Packages` hash file (RHEL ≤ 8, CentOS, Amazon Linux 2).
// Each database row is a header blob; see rpm-header.ts.
import type Database from 'better-sqlite3';
import { createRequire } from 'node:module';
import type { CollectedFile, FileCandidate, Want } from '../../layers/types.js';
import type { CatalogContext, Cataloger, OsInfo, Package } from '../types.js';
import { packageId, toPurl } from '../purl.js';
import { normalizeLicenses } from '../license.js';
import { distroQualifier } from '../os.js';
import { sortBy } from '../../util/index.js';
import { RPMTAG, RpmHeader } from './rpm-header.js';
import { readBdbHashValues } from './rpm-bdb.js';

const SQLITE_PATHS = new Set(['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite']);
const BDB_PATHS = new Set(['var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages']);
/** rpm databases of large images reach a few hundred MiB; beyond this is not a real one. */
const MAX_DB_BYTES = 512 * 1024 * 1024;
const TOKEN_RE = /^[^\s/]{1,256}$/;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;

interface Entry {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
  license?: string;
  sourceRpm?: string;
  vendor?: string;
  size?: number;
  files: string[];
  requires: string[];
  provides: string[];
  path: string;
  pkg?: Package;
}

/** `bash-5.1.8-6.el9.src.rpm` → `{ name: 'bash', version: '5.1.8-6.el9' }`. */
export function parseSourceRpm(srpm: string): { name: string; version: string } | undefined {
  const m = /^(.+)-([^-]+)-([^-]+)\.(?:no)?src\.rpm$/.exec(srpm);
  return m ? { name: m[1], version: `${m[2]}-${m[3]}` } : undefined;
}

/** purl namespace as syft derives it from the OS: Red Hat's id is `rhel` but its purls say `redhat`. */
function namespaceOf(os: OsInfo | undefined): string | undefined {
  const id = os?.id;
  if (!id) return undefined;
  if (id === 'rhel') return 'redhat';
  if (id.startsWith('opensuse')) return 'opensuse';
  return id;
}

function filesOf(h: RpmHeader): string[] {
  const modes = h.ints(RPMTAG.FILEMODES);
  let paths: string[];
  const base = h.strings(RPMTAG.BASENAMES);
  if (base) {
    const dirs = h.strings(RPMTAG.DIRNAMES) ?? [];
    const idx = h.ints(RPMTAG.DIRINDEXES) ?? [];
    if (idx.length !== base.length) throw new Error(`${base.length} basenames but ${idx.length} dir indexes`);
    paths = base.map((b, i) => {
      const d = dirs[idx[i]];
      if (d === undefined) throw new Error(`dir index ${idx[i]} out of ${dirs.length} dirnames`);
      return d + b;
    });
  } else {
    paths = h.strings(RPMTAG.OLDFILENAMES) ?? [];
  }
  const out = new Set<string>();
  paths.forEach((p, i) => {
    // Directories the package owns are not installed files.
    if (modes && modes.length === paths.length && (modes[i] & S_IFMT) === S_IFDIR) return;
    const rel = p.replace(/^\/+/, '');
    if (rel && !rel.split('/').includes('..')) out.add(rel);
  });
  return [...out].sort();
}

/** One header → an entry; undefined for the gpg-pubkey pseudo packages rpm keeps keys in. */
function toEntry(h: RpmHeader, path: string, warn: (m: string) => void): Entry | undefined {
  const name = h.string(RPMTAG.NAME) ?? '';
  if (name === 'gpg-pubkey') return undefined;
  const version = h.string(RPMTAG.VERSION) ?? '';
  const release = h.string(RPMTAG.RELEASE) ?? '';
  if (!TOKEN_RE.test(name)) throw new Error(`invalid name "${name.slice(0, 64)}"`);
  if (!TOKEN_RE.test(version) || !TOKEN_RE.test(release)) throw new Error(`package ${name}: invalid version "${version.slice(0, 64)}-${release.slice(0, 64)}"`);
  let files: string[] = [];
  try {
    files = filesOf(h);
  } catch (err) {
    warn(`package ${name}: file list ignored: ${(err as Error).message}`);
  }
  const arch = h.string(RPMTAG.ARCH);
  const srpm = h.string(RPMTAG.SOURCERPM);
  return {
    name,
    version,
    release,
    epoch: h.int(RPMTAG.EPOCH),
    arch: arch && TOKEN_RE.test(arch) ? arch : undefined,
    license: h.string(RPMTAG.LICENSE)?.slice(0, 4096),
    sourceRpm: srpm && TOKEN_RE.test(srpm) ? srpm : undefined,
    vendor: h.string(RPMTAG.VENDOR)?.slice(0, 1024) || undefined,
    size: h.int(RPMTAG.LONGSIZE) ?? h.int(RPMTAG.SIZE),
    files,
    requires: h.strings(RPMTAG.REQUIRENAME) ?? [],
    provides: h.strings(RPMTAG.PROVIDENAME) ?? [],
    path,
  };
}

function buildPackage(e: Entry, os: OsInfo | undefined): Package {
  const purl = toPurl({
    type: 'rpm',
    namespace: namespaceOf(os),
    name: e.name,
    // The epoch is a qualifier in purls, not part of the version (purl-spec, rpm type).
    version: `${e.version}-${e.release}`,
    qualifiers: {
      arch: e.arch,
      epoch: e.epoch === undefined ? undefined : String(e.epoch),
      distro: distroQualifier(os),
      upstream: e.sourceRpm,
    },
  });
  const metadata: Record<string, string> = { release: e.release };
  if (e.epoch !== undefined) metadata.epoch = String(e.epoch);
  if (e.vendor) metadata.vendor = e.vendor;
  if (e.size !== undefined) metadata.size = String(e.size);
  const pkg: Package = {
    id: packageId(purl, e.path),
    name: e.name,
    version: `${e.epoch === undefined ? '' : `${e.epoch}:`}${e.version}-${e.release}`,
    type: 'rpm',
    purl,
    licenses: normalizeLicenses(e.license ? [e.license] : []),
    locations: [{ path: e.path }],
    foundBy: 'rpm',
    metadata,
  };
  if (e.arch) pkg.arch = e.arch;
  const src = e.sourceRpm ? parseSourceRpm(e.sourceRpm) : undefined;
  if (src) pkg.source = src;
  if (e.files.length) pkg.files = e.files;
  return pkg;
}

/** Resolve Requires through Provides and owned file paths (`/bin/sh` is bash's file). */
function resolveDepends(entries: Entry[]): void {
  const providers = new Map<string, Entry>();
  const add = (k: string, e: Entry) => {
    if (!providers.has(k)) providers.set(k, e);
  };
  for (const e of entries) for (const p of e.provides) add(p, e);
  for (const e of entries) for (const f of e.files) add('/' + f, e);
  for (const e of entries) add(e.name, e);
  for (const e of entries) {
    const ids = new Set<string>();
    for (const r of e.requires) {
      if (r.startsWith('rpmlib(')) continue;
      const hit = providers.get(r);
      if (hit && hit !== e && hit.pkg) ids.add(hit.pkg.id);
    }
    if (ids.size && e.pkg) e.pkg.dependsOn = [...ids].sort();
  }
}

/** Header blobs of an rpmdb.sqlite, read from memory: nothing is written to disk. */
function sqliteBlobs(file: CollectedFile, warn: (m: string) => void): Array<[string, Buffer]> {
  // rpm leaves its database in WAL mode; SQLite only deserializes a rollback-journal
  // image, so clear the WAL marker (header bytes 18-19) on a private copy.
  const image = Buffer.from(file.data);
  if (image.length >= 20 && image[18] === 2 && image[19] === 2) image[18] = image[19] = 1;
  let db: Database.Database | undefined;
  const out: Array<[string, Buffer]> = [];
  try {
    db = new (openSqlite())(image, { readonly: true, fileMustExist: true });
    for (const row of db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').iterate() as Iterable<{ hnum: unknown; blob: unknown }>) {
      if (Buffer.isBuffer(row.blob)) out.push([String(row.hnum), row.blob]);
      else warn(`${file.path}: package row ${String(row.hnum)} skipped: blob is not binary`);
    }
  } catch (err) {
    warn(`${file.path}: rpm sqlite database unreadable${out.length ? ` after ${out.length} rows` : ''}: ${(err as Error).message}`);
  } finally {
    db?.close();
  }
  return out;
}

function bdbBlobs(file: CollectedFile, warn: (m: string) => void): Array<[string, Buffer]> {
  try {
    return readBdbHashValues(file.data, warn).map((v, i) => [`#${i + 1}`, v]);
  } catch (err) {
    warn(`${file.path}: rpm BerkeleyDB database unreadable: ${(err as Error).message}`);
    return [];
  }
}

export const rpmCataloger: Cataloger = {
  name: 'rpm',
  version: '1',
  scopes: ['image'],
  want(c: FileCandidate): Want {
    return SQLITE_PATHS.has(c.path) || BDB_PATHS.has(c.path) ? { maxBytes: MAX_DB_BYTES } : false;
  },
  catalog(ctx: CatalogContext): Package[] {
    const entries: Entry[] = [];
    const seen = new Set<string>();
    for (const f of ctx.files) {
      const blobs = SQLITE_PATHS.has(f.path) ? sqliteBlobs(f, ctx.warn) : BDB_PATHS.has(f.path) ? bdbBlobs(f, ctx.warn) : [];
      for (const [key, blob] of blobs) {
        let e: Entry | undefined;
        try {
          e = toEntry(new RpmHeader(blob), f.path, (m) => ctx.warn(`${f.path}: ${m}`));
        } catch (err) {
          ctx.warn(`${f.path}: package header ${key} skipped: ${(err as Error).message}`);
          continue;
        }
        if (!e) continue;
        e.pkg = buildPackage(e, ctx.os);
        if (seen.has(e.pkg.id)) continue; // the same package twice in one database
        seen.add(e.pkg.id);
        entries.push(e);
      }
    }
    resolveDepends(entries);
    return sortBy(
      entries.map((e) => e.pkg as Package),
      (p) => p.name,
      (p) => p.purl,
      (p) => p.locations[0].path,
    );
  },
};

// better-sqlite3 is loaded only when an image has an rpm database: it is a native module,
// and most images (and every cached rerun) never need it.
let sqliteCtor: typeof Database | undefined;
function openSqlite(): typeof Database {
  sqliteCtor ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return sqliteCtor;
}
