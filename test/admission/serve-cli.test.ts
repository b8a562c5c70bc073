// `portcullis serve` flags: addresses, durations, the TLS choices, and start-up failures that
// must end in one clear error rather than a half-started server.
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateServingCertificate } from '../../src/admission/index.js';
import { parseAddr, parseTimeout, startServe } from '../../src/cli/commands/serve-run.js';
import type { ServeFlags } from '../../src/cli/commands/serve.js';
import { isPortcullisError, type PortcullisError } from '../../src/errors/index.js';
import { policyDir, postReview, reviewFixture, send } from './server-helpers.js';

let dir: string;
let work: string;
beforeAll(() => {
  dir = policyDir('Enforce');
  work = mkdtempSync(join(tmpdir(), 'portcullis-serve-cli-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const flags = (over: Partial<ServeFlags>): ServeFlags => ({
  policies: [dir],
  addr: '127.0.0.1:0',
  serviceName: 'portcullis',
  namespace: 'portcullis',
  timeout: '8s',
  logLevel: 'silent',
  ...over,
});

async function failure(p: Promise<unknown> | (() => unknown)): Promise<PortcullisError> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (isPortcullisError(e)) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('flag parsing', () => {
  it.each([
    [':8443', { host: '0.0.0.0', port: 8443 }],
    ['127.0.0.1:0', { host: '127.0.0.1', port: 0 }],
    ['[::1]:9443', { host: '::1', port: 9443 }],
    ['localhost:443', { host: 'localhost', port: 443 }],
  ])('--addr %s', (addr, want) => expect(parseAddr(addr)).toEqual(want));

  it.each(['8443', 'host', ':99999', '::1:80', ''])('--addr %j is refused', async (addr) => {
    expect((await failure(() => parseAddr(addr))).code).toBe('BAD_FLAG');
  });

  it.each([
    ['8s', 8000],
    ['2500ms', 2500],
    ['1.5s', 1500],
    ['8', 8000],
    ['30s', 30000],
  ])('--timeout %s', (s, ms) => expect(parseTimeout(s)).toBe(ms));

  it.each(['0s', '50ms', '31s', 'soon', '-1s'])('--timeout %j is refused', async (s) => {
    expect((await failure(() => parseTimeout(s))).code).toBe('BAD_FLAG');
  });
});

describe('start-up', () => {
  it.each([
    ['no --policies', { policies: [] }, 'USAGE'],
    ['no TLS at all', {}, 'USAGE'],
    ['both TLS files and --generate-cert', { tlsCert: 'a', tlsKey: 'b', generateCert: true }, 'USAGE'],
    ['a certificate without its key', { tlsCert: 'a' }, 'USAGE'],
    ['an unknown log level', { generateCert: true, logLevel: 'loud' }, 'BAD_FLAG'],
    ['missing certificate files', { tlsCert: '/nonexistent/tls.crt', tlsKey: '/nonexistent/tls.key' }, 'TLS'],
  ] as const)('%s → %s', async (_n, over, code) => {
    expect((await failure(startServe(flags(over as Partial<ServeFlags>)))).code).toBe(code);
  });

  it('a policy directory that does not load: POLICY_LOAD naming the file, nothing left listening', async () => {
    const bad = join(work, 'bad-policies');
    rmSync(bad, { recursive: true, force: true });
    mkdirSync(bad);
    writeFileSync(join(bad, 'p.yaml'), 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: { name: p }\nspec: { rules: [ { name: r } ] }\n');
    const err = await failure(startServe(flags({ policies: [bad], generateCert: true, caOut: join(work, 'unused-ca.pem') })));
    expect(err.code).toBe('POLICY_LOAD');
    expect(err.toLine()).toContain(join(bad, 'p.yaml'));
    // The CA is written only once the server can start.
    expect(() => readFileSync(join(work, 'unused-ca.pem'))).toThrow();
  });

  it('--generate-cert --ca-out: the CA written there verifies the serving certificate; Enforce denies', async () => {
    const caOut = join(work, 'ca.pem');
    const running = await startServe(flags({ generateCert: true, caOut }));
    try {
      const ca = readFileSync(caOut, 'utf8');
      expect(ca).toBe(running.ca);
      expect(new X509Certificate(ca).ca).toBe(true);
      const agent = new Agent({ ca, keepAlive: false });
      const res = await postReview({ port: running.address.port, agent }, reviewFixture('pod-create'));
      expect((res.json().response as { allowed: boolean }).allowed).toBe(false);
      expect((await send({ port: running.address.port, agent }, 'GET', '/readyz')).status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('--tls-cert/--tls-key: serves with the given pair', async () => {
    const g = await generateServingCertificate({ serviceName: 'portcullis', namespace: 'portcullis' });
    writeFileSync(join(work, 'tls.crt'), g.cert);
    writeFileSync(join(work, 'tls.key'), g.key);
    const running = await startServe(flags({ tlsCert: join(work, 'tls.crt'), tlsKey: join(work, 'tls.key') }));
    try {
      const res = await send({ port: running.address.port, agent: new Agent({ ca: g.ca }) }, 'GET', '/healthz');
      expect(res.status).toBe(200);
    } finally {
      await running.close();
    }
  });

  it('an address already in use is a clear error', async () => {
    const first = await startServe(flags({ generateCert: true, caOut: join(work, 'ca1.pem') }));
    try {
      const err = await failure(startServe(flags({ generateCert: true, caOut: join(work, 'ca2.pem'), addr: `127.0.0.1:${first.address.port}` })));
      expect(err.code).toBe('USAGE');
      expect(err.toLine()).toMatch(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
