import type { LayerInfo } from '../oci/types.js';
import { PortcullisError } from '../errors/index.js';

export type LayerErrorCode =
  | 'LAYER_TRUNCATED'
  | 'LAYER_CORRUPT'
  | 'LAYER_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'UNSAFE_PATH'
  | 'FILE_TOO_LARGE'
  | 'SYMLINK_LOOP'
  | 'CACHE_CORRUPT';

export class LayerError extends PortcullisError<LayerErrorCode> {}

/** What a cataloger is shown about a file before deciding whether it wants it. */
export interface FileCandidate {
  /** Normalized path relative to the image root: no leading `/`, no `.` or `..` segments. */
  path: string;
  /** Size in bytes of the regular file. */
  size: number;
  /** Unix permission bits (0o755 …). */
  mode: number;
}

/** Reduces a streamed file to what the cataloger needs (e.g. Go build info from a binary). */
export interface ChunkReducer {
  push(chunk: Buffer): void;
  /** The reduced bytes, or null when the file turned out not to be interesting. */
  end(): Buffer | null;
}

/**
 * A cataloger's answer for one candidate: not wanted (false/undefined), wanted whole
 * (true: buffered up to the default per-file cap), or wanted with options. `reduce`
 * streams the file through a reducer and keeps only its output, so huge binaries are
 * never buffered whole. A file larger than `maxBytes` is skipped with a warning.
 */
export type Want = undefined | false | true | { maxBytes?: number; reduce?: () => ChunkReducer };

/** A predicate over candidates; one per cataloger, combined by the layer reader. */
export interface FileWanter {
  /** Stable id of the wanter, used as the key of its files (the cataloger name). */
  id: string;
  /** Part of the cache key: bump when `want`/`reduce` change what is kept. */
  version: string;
  want(c: FileCandidate): Want;
}

/** One version of a wanted file, as found in one layer. */
export interface FileVersion {
  layer: LayerInfo;
  /** The buffered (or reduced) content. */
  data: Buffer;
  mode: number;
  /** Original size in the layer (before reduction). */
  size: number;
}

/** A wanted file in the squashed view: its final version plus earlier ones still visible. */
export interface CollectedFile extends FileVersion {
  path: string;
  /** Ids of the wanters (catalogers) that asked for this file. */
  wantedBy: string[];
  /**
   * Earlier versions of the same path, oldest first, since the file was last created
   * (a whiteout of the path or of a parent directory resets the history). Used to tell
   * which layer introduced each package of a multi-package file such as dpkg's status.
   */
  history: FileVersion[];
}

/** What one layer contributed, as cached: wanted files, whiteouts, links. */
export interface LayerContents {
  layer: LayerInfo;
  /** Wanted regular files by normalized path, with the ids of the wanters that asked. */
  files: Map<string, { data: Buffer; mode: number; size: number; wantedBy: string[] }>;
  /** Paths deleted by `.wh.NAME` entries (the deleted path, not the marker). */
  whiteouts: string[];
  /** Directories made opaque by `.wh..wh..opq` (contents of lower layers hidden). */
  opaqueDirs: string[];
  /** Symbolic links: path → target as written in the tar header. */
  symlinks: Map<string, string>;
  /** Hard links to wanted files: path → link target path (normalized). */
  hardlinks: Map<string, string>;
  /** Warnings met while reading (skipped oversize files, ignored unsafe entries…). */
  warnings: string[];
}

/** The squashed view handed to catalogers. */
export interface FileTree {
  /** All wanted files visible in the final image, keyed by normalized path. */
  files: Map<string, CollectedFile>;
  /** Resolves symlinks within the root (never against the host). */
  resolve(path: string): CollectedFile | undefined;
  /** Files asked for by one wanter id, sorted by path. */
  filesFor(wanterId: string): CollectedFile[];
  warnings: string[];
}

export interface ReadOptions {
  /** Cap on inflated bytes per layer (decompression bomb guard). Default 16 GiB. */
  maxLayerBytes?: number;
  /** Default per-file buffer cap when a Want gives none. Default 64 MiB. */
  maxFileBytes?: number;
  /** Cache directory; when set, layer contents are cached by diffId + wanter versions. */
  cacheDir?: string;
  /** Called once per layer actually read (not served from cache). */
  onLayerRead?: (layer: LayerInfo) => void;
}
