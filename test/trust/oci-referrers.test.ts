// Bundle referrers, both ways a registry can hold them: Debian's docker-registry (2.8) has
// no referrers API, so the OCI 1.1 tag-schema fallback index is written and read; a
// registry with the API is not packaged for Debian bookworm (distribution v3, zot), so a
// small node:http proxy in front of the real registry stands in for one: it forwards every
// request, and answers GET /v2/<name>/referrers/<digest> from the manifests with a subject
// that were pushed through it (and sets OCI-Subject on those pushes), as the spec says.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OciError, RegistryClient, resolveDigest, type Descriptor } from '../../src/oci/index.js';
import { signImage } from '../../src/trust/image.js';
import { verifyImage } from '../../src/trust/image-verify.js';
import { generateKeyPair, loadPrivateKey, loadPublicKey } from '../../src/trust/keys.js';
import { CosignMediaTypes, referrerManifest, referrersTag } from '../../src/trust/oci-store.js';
import { readBundles, registryReader } from '../../src/trust/oci-store-read.js';
import { copyToRegistry, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildImage, sha256, tempDir } from '../oci/images.js';

let reg: TestRegistry;
let proxy: { host: string; close(): Promise<void> };
let work: string;
let priv: ReturnType<typeof loadPrivateKey>;
let pub: ReturnType<typeof loadPublicKey>;
const plain = { plainHttp: true };

