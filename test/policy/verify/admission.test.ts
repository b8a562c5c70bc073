// Admission with image verification, end to end in process: a Pod CREATE AdmissionReview (as
// kube-apiserver sends it) through reviewAdmissionWithVerification against a real registry with
// images signed by our signImage. Cluster-mode pull secrets are read through KubeClient from a
// stand-in API server on 127.0.0.1 (the Kubernetes API cannot run here), answering GETs of
// Secrets and ServiceAccounts in the API server's shapes (object, or a 404 Status).
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeClient, loadKubeConfig } from '../../../src/admission/cluster.js';
import { policySetFromDocs, type PolicySet } from '../../../src/admission/policyset.js';
import { reviewAdmission } from '../../../src/admission/review.js';
import { kubeSecretReader, policySetVerifiesImages, reviewAdmissionWithVerification, verificationDeadline } from '../../../src/admission/verify-review.js';
import type { Resource } from '../../../src/policy/types.js';
import { createPullSecretCredentials, ImageVerifier } from '../../../src/policy/verify/index.js';
import { signImage } from '../../../src/trust/image.js';
import { generateKeyPair, loadPrivateKey } from '../../../src/trust/keys.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { FIXTURES, policyFromFixture, pushImage } from './helpers.js';

const key = generateKeyPair('');
let reg: TestRegistry;
let privateReg: TestRegistry;
let work: string;
const CREDS = { username: 'ci', password: 'pull-only' };

/** The recorded Pod CREATE review with its containers replaced by `images`. */
function review(images: string[], extra: { imagePullSecrets?: Array<{ name: string }>; serviceAccountName?: string } = {}): Record<string, unknown> {
  const r = JSON.parse(readFileSync(join(FIXTURES, 'pod-create-review.json'), 'utf8')) as { request: { object: { spec: Record<string, unknown> & { containers: Array<Record<string, unknown>> } } } };
  const spec = r.request.object.spec;
  const template = spec.containers[0]!;
  spec.containers = images.map((image, i) => ({ ...template, name: `c${i}`, image }));
  Object.assign(spec, extra);
  return r as unknown as Record<string, unknown>;
}

function policySet(action: 'Enforce' | 'Audit', registry = reg.host): PolicySet {
  const p = policyFromFixture('key.yaml', { ACTION: action, REQUIRED: 'true', REGISTRY: registry, KEY: key.publicKeyPem });
  return policySetFromDocs([p.doc], 'test');
}

type Response = { allowed: boolean; status?: { code: number; message: string }; warnings?: string[] };
const responseOf = (r: { review: Record<string, unknown> }) => r.review.response as Response;

