import { TrustError } from './errors.js';

export type KeylessPayload = Buffer | { dsse: { payloadType: string; payload: Buffer } };

export interface KeylessOptions {
  identityToken: string;
  fulcioURL: string;
  rekorURL?: string;
  tsaURL?: string;
  tlogUpload?: boolean;
}

/** Keyless: an identity token → a Fulcio cert, signature, Rekor entry (and TSA timestamp), as a Sigstore bundle (v0.3 JSON). */
export async function signKeyless(_data: KeylessPayload, _opts: KeylessOptions): Promise<unknown> {
  throw new TrustError('NETWORK', 'not implemented yet');
}
