import { existsSync, writeFileSync } from 'node:fs';
import { UsageError } from '../../errors/index.js';
import { TrustError } from '../../trust/errors.js';
import { generateKeyPair, loadPrivateKey, loadPublicKey } from '../../trust/keys.js';
import { signBlobKeyless, signBlobWithKey, verifyBlob } from '../../trust/blob.js';
import { loadTrustedRoot } from '../../trust/trusted-root.js';
import type { IdentityPolicy, VerifyBundleOptions } from '../../trust/verify-bundle.js';
import { defaultCacheDir, readUserFile } from '../context.js';
import { writeOutput } from '../output.js';
import type { KeyGenerateFlags, SignBlobFlags, VerifyBlobFlags } from './trust-keys.js';

/** Read a line from the terminal without echoing it. */
function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    return Promise.reject(new UsageError('USAGE', 'no password: set PORTCULLIS_PASSWORD or COSIGN_PASSWORD (stdin is not a terminal to prompt on)'));
  }
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (err?: Error) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return finish();
        if (ch === '\u0003') return finish(new UsageError('USAGE', 'interrupted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.setEncoding('utf8');
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** cosign's order: the environment (an empty value counts: COSIGN_PASSWORD="" means no password), then a prompt. */
export async function readPassword(purpose: 'encrypt' | 'decrypt'): Promise<string> {
  const env = process.env.PORTCULLIS_PASSWORD ?? process.env.COSIGN_PASSWORD;
  if (env !== undefined) return env;
  const pw = await promptHidden('Enter password for private key: ');
  if (purpose === 'encrypt') {
    const again = await promptHidden('Enter password for private key again: ');
    if (again !== pw) throw new UsageError('USAGE', 'passwords do not match');
  }
  return pw;
}

function parseBool(v: string, flag: string): boolean {
  if (/^(true|1|yes)$/i.test(v)) return true;
  if (/^(false|0|no)$/i.test(v)) return false;
  throw new UsageError('BAD_FLAG', `"${v}" is not true or false`, { input: flag });
}

/** Attribute an error to the file named on the command line (per code, when several files are in play). */
function withInput<T>(input: string | ((e: TrustError) => string), fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof TrustError && !e.input) {
      throw new TrustError(e.code, e.message, { input: typeof input === 'string' ? input : input(e), cause: e.cause, exitCode: e.exitCode });
    }
    throw e;
  }
}

export async function runKeyGenerate(flags: KeyGenerateFlags): Promise<void> {
  const keyFile = `${flags.outputKeyPrefix}.key`;
  const pubFile = `${flags.outputKeyPrefix}.pub`;
  for (const f of [keyFile, pubFile]) {
    if (existsSync(f) && !flags.force) throw new UsageError('USAGE', 'file exists; pass --force to overwrite it', { input: f });
  }
  const pair = generateKeyPair(await readPassword('encrypt'));
  // The private key is readable by its owner only, as cosign writes it.
  writeFileSync(keyFile, pair.privateKeyPem, { mode: 0o600 });
  writeFileSync(pubFile, pair.publicKeyPem);
  process.stderr.write(`Private key written to ${keyFile}\nPublic key written to ${pubFile}\n`);
}

async function keylessToken(flags: SignBlobFlags): Promise<string> {
  if (flags.identityToken) return flags.identityToken;
  if (process.env.SIGSTORE_ID_TOKEN) return process.env.SIGSTORE_ID_TOKEN;
  if (process.env.ACTIONS_ID_TOKEN_REQUEST_URL) {
    const { CIContextProvider } = await import('@sigstore/sign');
    try {
      return await new CIContextProvider('sigstore').getToken();
    } catch (e) {
      throw new TrustError('NETWORK', `cannot get a GitHub Actions OIDC token: ${(e as Error).message}`, { cause: e });
    }
  }
  throw new UsageError('USAGE', 'sign-blob needs --key, or an identity token for keyless signing (--identity-token or $SIGSTORE_ID_TOKEN)');
}

