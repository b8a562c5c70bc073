// Where records come from: recognizing what a path or URL holds (detectSource), and
// reading OSV records from an export zip, a directory of OSV JSON files, or one file.
import { readFileSync, statSync, existsSync, openSync, readSync, closeSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { downloadToTemp, isUrl, type FetchOptions } from './fetch.js';
import type { OsvRecord } from './osv-types.js';
import type { OsvChecker } from './osv-validate.js';
import { VulnDbError } from './types.js';
import { readZipMembers, type ZipLimits } from './zip.js';

export type SourceFormat = 'osv-zip' | 'osv-dir' | 'osv-json' | 'debian-tracker-json' | 'debian-tracker-list' | 'alpine-secdb' | 'vulndb';

export interface TrackerLists {
  cve?: string;
  dsa?: string;
  dla?: string;
}

export interface DetectedSource {
  format: SourceFormat;
  /** The local file or directory to read (for a URL: the downloaded temp file). */
  path: string;
  /** What the user named: an absolute path, or the URL. */
  location: string;
  /** The parsed document, for formats that had to be parsed to be recognized. */
  document?: unknown;
  /** For debian-tracker-list: the list files (paths). */
  lists?: TrackerLists;
  /** When the source itself was last changed: the file's mtime, or the server's Last-Modified (ISO 8601). */
  sourceDate?: string;
  /** Removes a download; nothing for local paths. */
  cleanup(): void;
}

export interface DetectOptions {
  /** Downloads go into this file's directory (the database's); default the OS temp dir. */
  dbPath?: string;
  fetch?: FetchOptions;
  /** Cap on a JSON/YAML/list file read into memory (default 1 GiB). */
  maxDocumentBytes?: number;
}

export const DEFAULT_LIMITS: ZipLimits & { maxDocumentBytes: number } = {
  maxTotalBytes: 32 * 1024 ** 3,
  maxMemberBytes: 64 * 1024 ** 2,
  maxDocumentBytes: 1024 ** 3,
};

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

function readHead(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

export function readDocument(path: string, max: number, label: string): string {
  const size = statSync(path).size;
  if (size > max) throw new VulnDbError('IMPORT_TOO_LARGE', `is ${size} bytes, over the ${max}-byte limit for a document read into memory`, { input: label });
  const text = readFileSync(path).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** What a parsed JSON/YAML document is, or undefined. */
export function classifyDocument(doc: unknown): SourceFormat | undefined {
  if (!isObject(doc)) return undefined;
  if (typeof doc.id === 'string' && typeof doc.modified === 'string') return 'osv-json';
  if (Array.isArray(doc.packages) && typeof doc.distroversion === 'string') return 'alpine-secdb';
  // The tracker's JSON: { <source package>: { <CVE or TEMP id>: { releases: … } } }.
  const pkgs = Object.values(doc).slice(0, 64);
  if (pkgs.length > 0 && pkgs.every((p) => isObject(p) && Object.keys(p).length > 0 && Object.keys(p).slice(0, 16).every((k) => /^(CVE|TEMP)-/.test(k)))) return 'debian-tracker-json';
  return undefined;
}

/** Which tracker list a text file is, by its first entry line. */
function classifyList(text: string): keyof TrackerLists | undefined {
  const first = text.split('\n', 64).find((l) => l.trim() !== '');
  if (!first) return undefined;
  if (/^CVE-\d{4}-/.test(first)) return 'cve';
  const m = /^\[\d{1,2} \w{3} \d{4}\] (DSA|DLA)-/.exec(first);
  return m ? (m[1].toLowerCase() as 'dsa' | 'dla') : undefined;
}

function trackerListsIn(dir: string): TrackerLists | undefined {
  for (const base of [dir, join(dir, 'data')]) {
    const lists: TrackerLists = {};
    for (const k of ['cve', 'dsa', 'dla'] as const) {
      const p = join(base, k.toUpperCase(), 'list');
      if (existsSync(p) && statSync(p).isFile()) lists[k] = p;
    }
    if (lists.cve || lists.dsa || lists.dla) return lists;
  }
  return undefined;
}

function detectFile(path: string, location: string, maxDocumentBytes: number): Omit<DetectedSource, 'cleanup'> {
  const head = readHead(path, 16);
  if (head.equals(SQLITE_MAGIC)) return { format: 'vulndb', path, location };
  if (head.length >= 4 && head[0] === 0x50 && head[1] === 0x4b && ((head[2] === 3 && head[3] === 4) || (head[2] === 5 && head[3] === 6))) return { format: 'osv-zip', path, location };
  const text = readDocument(path, maxDocumentBytes, location);
  // Before JSON: DSA/DLA lists start with `[23 Apr 2024] DSA-…`, which looks like an array.
  const list = classifyList(text);
  if (list) return { format: 'debian-tracker-list', path, location, lists: { [list]: path } };
  const start = text.trimStart()[0];
  if (start === '{' || start === '[') {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', `looks like JSON but does not parse: ${(e as Error).message}`, { input: location, cause: e });
    }
    const format = classifyDocument(doc);
    if (!format) throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', 'is JSON, but neither an OSV record, a Debian security tracker JSON export, nor an Alpine secdb file', { input: location });
    return { format, path, location, document: doc };
  }
  // secdb YAML: parsed by the reader (the yaml module is loaded only then).
  if (/^distroversion:/m.test(text) && /^packages:/m.test(text)) return { format: 'alpine-secdb', path, location };
  throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', 'is not a source portcullis reads: want an OSV zip, directory or JSON file, Debian security tracker data, Alpine secdb, or an exported portcullis database', { input: location });
}

/**
 * Recognizes a source: an OSV export zip, a directory of OSV JSON files, one OSV JSON
 * file, the Debian security tracker's JSON or its `data/{CVE,DSA,DLA}/list` files, an
 * Alpine secdb file, or an exported portcullis database (by SQLite's magic). A URL is
 * downloaded first (into the database's directory) and its content recognized the same way.
 */
export async function detectSource(pathOrUrl: string, opts: DetectOptions = {}): Promise<DetectedSource> {
  const maxDoc = opts.maxDocumentBytes ?? DEFAULT_LIMITS.maxDocumentBytes;
  if (isUrl(pathOrUrl)) {
    const dl = await downloadToTemp(pathOrUrl, opts.dbPath ?? join(tmpdir(), 'portcullis.db'), opts.fetch);
    try {
      return { ...detectFile(dl.path, pathOrUrl, maxDoc), ...(dl.lastModified ? { sourceDate: dl.lastModified } : {}), cleanup: dl.remove };
    } catch (e) {
      dl.remove();
      throw e;
    }
  }
  const path = resolve(pathOrUrl);
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', 'does not exist', { input: pathOrUrl });
  const cleanup = () => undefined;
  if (st.isDirectory()) {
    const lists = trackerListsIn(path);
    if (!lists) return { format: 'osv-dir', path, location: path, cleanup };
    const newest = Math.max(...Object.values(lists).map((p: string) => statSync(p).mtimeMs));
    return { format: 'debian-tracker-list', path, location: path, lists, sourceDate: new Date(newest).toISOString(), cleanup };
  }
  if (!st.isFile()) throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', 'is neither a file nor a directory', { input: pathOrUrl });
  return { ...detectFile(path, path, maxDoc), sourceDate: st.mtime.toISOString(), cleanup };
}

/** `osv:<Ecosystem>` for `…/<Ecosystem>/all.zip`, else `osv:<file or directory name>`. */
export function osvSourceName(location: string): string {
  const parts = (isUrl(location) ? new URL(location).pathname : location).split(/[\\/]+/).filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  });
  const last = parts[parts.length - 1] ?? 'osv';
  const name = last.toLowerCase() === 'all.zip' && parts.length > 1 ? parts[parts.length - 2] : last.replace(/\.(zip|json)$/i, '');
  return `osv:${name}`;
}

