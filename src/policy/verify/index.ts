// policy/verify: the asynchronous step of verifyImages rules — resolve tags, check signatures and
// attestations through src/trust (cached by digest, deduplicated per request), registry credentials.
export { ImageVerifier, type ImageVerifierOptions, type VerifyCallOptions, type VerifierStats } from './verifier.js';
export { evaluatePoliciesWithVerification, type VerifiedEvaluation, type VerifiedEvaluationOptions } from './evaluate.js';
export {
  createPullSecretCredentials,
  resourceSecretReader,
  readDockerConfigFile,
  parseDockerAuths,
  pullSecretAuths,
  credentialsFromAuths,
  type RegistryCredentialSource,
  type SecretReader,
  type DockerAuths,
  type PullSecretOptions,
} from './credentials.js';
export { createTrustBackend, type VerificationBackend, type ImageSession, type ImageCoordinates, type SignatureResult, type AttestationResult } from './backend.js';
export { TrustMaterialResolver, AttestorConfigError, wildcardRegExp, type TrustVerifier } from './attestors.js';
export { TtlCache } from './cache.js';
