// Random access to a tar file: one pass over the headers (data is skipped by offset, not
// read), then members are read or streamed by byte range. `docker save` archives hold
// whole layers; indexing them costs a few reads per member instead of a full scan.
import { open, type FileHandle } from 'node:fs/promises';
import { posix } from 'node:path';
import { OciError } from './types.js';

const BLOCK = 512;
const MAX_ENTRIES = 200_000;
const MAX_META_BYTES = 1 << 20;
const MAX_LINK_DEPTH = 16;

export interface TarEntry {
  /** Normalized member path: no leading `./` or `/`. */
  name: string;
  type: 'file' | 'symlink' | 'hardlink' | 'dir' | 'other';
  /** Byte offset of the member's data in the file. */
  offset: number;
  size: number;
  linkname?: string;
}

export interface TarIndex {
  entries: Map<string, TarEntry>;
  /** Follows symlinks and hard links inside the archive to a regular file, or undefined. */
  resolve(name: string): TarEntry | undefined;
}

function cString(buf: Buffer, start: number, end: number): string {
  const nul = buf.indexOf(0, start);
  return buf.toString('utf8', start, nul >= 0 && nul < end ? nul : end);
}

/** Numeric header field: octal text, or GNU base-256 when the high bit is set. */
function numeric(buf: Buffer, start: number, end: number): number {
  if (buf[start] & 0x80) {
    let n = buf[start] & 0x7f;
    for (let i = start + 1; i < end; i++) n = n * 256 + buf[i];
    return n;
  }
  const text = cString(buf, start, end).trim();
  return text === '' ? 0 : parseInt(text, 8);
}

function checksumOk(h: Buffer): boolean {
  const stored = numeric(h, 148, 156);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : h[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b;
  }
  return stored === unsigned || stored === signed;
}

/**
 * Normalizes a member path against the archive root: `./a`, `/a` and `../a` all name `a`,
 * so no path (or link target) can point outside the archive. Undefined for the root itself.
 */
export function normalizeMemberPath(p: string): string | undefined {
  const n = posix.normalize('/' + p).slice(1).replace(/\/$/, '');
  return n === '' ? undefined : n;
}

function parsePax(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = parseInt(data.toString('ascii', pos, space), 10);
    if (!Number.isFinite(len) || len <= 0 || pos + len > data.length) break;
    const record = data.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    pos += len;
  }
  return out;
}

async function readExactly(fh: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

/** Indexes the headers of the tar at `path`. Throws INVALID_ARCHIVE for anything that is not a sound tar. */
export async function indexTar(path: string): Promise<TarIndex> {
  const fh = await open(path, 'r');
  try {
    const { size: fileSize } = await fh.stat();
    const entries = new Map<string, TarEntry>();
    const fail = (reason: string) => new OciError('INVALID_ARCHIVE', reason, { input: path });
    let pos = 0;
    let count = 0;
    let pax = new Map<string, string>();
    let longName: string | undefined;
    let longLink: string | undefined;
    for (;;) {
      if (pos + BLOCK > fileSize) {
        if (pos === fileSize && count > 0) break; // tolerate a missing end-of-archive marker
        throw fail(count === 0 ? 'not a tar archive (too short)' : `tar archive is truncated at byte ${pos}`);
      }
      const h = await readExactly(fh, BLOCK, pos);
      if (h.every((b) => b === 0)) break;
      if (!checksumOk(h)) {
        if (count === 0 && h[0] === 0x1f && h[1] === 0x8b) throw fail('archive is gzip-compressed; decompress it first (random access needs a plain tar)');
        throw fail(count === 0 ? 'not a tar archive (bad header checksum)' : `bad tar header checksum at byte ${pos}`);
      }
      if (++count > MAX_ENTRIES) throw fail(`more than ${MAX_ENTRIES} tar entries`);
      const typeflag = String.fromCharCode(h[156] || 0x30);
      const size = pax.has('size') ? Number(pax.get('size')) : numeric(h, 124, 136);
      if (!Number.isSafeInteger(size) || size < 0) throw fail(`invalid member size at byte ${pos}`);
      const dataOffset = pos + BLOCK;
      const next = dataOffset + Math.ceil(size / BLOCK) * BLOCK;
      if (dataOffset + size > fileSize) throw fail(`tar archive is truncated inside the member at byte ${pos}`);

      if (typeflag === 'x' || typeflag === 'g' || typeflag === 'L' || typeflag === 'K') {
        if (size > MAX_META_BYTES) throw fail(`tar metadata entry of ${size} bytes at byte ${pos} is too large`);
        const data = await readExactly(fh, size, dataOffset);
        if (typeflag === 'x') pax = parsePax(data);
        else if (typeflag === 'L') longName = cString(data, 0, data.length);
        else if (typeflag === 'K') longLink = cString(data, 0, data.length);
        pos = next;
        continue;
      }

      const ustar = h.toString('latin1', 257, 263) === 'ustar\0';
      const prefix = ustar ? cString(h, 345, 500) : '';
      let rawName = cString(h, 0, 100);
      if (prefix) rawName = `${prefix}/${rawName}`;
      rawName = pax.get('path') ?? longName ?? rawName;
      const linkname = pax.get('linkpath') ?? longLink ?? cString(h, 157, 257);
      pax = new Map();
      longName = undefined;
      longLink = undefined;

      const name = normalizeMemberPath(rawName);
      if (name !== undefined) {
        const type = typeflag === '0' || typeflag === '7' ? 'file' : typeflag === '2' ? 'symlink' : typeflag === '1' ? 'hardlink' : typeflag === '5' ? 'dir' : 'other';
        const entry: TarEntry = { name, type, offset: dataOffset, size: type === 'file' ? size : 0 };
        if (type === 'symlink' || type === 'hardlink') entry.linkname = linkname;
        entries.set(name, entry); // a later member of the same name replaces an earlier one, as tar does
      }
      pos = next;
    }
    return { entries, resolve: (n) => resolveEntry(entries, n) };
  } finally {
    await fh.close();
  }
}

function resolveEntry(entries: Map<string, TarEntry>, name: string): TarEntry | undefined {
  let current = normalizeMemberPath(name);
  for (let depth = 0; current !== undefined && depth <= MAX_LINK_DEPTH; depth++) {
    const e = entries.get(current);
    if (!e) return undefined;
    if (e.type === 'file') return e;
    if (e.type === 'symlink' && e.linkname !== undefined) {
      // Relative to the link's directory; absolute targets are taken from the archive root.
      const base = e.linkname.startsWith('/') ? '' : posix.dirname(current);
      current = normalizeMemberPath(posix.join(base, e.linkname));
    } else if (e.type === 'hardlink' && e.linkname !== undefined) {
      current = normalizeMemberPath(e.linkname);
    } else {
      return undefined;
    }
  }
  return undefined;
}

/** Reads a whole member into memory, refusing members larger than `max`. */
export async function readMember(path: string, entry: TarEntry, max: number, what: string): Promise<Buffer> {
  if (entry.size > max) throw new OciError('TOO_LARGE', `${what} (${entry.name}) is ${entry.size} bytes, over the ${max}-byte limit`, { input: path });
  const fh = await open(path, 'r');
  try {
    return await readExactly(fh, entry.size, entry.offset);
  } finally {
    await fh.close();
  }
}
