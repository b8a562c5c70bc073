// Streaming reader for a zip of small members (OSV's per-ecosystem all.zip): the file is
// read in chunks through fflate's streaming Unzip and each member is inflated as it
// streams past, so a multi-gigabyte export is never inflated at once. fflate's parser scans
// for signatures and would skip garbage silently, so the archive's shape is checked here:
// a local header at offset 0, an end-of-central-directory record at the end, and as many
// members as it says.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { Unzip, type FlateError, type UnzipDecoder, type UnzipDecoderConstructor, type UnzipFile } from 'fflate';
import { VulnDbError } from './types.js';

export interface ZipMember {
  name: string;
  data: Uint8Array;
}

export interface ZipLimits {
  /** Cap on the inflated bytes of all members together (IMPORT_TOO_LARGE past it). */
  maxTotalBytes: number;
  /** Cap on one member's inflated bytes. */
  maxMemberBytes: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;
const PUSH_SLICE = 16 * 1024;

/**
 * Reads the end-of-central-directory record (or its zip64 form): the number of entries
 * the archive claims. IMPORT_INVALID_ZIP when there is none: the file is truncated or not
 * a zip.
 */
export async function zipEntryCount(path: string): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const { size } = await fh.stat();
    const len = Math.min(size, EOCD_MIN + MAX_COMMENT);
    const tail = Buffer.alloc(len);
    await fh.read(tail, 0, len, size - len);
    const head = Buffer.alloc(4);
    await fh.read(head, 0, 4, 0);
    const first = size >= 4 ? head.readUInt32LE(0) : 0;
    if (first !== 0x04034b50 && first !== EOCD_SIG) throw new VulnDbError('IMPORT_INVALID_ZIP', 'is not a zip archive (no local file header at the start)', { input: path });
    for (let i = len - EOCD_MIN; i >= 0; i--) {
      // The record's comment must end exactly at the end of the file.
      if (tail.readUInt32LE(i) === EOCD_SIG && i + EOCD_MIN + tail.readUInt16LE(i + 20) === len) {
        // Archives of more than 65535 entries (OSV's larger exports) keep the count in a
        // zip64 end record, found through the locator just before this one.
        if (i >= 20 && tail.readUInt32LE(i - 20) === ZIP64_LOCATOR_SIG) {
          const at = Number(tail.readBigUInt64LE(i - 20 + 8));
          const rec = Buffer.alloc(56);
          const { bytesRead } = await fh.read(rec, 0, 56, at);
          if (bytesRead === 56 && rec.readUInt32LE(0) === ZIP64_EOCD_SIG) return Number(rec.readBigUInt64LE(32));
          throw new VulnDbError('IMPORT_INVALID_ZIP', 'is corrupt: its zip64 end-of-central-directory record is missing', { input: path });
        }
        return tail.readUInt16LE(i + 10);
      }
    }
    throw new VulnDbError('IMPORT_INVALID_ZIP', 'is truncated or not a zip archive (no end-of-central-directory record)', { input: path });
  } finally {
    await fh.close();
  }
}

/** A member larger than the cap: reported as IMPORT_TOO_LARGE rather than as a bad zip. */
class MemberTooLarge extends Error {}

/**
 * A deflate decoder for fflate's Unzip that inflates each member with node's zlib (native,
 * about ten times fflate's JavaScript inflate) once its compressed bytes are in. Members
 * are small JSON files; `maxBytes` caps both the compressed bytes held and the output.
 */
