// verifyImages with cosign keys against a real registry (Debian's docker-registry on
// 127.0.0.1): images signed by our own signImage, verified through the engine's three passes.
// A forwarding proxy in front of the registry records every request the verifier makes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveDigest } from '../../../src/oci/index.js';
import { compilePolicy, type CompiledPolicy } from '../../../src/policy/engine/index.js';
import { evaluatePoliciesWithVerification, ImageVerifier } from '../../../src/policy/verify/index.js';
import { signImage } from '../../../src/trust/image.js';
import { generateKeyPair, loadPrivateKey } from '../../../src/trust/keys.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { pod, policyFromFixture, pushImage, startCountingProxy, type CountingProxy } from './helpers.js';

let reg: TestRegistry;
let proxy: CountingProxy;
let host: string;
let appDigest: string;
const keyA = generateKeyPair('');
const keyB = generateKeyPair('');

function keyPolicy(vars: { action?: string; required?: boolean; key?: string } = {}): CompiledPolicy {
  return policyFromFixture('key.yaml', { ACTION: vars.action ?? 'Enforce', REQUIRED: String(vars.required ?? true), REGISTRY: host, KEY: vars.key ?? keyA.publicKeyPem });
}

const verifier = () => new ImageVerifier({ registry: { plainHttp: true } });

