// Checks the test image builder against real tools: skopeo and umoci must accept what
// it writes, and the layer digests must be what skopeo reports.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildLayer, haveZstd, writeDockerArchive, writeOciLayout } from '../helpers/build-image.js';
import { sha256Digest } from '../../src/util/digest.js';

const tmp = mkdtempSync(join(tmpdir(), 'pc-build-image-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const entries = [
  { path: 'etc/', type: 'dir' as const },
  { path: 'etc/os-release', content: 'ID=debian\n' },
  { path: 'bin/sh', type: 'symlink' as const, linkname: 'dash' },
  { path: 'bin/dash', content: Buffer.from([0x7f, 0x45, 0x4c, 0x46]), mode: 0o755 },
  { path: 'bin/dash2', type: 'hardlink' as const, linkname: 'bin/dash' },
];

describe('build-image helper', () => {
  it('is deterministic and its digests match the bytes', async () => {
    const a = await buildLayer(entries, { compression: 'gzip' });
    const b = await buildLayer(entries, { compression: 'gzip' });
    expect(a.digest).toBe(b.digest);
    expect(a.digest).toBe(sha256Digest(a.blob));
    expect(a.diffId).toBe(sha256Digest(gunzipSync(a.blob)));
    expect(a.mediaType).toBe('application/vnd.oci.image.layer.v1.tar+gzip');
  });

  it('writes an OCI layout that skopeo and umoci read', async () => {
    const layers = [await buildLayer(entries, { compression: 'gzip' }), await buildLayer([{ path: 'etc/.wh.os-release' }], { compression: 'none' })];
    const dir = join(tmp, 'layout');
    const w = await writeOciLayout(dir, { layers, tag: 'v1' });
    const info = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${dir}:v1`], { encoding: 'utf8' })) as { Digest: string; Layers: string[] };
    expect(info.Digest).toBe(w.manifestDigest);
    expect(info.Layers).toEqual(layers.map((l) => l.digest));
    const cfg = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `oci:${dir}:v1`], { encoding: 'utf8' })) as { rootfs: { diff_ids: string[] } };
    expect(cfg.rootfs.diff_ids).toEqual(layers.map((l) => l.diffId));
    // umoci unpacks and applies the whiteout: os-release is gone, the hard link is there.
    const bundle = join(tmp, 'bundle');
    execFileSync('umoci', ['raw', 'unpack', '--rootless', '--image', `${dir}:v1`, bundle], { stdio: 'pipe' });
    expect(() => readFileSync(join(bundle, 'etc/os-release'))).toThrow();
    expect(readFileSync(join(bundle, 'bin/dash2'))).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  });

  it.runIf(haveZstd())('writes zstd layers that zstd and skopeo accept', async () => {
    const layers = [await buildLayer(entries, { compression: 'zstd' })];
    expect(layers[0].blob.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]));
    expect(sha256Digest(execFileSync('zstd', ['-dc'], { input: layers[0].blob }))).toBe(layers[0].diffId);
    const dir = join(tmp, 'layout-zstd');
    await writeOciLayout(dir, { layers, tag: 'z' });
    const info = JSON.parse(execFileSync('skopeo', ['inspect', `oci:${dir}:z`], { encoding: 'utf8' })) as { Layers: string[] };
    expect(info.Layers).toEqual([layers[0].digest]);
  });

  it('writes a docker-archive that skopeo reads', async () => {
    const layers = [await buildLayer(entries, { compression: 'gzip' })];
    const file = join(tmp, 'image.tar');
    const w = await writeDockerArchive(file, { layers, repoTag: 'example.com/team/app:1.0' });
    const cfg = JSON.parse(execFileSync('skopeo', ['inspect', '--config', `docker-archive:${file}`], { encoding: 'utf8' })) as { rootfs: { diff_ids: string[] } };
    expect(cfg.rootfs.diff_ids).toEqual([layers[0].diffId]);
    const info = JSON.parse(execFileSync('skopeo', ['inspect', `docker-archive:${file}`], { encoding: 'utf8' })) as { Layers: string[] };
    // docker-archive layers are stored uncompressed, so skopeo names them by diffId.
    expect(info.Layers).toEqual([layers[0].diffId]);
    expect(sha256Digest(w.config)).toBe(w.configDigest);
  });
});
