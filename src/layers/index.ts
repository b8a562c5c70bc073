// layers/: stream each layer once, apply whiteouts, hand the wanted files on.
export { readLayer, DEFAULT_MAX_LAYER_BYTES } from './read.js';
export { squash, resolvePath, MAX_SYMLINK_HOPS } from './squash.js';
export { walkDirectory, DIR_LAYER } from './walk.js';
export { collectFiles } from './collect.js';
export { DEFAULT_MAX_FILE_BYTES } from './want.js';
export {
  LayerError,
  type LayerErrorCode,
  type FileCandidate,
  type ChunkReducer,
  type Want,
  type FileWanter,
  type FileVersion,
  type CollectedFile,
  type LayerContents,
  type FileTree,
  type ReadOptions,
} from './types.js';
