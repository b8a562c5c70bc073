// Registry credentials for verification, against a real registry behind htpasswd basic auth:
// the Pod's imagePullSecrets, its ServiceAccount's, the older .dockercfg Secret type, a
// configured docker config, and `portcullis policy apply` reading Secrets from its resources.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runPolicyApply } from '../../../src/cli/commands/policy-run.js';
import type { Resource } from '../../../src/policy/types.js';
import { createPullSecretCredentials, evaluatePoliciesWithVerification, ImageVerifier, parseDockerAuths, resourceSecretReader } from '../../../src/policy/verify/index.js';
import { signImage } from '../../../src/trust/image.js';
import { generateKeyPair, loadPrivateKey } from '../../../src/trust/keys.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { FIXTURES, pod, policyFromFixture, pushImage } from './helpers.js';

const USER = 'puller';
const PASSWORD = 's3cret-pw';
const key = generateKeyPair('');
let reg: TestRegistry;
let work: string;
const b64 = (s: string) => Buffer.from(s).toString('base64');

function dockerconfigjson(name: string, host: string, user: string, password: string, namespace = 'default'): Resource {
  const auths = { auths: { [host]: { auth: b64(`${user}:${password}`) } } };
  return { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson', metadata: { name, namespace }, data: { '.dockerconfigjson': b64(JSON.stringify(auths)) } };
}

// Never fall back to this machine's ~/.docker/config.json.
const registryOpts = () => ({ plainHttp: true, dockerConfigPath: join(work, 'no-such-config.json') });

async function verifyWith(resources: Resource[], p: Resource, fallback?: string) {
  const credentials = createPullSecretCredentials(resourceSecretReader(resources), fallback ? { fallback: parseDockerAuths(JSON.parse(fallback), 'test') } : {});
  const v = new ImageVerifier({ registry: registryOpts(), credentials });
  const policy = policyFromFixture('key.yaml', { ACTION: 'Enforce', REQUIRED: 'true', REGISTRY: reg.host, KEY: key.publicKeyPem });
  return evaluatePoliciesWithVerification([policy], { resource: p }, v);
}

beforeAll(async () => {
  [reg, work] = await Promise.all([startRegistry({ htpasswd: { user: USER, password: PASSWORD } }), mkdtemp(join(tmpdir(), 'portcullis-verify-creds-'))]);
  const credentials = { username: USER, password: PASSWORD };
  const digest = await pushImage(reg.host, 'acme/private', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=private\n' }, credentials);
  await signImage(`${reg.host}/acme/private@${digest}`, { plainHttp: true, credentials, key: loadPrivateKey(key.privateKeyPem, '') });
}, 120_000);

afterAll(async () => {
  await reg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('pull credentials for verification', () => {
  const image = () => `${reg.host}/acme/private:v1`;

  it('without credentials the registry refuses, and the rule fails naming why', async () => {
    const r = await verifyWith([], pod('anon', [image()]));
    expect(r.results[0]?.status).toBe('fail');
    expect(r.results[0]?.message).toMatch(/cannot resolve the tag to a digest: .*401|cannot resolve the tag to a digest: .*(refused|credentials|unauthori)/i);
  });

  it("uses the Pod's imagePullSecrets", async () => {
    const r = await verifyWith([dockerconfigjson('regcred', reg.host, USER, PASSWORD)], pod('p', [image()], { pullSecrets: ['missing', 'regcred'] }));
    expect(r.results.map((x) => x.status)).toEqual(['pass']);
  });

  it("falls back to the ServiceAccount's imagePullSecrets when the Pod has none", async () => {
    const sa: Resource = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'builder', namespace: 'team' }, imagePullSecrets: [{ name: 'team-cred' }] };
    const secret = dockerconfigjson('team-cred', reg.host, USER, PASSWORD, 'team');
    const ok = await verifyWith([sa, secret], pod('p', [image()], { namespace: 'team', serviceAccountName: 'builder' }));
    expect(ok.results.map((x) => x.status)).toEqual(['pass']);
    // The same Secret in another namespace is not the Pod's.
    const elsewhere = await verifyWith([sa, dockerconfigjson('team-cred', reg.host, USER, PASSWORD, 'other')], pod('p', [image()], { namespace: 'team', serviceAccountName: 'builder' }));
    expect(elsewhere.results.map((x) => x.status)).toEqual(['fail']);
  });

  it('reads the older kubernetes.io/dockercfg type, and refuses a wrong password', async () => {
    const cfg: Resource = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/dockercfg',
      metadata: { name: 'old', namespace: 'default' },
      data: { '.dockercfg': b64(JSON.stringify({ [`http://${reg.host}`]: { username: USER, password: PASSWORD } })) },
    };
    expect((await verifyWith([cfg], pod('p', [image()], { pullSecrets: ['old'] }))).results.map((x) => x.status)).toEqual(['pass']);
    const wrong = await verifyWith([dockerconfigjson('regcred', reg.host, USER, 'nope')], pod('p', [image()], { pullSecrets: ['regcred'] }));
    expect(wrong.results.map((x) => x.status)).toEqual(['fail']);
  });

  it('a configured docker config is tried after the pull secrets', async () => {
    const config = JSON.stringify({ auths: { [reg.host]: { auth: b64(`${USER}:${PASSWORD}`) } } });
    expect((await verifyWith([], pod('p', [image()]), config)).results.map((x) => x.status)).toEqual(['pass']);
  });

  it('a malformed pull secret is an error naming it, not anonymous access', async () => {
    const bad: Resource = { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson', metadata: { name: 'broken', namespace: 'default' }, data: { '.dockerconfigjson': b64('{not json') } };
    const r = await verifyWith([bad], pod('p', [image()], { pullSecrets: ['broken'] }));
    expect(r.results[0]?.status).toBe('error');
    expect(r.results[0]?.message).toContain('registry credentials: .dockerconfigjson is not JSON');
  });

  it('portcullis policy apply verifies with the Secrets among its resources (exit 0), and fails an unsigned image (exit 1)', async () => {
    const policyText = (await readFile(join(FIXTURES, 'key.yaml'), 'utf8'))
      .replace('${ACTION}', 'Enforce')
      .replace('${REQUIRED}', 'true')
      .replaceAll('${REGISTRY}', reg.host)
      .replace('publicKeys: ${KEY}', `publicKeys: ${JSON.stringify(key.publicKeyPem)}`);
    await writeFile(join(work, 'policy.yaml'), policyText);
    const unsignedDigest = await pushImage(reg.host, 'acme/unsigned', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=u\n' }, { username: USER, password: PASSWORD });
    expect(unsignedDigest).toMatch(/^sha256:/);
    const docs = [dockerconfigjson('regcred', reg.host, USER, PASSWORD), pod('signed', [image()], { pullSecrets: ['regcred'] })];
    await writeFile(join(work, 'ok.yaml'), docs.map((d) => stringify(d)).join('---\n'));
    await writeFile(join(work, 'bad.yaml'), [docs[0]!, pod('unsigned', [`${reg.host}/acme/unsigned:v1`], { pullSecrets: ['regcred'] })].map((d) => stringify(d)).join('---\n'));
    vi.stubEnv('DOCKER_CONFIG', work);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const saved = process.exitCode;
    try {
      process.exitCode = undefined;
      await runPolicyApply([join(work, 'policy.yaml')], { resource: [join(work, 'ok.yaml')], format: 'json', output: join(work, 'ok.json'), plainHttp: true } as never);
      expect(process.exitCode).toBeUndefined();
      const ok = JSON.parse(await readFile(join(work, 'ok.json'), 'utf8')) as { results: Array<{ rule: string; result: string; resource: { name: string } }> };
      expect(ok.results.map((r) => [r.rule, r.resource.name, r.result])).toEqual([['check-signature', 'signed', 'pass']]);

      await runPolicyApply([join(work, 'policy.yaml')], { resource: [join(work, 'bad.yaml')], format: 'json', output: join(work, 'bad.json'), plainHttp: true } as never);
      expect(process.exitCode).toBe(1);
      const bad = JSON.parse(await readFile(join(work, 'bad.json'), 'utf8')) as { results: Array<{ result: string; message: string }> };
      expect(bad.results.map((r) => r.result)).toEqual(['fail']);
      expect(bad.results[0]?.message).toContain('no signatures found');
    } finally {
      process.exitCode = saved;
      err.mockRestore();
      vi.unstubAllEnvs();
    }
  });
});
