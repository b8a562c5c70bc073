// The registry transport and RegistryClient against a real registry (Debian's
// docker-registry, no auth), with images pushed by skopeo. Broken-registry behaviours a
// real registry will not produce (HTTP 500, wrong bytes, stalls) use tiny node:http
// servers on 127.0.0.1 that stand in for a misbehaving registry; each says so.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostPlatform, MediaTypes, openImage, RegistryClient, resolveDigest, OciError } from '../../src/oci/index.js';
import { copyToRegistry, skopeoInspect, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { addIndex, buildImage, collect, sha256, tempDir, uncompressed, type LayoutImage } from './images.js';

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return e instanceof OciError ? e.code : `not an OciError: ${String(e)}`;
  }
  return undefined;
}

/** HEAD a manifest with plain node:http and return the Docker-Content-Digest the registry reports. */
function registryDigest(host: string, repo: string, reference: string): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const req = http.request(`http://${host}/v2/${repo}/manifests/${reference}`, {
      method: 'HEAD',
      headers: { Accept: [MediaTypes.ociIndex, MediaTypes.ociManifest, MediaTypes.dockerManifestList, MediaTypes.dockerManifest].join(', ') },
    }, (res) => {
      res.resume();
      resolve(res.headers['docker-content-digest'] as string | undefined);
    });
    req.on('error', reject);
    req.end();
  });
}

/** A stand-in for a misbehaving registry: a node:http server on 127.0.0.1 with the given handler. */
async function fakeRegistry(handler: http.RequestListener): Promise<{ host: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    host: `127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

let reg: TestRegistry;
let work: string;
let layout: string;
let v1: LayoutImage;
let amd: LayoutImage;
let arm: LayoutImage;
let indexDigest: string;
const plain = { plainHttp: true };

beforeAll(async () => {
  work = await tempDir('oci-registry');
  layout = join(work, 'layout');
  const [r] = await Promise.all([
    startRegistry(),
    (async () => {
      v1 = await buildImage(layout, 'v1', [{ 'etc/os-release': 'ID=portcullis\n' }, { 'srv/data.txt': 'x'.repeat(5000) }]);
      amd = await buildImage(layout, 'amd', [{ 'etc/arch': 'amd64\n' }], 'amd64');
      arm = await buildImage(layout, 'arm', [{ 'etc/arch': 'arm64\n' }], 'arm64');
      indexDigest = await addIndex(layout, 'multi', ['amd', 'arm']);
    })(),
  ]);
  reg = r;
  await copyToRegistry(`oci:${layout}:v1`, `docker://${reg.host}/team/app:v1`);
  await copyToRegistry(`oci:${layout}:multi`, `docker://${reg.host}/team/multi:latest`, { all: true });
});