async function referrersProxy(upstream: string): Promise<{ host: string; close(): Promise<void> }> {
  const referrers = new Map<string, Descriptor[]>();
  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const m = /^\/v2\/(.+)\/referrers\/(sha256:[a-f0-9]{64})/.exec(url);
    if (req.method === 'GET' && m) {
      const body = JSON.stringify({ schemaVersion: 2, mediaType: CosignMediaTypes.ociIndex, manifests: referrers.get(`${m[1]}@${m[2]}`) ?? [] });
      res.writeHead(200, { 'Content-Type': CosignMediaTypes.ociIndex }).end(body);
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // The Host header is kept, so the registry writes upload locations on the proxy.
      const up = http.request(`http://${upstream}${url}`, { method: req.method, headers: req.headers }, (ur) => {
        const headers = { ...ur.headers };
        const pushed = /^\/v2\/(.+)\/manifests\//.exec(url);
        if (req.method === 'PUT' && pushed && ur.statusCode === 201) {
          const doc = JSON.parse(body.toString()) as { subject?: { digest: string }; artifactType?: string; config?: { mediaType: string }; annotations?: Record<string, string>; mediaType: string };
          if (doc.subject) {
            const key = `${pushed[1]}@${doc.subject.digest}`;
            const d: Descriptor = { mediaType: doc.mediaType, digest: sha256(body), size: body.length, artifactType: doc.artifactType ?? doc.config?.mediaType ?? '' };
            if (doc.annotations) d.annotations = doc.annotations;
            referrers.set(key, [...(referrers.get(key) ?? []), d]);
            headers['oci-subject'] = doc.subject.digest;
          }
        }
        res.writeHead(ur.statusCode ?? 502, headers);
        ur.pipe(res);
      });
      up.on('error', () => res.writeHead(502).end());
      up.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

beforeAll(async () => {
  [reg, work] = await Promise.all([startRegistry(), tempDir('trust-referrers')]);
  proxy = await referrersProxy(reg.host);
  const layout = join(work, 'layout');
  await buildImage(layout, 'a', [{ 'etc/a': 'a\n' }]);
  await buildImage(layout, 'b', [{ 'etc/b': 'b\n' }]);
  for (const t of ['a', 'b']) await copyToRegistry(`oci:${layout}:${t}`, `docker://${reg.host}/r/app:${t}`);
  const pair = generateKeyPair('');
  priv = loadPrivateKey(pair.privateKeyPem, '');
  pub = loadPublicKey(pair.publicKeyPem);
}, 120_000);

afterAll(async () => {
  await proxy?.close();
  await reg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('bundle referrers', () => {
  it('the real registry has no referrers API: the fallback tag is written and read', async () => {
    const client = new RegistryClient(reg.host, plain);
    const { digest } = await resolveDigest(`${reg.host}/r/app:a`, plain);
    // What the registry says to a referrers request, so the test states which path it is on.
    expect(await client.getReferrers('r/app', digest)).toEqual([]);
    const r = await signImage(`${reg.host}/r/app@${digest}`, { ...plain, key: priv, format: 'bundle' });
    expect(r.bundle?.path).toBe('fallback-tag');
    expect(r.legacy).toBeUndefined();
    const found = await readBundles(registryReader(client, 'r/app'), digest);
    expect(found.map((b) => [b.via, b.manifestDigest, b.problem])).toEqual([['fallback-tag', r.bundle?.manifestDigest, undefined]]);
    const v = await verifyImage(`${reg.host}/r/app@${digest}`, { ...plain, key: pub });
    expect(v.signatures.map((s) => [s.format, s.verified])).toEqual([['bundle', true]]);
  });

  it('a registry with the referrers API gets no fallback tag, and is read through the API', async () => {
    const { digest } = await resolveDigest(`${proxy.host}/r/app:b`, plain);
    const r = await signImage(`${proxy.host}/r/app@${digest}`, { ...plain, key: priv, format: 'bundle' });
    expect(r.bundle?.path).toBe('referrers-api');
    const direct = new RegistryClient(reg.host, plain);
    const err = await direct.getManifest('r/app', referrersTag(digest)).catch((e: unknown) => e);
    expect(err instanceof OciError && err.code).toBe('NOT_FOUND');
    const found = await readBundles(registryReader(new RegistryClient(proxy.host, plain), 'r/app'), digest);
    expect(found.map((b) => b.via)).toEqual(['referrers-api']);
    const v = await verifyImage(`${proxy.host}/r/app:b`, { ...plain, key: pub });
    expect(v.verified).toBe(true);
  });

  it('lists a referrer found both ways once', async () => {
    // Sign image a through the proxy too: its older referrer is only in the fallback index.
    const { digest } = await resolveDigest(`${proxy.host}/r/app:a`, plain);
    await signImage(`${proxy.host}/r/app@${digest}`, { ...plain, key: priv, format: 'bundle' });
    const found = await readBundles(registryReader(new RegistryClient(proxy.host, plain), 'r/app'), digest);
    expect(found.map((b) => b.via).sort()).toEqual(['fallback-tag', 'referrers-api']);
    expect(new Set(found.map((b) => b.manifestDigest)).size).toBe(2);
  });

  it('a referrer about another image, or holding something else, is refused', async () => {
    const client = new RegistryClient(reg.host, plain);
    const a = await resolveDigest(`${reg.host}/r/app:a`, plain);
    const b = await resolveDigest(`${reg.host}/r/app:b`, plain);
    // A bundle referrer of b, listed in a's fallback index.
    const bundle = Buffer.from('{}');
    await client.putBlob('r/app', bundle);
    await client.putBlob('r/app', Buffer.from('{}'));
    const { manifest } = referrerManifest({ mediaType: b.mediaType, size: b.size, digest: b.digest }, bundle, {});
    const aboutB = await client.putManifest('r/app', sha256(manifest), manifest, CosignMediaTypes.ociManifest);
    // And one whose layer is not a bundle.
    const wrongType = Buffer.from(manifest.toString().replaceAll(`"mediaType":"${CosignMediaTypes.bundleV03}","size"`, '"mediaType":"application/octet-stream","size"').replace(b.digest, a.digest));
    const wrong = await client.putManifest('r/app', sha256(wrongType), wrongType, CosignMediaTypes.ociManifest);
    const existing = JSON.parse((await client.getManifest('r/app', referrersTag(a.digest))).body.toString()) as { manifests: Descriptor[] };
    const extra = [aboutB, wrong].map((digest, i) => ({ mediaType: CosignMediaTypes.ociManifest, digest, size: [manifest, wrongType][i].length, artifactType: CosignMediaTypes.bundleV03 }));
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: CosignMediaTypes.ociIndex, manifests: [...existing.manifests, ...extra] }));
    await client.putManifest('r/app', referrersTag(a.digest), index, CosignMediaTypes.ociIndex);

    const found = await readBundles(registryReader(client, 'r/app'), a.digest);
    const byDigest = new Map(found.map((f) => [f.manifestDigest, f.problem?.code]));
    expect(byDigest.get(aboutB)).toBe('WRONG_DIGEST');
    expect(byDigest.get(wrong)).toBe('BAD_BUNDLE');
    const v = await verifyImage(`${reg.host}/r/app@${a.digest}`, { ...plain, key: pub });
    expect(v.verified).toBe(true); // the genuine signatures still verify
    expect(v.signatures.filter((s) => !s.verified).map((s) => s.code).sort()).toEqual(['BAD_BUNDLE', 'WRONG_DIGEST']);
  });
});
