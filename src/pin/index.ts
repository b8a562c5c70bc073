// The pin folder's face: find image references in manifests, Kustomize, compose files,
// Dockerfiles and (opt-in) Helm values; resolve their tags to digests through oci/; and
// rewrite them in place, keeping everything else in the file as it was.
export * from './types.js';
export { findReferences, scanPaths, collectPinFiles, readPinFile, MAX_FILE_BYTES } from './find.js';
export { resolveAll, resolveReference, parseMirror, type ResolveOptions, type ResolveOutcome, type Resolved } from './resolve.js';
export { editsFor, applyEdits, pinnedImage, formatScalar, writeFileAtomic, type TextEdit } from './rewrite.js';
export { splitWritten, pinnedString, lookupOf, lookupKey, type WrittenRef } from './imageref.js';
export { pinPaths, pinScans, checkPaths, type PinOptions, type PinChange, type PinFailure, type FilePin, type PinReport, type CheckReport } from './pin.js';
