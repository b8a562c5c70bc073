// Per-layer cache of what the wanters kept, so a rescan of a known image opens no layer.
// File format (v1): "PCLAYER1" | u32 BE header length | JSON header | raw data | sha256 of
// everything before it. Buffers are stored once each, raw (no base64), and referenced by
// offset. Files are written to a temp name in the same directory and renamed into place.
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { LayerInfo } from '../oci/types.js';
import { sha256Hex } from '../util/digest.js';
import { compareStrings } from '../util/sort.js';
import type { ReadContents } from './contents.js';
import type { FileWanter, LayerContents } from './types.js';
import type { KeptFile } from './want.js';

const MAGIC = Buffer.from('PCLAYER1');
const SUM = 32;

/** The cache key: layer identity, what the wanters keep (id@version), and the size cap. */
export function cacheKey(layer: LayerInfo, wanters: readonly FileWanter[], maxFileBytes: number): string | null {
  const id = layer.diffId || layer.digest;
  if (!id) return null;
  const ws = wanters.map((w) => `${w.id}@${w.version}`).sort(compareStrings);
  return sha256Hex(['portcullis-layer-cache-v1', id, String(maxFileBytes), ...ws].join('\n'));
}

export function cacheFile(cacheDir: string, key: string): string {
  return join(cacheDir, 'layers', 'v1', `${key}.bin`);
}

type Ref = [offset: number, length: number];
interface Header {
  key: string;
  files: Array<[path: string, mode: number, size: number, wantedBy: string[], data: Ref, byWanter: Array<[string, ...Ref]>]>;
  whiteouts: string[];
  opaqueDirs: string[];
  symlinks: Array<[string, string]>;
  hardlinks: Array<[string, string]>;
  hardlinkWantedBy: Array<[string, string[]]>;
  replaced: string[];
  warnings: string[];
}

/** Serializes layer contents; exported for tests. */
export function encodeContents(key: string, c: LayerContents): Buffer {
  const rc = c as ReadContents;
  const blobs: Buffer[] = [];
  const offsets = new Map<Buffer, Ref>();
  let at = 0;
  const ref = (b: Buffer): Ref => {
    let r = offsets.get(b);
    if (!r) {
      r = [at, b.length];
      offsets.set(b, r);
      blobs.push(b);
      at += b.length;
    }
    return r;
  };
  const header: Header = {
    key,
    files: [...rc.files].map(([p, f]: [string, KeptFile]) => [p, f.mode, f.size, f.wantedBy, ref(f.data), [...(f.byWanter ?? [])].map(([id, b]) => [id, ...ref(b)] as [string, ...Ref])]),
    whiteouts: c.whiteouts,
    opaqueDirs: c.opaqueDirs,
    symlinks: [...c.symlinks],
    hardlinks: [...c.hardlinks],
    hardlinkWantedBy: [...(rc.hardlinkWantedBy ?? [])],
    replaced: rc.replaced ?? [],
    warnings: c.warnings,
  };
  const json = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(4);
  len.writeUInt32BE(json.length);
  const body = Buffer.concat([MAGIC, len, json, ...blobs]);
  return Buffer.concat([body, Buffer.from(sha256Hex(body), 'hex')]);
}

class CorruptCache extends Error {}

function check(ok: boolean, what: string): asserts ok {
  if (!ok) throw new CorruptCache(what);
}

const isStr = (x: unknown): x is string => typeof x === 'string';
const isStrs = (x: unknown): x is string[] => Array.isArray(x) && x.every(isStr);
const isPairs = (x: unknown): x is Array<[string, string]> => Array.isArray(x) && x.every((p) => Array.isArray(p) && p.length === 2 && isStr(p[0]) && isStr(p[1]));

