// One HTTP exchange over node:http/https, with a timeout, extra CA certificates, and
// transport failures mapped to OciError NETWORK. Redirects and auth live in registry.ts.
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import { OciError } from './types.js';

export interface HttpOptions {
  timeoutMs: number;
  caCerts?: string[];
}

export interface HttpRequest {
  method: string;
  url: URL;
  headers?: Record<string, string>;
  body?: Buffer;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: IncomingMessage;
  url: URL;
}

function networkError(url: URL, e: unknown): OciError {
  if (e instanceof OciError) return e;
  const err = e as NodeJS.ErrnoException;
  const why = err.code ? `${err.code}${err.message && !err.message.includes(err.code) ? ` (${err.message})` : ''}` : err.message;
  return new OciError('NETWORK', `request to ${url.origin} failed: ${why}`, { input: url.href, cause: e });
}

export function send(req: HttpRequest, opts: HttpOptions): Promise<HttpResponse> {
  const { url } = req;
  const lib = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (!lib) return Promise.reject(new OciError('NETWORK', `unsupported URL scheme ${url.protocol}`, { input: url.href }));
  const headers: Record<string, string> = { 'User-Agent': 'portcullis', ...req.headers };
  if (req.body) headers['Content-Length'] = String(req.body.length);
  const tlsOptions = url.protocol === 'https:' && opts.caCerts?.length ? { ca: [...rootCertificates, ...opts.caCerts] } : {};

  return new Promise((resolve, reject) => {
    const request = lib.request(url, { method: req.method, headers, ...tlsOptions }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url });
    });
    // Socket idle timeout: covers connecting, waiting for headers and stalls mid-body.
    request.setTimeout(opts.timeoutMs, () => {
      request.destroy(new OciError('NETWORK', `request to ${url.origin} timed out after ${opts.timeoutMs} ms`, { input: url.href }));
    });
    request.on('error', (e) => reject(networkError(url, e)));
    request.end(req.body);
  });
}

/** Reads a response body into memory, refusing more than `max` bytes (TOO_LARGE). */
export function readBody(res: HttpResponse, max: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    res.body.destroy();
    return Promise.reject(new OciError('TOO_LARGE', `${what} is ${declared} bytes, over the ${max}-byte limit`, { input: res.url.href }));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const fail = (e: OciError) => {
      if (settled) return;
      settled = true;
      reject(e);
      res.body.destroy();
    };
    res.body.on('data', (c: Buffer) => {
      total += c.length;
      if (total > max) fail(new OciError('TOO_LARGE', `${what} exceeds the ${max}-byte limit`, { input: res.url.href }));
      else chunks.push(c);
    });
    res.body.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks));
    });
    res.body.on('error', (e) => fail(networkError(res.url, e)));
    // A connection cut mid-body ends in 'close' without 'end'.
    res.body.on('close', () => fail(new OciError('NETWORK', `connection to ${res.url.origin} closed mid-response`, { input: res.url.href })));
  });
}

/** Discards a body we do not need, so the socket can be reused. */
export function drain(res: HttpResponse): void {
  res.body.on('error', () => undefined);
  res.body.resume();
}

export function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}
