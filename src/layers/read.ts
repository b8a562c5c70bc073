// Streams one layer exactly once: sniff the compression, inflate, walk the tar with
// tar-stream, and keep only what the wanters asked for. Every failure rejects the
// promise and destroys every stream in the chain, so nothing hangs or leaks.
import { createHash, type Hash } from 'node:crypto';
import type { Duplex, Readable } from 'node:stream';
import { extract as tarExtract, type Extract, type ExtractEvents, type Header } from 'tar-stream';
import type { LayerInfo } from '../oci/types.js';
import { compareStrings } from '../util/sort.js';
import { emptyContents, layerLabel, type ReadContents } from './contents.js';
import { compressionOf, createInflater, sniffCompression, toGzipError, type Compression } from './decompress.js';
import { normalizeEntryPath, parentOf } from './paths.js';
import { LayerError, type FileWanter, type LayerContents, type ReadOptions } from './types.js';
import { DEFAULT_MAX_FILE_BYTES, planFile, type KeptFile } from './want.js';

export const DEFAULT_MAX_LAYER_BYTES = 16 * 1024 ** 3;

const OPAQUE = '.wh..wh..opq';
const WH = '.wh.';

/** An entry's data stream (a streamx Readable). */
type EntryStream = ExtractEvents['entry'][1];

/**
 * Reads one layer blob (as stored: compressed or not) and returns what the wanters kept,
 * plus whiteouts and links. Rejects with a LayerError for bad input; errors of `stream`
 * itself (e.g. OciError DIGEST_MISMATCH) are passed on unchanged.
 */
export function readLayer(stream: Readable, layer: LayerInfo, wanters: FileWanter[], opts: ReadOptions = {}): Promise<LayerContents> {
  let declared: Compression;
  try {
    declared = compressionOf(layer.mediaType, layerLabel(layer));
  } catch (e) {
    stream.destroy();
    return Promise.reject(e);
  }
  return new Promise<LayerContents>((resolve, reject) => {
    new LayerReader(stream, layer, wanters, opts, declared, resolve, reject).start();
  });
}

class LayerReader {
  private readonly input: string;
  private readonly maxLayerBytes: number;
  private readonly maxFileBytes: number;
  private readonly out: ReadContents;
  private readonly whiteouts = new Set<string>();
  private readonly opaque = new Set<string>();
  private readonly replaced = new Set<string>();
  /** Size and mode of regular files seen in this layer, for hard-link candidates. */
  private readonly seen = new Map<string, { size: number; mode: number }>();
  private readonly extract: Extract;
  private inflater: Duplex | null = null;
  private hash: Hash | null = null;
  private head: Buffer[] = [];
  private headLen = 0;
  private sniffed = false;
  private total = 0;
  private entries = 0;
  /** Where the data of the last entry ends (512-byte aligned): a tar must go on past it. */
  private lastEnd = 0;
  private settled = false;

  constructor(
    private readonly src: Readable,
    private readonly layer: LayerInfo,
    private readonly wanters: FileWanter[],
    opts: ReadOptions,
    private readonly declared: Compression,
    private readonly resolve: (c: LayerContents) => void,
    private readonly reject: (e: unknown) => void,
  ) {
    this.input = layerLabel(layer);
    this.maxLayerBytes = opts.maxLayerBytes ?? DEFAULT_MAX_LAYER_BYTES;
    this.maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.out = emptyContents(layer);
    this.extract = tarExtract();
    // The diffId is checked when it is a distinct sha256 (for plain tars the source
    // already verified the same digest); this also keeps a forged diffId out of the cache.
    if (layer.diffId.startsWith('sha256:') && layer.diffId !== layer.digest) this.hash = createHash('sha256');
  }

  start(): void {
    const { src, extract } = this;
    src.on('error', (e) => this.fail(e));
    src.on('close', () => {
      if (!src.readableEnded) this.fail(new LayerError('LAYER_TRUNCATED', 'layer stream closed before its end', { input: this.input }));
    });
    src.on('data', (c: Buffer) => this.onSource(c));
    src.on('end', () => this.onSourceEnd());
    extract.on('entry', (h, s, next) => this.onEntry(h, s, next));
    extract.on('error', (e: Error) => this.fail(this.tarError(e)));
    extract.on('drain', () => (this.inflater ?? src).resume());
    extract.on('finish', () => this.finish());
  }

