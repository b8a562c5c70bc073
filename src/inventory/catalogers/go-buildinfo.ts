// Go build information, as embedded by the Go linker in the `.go.buildinfo` section of
// every module-aware binary: a 32-byte header starting with the magic below, then (Go
// 1.18+, flag bit 2) the Go version and the module info as two varint-prefixed strings.
// Layout from Go's src/debug/buildinfo/buildinfo.go; the format is stable since 1.18.
import type { ChunkReducer } from '../../layers/types.js';
import { InventoryError } from '../types.js';

export const BUILDINFO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
const HEADER_BYTES = 32;
const FLAG_VERSION_INLINE = 0x2;
const FLAG_BIG_ENDIAN = 0x1;

/** Bytes kept after the magic: the largest modinfo seen in practice is ~40 KiB (terraform providers). */
export const BUILDINFO_KEEP_BYTES = 64 * 1024;

// Modinfo is wrapped in these 16-byte sentinels (cmd/go/internal/modload).
const MODINFO_SENTINEL_BYTES = 16;

/** True when a header found at `h` can be real build info, not a copy of the magic string in rodata. */
function plausibleHeader(h: Buffer): boolean {
  const ptrSize = h[BUILDINFO_MAGIC.length];
  const flags = h[BUILDINFO_MAGIC.length + 1];
  return (ptrSize === 4 || ptrSize === 8) && (flags & ~(FLAG_VERSION_INLINE | FLAG_BIG_ENDIAN)) === 0;
}

/**
 * A streaming reducer: scans the file for the build-info magic (also across chunk
 * boundaries) and keeps only the `keep` bytes from the magic on, so a huge non-Go
 * executable is never buffered. A magic whose 32-byte header is implausible (the magic
 * as a string constant in a binary that links debug/buildinfo) is skipped and the scan
 * goes on. `end()` returns null when no plausible header was seen.
 */
export function createBuildInfoReducer(keep = BUILDINFO_KEEP_BYTES): ChunkReducer {
  const overlap = BUILDINFO_MAGIC.length - 1;
  // While searching: the last bytes of the stream, either `overlap` bytes that may begin
  // a magic, or a found magic whose header is not complete yet (< 32 bytes).
  let tail: Buffer = Buffer.alloc(0);
  const kept: Buffer[] = [];
  let keptLen = 0;
  let state: 'search' | 'collect' | 'done' = 'search';

  function collect(chunk: Buffer): void {
    const take = chunk.subarray(0, keep - keptLen);
    kept.push(Buffer.from(take)); // copy: the caller may reuse its chunk buffer
    keptLen += take.length;
    if (keptLen >= keep) state = 'done';
  }

  function search(chunk: Buffer): void {
    const buf = tail.length > 0 ? Buffer.concat([tail, chunk]) : chunk;
    let from = 0;
    for (;;) {
      const i = buf.indexOf(BUILDINFO_MAGIC, from);
      if (i < 0) {
        // The magic cannot overlap itself (0xff occurs only at its start), so keeping
        // the last `overlap` bytes is enough to find one split across chunks.
        tail = Buffer.from(buf.subarray(Math.max(0, buf.length - overlap)));
        return;
      }
      if (buf.length - i < HEADER_BYTES) {
        tail = Buffer.from(buf.subarray(i));
        return;
      }
      if (plausibleHeader(buf.subarray(i, i + HEADER_BYTES))) {
        tail = Buffer.alloc(0);
        state = 'collect';
        collect(buf.subarray(i));
        return;
      }
      from = i + 1;
    }
  }

  return {
    push(chunk: Buffer): void {
      if (state === 'search') search(chunk);
      else if (state === 'collect') collect(chunk);
    },
    end(): Buffer | null {
      return state === 'search' ? null : Buffer.concat(kept);
    },
  };
}

/** Go's unsigned varint (encoding/binary.Uvarint). Undefined when truncated or over 64 bits. */
export function readUvarint(buf: Buffer, offset: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    const p = offset + i;
    if (p >= buf.length) return undefined;
    const b = buf[p];
    if (i === 9 && b > 1) return undefined; // overflows 64 bits
    value += (b & 0x7f) * scale;
    if (b < 0x80) {
      // Lengths above 2^53 cannot index a Buffer anyway: treat them as corrupt.
      return Number.isSafeInteger(value) ? { value, next: p + 1 } : undefined;
    }
    scale *= 128;
  }
  return undefined;
}

