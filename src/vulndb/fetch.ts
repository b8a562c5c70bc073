// Downloads a source URL into a temp file beside the database (never elsewhere: only the
// cache directory and the output are written), with an idle timeout and a size cap.
import { createWriteStream, rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { tempPathFor } from './files.js';
import { VulnDbError } from './types.js';

export interface FetchOptions {
  /** Abort when no byte arrives for this long (default 30 s). */
  timeoutMs?: number;
  /** Cap on the downloaded bytes (default 8 GiB). */
  maxBytes?: number;
}

export const DEFAULT_FETCH_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_DOWNLOAD = 8 * 1024 ** 3;

export function isUrl(s: string): boolean {
  return /^https?:\/\//i.test(s);
}

export interface Download {
  path: string;
  /** The server's Last-Modified, as ISO 8601, when it sent one. */
  lastModified?: string;
  remove(): void;
}

/** GETs `url` into a temp file next to `besidePath`; IMPORT_FETCH_FAILED on any network or HTTP failure. */
export async function downloadToTemp(url: string, besidePath: string, opts: FetchOptions = {}): Promise<Download> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS;
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_DOWNLOAD;
  await mkdir(dirname(besidePath), { recursive: true });
  const tmp = tempPathFor(besidePath, 'download');
  const remove = () => rmSync(tmp, { force: true });
  const ctl = new AbortController();
  let timer = setTimeout(() => ctl.abort(), timeoutMs);
  const poke = () => {
    clearTimeout(timer);
    timer = setTimeout(() => ctl.abort(), timeoutMs);
  };
  const failed = (why: string, cause?: unknown) => new VulnDbError('IMPORT_FETCH_FAILED', `download failed: ${why}`, { input: url, cause });
  try {
    let res: Response;
    try {
      res = await fetch(url, { signal: ctl.signal, redirect: 'follow' });
    } catch (e) {
      throw failed(ctl.signal.aborted ? `no answer within ${timeoutMs} ms` : describeFetchError(e), e);
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw failed(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
    }
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw new VulnDbError('IMPORT_TOO_LARGE', `is ${declared} bytes, over the ${maxBytes}-byte download limit`, { input: url });
    }
    let got = 0;
    const body = Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>);
    body.on('data', (c: Buffer) => {
      poke();
      got += c.length;
      if (got > maxBytes) body.destroy(new VulnDbError('IMPORT_TOO_LARGE', `sent more than the ${maxBytes}-byte download limit`, { input: url }));
    });
    try {
      await pipeline(body, createWriteStream(tmp, { flags: 'wx' }));
    } catch (e) {
      if (e instanceof VulnDbError) throw e;
      throw failed(ctl.signal.aborted ? `stalled for ${timeoutMs} ms after ${got} bytes` : `${describeFetchError(e)} after ${got} bytes`, e);
    }
    const lm = Date.parse(res.headers.get('last-modified') ?? '');
    return { path: tmp, remove, ...(Number.isNaN(lm) ? {} : { lastModified: new Date(lm).toISOString() }) };
  } catch (e) {
    remove();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

function describeFetchError(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } } | null)?.cause;
  if (cause?.code) return `${cause.code}${cause.message ? ` (${cause.message})` : ''}`;
  return e instanceof Error ? e.message : String(e);
}
