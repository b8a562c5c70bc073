// Reading images from disk: OCI layouts written by umoci, docker-archives written by
// skopeo (and the two other docker save layouts derived from them), and dir:.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openImage, OciError, type ImageSource } from '../../src/oci/index.js';
import { addIndex, blobFile, buildImage, collect, readJson, sha256, tempDir, toDocker25Archive, toDockerArchive, uncompressed, type LayoutImage } from './images.js';

const run = promisify(execFile);

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    return e instanceof OciError ? e.code : `not an OciError: ${String(e)}`;
  }
  return undefined;
}

/** Reads every layer through openLayer. */
async function readLayers(src: ImageSource): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const l of src.layers) out.push(await collect(await src.openLayer(l)));
  return out;
}

let work: string;
let layout: string;
let v1: LayoutImage;
let v2: LayoutImage;
let arm: LayoutImage;
let multiDigest: string;
let archive: string;

beforeAll(async () => {
  work = await tempDir('oci-local');
  layout = join(work, 'layout');
  v1 = await buildImage(layout, 'v1', [{ 'etc/os-release': 'ID=portcullis\n' }, { 'usr/share/doc/a.txt': 'second layer\n' }]);
  v2 = await buildImage(layout, 'v2', [{ 'etc/hostname': 'v2\n' }]);
  arm = await buildImage(layout, 'arm', [{ 'etc/arch': 'arm64\n' }], 'arm64');
  multiDigest = await addIndex(layout, 'multi', ['v2', 'arm']);
  archive = join(work, 'app.tar');
  await toDockerArchive(layout, 'v1', archive, 'example.com/team/app:v1');
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('oci: layouts (umoci)', () => {
  it('opens a tag, with manifest, config and layers checked against the layout', async () => {
    const src = await openImage(`oci:${layout}:v1`);
    expect(src.transport).toBe('oci');
    expect(src.name).toBe(`oci:${layout}:v1`);
    expect(src.manifestDigest).toBe(v1.manifestDigest);
    expect(sha256(src.manifest as Buffer)).toBe(v1.manifestDigest);
    expect(src.configDigest).toBe(v1.manifest.config.digest);
    expect(src.config?.rootfs?.diff_ids).toEqual(v1.config.rootfs.diff_ids);
    expect(src.platform).toEqual({ os: 'linux', architecture: 'amd64' });
    // umoci's ref.name is a bare tag, which names no repository.
    expect(src.ref).toBeUndefined();
    expect(src.layers.map((l) => [l.digest, l.diffId, l.mediaType, l.size])).toEqual(
      v1.manifest.layers.map((l, i) => [l.digest, v1.config.rootfs.diff_ids[i], l.mediaType, l.size]),
    );
    const blobs = await readLayers(src);
    for (const [i, blob] of blobs.entries()) {
      expect(sha256(blob)).toBe(v1.manifest.layers[i].digest);
      expect(sha256(uncompressed(blob))).toBe(v1.config.rootfs.diff_ids[i]);
    }
    await src.close();
  });

  it('chooses a platform from a nested index, and reports the index digest', async () => {
    const amd = await openImage(`oci:${layout}:multi`, { platform: { os: 'linux', architecture: 'amd64' } });
    expect(amd.indexDigest).toBe(multiDigest);
    expect(amd.manifestDigest).toBe(v2.manifestDigest);
    const a64 = await openImage(`oci:${layout}:multi`, { platform: { os: 'linux', architecture: 'arm64' } });
    expect(a64.manifestDigest).toBe(arm.manifestDigest);
    expect(a64.platform).toEqual({ os: 'linux', architecture: 'arm64' });
    expect(await codeOf(openImage(`oci:${layout}:multi`, { platform: { os: 'linux', architecture: 's390x' } }))).toBe('NO_MATCHING_PLATFORM');
  });

  it('takes the only manifest when no tag is given, and asks for one when there are several', async () => {
    const single = join(work, 'single');
    const img = await buildImage(single, 'only', [{ 'a': 'a\n' }]);
    // Drop the ref.name annotation: the lone manifest is still chosen.
    const index = await readJson<{ manifests: Array<{ annotations?: Record<string, string> }> }>(join(single, 'index.json'));
    delete index.manifests[0].annotations;
    await writeFile(join(single, 'index.json'), JSON.stringify(index));
    expect((await openImage(`oci:${single}`)).manifestDigest).toBe(img.manifestDigest);
    expect(await codeOf(openImage(`oci:${layout}`))).toBe('INVALID_REFERENCE');
  });

  it('fails NOT_FOUND for a missing tag or directory, INVALID_LAYOUT for a directory that is not a layout', async () => {
    expect(await codeOf(openImage(`oci:${layout}:nope`))).toBe('NOT_FOUND');
    expect(await codeOf(openImage(`oci:${join(work, 'absent')}`))).toBe('NOT_FOUND');
    const empty = join(work, 'empty');
    await mkdir(empty, { recursive: true });
    expect(await codeOf(openImage(`oci:${empty}`))).toBe('INVALID_LAYOUT');
  });

  it('fails the layer stream with DIGEST_MISMATCH when a blob file was altered', async () => {
    const bad = join(work, 'corrupt');
    await run('cp', ['-r', layout, bad]);
    const target = blobFile(bad, v1.manifest.layers[1].digest);
    const bytes = await readFile(target);
    bytes[bytes.length - 1] ^= 0xff; // same size, different content
    await writeFile(target, bytes);
    const src = await openImage(`oci:${bad}:v1`);
    await collect(await src.openLayer(src.layers[0])); // untouched layer still reads
    expect(await codeOf(collect(await src.openLayer(src.layers[1])))).toBe('DIGEST_MISMATCH');
    // A truncated blob fails on size.
    await writeFile(target, bytes.subarray(0, 10));
    expect(await codeOf(collect(await (await openImage(`oci:${bad}:v1`)).openLayer(src.layers[1])))).toBe('DIGEST_MISMATCH');
    // A corrupted manifest is caught when the manifest is read.
    const m = blobFile(bad, v1.manifestDigest);
    await writeFile(m, (await readFile(m, 'utf8')).replace('"schemaVersion":2', '"schemaVersion": 2'));
    expect(await codeOf(openImage(`oci:${bad}:v1`))).toBe('DIGEST_MISMATCH');
  });

  it('refuses unknown manifest and config media types, and oversized manifests', async () => {
    const odd = join(work, 'odd');
    await run('cp', ['-r', layout, odd]);
    const index = await readJson<{ manifests: Array<{ mediaType: string; annotations?: Record<string, string>; digest: string; size: number }> }>(join(odd, 'index.json'));
    const entry = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'v1');
    if (!entry) throw new Error('v1 missing');
    // A manifest whose own mediaType is unknown (re-hashed so only the type is wrong).
    const manifest = await readJson<Record<string, unknown>>(blobFile(odd, entry.digest));
    const strange = Buffer.from(JSON.stringify({ ...manifest, mediaType: 'application/vnd.example.strange+json' }));
    await writeFile(blobFile(odd, sha256(strange)), strange);
    // An artifact manifest: image manifest shape, but its config is not an image config.
    const artifact = Buffer.from(JSON.stringify({ ...manifest, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { ...(manifest.config as object), mediaType: 'application/vnd.example.sbom' } }));
    await writeFile(blobFile(odd, sha256(artifact)), artifact);
    index.manifests.push(
      { mediaType: 'application/vnd.example.strange+json', digest: sha256(strange), size: strange.length, annotations: { 'org.opencontainers.image.ref.name': 'strange' } },
      { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(artifact), size: artifact.length, annotations: { 'org.opencontainers.image.ref.name': 'artifact' } },
    );
    await writeFile(join(odd, 'index.json'), JSON.stringify(index));
    expect(await codeOf(openImage(`oci:${odd}:strange`))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await codeOf(openImage(`oci:${odd}:artifact`))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(await codeOf(openImage(`oci:${odd}:v1`, { maxManifestBytes: 100 }))).toBe('TOO_LARGE');
  });
});

describe('docker-archive: (skopeo)', () => {
  /** What every layout of the v1 archive must yield: the diff_ids, and bytes that hash to them. */
  async function expectV1(src: ImageSource): Promise<void> {
    expect(src.transport).toBe('docker-archive');
    expect(src.configDigest).toBe(v1.manifest.config.digest);
    expect(src.config?.rootfs?.diff_ids).toEqual(v1.config.rootfs.diff_ids);
    expect(src.ref).toEqual({ registry: 'example.com', repository: 'team/app', tag: 'v1' });
    expect(src.layers.map((l) => l.diffId)).toEqual(v1.config.rootfs.diff_ids);
    const blobs = await readLayers(src);
    for (const [i, blob] of blobs.entries()) {
      expect(sha256(blob)).toBe(src.layers[i].digest);
      expect(sha256(blob)).toBe(v1.config.rootfs.diff_ids[i]);
      // Same tar stream as the layout's (gzipped) layer.
      expect(blob.equals(uncompressed(await readFile(blobFile(layout, v1.manifest.layers[i].digest))))).toBe(true);
    }
  }

  it("reads skopeo's archive (<hex>.tar layers) in place", async () => {
    const src = await openImage(`docker-archive:${archive}`);
    expect(src.name).toBe(`docker-archive:${archive}`);
    expect(src.layers.every((l) => l.mediaType === 'application/vnd.docker.image.rootfs.diff.tar')).toBe(true);
    await expectV1(src);
  });

  it('reads the legacy <id>/layer.tar layout (layers named by v1 id, reached through symlinks)', async () => {
    const dir = join(work, 'legacy');
    await mkdir(dir, { recursive: true });
    await run('tar', ['-xf', archive, '-C', dir]);
    const { stdout } = await run('tar', ['-tf', archive]);
    const ids = stdout.split('\n').filter((n) => n.endsWith('/layer.tar'));
    expect(ids.length).toBe(v1.config.rootfs.diff_ids.length);
    // skopeo writes <id>/layer.tar as symlinks to <diffid>.tar; map each id to its layer.
    const byDiff = new Map<string, string>();
    for (const id of ids) {
      const { stdout: target } = await run('readlink', [join(dir, id)]);
      byDiff.set('sha256:' + target.trim().replace('../', '').replace('.tar', ''), id);
    }
    const [entry] = await readJson<Array<Record<string, unknown>>>(join(dir, 'manifest.json'));
    entry.Layers = v1.config.rootfs.diff_ids.map((d) => byDiff.get(d));
    await writeFile(join(dir, 'manifest.json'), JSON.stringify([entry]));
    const legacy = join(work, 'legacy.tar');
    await run('tar', ['-cf', legacy, '-C', dir, '.']);
    const src = await openImage(`docker-archive:${legacy}`);
    expect(src.layers.map((l) => l.digest)).toEqual(v1.config.rootfs.diff_ids);
    expect(src.layers.every((l) => l.mediaType === 'application/vnd.docker.image.rootfs.diff.tar')).toBe(true);
    await expectV1(src);
  });

  it("reads Docker 25's layout (blobs/sha256/<hex>)", async () => {
    const d25 = join(work, 'docker25.tar');
    await toDocker25Archive(archive, d25);
    await expectV1(await openImage(`docker-archive:${d25}`));
  });

  it('selects an image by name and rejects a name it does not hold', async () => {
    const src = await openImage(`docker-archive:${archive}:example.com/team/app:v1`);
    expect(src.configDigest).toBe(v1.manifest.config.digest);
    expect((await openImage(`docker-archive:${archive}:@0`)).configDigest).toBe(v1.manifest.config.digest);
    expect(await codeOf(openImage(`docker-archive:${archive}:example.com/team/app:v9`))).toBe('NOT_FOUND');
  });

  it('fails DIGEST_MISMATCH when a layer inside the archive was altered', async () => {
    const bad = join(work, 'bad.tar');
    await copyFile(archive, bad);
    // Flip a byte in the data of the first layer member, found through GNU tar's listing.
    const { stdout } = await run('tar', ['-tvf', archive]);
    expect(stdout).toContain('.tar');
    const src0 = await openImage(`docker-archive:${archive}`);
    const first = await collect(await src0.openLayer(src0.layers[0]));
    const whole = await readFile(bad);
    const at = whole.indexOf(first.subarray(0, 512));
    expect(at).toBeGreaterThan(0);
    whole[at + 100] ^= 0xff;
    await writeFile(bad, whole);
    const src = await openImage(`docker-archive:${bad}`);
    expect(await codeOf(collect(await src.openLayer(src.layers[0])))).toBe('DIGEST_MISMATCH');
  });

  it('reads members with long names in pax and GNU tars, and refuses symlink loops', async () => {
    const dir = join(work, 'long');
    await mkdir(dir, { recursive: true });
    await run('tar', ['-xf', archive, '-C', dir]);
    const [entry] = await readJson<Array<{ Config: string; RepoTags: string[]; Layers: string[] }>>(join(dir, 'manifest.json'));
    // Move every member under a directory whose name alone exceeds the 100-byte ustar field.
    const deep = 'd'.repeat(120) + '/' + 'e'.repeat(120);
    await mkdir(join(dir, deep), { recursive: true });
    for (const m of [entry.Config, ...entry.Layers]) await run('mv', [join(dir, m), join(dir, deep, m)]);
    const moved = { ...entry, Config: `${deep}/${entry.Config}`, Layers: entry.Layers.map((l) => `${deep}/${l}`) };
    await writeFile(join(dir, 'manifest.json'), JSON.stringify([moved]));
    for (const format of ['pax', 'gnu']) {
      const file = join(work, `long-${format}.tar`);
      await run('tar', [`--format=${format}`, '-cf', file, '-C', dir, 'manifest.json', 'd'.repeat(120)]);
      await expectV1(await openImage(`docker-archive:${file}`));
    }
    // manifest.json naming a symlink loop is an invalid archive, not a hang.
    await run('ln', ['-s', 'loop-b', join(dir, 'loop-a')]);
    await run('ln', ['-s', 'loop-a', join(dir, 'loop-b')]);
    await writeFile(join(dir, 'manifest.json'), JSON.stringify([{ ...moved, Layers: ['loop-a', ...moved.Layers.slice(1)] }]));
    const loop = join(work, 'loop.tar');
    await run('tar', ['-cf', loop, '-C', dir, 'manifest.json', 'loop-a', 'loop-b', 'd'.repeat(120)]);
    expect(await codeOf(openImage(`docker-archive:${loop}`))).toBe('INVALID_ARCHIVE');
  });

  it('fails INVALID_ARCHIVE for a file that is not a tar, or a tar without manifest.json', async () => {
    const notTar = join(work, 'not.tar');
    await writeFile(notTar, 'this is not a tar archive\n'.repeat(100));
    expect(await codeOf(openImage(`docker-archive:${notTar}`))).toBe('INVALID_ARCHIVE');
    const gz = join(work, 'app.tar.gz');
    await run('sh', ['-c', `gzip -c '${archive}' > '${gz}'`]);
    expect(await codeOf(openImage(`docker-archive:${gz}`))).toBe('INVALID_ARCHIVE');
    const plain = join(work, 'plain.tar');
    await run('tar', ['-cf', plain, '-C', join(layout), 'index.json']);
    expect(await codeOf(openImage(`docker-archive:${plain}`))).toBe('INVALID_ARCHIVE');
    const truncated = join(work, 'truncated.tar');
    await writeFile(truncated, (await readFile(archive)).subarray(0, 1500));
    expect(await codeOf(openImage(`docker-archive:${truncated}`))).toBe('INVALID_ARCHIVE');
    expect(await codeOf(openImage(`docker-archive:${join(work, 'absent.tar')}`))).toBe('NOT_FOUND');
  });
});

describe('dir: and transports', () => {
  it('opens an unpacked root filesystem with no layers', async () => {
    const root = join(work, 'rootfs');
    await mkdir(join(root, 'etc'), { recursive: true });
    const src = await openImage(`dir:${root}`);
    expect(src).toMatchObject({ transport: 'dir', name: root, rootDir: root, layers: [] });
    expect(await codeOf(openImage(`dir:${join(work, 'nowhere')}`))).toBe('NOT_FOUND');
  });

  it('refuses transports it does not read, and invalid references', async () => {
    expect(await codeOf(openImage('oci-archive:/tmp/x.tar'))).toBe('INVALID_TRANSPORT');
    expect(await codeOf(openImage('docker://Not/Valid'))).toBe('INVALID_REFERENCE');
    expect(await codeOf(openImage('UPPER/case:tag'))).toBe('INVALID_REFERENCE');
  });
});
