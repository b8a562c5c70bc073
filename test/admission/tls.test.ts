// TLS: the generated CA and serving certificate, the protocol floor (TLS 1.2), and certificate
// files rotated under a running server (picked up without a restart).
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type SecureVersion } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdmissionError,
  PolicyStore,
  createAdmissionServer,
  generateServingCertificate,
  loadPolicySet,
  readTlsFiles,
  watchTlsFiles,
  type AdmissionServer,
  type GeneratedCertificate,
} from '../../src/admission/index.js';
import { captureLogger, policyDir, testCertificate, waitFor } from './server-helpers.js';

/** A TLS handshake to the server: the negotiated protocol, or the error code. */
function handshake(port: number, ca: string, opts: { minVersion?: SecureVersion; maxVersion?: SecureVersion; servername?: string } = {}): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect({
      host: '127.0.0.1',
      port,
      ca,
      servername: opts.servername ?? 'portcullis.portcullis.svc',
      ...(opts.minVersion ? { minVersion: opts.minVersion } : {}),
      ...(opts.maxVersion ? { maxVersion: opts.maxVersion } : {}),
      // OpenSSL 3's default security level will not even offer TLS 1.1 from the client side; lower
      // it on the client so the refusal we observe is the server's.
      ciphers: 'DEFAULT@SECLEVEL=0',
    });
    sock.once('secureConnect', () => {
      resolve(sock.getProtocol() ?? 'unknown');
      sock.end();
    });
    sock.once('error', (e: Error & { code?: string }) => resolve(e.code ?? e.message));
  });
}

function errorOf(fn: () => unknown): AdmissionError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AdmissionError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('the generated CA and serving certificate', () => {
  let g: GeneratedCertificate;
  beforeAll(async () => {
    g = await generateServingCertificate({ serviceName: 'webhook', namespace: 'policy', dnsNames: ['extra.example'] });
  });

  it('an ECDSA P-256 CA signs a leaf for the Service DNS names and localhost', () => {
    const ca = new X509Certificate(g.ca);
    const leaf = new X509Certificate(g.cert);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    for (const n of ['webhook', 'webhook.policy', 'webhook.policy.svc', 'webhook.policy.svc.cluster.local', 'extra.example', 'localhost']) {
      expect(leaf.checkHost(n)).toBe(n);
    }
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkHost('other.policy.svc')).toBeUndefined();
    expect(leaf.keyUsage ?? []).toContain('1.3.6.1.5.5.7.3.1'); // extended key usage: serverAuth
    expect(new Date(leaf.validTo).getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000);
  });

  it('two generations give two different CAs', async () => {
    const other = await generateServingCertificate({ serviceName: 'webhook', namespace: 'policy' });
    expect(new X509Certificate(other.ca).fingerprint256).not.toBe(new X509Certificate(g.ca).fingerprint256);
  });
});

describe('the protocol floor', () => {
  let server: AdmissionServer;
  let port: number;
  let ca: string;
  let dir: string;
  beforeAll(async () => {
    const cert = await testCertificate();
    ca = cert.ca;
    dir = policyDir('Audit');
    server = createAdmissionServer({ policies: new PolicyStore(loadPolicySet(dir)), tls: cert, logger: captureLogger().logger });
    port = (await server.listen('127.0.0.1', 0)).port;
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('TLS 1.1 (and 1.0) is refused by the server’s alert; TLS 1.2 and 1.3 are spoken', async () => {
    expect(await handshake(port, ca, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' })).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    expect(await handshake(port, ca, { minVersion: 'TLSv1', maxVersion: 'TLSv1' })).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    expect(await handshake(port, ca, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })).toBe('TLSv1.2');
    expect(await handshake(port, ca)).toBe('TLSv1.3');
  });

  it('the certificate is checked against the Service name the apiserver dials', async () => {
    expect(await handshake(port, ca, { servername: 'portcullis.portcullis.svc' })).toBe('TLSv1.3');
    expect(await handshake(port, ca, { servername: 'wrong.portcullis.svc' })).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
  });
});

describe('certificate files', () => {
  let dir: string;
  let a: GeneratedCertificate;
  let b: GeneratedCertificate;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-tls-'));
    [a, b] = await Promise.all([
      generateServingCertificate({ serviceName: 'portcullis', namespace: 'portcullis' }),
      generateServingCertificate({ serviceName: 'portcullis', namespace: 'portcullis' }),
    ]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Replaces a file by rename, as cert-manager's Secret volume update does. */
  function replace(file: string, text: string): void {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  }

  it('bad files fail with TLS: missing, not PEM, key not matching', () => {
    const cert = join(dir, 'c.pem');
    const key = join(dir, 'k.pem');
    expect(errorOf(() => readTlsFiles(cert, key)).code).toBe('TLS');
    writeFileSync(cert, 'not a certificate');
    writeFileSync(key, a.key);
    expect(errorOf(() => readTlsFiles(cert, key)).code).toBe('TLS');
    writeFileSync(cert, a.cert);
    writeFileSync(key, b.key);
    expect(errorOf(() => readTlsFiles(cert, key)).code).toBe('TLS');
    writeFileSync(key, a.key);
    expect(readTlsFiles(cert, key).cert).toBe(a.cert);
  });

  it('a rotation is picked up without a restart; a half-written one keeps the old pair', async () => {
    const cert = join(dir, 'tls.crt');
    const key = join(dir, 'tls.key');
    writeFileSync(cert, a.cert);
    writeFileSync(key, a.key);
    const pdir = policyDir('Audit');
    const { logger } = captureLogger();
    const server = createAdmissionServer({ policies: new PolicyStore(loadPolicySet(pdir)), tls: readTlsFiles(cert, key), logger });
    const errors: AdmissionError[] = [];
    let reloads = 0;
    const watcher = watchTlsFiles(
      cert,
      key,
      (m) => {
        reloads++;
        server.setTls(m);
      },
      (e) => errors.push(e),
      { debounceMs: 50 },
    );
    try {
      const { port } = await server.listen('127.0.0.1', 0);
      expect(await handshake(port, a.ca)).toBe('TLSv1.3');
      expect(await handshake(port, b.ca)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');

      // Half a rotation: the new certificate with the old key. Reported; the old pair serves.
      replace(cert, b.cert);
      await waitFor(() => errors.length > 0);
      expect(errors[0]!.code).toBe('TLS');
      expect(reloads).toBe(0);
      expect(await handshake(port, a.ca)).toBe('TLSv1.3');

      // The key follows: the new pair serves new connections.
      replace(key, b.key);
      await waitFor(async () => (await handshake(port, b.ca)) === 'TLSv1.3');
      expect(reloads).toBe(1);
      expect(await handshake(port, a.ca)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      // Still TLS 1.2 at least after the swap.
      expect(await handshake(port, b.ca, { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' })).toBe('ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION');
    } finally {
      watcher.close();
      await server.close();
      rmSync(pdir, { recursive: true, force: true });
    }
  });
});
