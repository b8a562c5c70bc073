import { TrustError } from './errors.js';

export interface TrustedRootOptions {
  /** A trusted_root.json file (private Sigstore deployments, air-gapped sites). */
  file?: string;
  /** Never touch the network: use the file, else the cached TUF root, else fail. */
  offline?: boolean;
  /** TUF cache directory; defaults to a folder under the user cache. */
  cacheDir?: string;
}

/** The Sigstore TrustedRoot JSON (protobuf JSON form), shape-checked. */
export async function loadTrustedRoot(_opts: TrustedRootOptions): Promise<unknown> {
  throw new TrustError('BAD_TRUSTED_ROOT', 'not implemented yet');
}
