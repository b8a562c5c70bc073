// Small shared helpers. Keep this folder tiny: a helper used by one folder lives there.
export { sha256Hex, sha256Digest } from './digest.js';
export { compareStrings, sortBy } from './sort.js';
