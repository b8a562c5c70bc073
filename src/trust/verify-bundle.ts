import type { KeyObject } from 'node:crypto';
import { TrustError } from './errors.js';

/** Who may have signed. Exact values or (unanchored, as cosign's --certificate-identity-regexp) regular expressions. */
export interface IdentityPolicy {
  subject?: string;
  subjectRegExp?: string;
  issuer?: string;
  issuerRegExp?: string;
}

/** The artifact a bundle is over: its bytes, or (DSSE only) its digest `sha256:<hex>`. */
export type BundleArtifact = Buffer | { digest: string } | undefined;

export interface VerifyBundleOptions {
  trustedRoot?: unknown;
  publicKey?: KeyObject;
  identity?: IdentityPolicy;
}

export interface VerifiedSigner {
  signer: { subject?: string; issuer?: string; key?: boolean };
  integratedTime?: Date;
  tlogIndex?: string;
}

/** Verify a Sigstore bundle (v0.1–v0.3) over an artifact (bytes or digest) against trust material, offline. */
export function verifyBundle(_bundle: unknown, _artifact: BundleArtifact, _opts: VerifyBundleOptions): VerifiedSigner {
  throw new TrustError('BAD_BUNDLE', 'not implemented yet');
}
