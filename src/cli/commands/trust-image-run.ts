import { UsageError } from '../../errors/index.js';
import { attestImage, verifyAttestations, type AttestationCheck } from '../../trust/attest.js';
import type { IdentityPolicy } from '../../trust/verify-bundle.js';
import { loadPrivateKey, loadPublicKey } from '../../trust/keys.js';
import { loadTrustedRoot } from '../../trust/trusted-root.js';
import { signImage, type SignatureFormat, type Signer } from '../../trust/image.js';
import { requireVerified, verifyImage, type SignatureCheck } from '../../trust/image-verify.js';
import { cacheDirFrom, logger, openOptionsFrom, readUserFile } from '../context.js';
import { writeOutput } from '../output.js';
import { STORAGE_FORMATS, VERIFY_OUTPUT_FORMATS, type AttestFlags, type SignerFlags, type SignFlags, type VerifyAttestationFlags, type VerifyFlags } from './trust-image.js';

export function signerFrom(flags: SignerFlags): Signer {
  if (!flags.key === !flags.identityToken) throw new UsageError('USAGE', 'give exactly one of --key FILE or --identity-token TOKEN', { input: 'sign' });
  if (flags.tlogUpload !== 'true' && flags.tlogUpload !== 'false') throw new UsageError('BAD_FLAG', `--tlog-upload takes true or false, not ${JSON.stringify(flags.tlogUpload)}`, { input: '--tlog-upload' });
  if (flags.key) {
    // As cosign: a key signature is logged in Rekor too, unless --tlog-upload=false.
    const key = loadPrivateKey(readUserFile(flags.key, '--key').toString('utf8'), process.env.COSIGN_PASSWORD ?? '');
    return { key, keyTlog: { rekorURL: flags.rekorUrl, tlogUpload: flags.tlogUpload === 'true' } };
  }
  return { keyless: { identityToken: flags.identityToken as string, fulcioURL: flags.fulcioUrl, rekorURL: flags.rekorUrl, tlogUpload: flags.tlogUpload === 'true' } };
}

export function storageFrom(flags: SignerFlags): SignatureFormat {
  if (!(STORAGE_FORMATS as readonly string[]).includes(flags.storage)) throw new UsageError('BAD_FLAG', `unknown storage "${flags.storage}": want one of ${STORAGE_FORMATS.join(', ')}`, { input: '--storage' });
  return flags.storage as SignatureFormat;
}

function annotationsFrom(list: string[] | undefined): Record<string, string> | undefined {
  if (!list?.length) return undefined;
  const out: Record<string, string> = {};
  for (const a of list) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new UsageError('BAD_FLAG', `annotation ${JSON.stringify(a)} is not key=value`, { input: '--annotation' });
    out[a.slice(0, eq)] = a.slice(eq + 1);
  }
  return out;
}

export async function runSign(ref: string, flags: SignFlags): Promise<void> {
  const signer = signerFrom(flags);
  const r = await signImage(ref, { ...openOptionsFrom(flags), ...signer, format: storageFrom(flags), resolve: flags.resolve, annotations: annotationsFrom(flags.annotation) });
  const log = logger(flags);
  if (r.resolvedFromTag) log(`signed ${r.digest}, which ${ref} resolves to now`);
  if (r.legacy) log(`stored signature in ${r.legacy.tag}${r.legacy.appended ? '' : ' (already there)'}`);
  if (r.bundle) log(`stored bundle referrer ${r.bundle.manifestDigest} (${r.bundle.path})`);
  // The digest on stdout: with --resolve it is what was signed, for the caller to pin.
  writeOutput(`${r.repository}@${r.digest}`);
}

export async function runAttest(ref: string, flags: AttestFlags): Promise<void> {
  const signer = signerFrom(flags);
  let predicate: unknown;
  try {
    predicate = JSON.parse(readUserFile(flags.predicate, '--predicate').toString('utf8'));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError('BAD_FLAG', `predicate ${flags.predicate} is not JSON: ${(e as Error).message}`, { input: '--predicate' });
  }
  const r = await attestImage(ref, predicate, flags.type, { ...openOptionsFrom(flags), ...signer, format: storageFrom(flags), resolve: flags.resolve });
  const log = logger(flags);
  if (r.resolvedFromTag) log(`attested ${r.digest}, which ${ref} resolves to now`);
  if (r.legacy) log(`stored attestation (${r.predicateType}) in ${r.legacy.tag}`);
  if (r.bundle) log(`stored bundle referrer ${r.bundle.manifestDigest} (${r.bundle.path})`);
  writeOutput(`${r.repository}@${r.digest}`);
}

