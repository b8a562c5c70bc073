// `portcullis serve` with a verifyImages policy, over HTTPS: a Pod whose image is signed (by
// our signImage, in a real loopback registry) is admitted; an unsigned one is denied with the
// reason; the second request for the same image is served from the digest cache.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, type RunningServe } from '../../src/cli/commands/serve-run.js';
import { signImage } from '../../src/trust/image.js';
import { generateKeyPair, loadPrivateKey } from '../../src/trust/keys.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushImage } from '../policy/verify/helpers.js';
import { postReview, reviewFixture, withUid } from './server-helpers.js';

const key = generateKeyPair('');
const work = mkdtempSync(join(tmpdir(), 'portcullis-serve-verify-'));
let reg: TestRegistry;
let running: RunningServe;
let signed: string;
let unsigned: string;

function podReview(uid: string, image: string): Record<string, unknown> {
  const r = withUid(reviewFixture('pod-create'), uid) as { request: { object: { spec: { containers: Array<Record<string, unknown>> } } } };
  const c = r.request.object.spec.containers[0]!;
  r.request.object.spec.containers = [{ ...c, image }];
  return r as unknown as Record<string, unknown>;
}

beforeAll(async () => {
  reg = await startRegistry();
  const d1 = await pushImage(reg.host, 'acme/app', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=1\n' });
  await signImage(`${reg.host}/acme/app@${d1}`, { plainHttp: true, key: loadPrivateKey(key.privateKeyPem, '') });
  const d2 = await pushImage(reg.host, 'acme/unsigned', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=2\n' });
  signed = `${reg.host}/acme/app@${d1}`;
  unsigned = `${reg.host}/acme/unsigned@${d2}`;
  const pem = key.publicKeyPem.trim().split('\n').map((l) => `                      ${l}`).join('\n');
  const policies = join(work, 'policies');
  rmSync(policies, { recursive: true, force: true });
  const { mkdirSync } = await import('node:fs');
  mkdirSync(policies);
  writeFileSync(
    join(policies, 'verify.yaml'),
    [
      'apiVersion: kyverno.io/v1',
      'kind: ClusterPolicy',
      'metadata: { name: verify-acme }',
      'spec:',
      '  background: false',
      '  rules:',
      '    - name: check-signature',
      '      match: { any: [ { resources: { kinds: ["Pod"] } } ] }',
      '      verifyImages:',
      '        - failureAction: Enforce',
      `          imageReferences: ["${reg.host}/acme/*"]`,
      '          attestors:',
      '            - entries:',
      '                - keys:',
      '                    publicKeys: |-',
      pem,
      '                    rekor: { ignoreTlog: true }',
      '',
    ].join('\n'),
  );
  running = await startServe({
    addr: '127.0.0.1:0',
    generateCert: true,
    caOut: join(work, 'ca.pem'),
    serviceName: 'portcullis',
    namespace: 'portcullis',
    timeout: '8s',
    logLevel: 'silent',
    policies: [policies],
    registryPlainHttp: true,
  });
}, 120_000);

afterAll(async () => {
  await running?.close();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('serve with verifyImages (Enforce)', () => {
  const t = () => ({ port: running.address.port, agent: new Agent({ ca: readFileSync(join(work, 'ca.pem'), 'utf8'), keepAlive: false }) });
  type Answer = { response: { uid: string; allowed: boolean; status?: { message: string } } };

  it('admits a Pod whose image is signed with the key', async () => {
    const r = await postReview(t(), podReview('signed-1', signed));
    expect(r.status).toBe(200);
    const a = r.json() as unknown as Answer;
    expect(a.response.uid).toBe('signed-1');
    expect(a.response.allowed).toBe(true);
  });

  it('denies an unsigned image with the reason', async () => {
    const a = (await postReview(t(), podReview('unsigned-1', unsigned))).json() as unknown as Answer;
    expect(a.response.allowed).toBe(false);
    expect(a.response.status?.message).toContain(`failed to verify image ${unsigned}`);
    expect(a.response.status?.message).toContain('no signatures found');
  });

  it('answers a repeat from the cache (fast)', async () => {
    const t0 = performance.now();
    const a = (await postReview(t(), podReview('signed-2', signed))).json() as unknown as Answer;
    expect(a.response.allowed).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});
