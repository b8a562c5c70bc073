import type { Command } from 'commander';
import type { ImageFlags } from '../context.js';
import { addImageFlags } from '../flags.js';

export const STORAGE_FORMATS = ['both', 'legacy', 'bundle'] as const;
export const VERIFY_OUTPUT_FORMATS = ['text', 'json'] as const;
export const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';

export interface SignerFlags extends ImageFlags {
  key?: string;
  identityToken?: string;
  fulcioUrl: string;
  rekorUrl: string;
  tlogUpload: string;
  resolve?: boolean;
  storage: string;
}

export interface SignFlags extends SignerFlags {
  annotation?: string[];
}

export interface AttestFlags extends SignerFlags {
  predicate: string;
  type: string;
}

export interface VerifyFlags extends ImageFlags {
  key?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  trustedRoot?: string;
  offline?: boolean;
  format: string;
}

export interface VerifyAttestationFlags extends VerifyFlags {
  type?: string;
  condition?: string;
}

// The implementation is imported on use, so `--help` and other commands stay fast.
const run = () => import('./trust-image-run.js');

export function signerOptions(cmd: Command): Command {
  return cmd
    .option('--key <file>', 'cosign private key (password from $COSIGN_PASSWORD)')
    .option('--identity-token <token>', 'OIDC identity token for keyless signing')
    .option('--fulcio-url <url>', 'Fulcio for keyless signing', DEFAULT_FULCIO_URL)
    .option('--rekor-url <url>', 'Rekor transparency log', DEFAULT_REKOR_URL)
    .option('--tlog-upload <bool>', 'log the signature in Rekor (false for private setups)', 'true')
    .option('--resolve', 'allow a tag: sign the digest it resolves to now (and print it)')
    .option('--storage <format>', `where to store: ${STORAGE_FORMATS.join(', ')} (legacy = cosign's .sig/.att tags, bundle = OCI 1.1 referrer)`, 'both');
}

function verifierOptions(cmd: Command): Command {
  return cmd
    .option('--key <file>', 'cosign public key (PEM)')
    .option('--certificate-identity <id>', 'keyless: the exact certificate identity (SAN)')
    .option('--certificate-identity-regexp <re>', 'keyless: a regular expression the identity must match')
    .option('--certificate-oidc-issuer <iss>', 'keyless: the exact OIDC issuer')
    .option('--certificate-oidc-issuer-regexp <re>', 'keyless: a regular expression the issuer must match')
    .option('--trusted-root <file>', 'Sigstore trusted_root.json (keyless; with --key, lets Rekor entries be checked)')
    .option('--offline', 'no network call but to the registry: needs --trusted-root for keyless')
    .option('-f, --format <format>', `output format: ${VERIFY_OUTPUT_FORMATS.join(', ')}`, 'text');
}

export function registerImageTrustCommands(program: Command): void {
  addImageFlags(signerOptions(program.command('sign').description('sign an image by digest, stored as cosign stores it'))
    .argument('<ref>', 'REGISTRY/REPO@sha256:… (a tag only with --resolve)')
    .option('-a, --annotation <key=value...>', 'annotations in the signed payload'))
    .action(async (ref: string, flags: SignFlags) => (await run()).runSign(ref, flags));

  addImageFlags(verifierOptions(program.command('verify').description('verify the signatures of an image; exit 1 when none verifies'))
    .argument('<ref>', 'REGISTRY/REPO[:TAG|@DIGEST] or oci:DIR[:TAG]'))
    .action(async (ref: string, flags: VerifyFlags) => (await run()).runVerify(ref, flags));

  addImageFlags(signerOptions(program.command('attest').description('attach a signed in-toto attestation to an image'))
    .argument('<ref>', 'REGISTRY/REPO@sha256:… (a tag only with --resolve)')
    .requiredOption('--predicate <file>', 'the predicate (JSON)')
    .requiredOption('--type <type>', 'cyclonedx, spdx, slsaprovenance, vuln, custom, or a predicate type URI'))
    .action(async (ref: string, flags: AttestFlags) => (await run()).runAttest(ref, flags));

  addImageFlags(verifierOptions(program.command('verify-attestation').description('verify an image\'s attestations; exit 1 when none verifies and satisfies the condition'))
    .argument('<ref>', 'REGISTRY/REPO[:TAG|@DIGEST] or oci:DIR[:TAG]')
    .option('--type <type>', 'only attestations of this predicate type (short name or URI)')
    .option('--condition <jmespath>', 'a JMESPath expression over the predicate that must be truthy, e.g. "bomFormat == \'CycloneDX\'"'))
    .action(async (ref: string, flags: VerifyAttestationFlags) => (await run()).runVerifyAttestation(ref, flags));
}
