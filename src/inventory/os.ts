// Operating-system detection from the release files an image ships. os-release is the
// standard (freedesktop.org); the distribution-specific files are fallbacks for old or
// stripped images that lack it.
import type { CollectedFile, FileCandidate, FileWanter, Want } from '../layers/types.js';
import type { OsInfo } from './types.js';

const OS_RELEASE_PATHS = ['etc/os-release', 'usr/lib/os-release'];
const FALLBACK_PATHS = ['etc/lsb-release', 'etc/alpine-release', 'etc/redhat-release', 'etc/debian_version'];
const WANTED = new Set([...OS_RELEASE_PATHS, ...FALLBACK_PATHS]);
/** Release files are a few hundred bytes; anything far larger is not one. */
const MAX_RELEASE_BYTES = 64 * 1024;

export const osWanter: FileWanter = {
  id: 'os-release',
  version: '1',
  want(c: FileCandidate): Want {
    return WANTED.has(c.path) ? { maxBytes: MAX_RELEASE_BYTES } : false;
  },
};

const decoder = new TextDecoder('utf-8', { fatal: false });

function textOf(f: CollectedFile | undefined): string | undefined {
  if (!f || f.data.length > MAX_RELEASE_BYTES) return undefined;
  return decoder.decode(f.data);
}

/** Undo shell quoting of one os-release value: "…" with \-escapes, '…' literal, or bare. */
function unquote(raw: string): string {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const ch = raw[i];
    if (ch === '"') {
      i++;
      while (i < raw.length && raw[i] !== '"') {
        // Inside double quotes only \ " $ ` and newline are escapable, as in sh.
        if (raw[i] === '\\' && i + 1 < raw.length && '"\\$`'.includes(raw[i + 1])) i++;
        out += raw[i++];
      }
      i++;
    } else if (ch === "'") {
      i++;
      while (i < raw.length && raw[i] !== "'") out += raw[i++];
      i++;
    } else if (ch === '\\' && i + 1 < raw.length) {
      out += raw[i + 1];
      i += 2;
    } else if (ch === ' ' || ch === '\t') {
      break; // an unquoted value ends at whitespace (e.g. before a trailing comment)
    } else {
      out += ch;
      i++;
    }
  }
  return out;
}

/** Parse os-release (or lsb-release) text: KEY=value lines, shell quoting, # comments. */
export function parseOsRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    out[m[1]] = unquote(m[2]);
  }
  return out;
}

function clean(v: string | undefined): string | undefined {
  const s = v?.trim();
  return s ? s : undefined;
}

function fromOsRelease(kv: Record<string, string>): OsInfo | undefined {
  const id = clean(kv.ID)?.toLowerCase();
  if (!id) return undefined;
  const info: OsInfo = { id };
  const versionId = clean(kv.VERSION_ID);
  if (versionId) info.versionId = versionId;
  const codename = clean(kv.VERSION_CODENAME);
  if (codename) info.versionCodename = codename;
  const name = clean(kv.NAME);
  if (name) info.name = name;
  const pretty = clean(kv.PRETTY_NAME);
  if (pretty) info.prettyName = pretty;
  const like = clean(kv.ID_LIKE);
  if (like) info.idLike = like.toLowerCase().split(/\s+/);
  return info;
}

/** `/etc/debian_version`: `12.5` is a point release of 12; `bookworm/sid` is testing. */
export function parseDebianVersion(text: string): OsInfo | undefined {
  const v = text.trim().split(/\s+/)[0] ?? '';
  if (!v) return undefined;
  const num = /^(\d+)(?:\.\d+)*$/.exec(v);
  if (num) return { id: 'debian', versionId: num[1], name: 'Debian GNU/Linux' };
  const testing = /^([a-z]+)\/sid$/.exec(v);
  if (testing) return { id: 'debian', versionCodename: testing[1], name: 'Debian GNU/Linux' };
  if (/^[a-z]+$/.test(v)) return { id: 'debian', versionCodename: v, name: 'Debian GNU/Linux' };
  return undefined;
}

