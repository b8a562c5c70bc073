// Registry auth against real docker-registry instances: htpasswd basic auth, anonymous
// bearer tokens, and bearer tokens issued for basic credentials. The token server is a
// small JWT issuer in this process (test/helpers/registry.ts) that the real registry
// trusts through its rootcertbundle.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { credentialsFromDockerConfig, openImage, RegistryClient, resolveDigest, OciError, type OpenOptions } from '../../src/oci/index.js';
import { copyToRegistry, skopeoInspect, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildImage, collect, sha256, tempDir, type LayoutImage } from './images.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return e instanceof OciError ? e.code : `not an OciError: ${String(e)}`;
  }
  return undefined;
}

const USER = { user: 'alice', password: 's3cret:with-colon' };
const good = { username: USER.user, password: USER.password };
const wrong = { username: USER.user, password: 'wrong' };
const creds = `${USER.user}:${USER.password}`;

let work: string;
let layout: string;
let img: LayoutImage;
let basic: TestRegistry;
let token: TestRegistry;
let tokenWithCreds: TestRegistry;
/** A config path that does not exist, so the developer's own ~/.docker/config.json never leaks in. */
let noConfig: string;

beforeAll(async () => {
  work = await tempDir('oci-auth');
  layout = join(work, 'layout');
  noConfig = join(work, 'no-such-config.json');
  [img, basic, token, tokenWithCreds] = await Promise.all([
    buildImage(layout, 'v1', [{ 'etc/motd': 'authenticated\n' }]),
    startRegistry({ htpasswd: USER }),
    startRegistry({ token: true }),
    startRegistry({ token: true, htpasswd: USER }),
  ]);
  await Promise.all([
    copyToRegistry(`oci:${layout}:v1`, `docker://${basic.host}/team/app:v1`, { creds }),
    copyToRegistry(`oci:${layout}:v1`, `docker://${token.host}/team/app:v1`),
    copyToRegistry(`oci:${layout}:v1`, `docker://${tokenWithCreds.host}/team/app:v1`, { creds }),
  ]);
});

afterAll(async () => {
  await Promise.all([basic?.stop(), token?.stop(), tokenWithCreds?.stop()]);
  await rm(work, { recursive: true, force: true });
});

async function expectReadable(ref: string, opts: OpenOptions): Promise<void> {
  const src = await openImage(ref, { plainHttp: true, ...opts });
  expect(src.manifestDigest).toBe(img.manifestDigest);
  const blob = await collect(await src.openLayer(src.layers[0]));
  expect(sha256(blob)).toBe(img.manifest.layers[0].digest);
}