beforeAll(async () => {
  [reg, privateReg, work] = await Promise.all([startRegistry(), startRegistry({ htpasswd: { user: CREDS.username, password: CREDS.password } }), mkdtemp(join(tmpdir(), 'portcullis-verify-adm-'))]);
  const priv = loadPrivateKey(key.privateKeyPem, '');
  const signed = await pushImage(reg.host, 'acme/app', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=1\n' });
  await signImage(`${reg.host}/acme/app@${signed}`, { plainHttp: true, key: priv });
  await pushImage(reg.host, 'acme/unsigned', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=2\n' });
  const priv2 = await pushImage(privateReg.host, 'acme/app', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=private\n' }, CREDS);
  await signImage(`${privateReg.host}/acme/app@${priv2}`, { plainHttp: true, credentials: CREDS, key: priv });
}, 120_000);

afterAll(async () => {
  await reg?.stop();
  await privateReg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('admission review with verifyImages', () => {
  it('allows a signed Pod and denies an unsigned one with the reason (Enforce)', async () => {
    const set = policySet('Enforce');
    expect(policySetVerifiesImages(set)).toBe(true);
    const verifier = new ImageVerifier({ registry: { plainHttp: true } });
    const ok = await reviewAdmissionWithVerification(review([`${reg.host}/acme/app:v1`]), set, { verifier });
    expect(responseOf(ok)).toEqual({ uid: '0df28fbd-5f5f-4a0e-a6a2-4e8d8a5c8b01', allowed: true });

    const denied = await reviewAdmissionWithVerification(review([`${reg.host}/acme/unsigned:v1`]), set, { verifier });
    const res = responseOf(denied);
    expect(res.allowed).toBe(false);
    expect(res.status?.code).toBe(403);
    expect(res.status?.message).toBe(
      `Pod bookstore/web was blocked by 1 Enforce rule:\nverify-acme-key/check-signature: failed to verify image ${reg.host}/acme/unsigned:v1: .attestors[0].entries[0].keys: no signatures found`,
    );
  });

  it('Audit allows the unsigned Pod with a warning', async () => {
    const r = await reviewAdmissionWithVerification(review([`${reg.host}/acme/unsigned:v1`]), policySet('Audit'), { verifier: new ImageVerifier({ registry: { plainHttp: true } }) });
    const res = responseOf(r);
    expect(res.allowed).toBe(true);
    expect(res.warnings?.[0]).toMatch(/^verify-acme-key\/check-signature: failed to verify image .*acme\/unsigned:v1/);
  });

  it('the synchronous review, which cannot verify, gives verifyImages rules no response', () => {
    const r = reviewAdmission(review([`${reg.host}/acme/unsigned:v1`]), policySet('Enforce'));
    expect(r.results).toEqual([]);
  });

  it('eight containers sharing the image are verified once; the next review is answered from the cache', async () => {
    const verifier = new ImageVerifier({ registry: { plainHttp: true } });
    const set = policySet('Enforce');
    const first = await reviewAdmissionWithVerification(review(Array.from({ length: 8 }, () => `${reg.host}/acme/app:v1`)), set, { verifier });
    expect(responseOf(first).allowed).toBe(true);
    expect(verifier.stats).toMatchObject({ requests: 1, verifications: 1, resolutions: 1 });
    await reviewAdmissionWithVerification(review(Array.from({ length: 8 }, () => `${reg.host}/acme/app:v1`)), set, { verifier });
    expect(verifier.stats).toMatchObject({ requests: 2, verifications: 1, resolutions: 1, cacheHits: 2 });
  });

  it('a verification past the deadline is an error, which Enforce denies', async () => {
    const net = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    const stalled = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(stalled.address() as AddressInfo).port}`;
    try {
      const deadlineMs = verificationDeadline(500);
      expect(deadlineMs).toBe(300);
      const r = await reviewAdmissionWithVerification(review([`${host}/acme/app:v1`]), policySet('Enforce', host), { verifier: new ImageVerifier({ registry: { plainHttp: true } }), deadlineMs });
      const res = responseOf(r);
      expect(res.allowed).toBe(false);
      expect(res.status?.message).toContain(`verify-acme-key/check-signature: error: failed to verify image ${host}/acme/app:v1: verification did not finish within 300 ms`);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => stalled.close(() => resolve()));
    }
  });

  it("cluster mode: the ServiceAccount's pull secret is read through the Kubernetes API", async () => {
    const secret: Resource = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/dockerconfigjson',
      metadata: { name: 'regcred', namespace: 'bookstore' },
      data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { [privateReg.host]: { auth: Buffer.from(`${CREDS.username}:${CREDS.password}`).toString('base64') } } })).toString('base64') },
    };
    const sa: Resource = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'bookstore' }, imagePullSecrets: [{ name: 'regcred' }] };
    const objects: Record<string, Resource> = { '/api/v1/namespaces/bookstore/secrets/regcred': secret, '/api/v1/namespaces/bookstore/serviceaccounts/default': sa };
    const seen: string[] = [];
    const api = http.createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
      const obj = objects[req.url ?? ''];
      if (obj) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(obj));
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404, message: 'not found' }));
    });
    await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
    try {
      const kubeconfig = join(work, 'kubeconfig');
      const server = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
      await writeFile(
        kubeconfig,
        stringify({
          apiVersion: 'v1',
          kind: 'Config',
          // client-node speaks plain HTTP only with TLS verification off (there is no TLS to verify).
          clusters: [{ name: 'c', cluster: { server, 'insecure-skip-tls-verify': true } }],
          users: [{ name: 'u', user: { token: 'webhook-token' } }],
          contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
          'current-context': 'x',
        }),
      );
      const credentials = createPullSecretCredentials(kubeSecretReader(new KubeClient(loadKubeConfig({ kubeconfig }))));
      const verifier = new ImageVerifier({ registry: { plainHttp: true, dockerConfigPath: join(work, 'none.json') }, credentials });
      const set = policySet('Enforce', privateReg.host);
      const r = await reviewAdmissionWithVerification(review([`${privateReg.host}/acme/app:v1`]), set, { verifier });
      expect(responseOf(r).allowed).toBe(true);
      expect(seen).toEqual(['GET /api/v1/namespaces/bookstore/serviceaccounts/default Bearer webhook-token', 'GET /api/v1/namespaces/bookstore/secrets/regcred Bearer webhook-token']);
      // Without the ServiceAccount's secret the private registry refuses.
      delete objects['/api/v1/namespaces/bookstore/serviceaccounts/default'];
      const noCreds = new ImageVerifier({ registry: { plainHttp: true, dockerConfigPath: join(work, 'none.json') }, credentials: createPullSecretCredentials(kubeSecretReader(new KubeClient(loadKubeConfig({ kubeconfig })))) });
      const denied = await reviewAdmissionWithVerification(review([`${privateReg.host}/acme/app:v1`]), set, { verifier: noCreds });
      expect(responseOf(denied).allowed).toBe(false);
    } finally {
      await new Promise<void>((resolve) => api.close(() => resolve()));
    }
  });
});