async function verifierFrom(flags: VerifyFlags): Promise<{ key?: import('node:crypto').KeyObject; identity?: IdentityPolicy; trustedRoot?: unknown }> {
  if (!(VERIFY_OUTPUT_FORMATS as readonly string[]).includes(flags.format)) throw new UsageError('BAD_FLAG', `unknown format "${flags.format}": want one of ${VERIFY_OUTPUT_FORMATS.join(', ')}`, { input: '--format' });
  const hasIdentity = flags.certificateIdentity !== undefined || flags.certificateIdentityRegexp !== undefined;
  const hasIssuer = flags.certificateOidcIssuer !== undefined || flags.certificateOidcIssuerRegexp !== undefined;
  if (flags.key && (hasIdentity || hasIssuer)) throw new UsageError('USAGE', '--key and --certificate-identity/--certificate-oidc-issuer exclude each other', { input: 'verify' });
  if (flags.key) {
    const key = loadPublicKey(readUserFile(flags.key, '--key').toString('utf8'));
    // With a key, Rekor entries are checked only against a trusted root the user gave.
    return flags.trustedRoot ? { key, trustedRoot: await loadTrustedRoot({ file: flags.trustedRoot, offline: true }) } : { key };
  }
  if (!hasIdentity || !hasIssuer) throw new UsageError('USAGE', 'give --key FILE, or --certificate-identity[-regexp] with --certificate-oidc-issuer[-regexp]', { input: 'verify' });
  const identity: IdentityPolicy = {};
  if (flags.certificateIdentity !== undefined) identity.subject = flags.certificateIdentity;
  if (flags.certificateIdentityRegexp !== undefined) identity.subjectRegExp = flags.certificateIdentityRegexp;
  if (flags.certificateOidcIssuer !== undefined) identity.issuer = flags.certificateOidcIssuer;
  if (flags.certificateOidcIssuerRegexp !== undefined) identity.issuerRegExp = flags.certificateOidcIssuerRegexp;
  const trustedRoot = await loadTrustedRoot({ file: flags.trustedRoot, offline: flags.offline, cacheDir: cacheDirFrom(flags) });
  return { identity, trustedRoot };
}

function describe(s: SignatureCheck): string {
  const mark = s.verified ? 'verified' : `FAILED ${s.code ?? ''}`.trim();
  const who = s.signer?.key ? 'signed with the key' : s.signer ? `signed by ${s.signer.subject ?? '?'} (issuer ${s.signer.issuer ?? '?'})` : '';
  const when = s.integratedTime ? `logged ${s.integratedTime.toISOString()}${s.tlogIndex ? ` (index ${s.tlogIndex})` : ''}` : s.verified ? 'not checked against a transparency log' : '';
  const type = (s as AttestationCheck).predicateType ? ` ${(s as AttestationCheck).predicateType}` : '';
  return `  ${mark}  ${s.format}${type}  ${s.location}${s.verified ? `\n      ${[who, when].filter(Boolean).join('; ')}` : `\n      ${s.reason ?? ''}`}`;
}

function toJson(r: { reference: string; digest: string; verified: boolean }, items: SignatureCheck[], key: string): string {
  const list = items.map((s) => ({ ...s, integratedTime: s.integratedTime?.toISOString(), statement: undefined }));
  return JSON.stringify({ reference: r.reference, digest: r.digest, verified: r.verified, [key]: list }, null, 2);
}

export async function runVerify(ref: string, flags: VerifyFlags): Promise<void> {
  const v = await verifierFrom(flags);
  const r = await verifyImage(ref, { ...openOptionsFrom(flags), ...v });
  const head = `${r.verified ? 'Verified' : 'Not verified'}: ${r.reference} (${r.digest}), ${r.signatures.filter((s) => s.verified).length} of ${r.signatures.length} signatures verified`;
  writeOutput(flags.format === 'json' ? toJson(r, r.signatures, 'signatures') : [head, ...r.signatures.map(describe)].join('\n'));
  requireVerified(r);
}

export async function runVerifyAttestation(ref: string, flags: VerifyAttestationFlags): Promise<void> {
  const v = await verifierFrom(flags);
  const r = await verifyAttestations(ref, { ...openOptionsFrom(flags), ...v, type: flags.type, condition: flags.condition });
  const head = `${r.verified ? 'Verified' : 'Not verified'}: ${r.reference} (${r.digest}), ${r.attestations.filter((s) => s.verified).length} of ${r.attestations.length} attestations verified`;
  writeOutput(flags.format === 'json' ? toJson(r, r.attestations, 'attestations') : [head, ...r.attestations.map(describe)].join('\n'));
  requireVerified({ ...r, signatures: r.attestations }, flags.type ? `${flags.type} attestations` : 'attestations');
}
