// Collects the wanted files of a whole image: each layer from the cache or read once
// (two at a time: gunzip runs on the libuv pool), then squashed in manifest order.
import type { Readable } from 'node:stream';
import type { ImageSource } from '../oci/types.js';
import { cacheKey, readCachedLayer, writeCachedLayer } from './cache.js';
import { readLayer } from './read.js';
import { squash } from './squash.js';
import type { FileTree, FileWanter, LayerContents, ReadOptions } from './types.js';
import { walkDirectory } from './walk.js';
import { DEFAULT_MAX_FILE_BYTES } from './want.js';

export const LAYER_CONCURRENCY = 2;

export async function collectFiles(source: ImageSource, wanters: FileWanter[], opts: ReadOptions = {}): Promise<FileTree> {
  if (source.rootDir !== undefined && source.layers.length === 0) return walkDirectory(source.rootDir, wanters, opts);
  const layers = source.layers;
  const results: LayerContents[] = new Array(layers.length);
  const notes: string[][] = layers.map(() => []);
  const open = new Set<Readable>();
  let failure: { error: unknown } | undefined;
  let next = 0;

  const one = async (i: number): Promise<void> => {
    const layer = layers[i];
    const warn = (m: string): void => void notes[i].push(m);
    const key = opts.cacheDir ? cacheKey(layer, wanters, opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES) : null;
    if (opts.cacheDir && key) {
      const hit = await readCachedLayer(opts.cacheDir, key, layer, warn);
      if (hit) {
        results[i] = hit;
        return;
      }
    }
    opts.onLayerRead?.(layer);
    const stream = await source.openLayer(layer);
    if (failure) {
      stream.destroy();
      return;
    }
    open.add(stream);
    try {
      results[i] = await readLayer(stream, layer, wanters, opts);
    } finally {
      open.delete(stream);
    }
    if (opts.cacheDir && key) await writeCachedLayer(opts.cacheDir, key, results[i], warn);
  };

  const worker = async (): Promise<void> => {
    while (!failure && next < layers.length) {
      const i = next++;
      try {
        await one(i);
      } catch (e) {
        if (!failure) {
          failure = { error: e };
          // Stop the other reader too, so the caller hears about the first error promptly.
          for (const s of open) s.destroy();
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(LAYER_CONCURRENCY, layers.length) }, worker));
  if (failure) throw failure.error;
  const tree = squash(results);
  for (const n of notes) tree.warnings.push(...n);
  return tree;
}
