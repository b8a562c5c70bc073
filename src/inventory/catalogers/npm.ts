// Installed npm packages: each `package.json` of a package directory in a node_modules
// tree, and Debian's node-* packages under /usr/share/nodejs and /usr/lib/nodejs.
// Dependencies are resolved as Node resolves require(): the nearest node_modules up the
// tree, then Debian's global directories.
import type { FileCandidate, Want } from '../../layers/types.js';
import type { Cataloger, CatalogContext, Package } from '../types.js';
import { normalizeLicenses } from '../license.js';
import { packageId, toPurl } from '../purl.js';
import { sortBy } from '../../util/index.js';

const MAX_PACKAGE_JSON_BYTES = 4 * 1024 * 1024;

// A package directory: NAME or @scope/NAME right under a node_modules directory. Names
// never start with '.' or '_' (npm's rule), which leaves out .bin, .cache, .pnpm.
const SEGMENT = '[^/@._][^/]*';
const NODE_MODULES_RE = new RegExp(`(?:^|/)node_modules/((?:@[^/]+/)?${SEGMENT})/package\\.json$`);
// Debian installs node modules here (also arch-specific ones under the multiarch triplet).
const DEBIAN_ROOTS_RE = /^(usr\/share\/nodejs|usr\/lib\/nodejs|usr\/lib\/[^/]+-linux-[^/]+\/nodejs)\//;
const DEBIAN_RE = new RegExp(`^(?:usr/share/nodejs|usr/lib/nodejs|usr/lib/[^/]+-linux-[^/]+/nodejs)/((?:@[^/]+/)?${SEGMENT})/package\\.json$`);
const DEBIAN_GLOBAL_DIRS = ['usr/share/nodejs', 'usr/lib/nodejs'];

function isPackageJsonPath(path: string): boolean {
  return NODE_MODULES_RE.test(path) || DEBIAN_RE.test(path);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
}

/** `license: "MIT"`, `license: {type: "MIT"}`, legacy `licenses: [{type}, "MIT"]`. */
function declaredLicenses(pkg: JsonObject): string[] {
  const raw: string[] = [];
  const one = (v: Json | undefined): void => {
    const s = str(v) ?? (isObject(v) ? str(v.type) : undefined);
    if (s) raw.push(s);
  };
  one(pkg.license);
  if (Array.isArray(pkg.licenses)) pkg.licenses.forEach(one);
  else one(pkg.licenses);
  return normalizeLicenses(raw);
}

/** `author` as npm writes it: a string, or {name, email, url} → "name <email> (url)". */
function person(v: Json | undefined): string | undefined {
  if (typeof v === 'string') return str(v);
  if (!isObject(v)) return undefined;
  const name = str(v.name);
  const email = str(v.email);
  const url = str(v.url);
  const s = [name, email && `<${email}>`, url && `(${url})`].filter(Boolean).join(' ');
  return s || undefined;
}

function dependencyNames(pkg: JsonObject): string[] {
  const names = new Set<string>();
  for (const field of ['dependencies', 'optionalDependencies']) {
    const deps = pkg[field];
    if (isObject(deps)) for (const k of Object.keys(deps)) names.add(k);
  }
  return [...names].sort();
}

function dirname(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/** Directories Node searches for `name` from a package in `dir`, nearest first. */
function resolutionCandidates(dir: string, name: string): string[] {
  const out: string[] = [];
  let d: string | undefined = dir;
  while (d !== undefined) {
    const base = d.slice(d.lastIndexOf('/') + 1);
    if (base !== 'node_modules') out.push(d === '' ? `node_modules/${name}` : `${d}/node_modules/${name}`);
    d = d === '' ? undefined : dirname(d);
  }
  const triplet = /^(usr\/lib\/[^/]+-linux-[^/]+\/nodejs)\//.exec(dir);
  if (DEBIAN_ROOTS_RE.test(dir + '/')) {
    if (triplet) out.push(`${triplet[1]}/${name}`);
    for (const g of DEBIAN_GLOBAL_DIRS) out.push(`${g}/${name}`);
  }
  return out;
}

interface Found {
  pkg: Package;
  dir: string;
  deps: string[];
}

export const npmPackageCataloger: Cataloger = {
  name: 'npm',
  version: '1',
  scopes: ['image'],
  want(c: FileCandidate): Want {
    return isPackageJsonPath(c.path) ? { maxBytes: MAX_PACKAGE_JSON_BYTES } : false;
  },
  catalog(ctx: CatalogContext): Package[] {
    const found: Found[] = [];
    for (const f of ctx.files) {
      if (!isPackageJsonPath(f.path)) continue;
      let json: Json;
      try {
        // Node strips a UTF-8 BOM before parsing package.json; so do we.
        json = JSON.parse(f.data.toString('utf8').replace(/^\ufeff/, '')) as Json;
      } catch (e) {
        ctx.warn(`${f.path}: invalid package.json (${e instanceof Error ? e.message : String(e)})`);
        continue;
      }
      if (!isObject(json)) {
        ctx.warn(`${f.path}: package.json is not an object`);
        continue;
      }
      const name = str(json.name);
      const version = str(json.version);
      // Packages without both are templates or workspace roots, not installed packages.
      if (!name || !version) continue;
      const scoped = /^(@[^/]+)\/([^/]+)$/.exec(name);
      const purl = toPurl(scoped ? { type: 'npm', namespace: scoped[1], name: scoped[2], version } : { type: 'npm', name, version });
      const metadata: Record<string, string> = {};
      const author = person(json.author);
      if (author) metadata.author = author;
      const homepage = str(json.homepage);
      if (homepage) metadata.homepage = homepage;
      const pkg: Package = {
        id: packageId(purl, f.path),
        name,
        version,
        type: 'npm',
        purl,
        licenses: declaredLicenses(json),
        locations: [{ path: f.path }],
        foundBy: 'npm',
      };
      if (Object.keys(metadata).length) pkg.metadata = metadata;
      found.push({ pkg, dir: dirname(f.path), deps: dependencyNames(json) });
    }

    // Resolve by directory: the package whose package.json sits at DIR/package.json.
    const byDir = new Map<string, Package>();
    for (const x of found) byDir.set(x.dir, x.pkg);
    for (const x of found) {
      const ids = new Set<string>();
      for (const dep of x.deps) {
        for (const cand of resolutionCandidates(x.dir, dep)) {
          const hit = byDir.get(cand);
          if (hit) {
            if (hit !== x.pkg) ids.add(hit.id);
            break;
          }
        }
      }
      if (ids.size) x.pkg.dependsOn = [...ids].sort();
    }
    return sortBy(
      found.map((x) => x.pkg),
      (p) => p.purl,
      (p) => p.locations[0].path,
    );
  },
};
