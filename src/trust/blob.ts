import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { SerializedBundle } from '@sigstore/bundle';
import type { Signer } from '@sigstore/sign';
import { TrustError } from './errors.js';
import { hashForKey, publicKeyPem, signBytes } from './keys.js';
import { buildBundle, createWitnesses, signKeyless, type KeylessOptions } from './keyless.js';
import { verifyBundle, type BundleArtifact, type VerifiedSigner, type VerifyBundleOptions } from './verify-bundle.js';

/** `cosign sign-blob --key`: where the signature is witnessed. */
export interface KeySignOptions {
  /** Rekor to upload to; nothing is uploaded when absent or when `tlogUpload` is false. */
  rekorURL?: string;
  tsaURL?: string;
  tlogUpload?: boolean;
}

/** cosign's public-key hint in a bundle: base64 of the SHA-256 of the SPKI DER. */
export function publicKeyHint(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256').update(pub.export({ format: 'der', type: 'spki' })).digest('base64');
}

/** A @sigstore/sign Signer over a local key: the bundle names the key by its hint. */
export function keySigner(key: KeyObject): Signer {
  // Bundles record a SHA-256 message digest, and hashedrekord has no room for pure Ed25519;
  // cosign signs blobs with these keys the same way.
  if (key.asymmetricKeyType === 'ed25519' || hashForKey(key) !== 'sha256') {
    throw new TrustError('BAD_KEY', `sign-blob supports ECDSA P-256 and RSA keys, not ${key.asymmetricKeyType} ${key.asymmetricKeyDetails?.namedCurve ?? ''}`.trim());
  }
  const pem = publicKeyPem(key);
  const hint = publicKeyHint(key);
  return { sign: async (data: Buffer) => ({ signature: signBytes(key, data), key: { $case: 'publicKey', publicKey: pem, hint } }) };
}

/** Sign a blob with a private key into a Sigstore bundle v0.3 (messageSignature + public key hint). */
export async function signBlobWithKey(data: Buffer, key: KeyObject, opts: KeySignOptions = {}): Promise<SerializedBundle> {
  if (key.type !== 'private') throw new TrustError('BAD_KEY', 'signing needs a private key');
  return buildBundle(data, keySigner(key), createWitnesses(opts));
}

/** Sign a blob keylessly (Fulcio certificate for an OIDC identity) into a Sigstore bundle v0.3. */
export async function signBlobKeyless(data: Buffer, opts: KeylessOptions): Promise<SerializedBundle> {
  return signKeyless(data, opts);
}

/** `cosign verify-blob --bundle`: the bundle must be over exactly these bytes. */
export function verifyBlob(data: Buffer, bundle: unknown, opts: VerifyBundleOptions): VerifiedSigner {
  const artifact: BundleArtifact = data;
  return verifyBundle(bundle, artifact, opts);
}
