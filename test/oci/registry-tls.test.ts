// HTTPS registries: a real docker-registry serving a self-signed certificate, trusted
// only through OpenOptions.caCerts; token auth with a plain-HTTP realm on the side.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage, resolveDigest, OciError } from '../../src/oci/index.js';
import { copyToRegistry, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildImage, collect, sha256, tempDir, type LayoutImage } from './images.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return e instanceof OciError ? e.code : `not an OciError: ${String(e)}`;
  }
  return undefined;
}

let work: string;
let img: LayoutImage;
let reg: TestRegistry;

beforeAll(async () => {
  work = await tempDir('oci-tls');
  const layout = join(work, 'layout');
  [img, reg] = await Promise.all([buildImage(layout, 'v1', [{ 'etc/tls': 'yes\n' }]), startRegistry({ tls: true, token: true })]);
  await copyToRegistry(`oci:${layout}:v1`, `docker://${reg.host}/team/app:v1`);
});

afterAll(async () => {
  await reg?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('HTTPS registry with a private CA', () => {
  it('fails NETWORK when the certificate is not trusted', async () => {
    expect(await codeOf(openImage(`${reg.host}/team/app:v1`, { dockerConfigPath: join(work, 'none.json') }))).toBe('NETWORK');
  });

  it('reads over HTTPS when the CA is given', async () => {
    const opts = { caCerts: [reg.caCert as string], dockerConfigPath: join(work, 'none.json') };
    const src = await openImage(`${reg.host}/team/app:v1`, opts);
    expect(src.manifestDigest).toBe(img.manifestDigest);
    expect(sha256(await collect(await src.openLayer(src.layers[0])))).toBe(img.manifest.layers[0].digest);
    expect((await resolveDigest(`${reg.host}/team/app:v1`, opts)).digest).toBe(img.manifestDigest);
  });

  it('refuses to send credentials to a plain-HTTP token realm unless plain HTTP was allowed', async () => {
    const opts = { caCerts: [reg.caCert as string], credentials: { username: 'alice', password: 'secret' } };
    const before = reg.tokenRequests();
    expect(await codeOf(openImage(`${reg.host}/team/app:v1`, opts))).toBe('UNAUTHORIZED');
    // Refused before asking: the password never reached the token server.
    expect(reg.tokenRequests()).toBe(before);
  });
});