/** Parses a cache file; throws (a plain Error) when it is truncated, corrupt or for another key. */
export function decodeContents(buf: Buffer, key: string, layer: LayerInfo): LayerContents {
  check(buf.length >= MAGIC.length + 4 + SUM && buf.subarray(0, MAGIC.length).equals(MAGIC), 'bad magic or too short');
  const body = buf.subarray(0, buf.length - SUM);
  check(sha256Hex(body) === buf.subarray(buf.length - SUM).toString('hex'), 'checksum mismatch');
  const hlen = body.readUInt32BE(MAGIC.length);
  const dataStart = MAGIC.length + 4 + hlen;
  check(dataStart <= body.length, 'header overruns file');
  const h = JSON.parse(body.subarray(MAGIC.length + 4, dataStart).toString('utf8')) as Header;
  check(typeof h === 'object' && h !== null && h.key === key, 'written for another key');
  const data = body.subarray(dataStart);
  const slice = (r: unknown): Buffer => {
    check(Array.isArray(r) && r.length === 2 && Number.isInteger(r[0]) && Number.isInteger(r[1]) && r[0] >= 0 && r[1] >= 0 && r[0] + r[1] <= data.length, 'bad data reference');
    return data.subarray(r[0] as number, (r[0] as number) + (r[1] as number));
  };
  check(Array.isArray(h.files), 'files');
  const files = new Map<string, KeptFile>();
  for (const f of h.files) {
    check(Array.isArray(f) && f.length === 6 && isStr(f[0]) && Number.isInteger(f[1]) && Number.isInteger(f[2]) && isStrs(f[3]) && Array.isArray(f[5]), 'file entry');
    const kept: KeptFile = { data: slice(f[4]), mode: f[1], size: f[2], wantedBy: f[3] };
    if (f[5].length) {
      kept.byWanter = new Map();
      for (const b of f[5]) {
        check(Array.isArray(b) && b.length === 3 && isStr(b[0]), 'byWanter entry');
        kept.byWanter.set(b[0], slice([b[1], b[2]]));
      }
    }
    files.set(f[0], kept);
  }
  check(isStrs(h.whiteouts) && isStrs(h.opaqueDirs) && isStrs(h.replaced) && isStrs(h.warnings), 'path lists');
  check(isPairs(h.symlinks) && isPairs(h.hardlinks), 'links');
  check(Array.isArray(h.hardlinkWantedBy) && h.hardlinkWantedBy.every((p) => Array.isArray(p) && p.length === 2 && isStr(p[0]) && isStrs(p[1])), 'hard link wanters');
  const out: ReadContents = {
    // The layer as this image names it: the same blob can sit at another index elsewhere.
    layer,
    files,
    whiteouts: h.whiteouts,
    opaqueDirs: h.opaqueDirs,
    symlinks: new Map(h.symlinks),
    hardlinks: new Map(h.hardlinks),
    warnings: h.warnings,
    replaced: h.replaced,
    hardlinkWantedBy: new Map(h.hardlinkWantedBy),
  };
  return out;
}

/** A cached layer, or undefined on a miss; a damaged entry is a miss plus a warning. */
export async function readCachedLayer(cacheDir: string, key: string, layer: LayerInfo, warn: (m: string) => void): Promise<LayerContents | undefined> {
  const file = cacheFile(cacheDir, key);
  let buf: Buffer;
  try {
    buf = await fsp.readFile(file);
  } catch (e) {
    if ((e as { code?: string }).code !== 'ENOENT') warn(`${file}: cannot read layer cache (${(e as Error).message}), reading the layer`);
    return undefined;
  }
  try {
    return decodeContents(buf, key, layer);
  } catch (e) {
    warn(`${file}: ignored corrupt layer cache (${(e as Error).message}), reading the layer`);
    return undefined;
  }
}

/** Writes a cache entry atomically; a failure is a warning, never an error. */
export async function writeCachedLayer(cacheDir: string, key: string, contents: LayerContents, warn: (m: string) => void): Promise<void> {
  const file = cacheFile(cacheDir, key);
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fsp.mkdir(join(cacheDir, 'layers', 'v1'), { recursive: true });
    await fsp.writeFile(tmp, encodeContents(key, contents), { flag: 'wx' });
    await fsp.rename(tmp, file);
  } catch (e) {
    warn(`${file}: cannot write layer cache (${(e as Error).message})`);
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
  }
}
