// Alpine packages from apk's installed database, lib/apk/db/installed: records of
// `X:value` lines separated by blank lines (https://wiki.alpinelinux.org/wiki/Apk_spec).
import type { CollectedFile, FileCandidate, Want } from '../../layers/types.js';
import type { CatalogContext, Cataloger, Package } from '../types.js';
import { packageId, toPurl } from '../purl.js';
import { isSpdxExpression, normalizeLicense, normalizeLicenses } from '../license.js';
import { distroQualifier } from '../os.js';
import { sortBy } from '../../util/index.js';

const DB = 'lib/apk/db/installed';
const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const VERSION_RE = /^[0-9A-Za-z._+~-]+$/;
const MAX_TOKEN = 256;

const decoder = new TextDecoder('utf-8', { fatal: false });

interface Record_ {
  line: number;
  fields: Map<string, string>;
  files: string[];
}

/** Split the database into records; F:/R: pairs become paths (F sets the directory). */
function parseRecords(text: string): Record_[] {
  const out: Record_[] = [];
  let cur: Record_ | undefined;
  let dir = '';
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() === '') {
      cur = undefined;
      continue;
    }
    if (!cur) {
      cur = { line: i + 1, fields: new Map(), files: [] };
      dir = '';
      out.push(cur);
    }
    if (line.length < 2 || line[1] !== ':') {
      cur.fields.set('!', `line ${i + 1}: not a "X:value" line`);
      continue;
    }
    const key = line[0];
    const value = line.slice(2);
    if (key === 'F') dir = value.replace(/^\/+|\/+$/g, '');
    else if (key === 'R') {
      const p = dir ? `${dir}/${value}` : value;
      if (value && !value.includes('/') && !p.split('/').includes('..')) cur.files.push(p);
    } else if (!cur.fields.has(key)) cur.fields.set(key, value);
  }
  return out;
}

/** `name`, `name>=1.2`, `so:libc.so.1=1` → the bare name (`so:libc.so.1`). */
function depName(token: string): string {
  return token.split(/[<>=~]/)[0];
}

/** apk's L: is an SPDX expression in current releases, a space-separated list in old ones. */
function licensesOf(raw: string | undefined): string[] {
  const s = raw?.trim();
  if (!s) return [];
  const whole = normalizeLicense(s);
  if (isSpdxExpression(whole)) return [whole];
  return normalizeLicenses(s.split(/\s+/));
}

interface Entry {
  name: string;
  version: string;
  arch?: string;
  origin?: string;
  license?: string;
  maintainer?: string;
  depends: string[];
  provides: string[];
  priority: number;
  files: string[];
  pkg?: Package;
}

function toEntry(r: Record_): Entry | string {
  const f = r.fields;
  if (f.has('!')) return f.get('!') as string;
  const name = f.get('P') ?? '';
  if (!name) return 'no P: (name) field';
  if (name.length > MAX_TOKEN || !NAME_RE.test(name)) return `invalid package name "${name.slice(0, 64)}"`;
  const version = f.get('V') ?? '';
  if (!version) return `package ${name}: no V: (version) field`;
  if (version.length > MAX_TOKEN || !VERSION_RE.test(version)) return `package ${name}: invalid version "${version.slice(0, 64)}"`;
  const arch = f.get('A');
  const origin = f.get('o');
  const tokens = (k: string) => (f.get(k) ?? '').split(/\s+/).filter(Boolean);
  return {
    name,
    version,
    arch: arch && /^[A-Za-z0-9_-]{1,64}$/.test(arch) ? arch : undefined,
    origin: origin && origin.length <= MAX_TOKEN && NAME_RE.test(origin) ? origin : undefined,
    license: f.get('L'),
    maintainer: f.get('m')?.slice(0, 1024) || undefined,
    // '!name' is a conflict, not a dependency.
    depends: tokens('D').filter((t) => !t.startsWith('!')).map(depName).filter(Boolean),
    provides: tokens('p').map(depName).filter(Boolean),
    priority: Number.parseInt(f.get('k') ?? '0', 10) || 0,
    files: [...new Set(r.files)].sort(),
  };
}

function resolveDepends(entries: Entry[]): void {
  const byName = new Map<string, Entry>();
  const provided = new Map<string, Entry[]>();
  for (const e of entries) {
    if (!byName.has(e.name)) byName.set(e.name, e);
    for (const p of e.provides) provided.set(p, [...(provided.get(p) ?? []), e]);
  }
  // Several packages may provide one name (/bin/sh, cmd:…): apk prefers the higher
  // provider priority (k:); ties go to the first name in byte order, for determinism.
  const pick = (dep: string): Entry | undefined =>
    byName.get(dep) ??
    sortBy(provided.get(dep) ?? [], (c) => String(1e9 - c.priority).padStart(12, '0'), (c) => c.name)[0];
  for (const e of entries) {
    const ids = new Set<string>();
    for (const d of e.depends) {
      const hit = pick(d);
      if (hit && hit !== e && hit.pkg) ids.add(hit.pkg.id);
    }
    if (ids.size && e.pkg) e.pkg.dependsOn = [...ids].sort();
  }
}

function buildPackage(e: Entry, path: string, ctx: CatalogContext): Package {
  const purl = toPurl({
    type: 'apk',
    namespace: ctx.os?.id ?? 'alpine',
    name: e.name,
    version: e.version,
    qualifiers: {
      arch: e.arch,
      distro: distroQualifier(ctx.os),
      // As syft: the origin (source) package only when it differs from the binary.
      upstream: e.origin && e.origin !== e.name ? e.origin : undefined,
    },
  });
  const pkg: Package = {
    id: packageId(purl, path),
    name: e.name,
    version: e.version,
    type: 'apk',
    purl,
    licenses: licensesOf(e.license),
    locations: [{ path }],
    foundBy: 'apk',
  };
  if (e.arch) pkg.arch = e.arch;
  if (e.origin) pkg.source = { name: e.origin, version: e.version };
  if (e.files.length) pkg.files = e.files;
  if (e.maintainer) pkg.metadata = { maintainer: e.maintainer };
  return pkg;
}

function catalogDb(file: CollectedFile, ctx: CatalogContext): Package[] {
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for (const r of parseRecords(decoder.decode(file.data))) {
    const e = toEntry(r);
    if (typeof e === 'string') {
      ctx.warn(`${file.path}: record at line ${r.line} skipped: ${e}`);
      continue;
    }
    e.pkg = buildPackage(e, file.path, ctx);
    if (seen.has(e.pkg.id)) {
      ctx.warn(`${file.path}: duplicate record for ${e.name} ${e.version} skipped`);
      continue;
    }
    seen.add(e.pkg.id);
    entries.push(e);
  }
  resolveDepends(entries);
  return entries.map((e) => e.pkg as Package);
}

export const apkCataloger: Cataloger = {
  name: 'apk',
  version: '1',
  scopes: ['image'],
  want(c: FileCandidate): Want {
    return c.path === DB;
  },
  catalog(ctx: CatalogContext): Package[] {
    const out: Package[] = [];
    for (const f of ctx.files) if (f.path === DB) out.push(...catalogDb(f, ctx));
    return sortBy(out, (p) => p.name, (p) => p.purl, (p) => p.locations[0].path);
  },
};
