import {
  BUNDLE_V03_MEDIA_TYPE,
  bundleToJSON,
  type Bundle,
  type SerializedBundle,
} from '@sigstore/bundle';
import {
  DSSEBundleBuilder,
  FulcioSigner,
  MessageSignatureBundleBuilder,
  RekorWitness,
  TSAWitness,
  type BundleBuilder,
  type Signer,
  type Witness,
} from '@sigstore/sign';
import { TrustError } from './errors.js';

export type KeylessPayload = Buffer | { dsse: { payloadType: string; payload: Buffer } };

export interface KeylessOptions {
  /** An OIDC identity token (JWT) for Fulcio. */
  identityToken: string;
  fulcioURL: string;
  rekorURL?: string;
  tsaURL?: string;
  /** Upload to Rekor (default true when `rekorURL` is given). */
  tlogUpload?: boolean;
}

export const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';

const FETCH = { retry: { retries: 1 }, timeout: 30_000 };

/** Rekor and TSA witnesses, as asked for; shared by keyless and key signing. */
export function createWitnesses(opts: { rekorURL?: string; tsaURL?: string; tlogUpload?: boolean }): Witness[] {
  const witnesses: Witness[] = [];
  if (opts.rekorURL && opts.tlogUpload !== false) witnesses.push(new RekorWitness({ rekorBaseURL: opts.rekorURL, ...FETCH }));
  if (opts.tsaURL) witnesses.push(new TSAWitness({ tsaBaseURL: opts.tsaURL, ...FETCH }));
  return witnesses;
}

/**
 * Bundle v0.3: @sigstore/sign's message-signature builder writes v0.2 with a one-certificate
 * chain; v0.3 holds the leaf alone (`certificate`), which is what cosign v3 writes.
 */
export function toBundleV03(bundle: Bundle): SerializedBundle {
  const vm = bundle.verificationMaterial;
  const content = vm.content.$case === 'x509CertificateChain' ? { $case: 'certificate' as const, certificate: vm.content.x509CertificateChain.certificates[0] } : vm.content;
  return bundleToJSON({ ...bundle, mediaType: BUNDLE_V03_MEDIA_TYPE, verificationMaterial: { ...vm, content } } as Bundle);
}

/** Sign `data` (raw bytes → messageSignature; `dsse` → DSSE envelope) with `signer`, witnessed as asked. */
export async function buildBundle(data: KeylessPayload, signer: Signer, witnesses: Witness[]): Promise<SerializedBundle> {
  const builder: BundleBuilder = Buffer.isBuffer(data)
    ? new MessageSignatureBundleBuilder({ signer, witnesses })
    : new DSSEBundleBuilder({ signer, witnesses, certificateChain: false });
  const artifact = Buffer.isBuffer(data) ? { data } : { data: data.dsse.payload, type: data.dsse.payloadType };
  let bundle: Bundle;
  try {
    bundle = await builder.create(artifact);
  } catch (e) {
    throw toNetworkError(e);
  }
  return toBundleV03(bundle);
}

/** @sigstore/sign reports service failures as InternalError with a code naming the service. */
function toNetworkError(e: unknown): TrustError {
  if (e instanceof TrustError) return e;
  const err = e as { code?: string; message?: string; cause?: { message?: string } };
  // Its token-parse error quotes the whole token; never echo a credential.
  if (err.code === 'IDENTITY_TOKEN_PARSE_ERROR') return new TrustError('BAD_KEY', 'identity token is not a JWT with a sub or email claim');
  const service = /^CA_/.test(err.code ?? '') ? 'Fulcio' : /^TLOG_/.test(err.code ?? '') ? 'Rekor' : /^TSA_/.test(err.code ?? '') ? 'the timestamp authority' : 'signing';
  const cause = err.cause?.message ? `: ${err.cause.message}` : '';
  return new TrustError('NETWORK', `${service} request failed: ${err.message ?? String(e)}${cause}`.replace(/\s*\n\s*/g, ' '), { cause: e });
}

/** The identity a token will be certified for (Fulcio's rule: the email, which must be verified, else `sub`). */
export function tokenSubject(token: string): string {
  const parts = token.split('.');
  let claims: unknown;
  try {
    claims = parts.length === 3 ? JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) : undefined;
  } catch {
    claims = undefined;
  }
  if (typeof claims !== 'object' || claims === null) throw new TrustError('BAD_KEY', 'identity token is not a JWT');
  const c = claims as Record<string, unknown>;
  if (typeof c.email === 'string') {
    if (c.email_verified !== true) throw new TrustError('BAD_KEY', 'identity token email is not verified by its issuer');
    return c.email;
  }
  if (typeof c.sub === 'string' && c.sub.length > 0) return c.sub;
  throw new TrustError('BAD_KEY', 'identity token has no sub claim (nor a verified email)');
}

/** Keyless: an identity token → a Fulcio cert, signature, Rekor entry (and TSA timestamp), as a Sigstore bundle (v0.3 JSON). */
export async function signKeyless(data: KeylessPayload, opts: KeylessOptions): Promise<SerializedBundle> {
  if (!opts.identityToken) throw new TrustError('BAD_KEY', 'keyless signing needs an OIDC identity token');
  const token = opts.identityToken;
  tokenSubject(token);
  const signer = new FulcioSigner({ fulcioBaseURL: opts.fulcioURL, identityProvider: { getToken: async () => token }, ...FETCH });
  return buildBundle(data, signer, createWitnesses(opts));
}
