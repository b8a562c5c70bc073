// Combines the wanters' answers for one candidate and collects the file's bytes once
// for all of them: whole-file wanters share one buffer, each reducer gets the stream.
import { compareStrings } from '../util/sort.js';
import type { ChunkReducer, FileCandidate, FileWanter } from './types.js';

export const DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024;

/**
 * A kept file as stored per layer. `byWanter` holds the content for wanters whose
 * reducer produced something other than `data` (rare: two catalogers reducing the same
 * executable differently); it is private to this folder and never on a CollectedFile.
 */
export interface KeptFile {
  data: Buffer;
  mode: number;
  size: number;
  wantedBy: string[];
  byWanter?: Map<string, Buffer>;
}

/** Collects one candidate's bytes for the wanters that asked for it. */
export interface FileSink {
  push(chunk: Buffer): void;
  /** The kept file, or null when no wanter ended up with content. */
  finish(): KeptFile | null;
}

/**
 * Asks every wanter about `c` and returns a sink for its bytes, or null when nobody
 * wants it. A reducer has no input cap unless its Want gives `maxBytes` (reducers exist
 * so that huge files need not be buffered); its output is capped at `maxFileBytes`.
 */
export function planFile(c: FileCandidate, wanters: readonly FileWanter[], maxFileBytes: number, warn: (msg: string) => void): FileSink | null {
  const whole: string[] = [];
  const reducers: Array<{ id: string; r: ChunkReducer }> = [];
  for (const w of wanters) {
    const ans = w.want(c);
    if (!ans) continue;
    const cap = ans === true ? maxFileBytes : (ans.maxBytes ?? (ans.reduce ? Infinity : maxFileBytes));
    if (c.size > cap) {
      warn(`${c.path}: ${c.size} bytes exceeds the ${cap}-byte cap of ${w.id}, skipped`);
      continue;
    }
    if (ans !== true && ans.reduce) reducers.push({ id: w.id, r: ans.reduce() });
    else whole.push(w.id);
  }
  if (whole.length === 0 && reducers.length === 0) return null;
  return createSink(c, whole, reducers, maxFileBytes, warn);
}

function createSink(c: FileCandidate, whole: string[], reducers: Array<{ id: string; r: ChunkReducer }>, maxFileBytes: number, warn: (msg: string) => void): FileSink {
  // The declared size is exact for tar entries; a directory walk may see a file grow,
  // so bytes beyond the declared size are dropped rather than trusted.
  const buf = whole.length ? Buffer.allocUnsafe(c.size) : null;
  let filled = 0;
  const live = reducers.slice();
  const failed = (id: string, e: unknown): void => {
    warn(`${c.path}: reducer of ${id} failed (${e instanceof Error ? e.message : String(e)}), skipped`);
    const i = live.findIndex((x) => x.id === id);
    if (i >= 0) live.splice(i, 1);
  };
  return {
    push(chunk) {
      if (buf && filled < buf.length) {
        const n = Math.min(chunk.length, buf.length - filled);
        chunk.copy(buf, filled, 0, n);
        filled += n;
      }
      for (const x of live.slice()) {
        try {
          x.r.push(chunk);
        } catch (e) {
          failed(x.id, e);
        }
      }
    },
    finish() {
      const out = new Map<string, Buffer>();
      let wholeData: Buffer | undefined;
      if (buf) {
        wholeData = filled === buf.length ? buf : buf.subarray(0, filled);
        for (const id of whole) out.set(id, wholeData);
      }
      for (const x of live.slice()) {
        let r: Buffer | null;
        try {
          r = x.r.end();
        } catch (e) {
          failed(x.id, e);
          continue;
        }
        if (r === null) continue;
        if (r.length > maxFileBytes) {
          warn(`${c.path}: reduced output of ${x.id} (${r.length} bytes) exceeds the ${maxFileBytes}-byte cap, skipped`);
          continue;
        }
        out.set(x.id, r);
      }
      return toKept(out, c.mode, c.size, wholeData);
    },
  };
}

/**
 * Builds a KeptFile from per-wanter contents. `data` is the whole file when some wanter
 * asked for it (so lookups see real content), else the first wanter's reduced output.
 */
export function toKept(perWanter: Map<string, Buffer>, mode: number, size: number, whole?: Buffer): KeptFile | null {
  if (perWanter.size === 0) return null;
  const wantedBy = [...perWanter.keys()].sort(compareStrings);
  const data = whole ?? (perWanter.get(wantedBy[0]) as Buffer);
  let byWanter: Map<string, Buffer> | undefined;
  for (const id of wantedBy) {
    const b = perWanter.get(id) as Buffer;
    if (b !== data) (byWanter ??= new Map()).set(id, b);
  }
  return byWanter ? { data, mode, size, wantedBy, byWanter } : { data, mode, size, wantedBy };
}
