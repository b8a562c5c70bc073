import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { TrustError } from './errors.js';

export interface TrustedRootOptions {
  /** A trusted_root.json file (private Sigstore deployments, air-gapped sites). */
  file?: string;
  /** Never touch the network: use the file, else the cached TUF root, else fail. */
  offline?: boolean;
  /** Cache directory; the TUF metadata and the last verified trusted root live under `<cacheDir>/sigstore`. */
  cacheDir?: string;
  /** TUF mirror; the public-good instance unless given. */
  tufMirrorURL?: string;
}

/** The Sigstore TrustedRoot in its protobuf-JSON form, as trusted_root.json files hold it. */
export interface TrustedRootJSON {
  mediaType: string;
  tlogs: unknown[];
  certificateAuthorities: unknown[];
  ctlogs?: unknown[];
  timestampAuthorities?: unknown[];
}

const MEDIA_TYPES = [
  'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
  'application/vnd.dev.sigstore.trustedroot.v0.1+json',
  'application/vnd.dev.sigstore.trustedroot.v0.2+json',
];
const CACHED_ROOT = 'trusted_root.json';

/** `$PORTCULLIS_CACHE_DIR`, else `$XDG_CACHE_HOME/portcullis`, else `~/.cache/portcullis` (same rule as the CLI). */
export function defaultTrustCacheDir(): string {
  if (process.env.PORTCULLIS_CACHE_DIR) return process.env.PORTCULLIS_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.cache'), 'portcullis');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isB64(v: unknown): boolean {
  return typeof v === 'string' && v.length > 0 && /^[A-Za-z0-9+/_-]*={0,2}$/.test(v);
}

function checkTimeRange(v: unknown, where: string, input?: string): void {
  if (v === undefined) return;
  if (!isRecord(v)) throw new TrustError('BAD_TRUSTED_ROOT', `${where}.validFor is not an object`, { input });
  for (const k of ['start', 'end'] as const) {
    const t = v[k];
    if (t !== undefined && (typeof t !== 'string' || Number.isNaN(Date.parse(t)))) {
      throw new TrustError('BAD_TRUSTED_ROOT', `${where}.validFor.${k} is not an RFC 3339 time`, { input });
    }
  }
}

function checkLog(v: unknown, where: string, input?: string): void {
  if (!isRecord(v)) throw new TrustError('BAD_TRUSTED_ROOT', `${where} is not an object`, { input });
  if (typeof v.baseUrl !== 'string') throw new TrustError('BAD_TRUSTED_ROOT', `${where}.baseUrl is missing`, { input });
  const pk = v.publicKey;
  if (!isRecord(pk) || !isB64(pk.rawBytes)) throw new TrustError('BAD_TRUSTED_ROOT', `${where}.publicKey.rawBytes is missing or not base64`, { input });
  if (typeof pk.keyDetails !== 'string') throw new TrustError('BAD_TRUSTED_ROOT', `${where}.publicKey.keyDetails is missing`, { input });
  checkTimeRange(pk.validFor, `${where}.publicKey`, input);
  if (!isRecord(v.logId) || !isB64(v.logId.keyId)) throw new TrustError('BAD_TRUSTED_ROOT', `${where}.logId.keyId is missing or not base64`, { input });
}

function checkAuthority(v: unknown, where: string, input?: string): void {
  if (!isRecord(v)) throw new TrustError('BAD_TRUSTED_ROOT', `${where} is not an object`, { input });
  const chain = isRecord(v.certChain) ? v.certChain.certificates : undefined;
  if (!Array.isArray(chain) || chain.length === 0) throw new TrustError('BAD_TRUSTED_ROOT', `${where}.certChain.certificates is empty`, { input });
  chain.forEach((c, i) => {
    if (!isRecord(c) || !isB64(c.rawBytes)) throw new TrustError('BAD_TRUSTED_ROOT', `${where}.certChain.certificates[${i}].rawBytes is not base64`, { input });
  });
  checkTimeRange(v.validFor, where, input);
}

/**
 * Check a parsed trusted_root.json has the shape @sigstore/verify needs, so a bad file fails
 * here with the field named rather than deep inside verification.
 */