// `<Name> release <version> (<codename>)`, as the Red Hat family writes it.
const REDHAT_NAMES: Array<[RegExp, string]> = [
  [/^red hat enterprise linux/i, 'rhel'],
  [/^centos stream/i, 'centos'],
  [/^centos/i, 'centos'],
  [/^rocky/i, 'rocky'],
  [/^almalinux/i, 'almalinux'],
  [/^fedora/i, 'fedora'],
  [/^oracle linux/i, 'ol'],
  [/^scientific linux/i, 'scientific'],
];

export function parseRedhatRelease(text: string): OsInfo | undefined {
  const line = text.split(/\r?\n/)[0]?.trim() ?? '';
  const m = /^(.+?)\s+release\s+([0-9][0-9A-Za-z.]*)(?:\s+\((.+)\))?/i.exec(line);
  if (!m) return undefined;
  const hit = REDHAT_NAMES.find(([re]) => re.test(m[1]));
  if (!hit) return undefined;
  const info: OsInfo = { id: hit[1], versionId: m[2], name: m[1], prettyName: line };
  if (m[3]) info.versionCodename = m[3];
  return info;
}

function fromLsbRelease(kv: Record<string, string>): OsInfo | undefined {
  const id = clean(kv.DISTRIB_ID)?.toLowerCase();
  if (!id) return undefined;
  const info: OsInfo = { id };
  const v = clean(kv.DISTRIB_RELEASE);
  if (v) info.versionId = v;
  const c = clean(kv.DISTRIB_CODENAME);
  if (c) info.versionCodename = c;
  const d = clean(kv.DISTRIB_DESCRIPTION);
  if (d) info.prettyName = d;
  return info;
}

/**
 * Identify the OS from the squashed view's release files. os-release wins (etc/ before
 * usr/lib/, as systemd reads them); without an ID there, the distribution files are
 * tried: lsb-release (before debian_version, which Ubuntu also ships), alpine-release,
 * redhat-release, debian_version. Undefined when nothing identifies the OS.
 */
export function detectOs(lookup: (path: string) => CollectedFile | undefined): OsInfo | undefined {
  let fromRelease: OsInfo | undefined;
  for (const p of OS_RELEASE_PATHS) {
    const text = textOf(lookup(p));
    if (text === undefined) continue;
    fromRelease = fromOsRelease(parseOsRelease(text));
    break; // the first os-release present is authoritative, even if it lacks an ID
  }
  if (fromRelease) {
    // Debian testing/sid has no VERSION_ID; a numeric debian_version can fill it in.
    if (fromRelease.id === 'debian' && !fromRelease.versionId) {
      const dv = textOf(lookup('etc/debian_version'));
      const parsed = dv === undefined ? undefined : parseDebianVersion(dv);
      if (parsed?.versionId) fromRelease.versionId = parsed.versionId;
    }
    return fromRelease;
  }
  const lsb = textOf(lookup('etc/lsb-release'));
  const lsbInfo = lsb === undefined ? undefined : fromLsbRelease(parseOsRelease(lsb));
  if (lsbInfo) return lsbInfo;
  const alpine = textOf(lookup('etc/alpine-release'))?.trim().split(/\s+/)[0];
  if (alpine && /^\d[0-9A-Za-z._-]*$/.test(alpine)) return { id: 'alpine', versionId: alpine, name: 'Alpine Linux' };
  const rh = textOf(lookup('etc/redhat-release'));
  const rhInfo = rh === undefined ? undefined : parseRedhatRelease(rh);
  if (rhInfo) return rhInfo;
  const dv = textOf(lookup('etc/debian_version'));
  return dv === undefined ? undefined : parseDebianVersion(dv);
}

/** `<id>-<versionId>` (or `<id>`) for the purl `distro` qualifier, as syft writes it. */
export function distroQualifier(os: OsInfo | undefined): string | undefined {
  if (!os?.id) return undefined;
  return os.versionId ? `${os.id}-${os.versionId}` : os.id;
}
