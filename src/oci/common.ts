// Small helpers shared by the transports.
import { OciError, type LayerInfo, type OpenOptions } from './types.js';

export const DEFAULT_MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 30_000;

export function readOpenOptions(opts: OpenOptions): { maxManifestBytes: number; timeoutMs: number } {
  return {
    maxManifestBytes: opts.maxManifestBytes ?? DEFAULT_MAX_MANIFEST_BYTES,
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
}

/** Checks that `layer` is one of this image's layers and returns its position. */
export function checkLayerIndex(layers: readonly LayerInfo[], layer: LayerInfo, input: string): number {
  const own = layers[layer.index];
  if (!own || own.digest !== layer.digest) {
    throw new OciError('NOT_FOUND', `layer ${layer.digest} (index ${layer.index}) is not a layer of this image`, { input });
  }
  return layer.index;
}