export function parseTrustedRoot(doc: unknown, input?: string): TrustedRootJSON {
  if (!isRecord(doc)) throw new TrustError('BAD_TRUSTED_ROOT', 'trusted root is not a JSON object', { input });
  if (typeof doc.mediaType !== 'string' || !MEDIA_TYPES.includes(doc.mediaType)) {
    throw new TrustError('BAD_TRUSTED_ROOT', `unsupported trusted root mediaType ${JSON.stringify(doc.mediaType)}`, { input });
  }
  for (const k of ['tlogs', 'certificateAuthorities', 'ctlogs', 'timestampAuthorities'] as const) {
    if (doc[k] !== undefined && !Array.isArray(doc[k])) throw new TrustError('BAD_TRUSTED_ROOT', `${k} is not an array`, { input });
  }
  const arr = (k: string): unknown[] => (Array.isArray(doc[k]) ? (doc[k] as unknown[]) : []);
  arr('tlogs').forEach((t, i) => checkLog(t, `tlogs[${i}]`, input));
  arr('ctlogs').forEach((t, i) => checkLog(t, `ctlogs[${i}]`, input));
  arr('certificateAuthorities').forEach((c, i) => checkAuthority(c, `certificateAuthorities[${i}]`, input));
  arr('timestampAuthorities').forEach((c, i) => checkAuthority(c, `timestampAuthorities[${i}]`, input));
  if (arr('tlogs').length === 0 && arr('timestampAuthorities').length === 0 && arr('certificateAuthorities').length === 0) {
    throw new TrustError('BAD_TRUSTED_ROOT', 'trusted root has no transparency logs, certificate authorities or timestamp authorities', { input });
  }
  return { ...doc, mediaType: doc.mediaType, tlogs: arr('tlogs'), certificateAuthorities: arr('certificateAuthorities') };
}

/** Read and check a trusted_root.json file. */
export function readTrustedRootFile(file: string): TrustedRootJSON {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TrustError('BAD_TRUSTED_ROOT', `cannot read trusted root: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { input: file, cause: e });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new TrustError('BAD_TRUSTED_ROOT', `trusted root is not JSON: ${(e as Error).message}`, { input: file });
  }
  return parseTrustedRoot(doc, file);
}

/**
 * The trusted root: `file` if given; otherwise the public-good root through TUF (refreshed
 * online, then kept at `<cacheDir>/sigstore/trusted_root.json`). With `offline`, only that
 * cached copy is used; the network is never touched.
 */
export async function loadTrustedRoot(opts: TrustedRootOptions): Promise<TrustedRootJSON> {
  if (opts.file) return readTrustedRootFile(opts.file);
  const dir = join(opts.cacheDir ?? defaultTrustCacheDir(), 'sigstore');
  const cached = join(dir, CACHED_ROOT);
  if (opts.offline) {
    try {
      return parseTrustedRoot(JSON.parse(readFileSync(cached, 'utf8')), cached);
    } catch (e) {
      if (e instanceof TrustError) throw e;
      throw new TrustError(
        'BAD_TRUSTED_ROOT',
        'offline and no cached trusted root: run once online to fetch it through TUF, or pass --trusted-root FILE',
        { input: cached, cause: e },
      );
    }
  }
  // Loaded on use: tuf-js and make-fetch-happen are only needed when going online.
  const { getTrustedRoot } = await import('@sigstore/tuf');
  let root: unknown;
  try {
    const proto = await getTrustedRoot({ cachePath: join(dir, 'tuf'), mirrorURL: opts.tufMirrorURL, retry: { retries: 1 }, timeout: 10_000 });
    const { TrustedRoot } = await import('@sigstore/protobuf-specs');
    root = TrustedRoot.toJSON(proto);
  } catch (e) {
    throw new TrustError('NETWORK', `cannot refresh the Sigstore trusted root through TUF: ${(e as Error).message}`, {
      input: opts.tufMirrorURL ?? 'https://tuf-repo-cdn.sigstore.dev',
      cause: e,
    });
  }
  const parsed = parseTrustedRoot(root, 'TUF trusted_root.json');
  // Written only after TUF verified it, and atomically, so an offline run never reads half a file.
  mkdirSync(dirname(cached), { recursive: true });
  const tmp = `${cached}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(parsed, null, 2) + '\n');
  renameSync(tmp, cached);
  return parsed;
}
