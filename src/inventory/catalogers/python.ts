// Installed Python distributions: wheel-style `*.dist-info/METADATA`, setuptools
// `*.egg-info/PKG-INFO` (directory or single-file form) and `EGG-INFO/PKG-INFO` inside
// unpacked eggs. All use the core-metadata email-header format
// (packaging.python.org/specifications/core-metadata). `RECORD` gives installed files.
import type { FileCandidate, Want } from '../../layers/types.js';
import type { Cataloger, CatalogContext, Package } from '../types.js';
import { normalizeLicenses } from '../license.js';
import { normalizePypiName, packageId, toPurl } from '../purl.js';
import { sortBy } from '../../util/index.js';

const MAX_METADATA_BYTES = 8 * 1024 * 1024;
const MAX_RECORD_BYTES = 16 * 1024 * 1024;
// A License field longer than this is licence text, not a licence name.
const MAX_LICENSE_NAME = 100;

const METADATA_RE = /(?:^|\/)[^/]+\.dist-info\/METADATA$|(?:^|\/)[^/]+\.egg-info\/PKG-INFO$|(?:^|\/)[^/]+\.egg-info$|(?:^|\/)EGG-INFO\/PKG-INFO$/;
const RECORD_RE = /(?:^|\/)[^/]+\.dist-info\/RECORD$/;

// Trove classifiers whose name the licence alias table does not know (pypi.org/classifiers).
const CLASSIFIER_SPDX: Record<string, string> = {
  'Mozilla Public License 2.0 (MPL 2.0)': 'MPL-2.0',
  'Mozilla Public License 1.1 (MPL 1.1)': 'MPL-1.1',
  'GNU General Public License v2 (GPLv2)': 'GPL-2.0-only',
  'GNU General Public License v2 or later (GPLv2+)': 'GPL-2.0-or-later',
  'GNU General Public License v3 (GPLv3)': 'GPL-3.0-only',
  'GNU General Public License v3 or later (GPLv3+)': 'GPL-3.0-or-later',
  'GNU Lesser General Public License v2 (LGPLv2)': 'LGPL-2.0-only',
  'GNU Lesser General Public License v2 or later (LGPLv2+)': 'LGPL-2.0-or-later',
  'GNU Lesser General Public License v3 (LGPLv3)': 'LGPL-3.0-only',
  'GNU Lesser General Public License v3 or later (LGPLv3+)': 'LGPL-3.0-or-later',
  'GNU Affero General Public License v3': 'AGPL-3.0-only',
  'GNU Affero General Public License v3 or later (AGPLv3+)': 'AGPL-3.0-or-later',
  'Python Software Foundation License': 'PSF-2.0',
  'ISC License (ISCL)': 'ISC',
  'The Unlicense (Unlicense)': 'Unlicense',
  'Eclipse Public License 2.0 (EPL-2.0)': 'EPL-2.0',
  'Boost Software License 1.0 (BSL-1.0)': 'BSL-1.0',
  'zlib/libpng License': 'Zlib',
};

/** Header fields in order (a field may repeat). Values keep their continuation lines. */
export function parseCoreMetadata(text: string): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    if (line === '') break; // the body (long description) follows the first blank line
    if ((line[0] === ' ' || line[0] === '\t') && fields.length) {
      fields[fields.length - 1][1] += '\n' + line;
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    fields.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
  }
  return fields;
}

function licensesFrom(fields: Array<[string, string]>): string[] {
  const get = (k: string): string[] => fields.filter(([f]) => f === k).map(([, v]) => v);
  const expr = get('license-expression').map((v) => v.trim()).filter(Boolean);
  if (expr.length) return normalizeLicenses(expr);

  const classifiers = get('classifier')
    .filter((c) => c.startsWith('License ::'))
    .map((c) => c.split('::').map((s) => s.trim()))
    .filter((parts) => parts.length > 2 || (parts.length === 2 && parts[1] !== 'OSI Approved'))
    .map((parts) => parts[parts.length - 1])
    .map((name) => CLASSIFIER_SPDX[name] ?? name);

  const license = get('license')[0];
  if (license !== undefined) {
    const lines = license.split('\n');
    const first = lines[0].trim();
    const usable = first !== '' && first.toUpperCase() !== 'UNKNOWN' && first.length <= MAX_LICENSE_NAME && !/copyright|permission is hereby/i.test(first);
    // A multi-line field is the licence text: its classifiers name it better than its title.
    if (usable && (lines.length === 1 || classifiers.length === 0)) return normalizeLicenses([first]);
  }
  return normalizeLicenses(classifiers);
}

