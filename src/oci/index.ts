// The oci folder's face: image references, opening images from every transport, and
// the registry client later stages reuse (pin, trust).
export * from './types.js';
export { parseReference, formatReference, fullName, familiarName, familiarString, isValidDigest, digestProblem } from './reference.js';
export { openImage } from './open.js';
export { openDockerArchive } from './docker-archive.js';
export { openOciLayout } from './oci-layout.js';
export { openRegistryImage, resolveDigest } from './registry-image.js';
export { RegistryClient, type ManifestResponse, type ManifestHead } from './registry.js';
export { hostPlatform, parsePlatform, formatPlatform, platformMatches, selectPlatform } from './platform.js';
export { MediaTypes, MANIFEST_ACCEPT, isIndexType, isImageManifestType } from './media-types.js';
export { parseManifest, parseConfig, type ImageManifest, type ImageIndex } from './manifest.js';
export { createVerifier, verifyBuffer, digestOf } from './verify.js';
export { credentialsFromDockerConfig, dockerConfigPath, parseChallenge } from './auth.js';