  private fail(e: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.src.destroy();
    this.inflater?.destroy();
    this.extract.destroy();
    this.reject(e);
  }

  private warn(msg: string): void {
    this.out.warnings.push(`${this.input}: ${msg}`);
  }

  // --- bytes in ---------------------------------------------------------------

  private onSource(c: Buffer): void {
    if (this.settled) return;
    if (!this.sniffed) {
      this.head.push(c);
      this.headLen += c.length;
      if (this.headLen < 4) return;
      c = Buffer.concat(this.head);
      this.head = [];
      this.setup(c);
    }
    const ok = this.inflater ? this.inflater.write(c) : this.feedTar(c);
    if (!ok) this.src.pause();
  }

  private onSourceEnd(): void {
    if (this.settled) return;
    if (!this.sniffed) {
      const c = Buffer.concat(this.head);
      this.head = [];
      this.setup(c);
      if (c.length) {
        if (this.inflater) this.inflater.write(c);
        else this.feedTar(c);
      }
    }
    if (this.inflater) this.inflater.end();
    else this.extract.end(undefined);
  }

  private setup(head: Buffer): void {
    this.sniffed = true;
    const actual = sniffCompression(head);
    if (actual !== this.declared && head.length > 0) {
      // Peers (containers/image, containerd) trust the bytes: docker-archive layer.tar
      // files are sometimes compressed despite their name. Say so, and read what is there.
      this.warn(`media type ${this.layer.mediaType} says ${this.declared} but the data is ${actual === 'none' ? 'uncompressed' : actual}`);
    }
    const inf = createInflater(actual, this.maxLayerBytes, this.input);
    if (!inf) return;
    this.inflater = inf;
    inf.on('error', (e) => this.fail(actual === 'gzip' ? toGzipError(e, this.input) : e));
    inf.on('data', (c: Buffer) => {
      if (!this.feedTar(c)) inf.pause();
    });
    inf.on('drain', () => this.src.resume());
    inf.on('end', () => {
      if (!this.settled) this.extract.end(undefined);
    });
  }

  /** Counts and hashes inflated bytes, then hands them to the tar parser. */
  private feedTar(c: Buffer): boolean {
    if (this.settled) return true;
    this.total += c.length;
    if (this.total > this.maxLayerBytes) {
      this.fail(new LayerError('LAYER_TOO_LARGE', `layer inflates to more than ${this.maxLayerBytes} bytes`, { input: this.input }));
      return true;
    }
    this.hash?.update(c);
    return this.extract.write(c);
  }

  private tarError(e: Error): unknown {
    if (e instanceof LayerError || this.settled) return e;
    if (/unexpected end of data/i.test(e.message)) {
      if (this.entries === 0) return new LayerError('LAYER_CORRUPT', 'not a tar archive', { input: this.input, cause: e });
      return new LayerError('LAYER_TRUNCATED', 'tar stream ends inside an entry', { input: this.input, cause: e });
    }
    return new LayerError('LAYER_CORRUPT', `invalid tar data (${e.message})`, { input: this.input, cause: e });
  }

  // --- entries ------------------------------------------------------------------

  private onEntry(h: Header, s: EntryStream, next: (err?: Error | null) => void): void {
    // tar-stream destroys the current entry with the parser's error; the parser's own
    // 'error' listener reports it, so the entry's copy must not go unhandled.
    s.on('error', noop);
    if (this.settled) {
      s.resume();
      return;
    }
    this.entries++;
    const offset = (h as Header & { byteOffset?: number }).byteOffset;
    if (typeof offset === 'number') this.lastEnd = offset + Math.ceil(h.size / 512) * 512;
    try {
      this.entry(h, s, next);
    } catch (e) {
      s.resume();
      this.fail(e);
    }
  }

  private unsafe(name: string): LayerError {
    return new LayerError('UNSAFE_PATH', `tar entry ${JSON.stringify(name)} escapes the image root`, { input: this.input });
  }