export interface GoModule {
  path: string;
  version: string;
  /** go.sum hash (`h1:…`), when recorded. */
  sum?: string;
  /** A `=>` replacement of this module. */
  replace?: GoModule;
}

export interface GoBuildInfo {
  /** Toolchain version as recorded: `go1.22.4`, possibly with suffixes (`go1.20 X:boringcrypto`). */
  goVersion: string;
  /** Main package path (`path` line). */
  path?: string;
  /** Main module (`mod` line); absent for GOPATH-mode builds. */
  main?: GoModule;
  deps: GoModule[];
  /** `build` settings in order: `-compiler`, `GOOS`, `GOARCH`, `vcs.revision`, … */
  settings: Array<[string, string]>;
}

function parseModuleFields(fields: string[], line: string): GoModule {
  if (fields.length < 2 || !fields[1]) {
    throw new InventoryError('PARSE_ERROR', `malformed module line in Go build info: ${JSON.stringify(line.slice(0, 200))}`);
  }
  const m: GoModule = { path: fields[1], version: fields[2] ?? '' };
  if (fields[3]) m.sum = fields[3];
  return m;
}

/** Parses the module-info text (sentinels already removed), as `debug.ParseBuildInfo` does. */
export function parseModInfo(text: string): Omit<GoBuildInfo, 'goVersion'> {
  const info: Omit<GoBuildInfo, 'goVersion'> = { deps: [], settings: [] };
  let last: GoModule | undefined; // the module a `=>` line replaces
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const fields = line.split('\t');
    switch (fields[0]) {
      case 'path':
        info.path = fields[1];
        last = undefined;
        break;
      case 'mod':
        info.main = parseModuleFields(fields, line);
        last = info.main;
        break;
      case 'dep':
        last = parseModuleFields(fields, line);
        info.deps.push(last);
        break;
      case '=>':
        if (!last) throw new InventoryError('PARSE_ERROR', 'replacement line without a module in Go build info');
        last.replace = parseModuleFields(fields, line);
        last = undefined;
        break;
      case 'build': {
        const kv = fields.slice(1).join('\t');
        const eq = kv.indexOf('=');
        if (eq > 0) info.settings.push([kv.slice(0, eq), kv.slice(eq + 1)]);
        break;
      }
      default:
        // Unknown line kinds are skipped, so newer toolchains still yield what we know.
        break;
    }
  }
  return info;
}

/**
 * Parses build info from bytes starting at the magic (what the reducer keeps). Throws
 * InventoryError UNSUPPORTED for pre-1.18 binaries (their header holds pointers into the
 * data segment, which we do not keep) and PARSE_ERROR for corrupt or truncated data.
 */
export function parseBuildInfo(data: Buffer): GoBuildInfo {
  if (data.length < HEADER_BYTES || !data.subarray(0, BUILDINFO_MAGIC.length).equals(BUILDINFO_MAGIC)) {
    throw new InventoryError('PARSE_ERROR', 'no Go build info header');
  }
  if (!plausibleHeader(data)) throw new InventoryError('PARSE_ERROR', 'implausible Go build info header');
  const flags = data[BUILDINFO_MAGIC.length + 1];
  if ((flags & FLAG_VERSION_INLINE) === 0) {
    throw new InventoryError('UNSUPPORTED', 'unsupported old Go binary (pre-1.18 build info format)');
  }
  const readBytes = (offset: number, what: string): { b: Buffer; next: number } => {
    const n = readUvarint(data, offset);
    if (!n) throw new InventoryError('PARSE_ERROR', `truncated or corrupt length of the ${what} in Go build info`);
    if (n.next + n.value > data.length) {
      throw new InventoryError('PARSE_ERROR', `${what} in Go build info is truncated (${n.value} bytes declared, ${data.length - n.next} kept)`);
    }
    return { b: data.subarray(n.next, n.next + n.value), next: n.next + n.value };
  };
  const version = readBytes(HEADER_BYTES, 'Go version');
  let mod = readBytes(version.next, 'module info').b;
  // Strip the sentinels as Go does: only when long enough and the byte before the
  // trailing sentinel is the final newline.
  if (mod.length >= 2 * MODINFO_SENTINEL_BYTES + 1 && mod[mod.length - MODINFO_SENTINEL_BYTES - 1] === 0x0a) {
    mod = mod.subarray(MODINFO_SENTINEL_BYTES, mod.length - MODINFO_SENTINEL_BYTES);
  }
  return { goVersion: version.b.toString('utf8'), ...parseModInfo(mod.toString('utf8')) };
}