describe('htpasswd basic auth', () => {
  it('refuses anonymous access and wrong credentials with UNAUTHORIZED', async () => {
    expect(await codeOf(openImage(`${basic.host}/team/app:v1`, { plainHttp: true, dockerConfigPath: noConfig }))).toBe('UNAUTHORIZED');
    expect(await codeOf(openImage(`${basic.host}/team/app:v1`, { plainHttp: true, credentials: wrong }))).toBe('UNAUTHORIZED');
    expect(await codeOf(resolveDigest(`${basic.host}/team/app:v1`, { plainHttp: true, credentials: wrong }))).toBe('UNAUTHORIZED');
  });

  it('reads with credentials given in the options', async () => {
    await expectReadable(`${basic.host}/team/app:v1`, { credentials: good });
    expect((await resolveDigest(`${basic.host}/team/app:v1`, { plainHttp: true, credentials: good })).digest).toBe(
      (await skopeoInspect(`${basic.host}/team/app:v1`, { format: '{{.Digest}}', creds })).trim(),
    );
  });

  it('reads with credentials from a docker config.json (auth or username/password; key with or without scheme/path)', async () => {
    const b64 = Buffer.from(creds).toString('base64');
    const variants: Array<Record<string, unknown>> = [
      { [basic.host]: { auth: b64 } },
      { [`http://${basic.host}`]: { auth: b64 } },
      { [`https://${basic.host}/v2/`]: { auth: b64 } },
      { [basic.host]: { username: USER.user, password: USER.password } },
    ];
    for (const [i, auths] of variants.entries()) {
      const path = join(work, `config-${i}.json`);
      await writeFile(path, JSON.stringify({ auths: { 'other.example.com': { auth: 'eDp5' }, ...auths } }));
      await expectReadable(`${basic.host}/team/app:v1`, { dockerConfigPath: path });
    }
    // $DOCKER_CONFIG names the directory holding config.json.
    const dir = join(work, 'docker-config-dir');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [basic.host]: { auth: b64 } } }));
    const saved = process.env.DOCKER_CONFIG;
    process.env.DOCKER_CONFIG = dir;
    try {
      await expectReadable(`${basic.host}/team/app:v1`, {});
    } finally {
      if (saved === undefined) delete process.env.DOCKER_CONFIG;
      else process.env.DOCKER_CONFIG = saved;
    }
    // Explicit credentials win over the config file.
    const badConfig = join(work, 'config-bad.json');
    await writeFile(badConfig, JSON.stringify({ auths: { [basic.host]: { auth: Buffer.from('alice:nope').toString('base64') } } }));
    expect(await codeOf(openImage(`${basic.host}/team/app:v1`, { plainHttp: true, dockerConfigPath: badConfig }))).toBe('UNAUTHORIZED');
    await expectReadable(`${basic.host}/team/app:v1`, { dockerConfigPath: badConfig, credentials: good });
  });

  it('pushes with basic auth', async () => {
    const client = new RegistryClient(basic.host, { plainHttp: true, credentials: good });
    const data = Buffer.from('pushed through basic auth');
    expect((await client.putBlob('team/app', data)).digest).toBe(sha256(data));
    expect((await client.getBlob('team/app', sha256(data))).equals(data)).toBe(true);
  });
});

describe('docker config.json lookup', () => {
  it('maps Docker Hub names to the https://index.docker.io/v1/ key', async () => {
    const path = join(work, 'hub.json');
    await writeFile(path, JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: Buffer.from('hubuser:hubpass').toString('base64') } } }));
    expect(credentialsFromDockerConfig('docker.io', path)).toEqual({ username: 'hubuser', password: 'hubpass' });
    expect(credentialsFromDockerConfig('ghcr.io', path)).toBeUndefined();
    expect(credentialsFromDockerConfig('docker.io', join(work, 'missing.json'))).toBeUndefined();
  });
});

describe('bearer token auth', () => {
  it('reads anonymously through the token server, caching one token per scope', async () => {
    await expectReadable(`${token.host}/team/app:v1`, { dockerConfigPath: noConfig });
    const client = new RegistryClient(token.host, { plainHttp: true, dockerConfigPath: noConfig });
    const before = token.tokenRequests();
    await client.getManifest('team/app', 'v1');
    expect(token.tokenRequests()).toBe(before + 1);
    await client.headManifest('team/app', 'v1');
    await client.getBlob('team/app', img.manifest.config.digest);
    expect(token.tokenRequests()).toBe(before + 1);
    // A push needs a token for another scope.
    await client.putBlob('team/app', Buffer.from('anonymous push'));
    expect(token.tokenRequests()).toBe(before + 2);
  });

  it('resolveDigest works through the token dance and matches skopeo', async () => {
    const resolved = await resolveDigest(`${token.host}/team/app:v1`, { plainHttp: true, dockerConfigPath: noConfig });
    expect(resolved.digest).toBe(img.manifestDigest);
    expect(resolved.digest).toBe((await skopeoInspect(`${token.host}/team/app:v1`, { format: '{{.Digest}}' })).trim());
  });

  it('gets tokens with basic credentials when the token server requires them', async () => {
    await expectReadable(`${tokenWithCreds.host}/team/app:v1`, { credentials: good });
    expect(await codeOf(openImage(`${tokenWithCreds.host}/team/app:v1`, { plainHttp: true, credentials: wrong }))).toBe('UNAUTHORIZED');
    expect(await codeOf(openImage(`${tokenWithCreds.host}/team/app:v1`, { plainHttp: true, dockerConfigPath: noConfig }))).toBe('UNAUTHORIZED');
  });
});
