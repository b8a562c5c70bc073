import { PortcullisError } from '../errors/index.js';

/**
 * Codes for everything in `trust/`: keys, signing, trust material and verification.
 * BAD_* are malformed inputs (exit 2); verification outcomes (BAD_SIGNATURE, UNTRUSTED,
 * IDENTITY_MISMATCH, NO_SIGNATURES, WRONG_DIGEST, EXPIRED, TLOG) exit 1, as cosign's
 * `verify` does when a signature does not check out.
 */
export type TrustErrorCode =
  | 'BAD_KEY'
  | 'BAD_PASSWORD'
  | 'BAD_BUNDLE'
  | 'BAD_SIGNATURE'
  | 'UNTRUSTED'
  | 'IDENTITY_MISMATCH'
  | 'NO_SIGNATURES'
  | 'WRONG_DIGEST'
  | 'EXPIRED'
  | 'TLOG'
  | 'NETWORK'
  | 'BAD_TRUSTED_ROOT';

/** Codes that mean "the evidence was read fine but does not verify": the CLI exits 1 for these. */
export const VERIFICATION_FAILURE_CODES: readonly TrustErrorCode[] = [
  'BAD_SIGNATURE',
  'UNTRUSTED',
  'IDENTITY_MISMATCH',
  'NO_SIGNATURES',
  'WRONG_DIGEST',
  'EXPIRED',
  'TLOG',
];

export class TrustError extends PortcullisError<TrustErrorCode> {
  constructor(code: TrustErrorCode, message: string, options: { input?: string; cause?: unknown; exitCode?: number } = {}) {
    super(code, message, { ...options, exitCode: options.exitCode ?? (VERIFICATION_FAILURE_CODES.includes(code) ? 1 : 2) });
  }
}

export function isTrustError(e: unknown): e is TrustError {
  return e instanceof TrustError;
}
