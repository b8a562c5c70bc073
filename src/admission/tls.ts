/**
 * TLS for the webhook: a certificate and key from files (reloaded when they change, as
 * cert-manager or a Secret volume rotates them), or a CA and serving certificate generated at
 * start for the Service's DNS names, the CA printed for the webhook's caBundle.
 */
import { X509Certificate, webcrypto, KeyObject } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { AdmissionError } from './errors.js';

/** The apiserver speaks TLS 1.2 and 1.3; anything older is refused at the handshake. */
export const TLS_MIN_VERSION = 'TLSv1.2' as const;

export interface TlsMaterial {
  /** PEM certificate chain (leaf first). */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

export interface GeneratedCertificate extends TlsMaterial {
  /** PEM of the CA that signed `cert`: the webhook configuration's caBundle (base64 of it). */
  readonly ca: string;
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  readonly notAfter: Date;
}

const MAX_PEM_BYTES = 1024 * 1024;

export function secureContextOptions(m: TlsMaterial): SecureContextOptions {
  return { cert: m.cert, key: m.key, minVersion: TLS_MIN_VERSION };
}

function tlsError(input: string, reason: string, cause?: unknown): AdmissionError {
  return new AdmissionError('TLS', reason, { input, ...(cause !== undefined ? { cause } : {}) });
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

/** Checks that the key pairs with the certificate and both parse (OpenSSL does the check). */
export function checkTlsMaterial(m: TlsMaterial, input: string): void {
  try {
    new X509Certificate(m.cert);
  } catch (e) {
    throw tlsError(input, `not a PEM certificate (${firstLine(e)})`, e);
  }
  try {
    createSecureContext(secureContextOptions(m));
  } catch (e) {
    throw tlsError(input, `certificate and key do not pair or cannot be used (${firstLine(e)})`, e);
  }
}

function readPem(file: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw tlsError(file, code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? firstLine(e)})`, e);
  }
  if (buf.length > MAX_PEM_BYTES) throw tlsError(file, `larger than ${MAX_PEM_BYTES} bytes`);
  return buf.toString('utf8');
}

/** Reads a certificate (chain) and key; throws AdmissionError TLS naming the file and the reason. */
export function readTlsFiles(certFile: string, keyFile: string): TlsMaterial {
  const m = { cert: readPem(certFile), key: readPem(keyFile) };
  checkTlsMaterial(m, `${certFile}, ${keyFile}`);
  return m;
}

/** Subject alternative names of a certificate, for logs (`DNS:a, IP Address:1.2.3.4`). */
export function describeCertificate(pem: string): { subject: string; altNames: string; notAfter: string } {
  const c = new X509Certificate(pem);
  return { subject: c.subject.replace(/\n/g, ', '), altNames: c.subjectAltName ?? '', notAfter: new Date(c.validTo).toISOString() };
}

export interface TlsWatcher {
  close(): void;
}

/**
 * Watches the directories holding the files (files are replaced by rename, and a Secret volume
 * swaps a `..data` symlink) and reports a new pair when it reads, parses and pairs; a half-written
 * rotation (new certificate, old key) is reported to `onError` and the old pair stays.
 */
export function watchTlsFiles(
  certFile: string,
  keyFile: string,
  onChange: (m: TlsMaterial) => void,
  onError: (e: AdmissionError) => void,
  opts: { debounceMs?: number; pollMs?: number } = {},
): TlsWatcher {
  const debounceMs = opts.debounceMs ?? 250;
  let last: string | undefined;
  try {
    last = readPem(certFile) + '\0' + readPem(keyFile);
  } catch {
    last = undefined;
  }
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  const check = () => {
    if (closed) return;
    let m: TlsMaterial;
    try {
      m = { cert: readPem(certFile), key: readPem(keyFile) };
      const fp = m.cert + '\0' + m.key;
      if (fp === last) return;
      checkTlsMaterial(m, `${certFile}, ${keyFile}`);
      last = fp;
    } catch (e) {
      onError(e instanceof AdmissionError ? e : tlsError(certFile, firstLine(e), e));
      return;
    }
    onChange(m);
  };
  const schedule = () => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(check, debounceMs);
    timer.unref();
  };
  const watchers: FSWatcher[] = [];
  for (const d of new Set([dirname(resolve(certFile)), dirname(resolve(keyFile))])) {
    try {
      const w = watch(d, { persistent: false }, schedule);
      w.on('error', () => w.close());
      watchers.push(w);
    } catch (e) {
      throw tlsError(d, `cannot watch (${firstLine(e)})`, e);
    }
  }
  const poll = opts.pollMs && opts.pollMs > 0 ? setInterval(check, opts.pollMs) : undefined;
  poll?.unref();
  return {
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      for (const w of watchers) w.close();
    },
  };
}

// --- a generated CA and serving certificate ---------------------------------------------

/** The names the apiserver may dial for Service `name` in `namespace` (it uses `<svc>.<ns>.svc`). */
export function serviceDnsNames(serviceName: string, namespace: string): string[] {
  return [serviceName, `${serviceName}.${namespace}`, `${serviceName}.${namespace}.svc`, `${serviceName}.${namespace}.svc.cluster.local`];
}

/**
 * @peculiar/x509 resolves its algorithms through tsyringe, which wants the Reflect metadata API
 * present at import. Its classes take no constructor parameters, so an empty metadata store is
 * enough; a real polyfill (reflect-metadata) already loaded is left alone.
 */
function ensureReflectMetadata(): void {
  const R = Reflect as unknown as Record<string, unknown>;
  if (typeof R.getMetadata === 'function') return;
  const store = new WeakMap<object, Map<unknown, unknown>>();
  const own = (target: object, key: unknown) => store.get(target)?.get(key);
  R.defineMetadata = (key: unknown, value: unknown, target: object) => {
    let m = store.get(target);
    if (!m) store.set(target, (m = new Map()));
    m.set(key, value);
  };
  R.getOwnMetadata = own;
  R.getMetadata = (key: unknown, target: object) => {
    for (let t: object | null = target; t; t = Object.getPrototypeOf(t) as object | null) {
      const v = own(t, key);
      if (v !== undefined) return v;
    }
    return undefined;
  };
}

function randomSerial(): string {
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] = b[0]! & 0x7f; // positive INTEGER
  return Buffer.from(b).toString('hex');
}

function pkcs8Pem(key: webcrypto.CryptoKey): string {
  return KeyObject.from(key).export({ type: 'pkcs8', format: 'pem' }) as string;
}

export interface GenerateOptions {
  readonly serviceName: string;
  readonly namespace: string;
  /** More DNS names; localhost, 127.0.0.1 and ::1 are always included (local tests, port-forward). */
  readonly dnsNames?: string[];
  readonly ipAddresses?: string[];
  readonly validityDays?: number;
  readonly now?: Date;
}

/**
 * A fresh ECDSA P-256 CA and a serving certificate it signs, for the Service's DNS names plus
 * localhost. Nothing is written: the caller prints or writes the CA for the caBundle.
 */
export async function generateServingCertificate(opts: GenerateOptions): Promise<GeneratedCertificate> {
  ensureReflectMetadata();
  const x509 = await import('@peculiar/x509');
  const crypto = webcrypto;
  // Node's webcrypto is the WebCrypto the library types as the DOM's Crypto.
  x509.cryptoProvider.set(crypto as unknown as NonNullable<Parameters<typeof x509.X509CertificateGenerator.create>[1]>);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const now = opts.now ?? new Date();
  const notBefore = new Date(now.getTime() - 5 * 60_000); // clock skew between nodes
  const notAfter = new Date(now.getTime() + (opts.validityDays ?? 365) * 86_400_000);
  const dnsNames = [...new Set([...serviceDnsNames(opts.serviceName, opts.namespace), ...(opts.dnsNames ?? []), 'localhost'])];
  const ipAddresses = [...new Set(['127.0.0.1', '::1', ...(opts.ipAddresses ?? [])])];

  const caKeys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=portcullis webhook CA (${opts.serviceName}.${opts.namespace}), O=portcullis`,
    notBefore,
    notAfter,
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const keys = (await crypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${opts.serviceName}.${opts.namespace}.svc`,
    issuer: caCert.subject,
    notBefore,
    notAfter,
    publicKey: keys.publicKey,
    signingKey: caKeys.privateKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...dnsNames.map((value) => ({ type: 'dns' as const, value })), ...ipAddresses.map((value) => ({ type: 'ip' as const, value }))]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });

  const out: GeneratedCertificate = {
    cert: cert.toString('pem') + '\n',
    key: pkcs8Pem(keys.privateKey as webcrypto.CryptoKey),
    ca: caCert.toString('pem') + '\n',
    dnsNames,
    ipAddresses,
    notAfter,
  };
  checkTlsMaterial(out, 'generated certificate');
  return out;
}