function nativeInflate(maxBytes: number): UnzipDecoderConstructor {
  return class NativeInflate implements UnzipDecoder {
    static compression = 8;
    ondata: UnzipDecoder['ondata'] = () => undefined;
    private chunks: Uint8Array[] = [];
    private held = 0;
    private done = false;
    push(chunk: Uint8Array, final: boolean): void {
      if (this.done) return;
      // fflate may hand us views of buffers it reuses: keep copies.
      if (chunk.length > 0) this.chunks.push(chunk.slice());
      this.held += chunk.length;
      if (this.held > maxBytes) return this.fail(new MemberTooLarge(`compressed data over ${maxBytes} bytes`));
      if (!final) return;
      this.done = true;
      let out: Buffer;
      try {
        out = inflateRawSync(Buffer.concat(this.chunks), { maxOutputLength: maxBytes + 1 });
      } catch (e) {
        const tooLarge = (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE' || e instanceof RangeError;
        return this.fail(tooLarge ? new MemberTooLarge(`inflates to more than ${maxBytes} bytes`) : (e as Error));
      }
      this.chunks = [];
      this.ondata(null, out as Uint8Array<ArrayBuffer>, true);
    }
    private fail(e: Error): void {
      this.done = true;
      this.chunks = [];
      this.ondata(e as FlateError, null as unknown as Uint8Array<ArrayBuffer>, true);
    }
  };
}

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

/**
 * Yields the members `want` accepts (by name), inflated, in archive order. Directories are
 * skipped; other members are inflated and dropped (they still count against the caps).
 */
export async function* readZipMembers(path: string, want: (name: string) => boolean, limits: ZipLimits): AsyncGenerator<ZipMember> {
  const expected = await zipEntryCount(path);
  const ready: ZipMember[] = [];
  const open = new Set<string>();
  let failure: VulnDbError | undefined;
  let total = 0;
  let seen = 0;
  const fail = (e: VulnDbError) => {
    failure ??= e;
  };

  const unzip = new Unzip((file: UnzipFile) => {
    seen++;
    if (file.name.endsWith('/')) return;
    const keep = want(file.name);
    const chunks: Uint8Array[] = [];
    let size = 0;
    open.add(file.name);
    file.ondata = (err, data, final) => {
      if (failure) return;
      if (err instanceof MemberTooLarge) return fail(new VulnDbError('IMPORT_TOO_LARGE', `member ${file.name} ${err.message}`, { input: path }));
      if (err) return fail(new VulnDbError('IMPORT_INVALID_ZIP', `member ${file.name} cannot be inflated: ${err.message}`, { input: path, cause: err }));
      size += data.length;
      total += data.length;
      if (total > limits.maxTotalBytes) return fail(new VulnDbError('IMPORT_TOO_LARGE', `inflates to more than ${limits.maxTotalBytes} bytes (at member ${file.name})`, { input: path }));
      if (size > limits.maxMemberBytes) return fail(new VulnDbError('IMPORT_TOO_LARGE', `member ${file.name} inflates to more than ${limits.maxMemberBytes} bytes`, { input: path }));
      if (keep && data.length > 0) chunks.push(data);
      if (final) {
        open.delete(file.name);
        if (keep) ready.push({ name: file.name, data: concat(chunks, size) });
      }
    };
    try {
      file.start();
    } catch (e) {
      fail(new VulnDbError('IMPORT_INVALID_ZIP', `member ${file.name}: ${(e as Error).message}`, { input: path, cause: e }));
    }
  });
  unzip.register(nativeInflate(limits.maxMemberBytes));

  const push = (chunk: Uint8Array, final: boolean) => {
    try {
      unzip.push(chunk, final);
    } catch (e) {
      fail(new VulnDbError('IMPORT_INVALID_ZIP', `is corrupt: ${(e as Error).message}`, { input: path, cause: e }));
    }
  };

  const stream = createReadStream(path, { highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      // fflate's push recurses once per member in the chunk: feed it small slices, so an
      // archive of many tiny members cannot overflow the stack.
      for (let off = 0; off < chunk.length && !failure; off += PUSH_SLICE) push(chunk.subarray(off, off + PUSH_SLICE), false);
      if (failure) throw failure;
      while (ready.length > 0) yield ready.shift() as ZipMember;
    }
    push(new Uint8Array(0), true);
    if (failure) throw failure;
    while (ready.length > 0) yield ready.shift() as ZipMember;
  } finally {
    stream.destroy();
  }
  if (open.size > 0) throw new VulnDbError('IMPORT_INVALID_ZIP', `is truncated or corrupt: member ${[...open][0]} ends early`, { input: path });
  // Some writers (fflate's among them) store more than 65535 entries without zip64, so the
  // 16-bit count wraps; accept that, and nothing else.
  if (seen !== expected && !(seen > 0xffff && expected <= 0xffff && seen % 0x10000 === expected)) {
    throw new VulnDbError('IMPORT_INVALID_ZIP', `is corrupt: its directory lists ${expected} entries, but ${seen} were found`, { input: path });
  }
}
