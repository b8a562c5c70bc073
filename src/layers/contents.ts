// What readLayer records beyond the contract's LayerContents. These fields are private
// to this folder (squash and the cache understand them); a LayerContents built without
// them still squashes correctly, only with the gaps their comments name.
import type { LayerInfo } from '../oci/types.js';
import type { LayerContents } from './types.js';
import type { KeptFile } from './want.js';

export interface ReadContents extends LayerContents {
  files: Map<string, KeptFile>;
  /**
   * Non-directory entries this layer wrote but did not keep (unwanted or skipped files,
   * unwanted hard links, devices). They replace whatever lower layers had at that path,
   * so a stale lower version of a wanted file must not show through.
   */
  replaced?: string[];
  /** Wanters that asked for each hard link's own path (the link may be wanted by fewer than its target). */
  hardlinkWantedBy?: Map<string, string[]>;
}

/** A short name for a layer in messages: its digest, else its diffId, else its position. */
export function layerLabel(layer: LayerInfo): string {
  const id = layer.digest || layer.diffId;
  return id ? `layer ${layer.index} (${id})` : `layer ${layer.index}`;
}

export function emptyContents(layer: LayerInfo): ReadContents {
  return { layer, files: new Map(), whiteouts: [], opaqueDirs: [], symlinks: new Map(), hardlinks: new Map(), warnings: [], replaced: [], hardlinkWantedBy: new Map() };
}
