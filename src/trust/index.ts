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
// Images: cosign's storage format (legacy .sig/.att tags, bundle referrers), signing, verification, attestations.
export { createSimpleSigning, parseSimpleSigning, checkSimpleSigning, SIMPLE_SIGNING_TYPE, type SimpleSigning } from './simple-signing.js';
export {
  CosignMediaTypes,
  CosignAnnotations,
  legacyTag,
  referrersTag,
  appendLegacyLayer,
  pushReferrer,
  type LegacyKind,
  type LegacyLayer,
  type ReferrerPath,
} from './oci-store.js';
export { registryReader, layoutReader, readLegacy, readBundles, type ArtifactReader, type LegacyEntry, type BundleEntry } from './oci-store-read.js';
export { resolveTarget, type ImageTarget } from './image-target.js';
export { signImage, type SignImageOptions, type SignImageResult, type SignatureFormat, type Signer } from './image.js';
export { verifyImage, verifyTargetSignatures, requireVerified, type VerifyImageOptions, type ImageVerification, type SignatureCheck, type Verifier } from './image-verify.js';
export {
  attestImage,
  attachAttestation,
  verifyAttestations,
  predicateTypeOf,
  PREDICATE_TYPES,
  type AttestOptions,
  type AttestResult,
  type VerifyAttestationOptions,
  type AttestationVerification,
  type AttestationCheck,
} from './attest.js';
export { createStatement, COSIGN_SIGN_PREDICATE, IN_TOTO_PAYLOAD_TYPE, type Statement } from './attest-dsse.js';
