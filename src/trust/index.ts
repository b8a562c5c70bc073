// trust/: keys, signing, trust material and verification (Sigstore, cosign-compatible).
export { TrustError, isTrustError, VERIFICATION_FAILURE_CODES, type TrustErrorCode } from './errors.js';
export {
  generateKeyPair,
  loadPrivateKey,
  loadPublicKey,
  signBytes,
  verifyBytes,
  publicKeyPem,
  SIGSTORE_PRIVATE_KEY_LABEL,
  COSIGN_PRIVATE_KEY_LABEL,
  type KeyPair,
} from './keys.js';
export { loadTrustedRoot, parseTrustedRoot, readTrustedRootFile, defaultTrustCacheDir, type TrustedRootOptions, type TrustedRootJSON } from './trusted-root.js';
export { signKeyless, tokenSubject, DEFAULT_FULCIO_URL, DEFAULT_REKOR_URL, type KeylessOptions, type KeylessPayload } from './keyless.js';
export { signBlobWithKey, signBlobKeyless, verifyBlob, publicKeyHint, type KeySignOptions } from './blob.js';
export {
  verifyBundle,
  parseBundle,
  bundleCertificate,
  BUNDLE_MEDIA_TYPES,
  type IdentityPolicy,
  type VerifyBundleOptions,
  type VerifiedSigner,
  type BundleArtifact,
} from './verify-bundle.js';