afterAll(async () => {
  await reg?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('registry transport (no auth)', () => {
  it('opens a pushed image: manifest, config and every layer verified', async () => {
    const src = await openImage(`${reg.host}/team/app:v1`, plain);
    expect(src.transport).toBe('registry');
    expect(src.name).toBe(`${reg.host}/team/app:v1`);
    expect(src.ref).toEqual({ registry: reg.host, repository: 'team/app', tag: 'v1' });
    const raw = await skopeoInspect(`${reg.host}/team/app:v1`, { raw: true });
    expect(src.manifest?.toString()).toBe(raw);
    expect(src.manifestDigest).toBe(sha256(raw));
    expect(src.manifestDigest).toBe(await registryDigest(reg.host, 'team/app', 'v1'));
    expect(src.configDigest).toBe(v1.manifest.config.digest);
    expect(src.layers.map((l) => l.diffId)).toEqual(v1.config.rootfs.diff_ids);
    for (const l of src.layers) {
      const blob = await collect(await src.openLayer(l));
      expect(sha256(blob)).toBe(l.digest);
      expect(sha256(uncompressed(blob))).toBe(l.diffId);
    }
  });

  it('opens by digest, and by tag@digest', async () => {
    const digest = await registryDigest(reg.host, 'team/app', 'v1');
    const byDigest = await openImage(`${reg.host}/team/app@${digest}`, plain);
    expect(byDigest.manifestDigest).toBe(digest);
    expect(byDigest.ref?.tag).toBeUndefined();
    const both = await openImage(`${reg.host}/team/app:v1@${digest}`, plain);
    expect(both.manifestDigest).toBe(digest);
  });

  it('chooses each platform of a multi-arch index pushed with skopeo --all', async () => {
    const a = await openImage(`${reg.host}/team/multi`, { ...plain, platform: { os: 'linux', architecture: 'amd64' } });
    expect(a.indexDigest).toBe(indexDigest);
    expect(a.manifestDigest).toBe(amd.manifestDigest);
    expect(a.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    const b = await openImage(`${reg.host}/team/multi`, { ...plain, platform: { os: 'linux', architecture: 'arm64' } });
    expect(b.manifestDigest).toBe(arm.manifestDigest);
    expect(b.configDigest).toBe(arm.manifest.config.digest);
    const host = await openImage(`${reg.host}/team/multi`, plain);
    expect(host.platform?.architecture).toBe(hostPlatform().architecture);
    expect(await codeOf(openImage(`${reg.host}/team/multi`, { ...plain, platform: { os: 'linux', architecture: 'riscv64' } }))).toBe('NO_MATCHING_PLATFORM');
  });

  it('resolveDigest equals the Docker-Content-Digest the registry reports and skopeo inspect', async () => {
    for (const [repo, tag, expected] of [['team/app', 'v1', v1.manifestDigest], ['team/multi', 'latest', indexDigest]] as const) {
      const resolved = await resolveDigest(`${reg.host}/${repo}:${tag}`, plain);
      expect(resolved.digest).toBe(expected);
      expect(resolved.digest).toBe(await registryDigest(reg.host, repo, tag));
      expect(resolved.digest).toBe((await skopeoInspect(`${reg.host}/${repo}:${tag}`, { format: '{{.Digest}}' })).trim());
      const raw = await skopeoInspect(`${reg.host}/${repo}:${tag}`, { raw: true });
      expect(resolved.size).toBe(Buffer.byteLength(raw));
    }
    expect((await resolveDigest(`${reg.host}/team/multi:latest`, plain)).mediaType).toBe(MediaTypes.ociIndex);
  });

  it('fails NOT_FOUND for a missing tag, repository or blob', async () => {
    expect(await codeOf(openImage(`${reg.host}/team/app:nope`, plain))).toBe('NOT_FOUND');
    expect(await codeOf(openImage(`${reg.host}/no/such:v1`, plain))).toBe('NOT_FOUND');
    expect(await codeOf(resolveDigest(`${reg.host}/team/app:nope`, plain))).toBe('NOT_FOUND');
    const client = new RegistryClient(reg.host, plain);
    expect(await codeOf(client.getBlob('team/app', sha256('absent')))).toBe('NOT_FOUND');
  });

  it('pushes blobs and a manifest, then reads them back (and skopeo sees the same bytes)', async () => {
    const client = new RegistryClient(reg.host, plain);
    const layer = Buffer.from('not really a tar, but a blob is a blob');
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(layer)] } }));
    expect(await client.hasBlob('team/pushed', sha256(layer))).toBe(false);
    expect(await client.putBlob('team/pushed', layer)).toEqual({ digest: sha256(layer), size: layer.length });
    expect(await client.hasBlob('team/pushed', sha256(layer))).toBe(true);
    expect(await client.putBlob('team/pushed', layer)).toEqual({ digest: sha256(layer), size: layer.length });
    await client.putBlob('team/pushed', config);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: sha256(config), size: config.length },
      layers: [{ mediaType: MediaTypes.ociLayer, digest: sha256(layer), size: layer.length }],
    }));
    expect(await client.putManifest('team/pushed', 'v1', manifest, MediaTypes.ociManifest)).toBe(sha256(manifest));
    expect(await skopeoInspect(`${reg.host}/team/pushed:v1`, { raw: true })).toBe(manifest.toString());
    const got = await client.getManifest('team/pushed', 'v1');
    expect(got).toEqual({ body: manifest, mediaType: MediaTypes.ociManifest, digest: sha256(manifest) });
    expect(await client.headManifest('team/pushed', sha256(manifest))).toEqual({ digest: sha256(manifest), mediaType: MediaTypes.ociManifest, size: manifest.length });
    expect((await client.getBlob('team/pushed', sha256(config))).equals(config)).toBe(true);
    expect((await collect(await client.openBlob('team/pushed', sha256(layer), layer.length))).equals(layer)).toBe(true);
    expect(await client.listTags('team/pushed')).toEqual(['v1']);
    await client.putManifest('team/pushed', 'a-second', manifest, MediaTypes.ociManifest);
    expect(await client.listTags('team/pushed')).toEqual(['a-second', 'v1']);
    // distribution 2.8 predates the OCI 1.1 referrers API: its 404 means "none".
    expect(await client.getReferrers('team/pushed', sha256(manifest))).toEqual([]);
    // A pushed artifact (config is not an image config) is refused as an image.
    const sbom = Buffer.from('{"bomFormat":"CycloneDX"}');
    await client.putBlob('team/pushed', sbom);
    const artifact = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: 'application/vnd.cyclonedx+json', digest: sha256(sbom), size: sbom.length },
      layers: [],
    }));
    await client.putManifest('team/pushed', 'sbom', artifact, MediaTypes.ociManifest);
    expect(await codeOf(openImage(`${reg.host}/team/pushed:sbom`, plain))).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});