/** Every `*.json` under `dir`, recursively (symlinked directories are not followed), sorted. */
export async function listJsonFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > 64) throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', 'nests directories more than 64 deep', { input: d });
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p, depth + 1);
      else if (e.name.toLowerCase().endsWith('.json') && (e.isFile() || (e.isSymbolicLink() && (await stat(p).catch(() => undefined))?.isFile()))) out.push(p);
    }
  };
  await walk(dir, 0);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Records of a directory of OSV JSON files; `label` prefixes the file names in errors. */
export async function* readOsvDir(dir: string, files: string[], checker: OsvChecker, maxFileBytes = DEFAULT_LIMITS.maxMemberBytes): AsyncGenerator<OsvRecord> {
  for (const f of files) {
    const where = relative(dir, f) || basename(f);
    const size = (await stat(f)).size;
    if (size > maxFileBytes) throw new VulnDbError('IMPORT_TOO_LARGE', `is ${size} bytes, over the ${maxFileBytes}-byte limit for one OSV record`, { input: f });
    yield checker.parse(await readFile(f), join(dir, where));
  }
}

/** Records of an OSV export zip (members named `*.json`); errors name `zip!member`. */
export async function* readOsvZip(path: string, label: string, checker: OsvChecker, limits: ZipLimits = DEFAULT_LIMITS): AsyncGenerator<OsvRecord> {
  for await (const m of readZipMembers(path, (n) => n.toLowerCase().endsWith('.json'), limits)) {
    yield checker.parse(m.data, `${label}!${m.name}`);
  }
}