/** Requires-Dist names, except those needed only for an extra. */
function requirements(fields: Array<[string, string]>): string[] {
  const out = new Set<string>();
  for (const [k, v] of fields) {
    if (k !== 'requires-dist') continue;
    const [req, marker] = v.split(';', 2);
    if (marker !== undefined && /\bextra\s*==/.test(marker)) continue;
    const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(req);
    if (m) out.add(normalizePypiName(m[1]));
  }
  return [...out].sort();
}

/** The directory that holds the distribution (site-packages, dist-packages…). */
function siteDir(path: string): string {
  const parts = path.split('/');
  if (path.endsWith('/EGG-INFO/PKG-INFO')) return parts.slice(0, -3).join('/'); // x/foo.egg/EGG-INFO/PKG-INFO
  if (path.endsWith('.egg-info')) return parts.slice(0, -1).join('/');
  return parts.slice(0, -2).join('/');
}

/** Normalizes `base/rel` within the root; undefined when it would escape it. */
function joinWithin(base: string, rel: string): string | undefined {
  if (rel.startsWith('/')) return undefined;
  const out = base ? base.split('/') : [];
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (!out.length) return undefined;
      out.pop();
    } else out.push(seg);
  }
  return out.join('/');
}

/** First CSV column of each RECORD row (paths with commas are double-quoted). */
function recordPaths(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line) continue;
    if (line.startsWith('"')) {
      const m = /^"((?:[^"]|"")*)"/.exec(line);
      if (m) out.push(m[1].replace(/""/g, '"'));
    } else out.push(line.slice(0, line.indexOf(',') < 0 ? line.length : line.indexOf(',')));
  }
  return out;
}

interface Found {
  pkg: Package;
  site: string;
  requires: string[];
}

export const pythonPackageCataloger: Cataloger = {
  name: 'python',
  version: '1',
  scopes: ['image'],
  want(c: FileCandidate): Want {
    if (METADATA_RE.test(c.path)) return { maxBytes: MAX_METADATA_BYTES };
    if (RECORD_RE.test(c.path)) return { maxBytes: MAX_RECORD_BYTES };
    return false;
  },
  catalog(ctx: CatalogContext): Package[] {
    const found: Found[] = [];
    for (const f of ctx.files) {
      if (!METADATA_RE.test(f.path)) continue;
      const fields = parseCoreMetadata(f.data.toString('utf8'));
      const get = (k: string): string | undefined => fields.find(([x]) => x === k)?.[1].split('\n')[0].trim() || undefined;
      const name = get('name');
      const version = get('version');
      if (!name || !version) {
        ctx.warn(`${f.path}: Python metadata without Name or Version, skipped`);
        continue;
      }
      const purl = toPurl({ type: 'pypi', name: normalizePypiName(name), version });
      const metadata: Record<string, string> = {};
      const author = get('author') ?? get('author-email');
      if (author && author.toUpperCase() !== 'UNKNOWN') metadata.author = author;
      const homepage =
        get('home-page') ??
        fields
          .filter(([k]) => k === 'project-url')
          .map(([, v]) => v.split(',').map((s) => s.trim()))
          .find(([label]) => /^home[-_ ]?page$/i.test(label))?.[1];
      if (homepage && homepage.toUpperCase() !== 'UNKNOWN') metadata.homepage = homepage;

      const pkg: Package = {
        id: packageId(purl, f.path),
        name,
        version,
        type: 'pypi',
        purl,
        licenses: licensesFrom(fields),
        locations: [{ path: f.path }],
        foundBy: 'python',
      };
      if (Object.keys(metadata).length) pkg.metadata = metadata;

      const site = siteDir(f.path);
      if (f.path.endsWith('.dist-info/METADATA')) {
        const record = ctx.lookup(f.path.slice(0, -'METADATA'.length) + 'RECORD');
        if (record) {
          const files = new Set<string>();
          for (const r of recordPaths(record.data.toString('utf8'))) {
            const p = joinWithin(site, r);
            if (p !== undefined) files.add(p);
          }
          if (files.size) pkg.files = [...files].sort();
        }
      }
      found.push({ pkg, site, requires: requirements(fields) });
    }

    // Requirements resolve to the distribution of that name, in the same directory when
    // there is one there, else to the only one found anywhere.
    const byName = new Map<string, Found[]>();
    for (const x of found) {
      const key = normalizePypiName(x.pkg.name);
      byName.set(key, [...(byName.get(key) ?? []), x]);
    }
    for (const x of found) {
      const ids = new Set<string>();
      for (const r of x.requires) {
        const cands = byName.get(r) ?? [];
        const hit = cands.find((c) => c.site === x.site) ?? (cands.length === 1 ? cands[0] : undefined);
        if (hit && hit !== x) ids.add(hit.pkg.id);
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
