// Layer decompression: media types, magic-byte sniffing, and a zstd inflater with the
// guards a hostile stream needs (fzstd allocates whatever window a frame header asks for,
// and one small input chunk of RLE blocks can expand a thousandfold).
import { Duplex, type Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { Decompress } from 'fzstd';
import { LayerError } from './types.js';

export type Compression = 'gzip' | 'zstd' | 'none';

const LAYER_MEDIA_TYPES: Record<string, Compression> = {
  'application/vnd.oci.image.layer.v1.tar': 'none',
  'application/vnd.oci.image.layer.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd': 'zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar': 'none',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip': 'gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd': 'zstd',
  'application/vnd.docker.image.rootfs.diff.tar': 'none',
  'application/vnd.docker.image.rootfs.diff.tar.gzip': 'gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip': 'gzip',
  // containerd's name for zstd layers in Docker-typed manifests.
  'application/vnd.docker.image.rootfs.diff.tar.zstd': 'zstd',
};

/** The compression a layer media type declares; throws UNSUPPORTED_MEDIA_TYPE for non-layers. */
export function compressionOf(mediaType: string, input: string): Compression {
  const c = LAYER_MEDIA_TYPES[mediaType];
  if (c === undefined) {
    throw new LayerError('UNSUPPORTED_MEDIA_TYPE', `unsupported layer media type ${JSON.stringify(mediaType)}`, { input });
  }
  return c;
}

/** Compression by magic bytes; needs the first 4 bytes (fewer only at end of stream). */
export function sniffCompression(head: Buffer): Compression {
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head.length >= 4 && head.readUInt32LE(0) === 0xfd2fb528) return 'zstd';
  return 'none';
}

/** zstd decoders refuse windows above 128 MiB unless told otherwise (ZSTD_WINDOWLOG_LIMIT_DEFAULT). */
export const ZSTD_MAX_WINDOW = 128 * 1024 * 1024;
const ZSTD_MAX_BLOCK = 128 * 1024;
// Small input slices bound how much one synchronous fzstd call can emit (RLE blocks).
const ZSTD_SLICE = 512;

type GuardState = 'magic' | 'skipSize' | 'fhd' | 'fh' | 'block' | 'skip' | 'checksum';

/**
 * Walks zstd frame and block headers ahead of the decoder, to reject frames whose
 * window or declared content size is too large before fzstd allocates for them, and to
 * tell a truncated stream from a complete one.
 */
export class ZstdFrameGuard {
  private state: GuardState = 'magic';
  private need = 4;
  private hdr: number[] = [];
  private skip = 0;
  private afterSkip: GuardState = 'block';
  private lastBlock = false;
  private checksum = false;

  constructor(
    private readonly maxContent: number,
    private readonly input: string,
  ) {}

  feed(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'skip') {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        if (this.skip === 0) this.state = this.afterSkip;
        continue;
      }
      const n = Math.min(this.need - this.hdr.length, chunk.length - i);
      for (let k = 0; k < n; k++) this.hdr.push(chunk[i + k]);
      i += n;
      if (this.hdr.length === this.need) this.step();
    }
  }

  /** Throws LAYER_TRUNCATED unless the stream ended between frames. */
  end(): void {
    if (this.state !== 'magic' || this.hdr.length !== 0) {
      throw new LayerError('LAYER_TRUNCATED', 'zstd stream ends inside a frame', { input: this.input });
    }
  }

  private expect(state: GuardState, need: number): void {
    this.state = state;
    this.need = need;
    this.hdr = [];
  }

  private skipThen(n: number, then: GuardState, need: number): void {
    this.hdr = [];
    if (n === 0) {
      this.expect(then, need);
      return;
    }
    this.state = 'skip';
    this.skip = n;
    this.afterSkip = then;
    this.need = need;
  }

  private step(): void {
    const h = this.hdr;
    switch (this.state) {
      case 'magic': {
        const m = (h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0;
        if (m === 0xfd2fb528) this.expect('fhd', 1);
        else if ((m & 0xfffffff0) >>> 0 === 0x184d2a50) this.expect('skipSize', 4);
        else throw new LayerError('LAYER_CORRUPT', 'bad zstd frame magic', { input: this.input });
        return;
      }
      case 'skipSize':
        this.skipThen((h[0] | (h[1] << 8) | (h[2] << 16) | (h[3] << 24)) >>> 0, 'magic', 4);
        return;
      case 'fhd': {
        const d = h[0];
        if (d & 0x08) throw new LayerError('LAYER_CORRUPT', 'zstd frame header has the reserved bit set', { input: this.input });
        const ss = (d >> 5) & 1;
        const fcsFlag = d >> 6;
        const dictBytes = [0, 1, 2, 4][d & 3];
        const fcsBytes = fcsFlag === 0 ? ss : 1 << fcsFlag;
        this.checksum = ((d >> 2) & 1) === 1;
        this.expect('fh', 1 + (ss ? 0 : 1) + dictBytes + fcsBytes);
        this.hdr = [d];
        return;
      }
      case 'fh': {
        this.checkFrameHeader(h);
        this.lastBlock = false;
        this.expect('block', 3);
        return;
      }
      case 'block': {
        const v = h[0] | (h[1] << 8) | (h[2] << 16);
        this.lastBlock = (v & 1) === 1;
        const type = (v >> 1) & 3;
        const size = v >>> 3;
        if (type === 3 || size > ZSTD_MAX_BLOCK) throw new LayerError('LAYER_CORRUPT', 'invalid zstd block header', { input: this.input });
        const body = type === 1 ? 1 : size;
        if (this.lastBlock) {
          if (this.checksum) this.skipThen(body, 'checksum', 4);
          else this.skipThen(body, 'magic', 4);
        } else this.skipThen(body, 'block', 3);
        return;
      }
      case 'checksum':
        this.expect('magic', 4);
        return;
      default:
        return;
    }
  }

  private checkFrameHeader(h: number[]): void {
    const d = h[0];
    const ss = (d >> 5) & 1;
    const fcsFlag = d >> 6;
    let p = 1;
    let window = 0;
    if (!ss) {
      const wd = h[p++];
      const base = 2 ** (10 + (wd >> 3));
      window = base + (base / 8) * (wd & 7);
    }
    p += [0, 1, 2, 4][d & 3];
    const fcsBytes = fcsFlag === 0 ? ss : 1 << fcsFlag;
    let fcs = -1;
    if (fcsBytes > 0) {
      fcs = 0;
      for (let k = fcsBytes - 1; k >= 0; k--) fcs = fcs * 256 + h[p + k];
      if (fcsBytes === 2) fcs += 256;
    }
    if (ss) window = fcs;
    if (window > ZSTD_MAX_WINDOW) {
      throw new LayerError('LAYER_TOO_LARGE', `zstd frame asks for a ${window}-byte window (limit ${ZSTD_MAX_WINDOW})`, { input: this.input });
    }
    if (fcs > this.maxContent) {
      throw new LayerError('LAYER_TOO_LARGE', `zstd frame declares ${fcs} bytes, over the ${this.maxContent}-byte layer limit`, { input: this.input });
    }
  }
}