beforeAll(async () => {
  reg = await startRegistry();
  proxy = await startCountingProxy(reg.host);
  host = proxy.host;
  appDigest = await pushImage(reg.host, 'acme/app', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=1\n' });
  await pushImage(reg.host, 'acme/unsigned', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=unsigned\n' });
  await pushImage(reg.host, 'acme/skipped', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=skipped\n' });
  const other = await pushImage(reg.host, 'acme/other', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=other\n' });
  // Signed through the registry directly (not the proxy): the proxy counts only verification.
  await signImage(`${reg.host}/acme/app@${appDigest}`, { plainHttp: true, key: loadPrivateKey(keyA.privateKeyPem, '') });
  await signImage(`${reg.host}/acme/other@${other}`, { plainHttp: true, key: loadPrivateKey(keyB.privateKeyPem, '') });
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await reg?.stop();
});

describe('verifyImages with a key', () => {
  it('admits the signed image and refuses the unsigned one (Enforce)', async () => {
    const policy = keyPolicy();
    const ok = await evaluatePoliciesWithVerification([policy], { resource: pod('signed', [`${host}/acme/app:v1`]), admission: { operation: 'CREATE' } }, verifier());
    expect(ok.results.map((r) => [r.rule, r.status, r.action, r.message])).toEqual([['check-signature', 'pass', 'Enforce', `verified image signatures for ${host}/acme/app:v1`]]);
    expect(ok.outcomes[0]?.digest).toBe(appDigest);

    const bad = await evaluatePoliciesWithVerification([policy], { resource: pod('unsigned', [`${host}/acme/unsigned:v1`]), admission: { operation: 'CREATE' } }, verifier());
    expect(bad.results.map((r) => [r.status, r.action])).toEqual([['fail', 'Enforce']]);
    expect(bad.results[0]?.message).toBe(`failed to verify image ${host}/acme/unsigned:v1: .attestors[0].entries[0].keys: no signatures found`);
  });

  it('Audit reports the same failure with the Audit action', async () => {
    const r = await evaluatePoliciesWithVerification([keyPolicy({ action: 'Audit' })], { resource: pod('unsigned', [`${host}/acme/unsigned:v1`]) }, verifier());
    expect(r.results.map((x) => [x.status, x.action])).toEqual([['fail', 'Audit']]);
  });

  it('a signature by another key does not verify', async () => {
    const r = await evaluatePoliciesWithVerification([keyPolicy({ key: keyB.publicKeyPem })], { resource: pod('p', [`${host}/acme/app:v1`]) }, verifier());
    expect(r.results[0]?.status).toBe('fail');
    // Both stored formats (bundle referrer and legacy .sig layer) were tried.
    expect(r.results[0]?.message).toMatch(/^failed to verify image .*acme\/app:v1: \.attestors\[0\]\.entries\[0\]\.keys: none of 2 signatures verified: .*signature does not verify/);
  });

  it('every image of the Pod counts: one unsigned container fails the rule, and only it is named', async () => {
    const r = await evaluatePoliciesWithVerification([keyPolicy()], { resource: pod('mixed', [`${host}/acme/app:v1`, `${host}/acme/unsigned:v1`], { initImages: [`${host}/acme/app:v1`] }) }, verifier());
    expect(r.results[0]?.status).toBe('fail');
    expect(r.results[0]?.message).toBe(`failed to verify image ${host}/acme/unsigned:v1: .attestors[0].entries[0].keys: no signatures found`);
  });

  it('skipImageReferences and images outside imageReferences are not verified', async () => {
    const only = await evaluatePoliciesWithVerification([keyPolicy()], { resource: pod('s', [`${host}/acme/skipped:v1`, 'docker.io/library/busybox:1.36']) }, verifier());
    expect(only.results).toEqual([]);
    expect(only.plan.requests).toEqual([]);
    const mixed = await evaluatePoliciesWithVerification([keyPolicy()], { resource: pod('m', [`${host}/acme/skipped:v1`, `${host}/acme/app:v1`]) }, verifier());
    expect(mixed.results.map((x) => x.status)).toEqual(['pass']);
    expect(mixed.plan.requests.map((q) => q.image)).toEqual([`${host}/acme/app:v1`]);
  });

  it('required: false reports an unverified image as warn, never fail', async () => {
    const r = await evaluatePoliciesWithVerification([keyPolicy({ required: false })], { resource: pod('u', [`${host}/acme/unsigned:v1`]) }, verifier());
    expect(r.results.map((x) => [x.status, x.action])).toEqual([['warn', 'Enforce']]);
    expect(r.results[0]?.message).toMatch(/no signatures found \(not required: allowed\)$/);
    const ok = await evaluatePoliciesWithVerification([keyPolicy({ required: false })], { resource: pod('s', [`${host}/acme/app:v1`]) }, verifier());
    expect(ok.results.map((x) => x.status)).toEqual(['pass']);
  });

  it('count 1 of two keys accepts either signer; without a count both must have signed', async () => {
    const vars = { REGISTRY: host, KEY_A: keyA.publicKeyPem, KEY_B: keyB.publicKeyPem };
    const either = policyFromFixture('count.yaml', { ...vars, COUNT: '1' });
    const both = policyFromFixture('count.yaml', { ...vars, COUNT: '2' });
    const v = verifier();
    const a = await evaluatePoliciesWithVerification([either], { resource: pod('a', [`${host}/acme/app:v1`]) }, v);
    const b = await evaluatePoliciesWithVerification([either], { resource: pod('b', [`${host}/acme/other:v1`]) }, v);
    expect([a.results[0]?.status, b.results[0]?.status]).toEqual(['pass', 'pass']);
    // Signed by A only: the first entry met count 1, so the second was never checked.
    expect(a.outcomes[0]?.signatures[0]?.entries.map((e) => [e.path, e.ok])).toEqual([['.attestors[0].entries[0].keys', true]]);
    const strict = await evaluatePoliciesWithVerification([both], { resource: pod('a', [`${host}/acme/app:v1`]) }, v);
    expect(strict.results[0]?.status).toBe('fail');
    expect(strict.results[0]?.message).toMatch(/: \.attestors\[0\]\.entries\[1\]\.keys: none of 2 signatures verified/);
    expect(strict.results[0]?.message).not.toContain('entries[0]');
  });

  it('verifyDigest: a tag fails unless mutateDigest pins it; the pin is the verified digest', async () => {
    const vars = { REGISTRY: host, KEY: keyA.publicKeyPem };
    const strict = policyFromFixture('digest.yaml', { ...vars, MUTATE: 'false' });
    const tag = await evaluatePoliciesWithVerification([strict], { resource: pod('t', [`${host}/acme/app:v1`]) }, verifier());
    expect(tag.results.map((x) => [x.status, x.message])).toEqual([['fail', `missing digest for ${host}/acme/app:v1`]]);
    const pinned = await evaluatePoliciesWithVerification([strict], { resource: pod('d', [`${host}/acme/app@${appDigest}`]) }, verifier());
    expect(pinned.results.map((x) => [x.status, x.message])).toEqual([['pass', `verified image signatures for ${host}/acme/app@${appDigest}`]]);
    expect(pinned.mutations).toEqual([]);

    const mutating = policyFromFixture('digest.yaml', { ...vars, MUTATE: 'true' });
    const m = await evaluatePoliciesWithVerification([mutating], { resource: pod('t', [`${host}/acme/app:v1`]) }, verifier());
    expect(m.results.map((x) => x.status)).toEqual(['pass']);
    const resolved = (await resolveDigest(`${reg.host}/acme/app:v1`, { plainHttp: true })).digest;
    expect(m.mutations).toEqual([
      { policy: 'require-digest', rule: 'pinned', jsonPointer: '/spec/containers/0/image', image: `${host}/acme/app:v1`, digest: resolved, value: `${host}/acme/app:v1@${resolved}` },
    ]);
    // A one-component repository: Kyverno's image string says library/solo, the registry is asked for solo.
    const solo = await pushImage(reg.host, 'solo', 'v1', { 'etc/os-release': 'ID=solo\n' });
    await signImage(`${reg.host}/solo@${solo}`, { plainHttp: true, key: loadPrivateKey(keyA.privateKeyPem, '') });
    const s = await evaluatePoliciesWithVerification([mutating], { resource: pod('solo', [`${host}/solo:v1`]) }, verifier());
    expect(s.results.map((x) => [x.status, x.message])).toEqual([['pass', `verified image signatures for ${host}/library/solo:v1`]]);
    expect(s.mutations.map((x) => x.value)).toEqual([`${host}/solo:v1@${solo}`]);
  });

  it('a Deployment is verified through its autogen rule', async () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { template: { spec: { containers: [{ name: 'app', image: `${host}/acme/unsigned:v1` }] } } },
    };
    const r = await evaluatePoliciesWithVerification([keyPolicy()], { resource: deployment }, verifier());
    expect(r.results.map((x) => [x.rule, x.status])).toEqual([['autogen-check-signature', 'fail']]);
  });

  it('a DELETE is not verified', async () => {
    const r = await evaluatePoliciesWithVerification([keyPolicy()], { resource: pod('gone', [`${host}/acme/unsigned:v1`]), admission: { operation: 'DELETE' } }, verifier());
    expect(r.results).toEqual([]);
  });

  it('eight containers sharing one image: one verification, and the next Pod costs no registry request', async () => {
    const v = verifier();
    const before = proxy.requests.length;
    const eight = pod('eight', Array.from({ length: 8 }, () => `${host}/acme/app:v1`));
    const first = await evaluatePoliciesWithVerification([keyPolicy()], { resource: eight }, v);
    expect(first.results.map((x) => x.status)).toEqual(['pass']);
    expect(first.plan.requests).toHaveLength(1);
    expect(v.stats).toMatchObject({ requests: 1, resolutions: 1, verifications: 1 });
    const cold = proxy.requests.slice(before);
    // One tag resolution; the signature manifests read once (not once per container).
    expect(cold.filter((r) => r.startsWith('HEAD /v2/acme/app/manifests/v1'))).toHaveLength(1);
    expect(new Set(cold).size).toBe(cold.length);

    const mark = proxy.requests.length;
    const again = await evaluatePoliciesWithVerification([keyPolicy()], { resource: pod('eight-again', Array.from({ length: 8 }, () => `${host}/acme/app:v1`)) }, v);
    expect(again.results.map((x) => [x.status, x.message])).toEqual(first.results.map((x) => [x.status, x.message]));
    expect(proxy.requests.slice(mark)).toEqual([]);
    expect(again.outcomes[0]?.cached).toBe(true);
  });

  it('the cache expires after its TTL; failures are never cached; useCache: false always asks', async () => {
    let now = 1_000_000;
    const v = new ImageVerifier({ registry: { plainHttp: true }, cacheTtlMs: 60_000, clock: () => now });
    const p = keyPolicy();
    const signed = { resource: pod('a', [`${host}/acme/app:v1`]) };
    await evaluatePoliciesWithVerification([p], signed, v);
    let mark = proxy.requests.length;
    now += 59_000;
    await evaluatePoliciesWithVerification([p], signed, v);
    expect(proxy.requests.length).toBe(mark);
    now += 2_000;
    const expired = await evaluatePoliciesWithVerification([p], signed, v);
    expect(expired.results[0]?.status).toBe('pass');
    expect(proxy.requests.length).toBeGreaterThan(mark);
    expect(v.stats.verifications).toBe(2);

    const unsigned = { resource: pod('u', [`${host}/acme/unsigned:v1`]) };
    await evaluatePoliciesWithVerification([p], unsigned, v);
    mark = proxy.requests.length;
    await evaluatePoliciesWithVerification([p], unsigned, v);
    expect(proxy.requests.length).toBeGreaterThan(mark);

    const doc = structuredClone(p.doc) as { spec: { rules: Array<{ verifyImages: Array<Record<string, unknown>> }> } };
    doc.spec.rules[0]!.verifyImages[0]!.useCache = false;
    const noCache = compilePolicy(doc as unknown as Record<string, unknown>, 'no-cache.yaml');
    await evaluatePoliciesWithVerification([noCache], signed, v);
    mark = proxy.requests.length;
    const again = await evaluatePoliciesWithVerification([noCache], signed, v);
    expect(again.results[0]?.status).toBe('pass');
    expect(again.outcomes[0]?.cached).toBeUndefined();
    expect(proxy.requests.slice(mark).filter((r) => r.startsWith('HEAD /v2/acme/app/manifests/v1'))).toHaveLength(1);
  });

  it('concurrent requests for the same image share one verification', async () => {
    const v = verifier();
    const p = keyPolicy();
    const rs = await Promise.all([1, 2, 3].map((i) => evaluatePoliciesWithVerification([p], { resource: pod(`c${i}`, [`${host}/acme/app:v1`]) }, v)));
    expect(rs.map((r) => r.results[0]?.status)).toEqual(['pass', 'pass', 'pass']);
    expect(v.stats).toMatchObject({ requests: 3, resolutions: 1, verifications: 1 });
  });

  it('a registry that does not answer in time gives an error result, which Enforce treats as blocking', async () => {
    const net = await import('node:net');
    // Accepts connections and never answers: a stalled registry.
    const sockets: import('node:net').Socket[] = [];
    const stalled = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => stalled.listen(0, '127.0.0.1', resolve));
    const stalledHost = `127.0.0.1:${(stalled.address() as import('node:net').AddressInfo).port}`;
    try {
      const policy = policyFromFixture('key.yaml', { ACTION: 'Enforce', REQUIRED: 'true', REGISTRY: stalledHost, KEY: keyA.publicKeyPem });
      const v = new ImageVerifier({ registry: { plainHttp: true, timeoutMs: 30_000 } });
      const started = Date.now();
      const r = await evaluatePoliciesWithVerification([policy], { resource: pod('slow', [`${stalledHost}/acme/app:v1`]) }, v, { deadlineMs: 300 });
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(r.results.map((x) => [x.status, x.action, x.message])).toEqual([['error', 'Enforce', `failed to verify image ${stalledHost}/acme/app:v1: verification did not finish within 300 ms`]]);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => stalled.close(() => resolve()));
    }
  });
});