  private entry(h: Header, s: EntryStream, next: () => void): void {
    const p = normalizeEntryPath(h.name);
    if (p === null) throw this.unsafe(h.name);
    if (h.type === 'directory') return drain(s, next);
    if (p === '') throw this.unsafe(h.name);
    const mode = h.mode & 0o7777;
    switch (h.type) {
      case 'file':
      case 'contiguous-file': {
        const slash = p.lastIndexOf('/');
        const base = p.slice(slash + 1);
        if (base.startsWith(WH)) {
          this.whiteout(p, base);
          return drain(s, next);
        }
        this.clear(p);
        this.seen.set(p, { size: h.size, mode });
        const sink = planFile({ path: p, size: h.size, mode }, this.wanters, this.maxFileBytes, (m) => this.warn(m));
        if (!sink) {
          this.replaced.add(p);
          return drain(s, next);
        }
        s.on('data', (c) => sink.push(c as Buffer));
        s.on('end', () => {
          if (this.settled) return;
          let kept: KeptFile | null;
          try {
            kept = sink.finish();
          } catch (e) {
            this.fail(e);
            return;
          }
          if (kept) this.out.files.set(p, kept);
          else this.replaced.add(p);
          next();
        });
        return;
      }
      case 'symlink':
        this.clear(p);
        this.out.symlinks.set(p, h.linkname ?? '');
        return drain(s, next);
      case 'link': {
        const t = normalizeEntryPath(h.linkname ?? '');
        if (t === null || t === '') throw this.unsafe(h.linkname ?? '');
        this.clear(p);
        const target = this.seen.get(t);
        const c = { path: p, size: target?.size ?? 0, mode: target?.mode ?? mode };
        const ids = this.wanters.filter((w) => w.want(c)).map((w) => w.id);
        if (ids.length) {
          this.out.hardlinks.set(p, t);
          this.out.hardlinkWantedBy?.set(p, ids.sort(compareStrings));
        } else this.replaced.add(p);
        return drain(s, next);
      }
      default:
        // Devices and fifos replace what was below; they are never wanted.
        this.clear(p);
        this.replaced.add(p);
        return drain(s, next);
    }
  }

  private whiteout(p: string, base: string): void {
    const dir = parentOf(p);
    if (base === OPAQUE) this.opaque.add(dir);
    else if (base.startsWith(WH + WH)) return; // other AUFS metadata (.wh..wh.plnk …): not a deletion
    else {
      const name = base.slice(WH.length);
      if (name === '' || name === '.' || name === '..') this.warn(`ignored malformed whiteout ${JSON.stringify(p)}`);
      else this.whiteouts.add(dir ? `${dir}/${name}` : name);
    }
  }

  /** A later entry for the same path within a layer replaces the earlier one. */
  private clear(p: string): void {
    this.out.files.delete(p);
    this.out.symlinks.delete(p);
    this.out.hardlinks.delete(p);
    this.out.hardlinkWantedBy?.delete(p);
    this.replaced.delete(p);
  }

  private finish(): void {
    if (this.settled) return;
    if (this.entries > 0 && this.total === this.lastEnd) {
      this.fail(new LayerError('LAYER_TRUNCATED', 'tar stream ends without its end-of-archive blocks', { input: this.input }));
      return;
    }
    if (this.hash) {
      const got = 'sha256:' + this.hash.digest('hex');
      if (got !== this.layer.diffId) {
        this.fail(new LayerError('LAYER_CORRUPT', `uncompressed content hashes to ${got}, not the diffId ${this.layer.diffId}`, { input: this.input }));
        return;
      }
    }
    this.settled = true;
    const o = this.out;
    const sortMap = <V>(m: Map<string, V>): Map<string, V> => new Map([...m].sort((a, b) => compareStrings(a[0], b[0])));
    const sorted = (s: Set<string>): string[] => [...s].sort(compareStrings);
    const result: ReadContents = {
      layer: this.layer,
      files: sortMap(o.files),
      whiteouts: sorted(this.whiteouts),
      opaqueDirs: sorted(this.opaque),
      symlinks: sortMap(o.symlinks),
      hardlinks: sortMap(o.hardlinks),
      warnings: o.warnings,
      replaced: sorted(this.replaced),
      hardlinkWantedBy: sortMap(o.hardlinkWantedBy ?? new Map()),
    };
    this.resolve(result);
  }
}

function noop(): void {}

function drain(s: EntryStream, next: () => void): void {
  s.on('end', next);
  s.resume();
}