/**
 * zstd → tar, honouring backpressure between small input slices. A Duplex rather than a
 * Transform: a Transform parked mid-chunk waits for a _read that Node may never issue
 * (its `reading` flag stays set when a resumed slice yields no output).
 */
class ZstdInflate extends Duplex {
  private readonly guard: ZstdFrameGuard;
  private readonly dec: Decompress;
  private chunk: Buffer | null = null;
  private pos = 0;
  private writeCb: ((err?: Error | null) => void) | null = null;
  private blocked = false;

  constructor(maxContent: number, private readonly input: string) {
    super({ readableHighWaterMark: 1 << 20 });
    this.guard = new ZstdFrameGuard(maxContent, input);
    this.dec = new Decompress((data) => {
      if (data.length > 0 && !this.push(Buffer.from(data.buffer, data.byteOffset, data.length))) this.blocked = true;
    });
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.chunk = chunk;
    this.pos = 0;
    this.writeCb = cb;
    this.pump();
  }

  override _read(): void {
    this.blocked = false;
    this.pump();
  }

  /** Feeds slices until the chunk is used up or the reader is full (then _read resumes). */
  private pump(): void {
    const chunk = this.chunk;
    if (!chunk) return;
    try {
      while (this.pos < chunk.length && !this.blocked) {
        const slice = chunk.subarray(this.pos, this.pos + ZSTD_SLICE);
        this.pos += slice.length;
        this.guard.feed(slice);
        this.dec.push(slice);
      }
    } catch (e) {
      this.finishChunk(toZstdError(e, this.input));
      return;
    }
    if (this.pos >= chunk.length) this.finishChunk(null);
  }

  private finishChunk(err: Error | null): void {
    const cb = this.writeCb;
    this.chunk = null;
    this.writeCb = null;
    cb?.(err);
  }

  override _final(cb: (err?: Error | null) => void): void {
    try {
      this.guard.end();
      this.dec.push(new Uint8Array(0), true);
    } catch (e) {
      cb(toZstdError(e, this.input));
      return;
    }
    this.push(null);
    cb();
  }
}

function toZstdError(e: unknown, input: string): Error {
  if (e instanceof LayerError) return e;
  // fzstd error codes: 5 = unexpected EOF; the rest mean invalid data.
  const code = (e as { code?: unknown }).code;
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 5) return new LayerError('LAYER_TRUNCATED', `zstd stream truncated (${msg})`, { input, cause: e });
  return new LayerError('LAYER_CORRUPT', `invalid zstd data (${msg})`, { input, cause: e });
}

/** A decompressing stream for the sniffed compression, or null for a plain tar. */
export function createInflater(c: Compression, maxLayerBytes: number, input: string): Transform | Duplex | null {
  if (c === 'gzip') return createGunzip({ chunkSize: 64 * 1024 });
  if (c === 'zstd') return new ZstdInflate(maxLayerBytes, input);
  return null;
}

/** Maps a zlib error to a layer error (truncation vs corruption). */
export function toGzipError(e: unknown, input: string): LayerError {
  const code = (e as { code?: unknown }).code;
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'Z_BUF_ERROR') return new LayerError('LAYER_TRUNCATED', `gzip stream truncated (${msg})`, { input, cause: e });
  return new LayerError('LAYER_CORRUPT', `invalid gzip data (${msg})`, { input, cause: e });
}