export async function runSignBlob(file: string, flags: SignBlobFlags): Promise<void> {
  const data = readUserFile(file, 'file to sign');
  const tlogUpload = parseBool(flags.tlogUpload, '--tlog-upload');
  let bundle;
  if (flags.key) {
    const pem = readUserFile(flags.key, 'private key').toString('utf8');
    const password = await readPassword('decrypt');
    const key = withInput(flags.key, () => loadPrivateKey(pem, password));
    bundle = await signBlobWithKey(data, key, { rekorURL: flags.rekorUrl, tsaURL: flags.timestampServerUrl, tlogUpload });
  } else {
    const identityToken = await keylessToken(flags);
    bundle = await signBlobKeyless(data, { identityToken, fulcioURL: flags.fulcioUrl, rekorURL: flags.rekorUrl, tsaURL: flags.timestampServerUrl, tlogUpload });
  }
  writeOutput(JSON.stringify(bundle), flags.bundle);
  const entry = bundle.verificationMaterial.tlogEntries?.[0];
  process.stderr.write(`Wrote bundle to ${flags.bundle}${entry ? ` (tlog entry created with index ${entry.logIndex})` : ''}\n`);
}

function identityFrom(flags: VerifyBlobFlags): IdentityPolicy | undefined {
  const p: IdentityPolicy = {
    subject: flags.certificateIdentity,
    subjectRegExp: flags.certificateIdentityRegexp,
    issuer: flags.certificateOidcIssuer,
    issuerRegExp: flags.certificateOidcIssuerRegexp,
  };
  const any = Object.values(p).some((v) => v !== undefined);
  if (!any) return undefined;
  if (p.subject === undefined && p.subjectRegExp === undefined) throw new UsageError('USAGE', 'keyless verification needs --certificate-identity or --certificate-identity-regexp');
  if (p.issuer === undefined && p.issuerRegExp === undefined) throw new UsageError('USAGE', 'keyless verification needs --certificate-oidc-issuer or --certificate-oidc-issuer-regexp');
  return p;
}

export async function runVerifyBlob(file: string, flags: VerifyBlobFlags): Promise<void> {
  const identity = identityFrom(flags);
  if (flags.key && identity) throw new UsageError('USAGE', 'give --key or a certificate identity, not both');
  if (!flags.key && !identity) throw new UsageError('USAGE', 'verify-blob needs --key, or --certificate-identity and --certificate-oidc-issuer');
  const data = readUserFile(file, 'file to verify');
  const bundleText = readUserFile(flags.bundle, 'bundle').toString('utf8');
  const opts: VerifyBundleOptions = { identity, ignoreTlog: flags.insecureIgnoreTlog === true };
  if (flags.key) {
    const pem = readUserFile(flags.key, 'public key').toString('utf8');
    opts.publicKey = withInput(flags.key, () => loadPublicKey(pem));
  }
  // A key bundle checked without its log needs no trust material; everything else does.
  if (!(flags.key && opts.ignoreTlog && !flags.trustedRoot)) {
    opts.trustedRoot = await loadTrustedRoot({ file: flags.trustedRoot, offline: flags.offline, cacheDir: flags.cacheDir ?? defaultCacheDir() });
  }
  // A malformed bundle is the bundle's fault; every other failure is about the file not verifying.
  const res = withInput((e) => (e.code === 'BAD_BUNDLE' ? flags.bundle : file), () => verifyBlob(data, bundleText, opts));
  const who = res.signer.key ? 'the given key' : `${res.signer.subject} (issuer ${res.signer.issuer})`;
  const when = res.integratedTime
    ? `, logged ${res.integratedTime.toISOString()} at index ${res.tlogIndex}`
    : res.timestampAuthorityTime
      ? `, timestamped ${res.timestampAuthorityTime.toISOString()}`
      : '';
  process.stderr.write(`Verified OK: ${file} signed by ${who}${when}\n`);
}
