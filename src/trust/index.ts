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
export { loadTrustedRoot, type TrustedRootOptions } from './trusted-root.js';
export { signKeyless, type KeylessOptions, type KeylessPayload } from './keyless.js';
export { verifyBundle, type IdentityPolicy, type VerifyBundleOptions, type VerifiedSigner, type BundleArtifact } from './verify-bundle.js';
