// Parsers for the metadata inside Java archives: META-INF/MANIFEST.MF, Maven's
// pom.properties, versioned file names, and OSGi Bundle-License. Pure string functions.
import { isSpdxExpression, normalizeLicenses } from '../license.js';

/**
 * Main-section attributes of a JAR manifest, keys lower-cased (attribute names are
 * case-insensitive). Continuation lines start with one space (JAR File Specification).
 */
export function parseManifest(text: string): Map<string, string> {
  const attrs = new Map<string, string>();
  let last: string | undefined;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (attrs.size) break; // end of the main section
      continue;
    }
    if (line[0] === ' ') {
      if (last !== undefined) attrs.set(last, (attrs.get(last) ?? '') + line.slice(1));
      continue;
    }
    const i = line.indexOf(':');
    if (i <= 0) {
      last = undefined;
      continue;
    }
    last = line.slice(0, i).trim().toLowerCase();
    attrs.set(last, line.slice(i + 1).trim());
  }
  return attrs;
}

/** Java .properties (the subset Maven writes): `k=v`, `k: v`, `k v`, comments, `\` continuations. */
export function parseProperties(text: string): Map<string, string> {
  const props = new Map<string, string>();
  const lines = text.split(/\r\n|\r|\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/^\s+/, '');
    if (line === '' || line[0] === '#' || line[0] === '!') continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i].replace(/^\s+/, '');
    const m = /^((?:[^\\=:\s]|\\.)+)\s*[=:\s]\s*(.*)$/.exec(line) ?? /^((?:[^\\=:\s]|\\.)+)()$/.exec(line);
    if (!m) continue;
    const unescape = (s: string): string => s.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r', f: '\f' })[c] ?? c);
    props.set(unescape(m[1]), unescape(m[2]).trim());
  }
  return props;
}

/** `commons-lang3-3.12.0.jar` → name and version; the version starts at the first `-<digit>`. */
export function parseArchiveFileName(fileName: string): { name?: string; version?: string } {
  const base = fileName.slice(fileName.lastIndexOf('/') + 1).replace(/\.(jar|war|ear|jpi|hpi)$/i, '');
  if (!base) return {};
  const m = /^(.+?)-(\d[^/]*)$/.exec(base);
  return m ? { name: m[1], version: m[2] } : { name: base };
}

// Reverse-domain prefixes that make a manifest value usable as a Maven group id.
const GROUP_RE = /^(?:com|org|net|io|javax|jakarta|edu|gov|dev|info|biz|co|de|fr|uk|eu|ch|nl|be|at|it|es|se|no|fi|dk|pl|cz|jp|cn|ru|br|in|me|us|ca|au)\.[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;

/** Strips OSGi directives/attributes: `org.foo;singleton:=true` → `org.foo`. */
function osgiName(v: string | undefined): string | undefined {
  const s = v?.split(';')[0].trim();
  return s || undefined;
}

// Titles are used as artifact ids only when they look like one (lower case, no spaces):
// `slf4j-api` yes, `Objenesis` or `Apache Commons Lang` no.
const artifactLike = (v: string | undefined): string | undefined => (v && /^[a-z0-9][a-z0-9._-]*$/.test(v) ? v : undefined);

export interface ManifestIdentity {
  group?: string;
  name?: string;
  version?: string;
  /** Where name and version came from: `manifest` when it gave either, else `file name`. */
  source: 'manifest' | 'file name';
}

/**
 * Maven-like coordinates for an archive without pom.properties: from the manifest, then
 * the file name. The group comes from the first manifest field holding a reverse-domain
 * name, in the order syft tries them.
 */
export function identityFromManifest(attrs: Map<string, string>, fileName: string): ManifestIdentity {
  const fromFile = parseArchiveFileName(fileName);
  const nameFromManifest = artifactLike(attrs.get('implementation-title')) ?? artifactLike(attrs.get('specification-title'));
  const name = nameFromManifest ?? fromFile.name ?? osgiName(attrs.get('bundle-symbolicname'));
  const versionFromManifest = attrs.get('implementation-version') || attrs.get('bundle-version') || attrs.get('specification-version');
  const version = versionFromManifest || fromFile.version || undefined;
  const source = nameFromManifest || versionFromManifest || !fromFile.name ? 'manifest' : 'file name';
  let group: string | undefined;
  for (const field of [
    'implementation-vendor-id',
    'bundle-symbolicname',
    'automatic-module-name',
    'extension-name',
    'implementation-title',
    'specification-vendor',
    'implementation-vendor',
  ]) {
    const v = osgiName(attrs.get(field));
    if (v && GROUP_RE.test(v)) {
      group = v;
      break;
    }
  }
  return { group, name, version, source };
}

// Licence URLs commonly found in Bundle-License.
const LICENSE_URLS: Array<[RegExp, string]> = [
  [/apache\.org\/licenses\/LICENSE-2\.0/i, 'Apache-2.0'],
  [/opensource\.org\/licenses\/mit(-license)?(\.php)?$/i, 'MIT'],
  [/eclipse\.org\/legal\/epl-v10/i, 'EPL-1.0'],
  [/eclipse\.org\/legal\/epl-2\.0/i, 'EPL-2.0'],
  [/gnu\.org\/licenses\/old-licenses\/lgpl-2\.1/i, 'LGPL-2.1-only'],
  [/gnu\.org\/licenses\/lgpl(-3\.0)?(\.html|\.txt)?$/i, 'LGPL-3.0-only'],
];

function licenseFromName(raw: string): string {
  const s = raw.trim().replace(/^"|"$/g, '');
  if (/^https?:\/\//i.test(s)) {
    for (const [re, id] of LICENSE_URLS) if (re.test(s)) return id;
    const tail = /\/licenses\/([A-Za-z0-9.+-]+?)(?:\.txt|\.html|\.php)?\/?$/.exec(s)?.[1];
    if (tail && isSpdxExpression(tail)) return tail;
  }
  return s;
}

/**
 * OSGi Bundle-License: `name(;attr=value)*` separated by commas, where a name is an
 * SPDX-like id or a URL. A value with spaces is one free-text name (commas included).
 */
export function parseBundleLicense(value: string | undefined): string[] {
  if (!value || value.startsWith('<<EXTERNAL>>')) return [];
  const parts = value.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/).map((p) => p.split(';')[0].trim()).filter(Boolean);
  const names = parts.every((p) => !/\s/.test(p)) ? parts : [value.split(';')[0].trim()];
  return normalizeLicenses(names.map(licenseFromName));
}
