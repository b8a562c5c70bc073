import type { Command } from 'commander';

export const DEFAULT_FULCIO_URL = 'https://fulcio.sigstore.dev';
export const DEFAULT_REKOR_URL = 'https://rekor.sigstore.dev';

export interface KeyGenerateFlags {
  outputKeyPrefix: string;
  force?: boolean;
}

export interface SignBlobFlags {
  bundle: string;
  key?: string;
  identityToken?: string;
  fulcioUrl: string;
  rekorUrl: string;
  timestampServerUrl?: string;
  tlogUpload: string;
}

export interface VerifyBlobFlags {
  bundle: string;
  key?: string;
  certificateIdentity?: string;
  certificateIdentityRegexp?: string;
  certificateOidcIssuer?: string;
  certificateOidcIssuerRegexp?: string;
  trustedRoot?: string;
  offline?: boolean;
  insecureIgnoreTlog?: boolean;
  cacheDir?: string;
}

// The implementation is imported on use, so `--help` and other commands stay fast.
const run = () => import('./trust-keys-run.js');

/** `key generate`, `sign-blob`, `verify-blob`: cosign's key and blob commands. Passwords never come from flags. */
export function registerKeyCommands(program: Command): void {
  const key = program.command('key').description('manage cosign-compatible signing keys');
  key
    .command('generate')
    .description('write an encrypted ECDSA P-256 key pair (PREFIX.key, PREFIX.pub); password from $PORTCULLIS_PASSWORD, $COSIGN_PASSWORD or a prompt')
    .option('--output-key-prefix <prefix>', 'file name prefix for the key pair', 'cosign')
    .option('--force', 'overwrite existing key files')
    .action(async (flags: KeyGenerateFlags) => (await run()).runKeyGenerate(flags));

  program
    .command('sign-blob')
    .description('sign a file into a Sigstore bundle (v0.3), with a key or keyless (Fulcio + Rekor)')
    .argument('<file>', 'the file to sign')
    .requiredOption('--bundle <file>', 'where to write the Sigstore bundle')
    .option('--key <file>', 'cosign private key (password from $PORTCULLIS_PASSWORD, $COSIGN_PASSWORD or a prompt)')
    .option('--identity-token <token>', 'keyless: OIDC identity token (default: $SIGSTORE_ID_TOKEN, or GitHub Actions OIDC)')
    .option('--fulcio-url <url>', 'keyless: Fulcio', DEFAULT_FULCIO_URL)
    .option('--rekor-url <url>', 'Rekor transparency log', DEFAULT_REKOR_URL)
    .option('--timestamp-server-url <url>', 'RFC 3161 timestamp authority to countersign the signature')
    .option('--tlog-upload <bool>', 'upload the signature to Rekor', 'true')
    .action(async (file: string, flags: SignBlobFlags) => (await run()).runSignBlob(file, flags));

  program
    .command('verify-blob')
    .description('verify a file against a Sigstore bundle (v0.1-v0.3); exit 1 when it does not verify')
    .argument('<file>', 'the signed file')
    .requiredOption('--bundle <file>', 'the Sigstore bundle')
    .option('--key <file>', 'cosign public key (PEM)')
    .option('--certificate-identity <id>', 'keyless: the exact certificate identity (SAN)')
    .option('--certificate-identity-regexp <re>', 'keyless: a regular expression the identity must match')
    .option('--certificate-oidc-issuer <iss>', 'keyless: the exact OIDC issuer')
    .option('--certificate-oidc-issuer-regexp <re>', 'keyless: a regular expression the issuer must match')
    .option('--trusted-root <file>', 'Sigstore trusted_root.json (default: the public-good root through TUF, cached)')
    .option('--offline', 'never use the network: --trusted-root, or the cached TUF root')
    .option('--insecure-ignore-tlog', 'do not require a transparency log entry (bundles made with --tlog-upload=false)')
    .option('--cache-dir <dir>', 'cache directory for the TUF trusted root (default: ~/.cache/portcullis)')
    .action(async (file: string, flags: VerifyBlobFlags) => (await run()).runVerifyBlob(file, flags));
}