describe('broken registries (node:http stand-ins on 127.0.0.1)', () => {
  it('maps HTTP 500 to REGISTRY_ERROR', async () => {
    // Stands in for a registry with a failing backend.
    const fake = await fakeRegistry((_req, res) => {
      res.writeHead(500, { 'Content-Type': 'application/json' }).end('{"errors":[{"code":"UNKNOWN","message":"backend down"}]}');
    });
    try {
      expect(await codeOf(openImage(`${fake.host}/team/app:v1`, plain))).toBe('REGISTRY_ERROR');
      expect(await codeOf(resolveDigest(`${fake.host}/team/app:v1`, plain))).toBe('REGISTRY_ERROR');
    } finally {
      await fake.close();
    }
  });

  it('maps connection refused and a stalled server to NETWORK', async () => {
    const gone = await fakeRegistry(() => undefined);
    const host = gone.host;
    await gone.close(); // nothing listens on this port any more
    expect(await codeOf(openImage(`${host}/team/app:v1`, plain))).toBe('NETWORK');
    // Stands in for a registry that accepts the connection and never answers.
    const stalled = await fakeRegistry(() => undefined);
    try {
      const t0 = Date.now();
      expect(await codeOf(resolveDigest(`${stalled.host}/team/app:v1`, { ...plain, timeoutMs: 300 }))).toBe('NETWORK');
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      await stalled.close();
    }
  });

  it('fails a blob stream with NETWORK when the connection drops mid-body', async () => {
    const blob = Buffer.alloc(100_000, 7);
    // Stands in for a registry whose connection dies halfway through a layer.
    const fake = await fakeRegistry((_req, res) => {
      res.writeHead(200, { 'Content-Length': String(blob.length) });
      res.write(blob.subarray(0, 1000), () => res.destroy());
    });
    try {
      const client = new RegistryClient(fake.host, plain);
      expect(await codeOf(collect(await client.openBlob('r', sha256(blob), blob.length)))).toBe('NETWORK');
    } finally {
      await fake.close();
    }
  });

  it('catches a registry serving wrong bytes: manifest by digest, blob stream, redirect target', async () => {
    const good = Buffer.from('the real blob');
    const evil = Buffer.from('the fake blob');
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: sha256(good), size: good.length }, layers: [] }));
    // Stands in for a compromised or buggy registry (and its blob storage behind a redirect).
    const fake = await fakeRegistry((req, res) => {
      const url = req.url ?? '';
      if (url.startsWith('/v2/r/manifests/')) {
        res.writeHead(200, { 'Content-Type': MediaTypes.ociManifest }).end(Buffer.concat([manifest, Buffer.from(' ')]));
      } else if (url === `/v2/r/blobs/${sha256(good)}`) {
        res.writeHead(307, { Location: `/storage/${createHash('sha256').update(good).digest('hex')}` }).end();
      } else if (url.startsWith('/storage/')) {
        res.writeHead(200).end(evil);
      } else if (url === `/v2/ok/blobs/${sha256(good)}`) {
        res.writeHead(302, { Location: '/storage-good' }).end();
      } else if (url === '/storage-good') {
        res.writeHead(200).end(good);
      } else {
        res.writeHead(404).end();
      }
    });
    try {
      const client = new RegistryClient(fake.host, plain);
      expect(await codeOf(client.getManifest('r', sha256(manifest)))).toBe('DIGEST_MISMATCH');
      expect(await codeOf(collect(await client.openBlob('r', sha256(good), good.length)))).toBe('DIGEST_MISMATCH');
      expect(await codeOf(client.getBlob('r', sha256(good)))).toBe('DIGEST_MISMATCH');
      expect((await client.getBlob('ok', sha256(good))).equals(good)).toBe(true);
    } finally {
      await fake.close();
    }
  });

  it('resolveDigest falls back to GET and hashing when HEAD carries no Docker-Content-Digest', async () => {
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociManifest, config: { mediaType: MediaTypes.ociConfig, digest: sha256('c'), size: 1 }, layers: [] }));
    const seen: string[] = [];
    // Stands in for a registry (or proxy) that omits Docker-Content-Digest.
    const fake = await fakeRegistry((req, res) => {
      seen.push(req.method ?? '');
      res.writeHead(200, { 'Content-Type': MediaTypes.ociManifest, 'Content-Length': String(manifest.length) });
      res.end(req.method === 'HEAD' ? undefined : manifest);
    });
    try {
      expect(await resolveDigest(`${fake.host}/r:v1`, plain)).toEqual({ digest: sha256(manifest), mediaType: MediaTypes.ociManifest, size: manifest.length });
      expect(seen).toEqual(['HEAD', 'GET']);
    } finally {
      await fake.close();
    }
  });

  it('reads OCI 1.1 referrers (filtered) and paginated tag lists', async () => {
    const subject = sha256('subject');
    const sig = { mediaType: MediaTypes.ociManifest, digest: sha256('sig'), size: 10, artifactType: 'application/vnd.dev.cosign.artifact.sig.v1+json' };
    const sbom = { mediaType: MediaTypes.ociManifest, digest: sha256('sbom'), size: 20, artifactType: 'application/vnd.cyclonedx+json', annotations: { 'org.opencontainers.image.created': '2024-01-01T00:00:00Z' } };
    // Stands in for a registry with the OCI 1.1 referrers API, which Debian's
    // docker-registry 2.8 predates; it ignores the artifactType filter, as a registry may.
    const fake = await fakeRegistry((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.pathname === `/v2/r/referrers/${subject}`) {
        res.writeHead(200, { 'Content-Type': MediaTypes.ociIndex }).end(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [sig, sbom] }));
      } else if (url.pathname === '/v2/r/tags/list' && !url.searchParams.has('last')) {
        res.writeHead(200, { Link: '</v2/r/tags/list?n=2&last=b>; rel="next"' }).end(JSON.stringify({ name: 'r', tags: ['b', 'a'] }));
      } else if (url.pathname === '/v2/r/tags/list') {
        res.writeHead(200).end(JSON.stringify({ name: 'r', tags: ['c'] }));
      } else {
        res.writeHead(404).end();
      }
    });
    try {
      const client = new RegistryClient(fake.host, plain);
      expect(await client.getReferrers('r', subject)).toEqual([sig, sbom].sort((a, b) => (a.digest < b.digest ? -1 : 1)));
      expect(await client.getReferrers('r', subject, 'application/vnd.cyclonedx+json')).toEqual([sbom]);
      expect(await client.getReferrers('r', sha256('other'))).toEqual([]);
      expect(await client.listTags('r')).toEqual(['a', 'b', 'c']);
    } finally {
      await fake.close();
    }
  });

  it('refuses an unknown manifest media type and an oversized manifest', async () => {
    // Stands in for a registry serving a manifest type we do not know (real ones refuse to store it).
    const body = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.example.thing+json', config: {}, layers: [] }));
    const fake = await fakeRegistry((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/vnd.example.thing+json' }).end(body);
    });
    try {
      expect(await codeOf(openImage(`${fake.host}/r:v1`, plain))).toBe('UNSUPPORTED_MEDIA_TYPE');
      expect(await codeOf(openImage(`${fake.host}/r:v1`, { ...plain, maxManifestBytes: 16 }))).toBe('TOO_LARGE');
    } finally {
      await fake.close();
    }
  });
});
