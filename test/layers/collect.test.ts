// collectFiles end to end: images written by the test helper, opened by the real oci/
// transports (oci:, docker-archive:, dir:), read, squashed and cached.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectFiles, type FileTree, type FileWanter } from '../../src/layers/index.js';
import { openImage } from '../../src/oci/index.js';
import type { ImageSource, LayerInfo } from '../../src/oci/types.js';
import { buildLayer, haveZstd, writeDockerArchive, writeOciLayout, type BuiltLayer } from '../helpers/build-image.js';

const tmp = mkdtempSync(join(tmpdir(), 'pc-collect-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let layers: BuiltLayer[];
const layout = join(tmp, 'layout');
const archive = join(tmp, 'image.tar');

beforeAll(async () => {
  layers = [
    await buildLayer(
      [
        { path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
        { path: 'var/lib/dpkg/status', content: 'Package: base-files\n\n' },
        { path: 'usr/lib/app/package.json', content: '{"name":"app"}' },
        { path: 'usr/bin/tool', content: 'ELF', mode: 0o755 },
      ],
      { compression: 'gzip' },
    ),
    await buildLayer(
      [
        { path: 'var/lib/dpkg/status', content: 'Package: base-files\n\nPackage: curl\n\n' },
        { path: 'usr/lib/.wh.app' },
      ],
      { compression: haveZstd() ? 'zstd' : 'gzip' },
    ),
    await buildLayer([{ path: 'etc/motd', content: 'hi' }, { path: 'usr/bin/tool2', type: 'hardlink', linkname: 'usr/bin/tool' }], { compression: 'none' }),
  ];
  await writeOciLayout(layout, { layers, tag: 'v1' });
  await writeDockerArchive(archive, { layers, repoTag: 'example.com/app:v1' });
});

const wanters: FileWanter[] = [
  { id: 'dpkg', version: '1', want: (c) => c.path === 'var/lib/dpkg/status' },
  { id: 'os', version: '1', want: (c) => c.path === 'etc/os-release' },
  { id: 'npm', version: '1', want: (c) => c.path.endsWith('package.json') },
];

/** A comparable summary of a tree: path, layer, content and history per file. */
function summary(t: FileTree): unknown {
  return [...t.files.values()].map((f) => ({ path: f.path, layer: f.layer.digest, data: f.data.toString(), wantedBy: f.wantedBy, history: f.history.map((h) => [h.layer.digest, h.data.toString()]) }));
}

/** Wraps a real source to count layer opens and how many were open at once. */
function instrument(src: ImageSource): { src: ImageSource; opened: LayerInfo[]; maxOpen: () => number } {
  const opened: LayerInfo[] = [];
  let open = 0;
  let max = 0;
  const wrapped: ImageSource = {
    ...src,
    openLayer: async (l) => {
      opened.push(l);
      open++;
      max = Math.max(max, open);
      const s: Readable = await src.openLayer(l);
      s.once('close', () => open--);
      return s;
    },
  };
  return { src: wrapped, opened, maxOpen: () => max };
}

/** A source whose layers must not be opened (everything should come from the cache). */
function sealed(src: ImageSource): ImageSource {
  return {
    ...src,
    openLayer: async (l) => {
      throw new Error(`layer ${l.digest} was opened`);
    },
  };
}

describe('collectFiles', () => {
  it('reads an OCI layout: every layer once, at most two at a time, squashed in order', async () => {
    const { src, opened, maxOpen } = instrument(await openImage(`oci:${layout}:v1`));
    const read: number[] = [];
    const tree = await collectFiles(src, wanters, { onLayerRead: (l) => read.push(l.index) });
    expect(read.sort()).toEqual([0, 1, 2]);
    expect(opened).toHaveLength(3);
    expect(maxOpen()).toBeLessThanOrEqual(2);
    expect([...tree.files.keys()]).toEqual(['etc/os-release', 'var/lib/dpkg/status']);
    const status = tree.filesFor('dpkg')[0];
    expect(status.data.toString()).toContain('Package: curl');
    expect(status.layer.digest).toBe(layers[1].digest);
    expect(status.history.map((h) => h.layer.digest)).toEqual([layers[0].digest]);
    expect(tree.filesFor('npm')).toEqual([]); // whited out in layer 1
    expect(tree.warnings).toEqual([]);
  });

  it('gives the same view from a docker-archive of the same image', async () => {
    const a = await collectFiles(await openImage(`oci:${layout}:v1`), wanters);
    const b = await collectFiles(await openImage(`docker-archive:${archive}`), wanters);
    const strip = (t: FileTree) => [...t.files.values()].map((f) => [f.path, f.data.toString(), f.wantedBy, f.layer.diffId, f.history.length]);
    expect(strip(b)).toEqual(strip(a));
  });

  it('walks a dir: root filesystem', async () => {
    const root = join(tmp, 'rootfs');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/os-release'), 'ID=alpine\n');
    const tree = await collectFiles(await openImage(`dir:${root}`), wanters);
    expect(tree.filesFor('os').map((f) => [f.path, f.data.toString(), f.layer.mediaType])).toEqual([['etc/os-release', 'ID=alpine\n', 'dir']]);
  });

  it('passes a digest mismatch of the source on unchanged', async () => {
    const bad = join(tmp, 'bad-layout');
    await writeOciLayout(bad, { layers, tag: 'v1' });
    // Replace layer 2's blob with other bytes of the same size.
    const hex = layers[2].digest.slice('sha256:'.length);
    const path = join(bad, 'blobs', 'sha256', hex);
    const blob = readFileSync(path);
    blob[600] ^= 0xff;
    writeFileSync(path, blob);
    await expect(collectFiles(await openImage(`oci:${bad}:v1`), wanters)).rejects.toMatchObject({ name: 'OciError', code: 'DIGEST_MISMATCH' });
  });
});

describe('collectFiles: layer cache', () => {
  it('serves a second scan from the cache without opening any layer', async () => {
    const cacheDir = join(tmp, 'cache1');
    const first = await collectFiles(await openImage(`oci:${layout}:v1`), wanters, { cacheDir });
    const files = readdirSync(join(cacheDir, 'layers', 'v1'));
    expect(files).toHaveLength(3);
    expect(files.every((f) => /^[0-9a-f]{64}\.bin$/.test(f))).toBe(true);
    expect(readdirSync(cacheDir)).toEqual(['layers']);

    const read: LayerInfo[] = [];
    const second = await collectFiles(sealed(await openImage(`oci:${layout}:v1`)), wanters, { cacheDir, onLayerRead: (l) => read.push(l) });
    expect(read).toEqual([]);
    expect(summary(second)).toEqual(summary(first));
    expect(second.warnings).toEqual([]);
  });

  it('misses when a wanter version changes, and keys by layer so positions do not matter', async () => {
    const cacheDir = join(tmp, 'cache2');
    await collectFiles(await openImage(`oci:${layout}:v1`), wanters, { cacheDir });
    const bumped = wanters.map((w) => (w.id === 'os' ? { ...w, version: '2' } : w));
    const read: number[] = [];
    await collectFiles(await openImage(`oci:${layout}:v1`), bumped, { cacheDir, onLayerRead: (l) => read.push(l.index) });
    expect(read.sort()).toEqual([0, 1, 2]);

    // Another image sharing layer 0 at index 1: only its new layer is read, and the
    // cached layer reports its position in this image.
    const other = join(tmp, 'other');
    const extra = await buildLayer([{ path: 'etc/issue', content: 'x' }], { compression: 'gzip' });
    await writeOciLayout(other, { layers: [extra, layers[0]], tag: 'v1' });
    const read2: number[] = [];
    const tree = await collectFiles(await openImage(`oci:${other}:v1`), wanters, { cacheDir, onLayerRead: (l) => read2.push(l.index) });
    expect(read2).toEqual([0]);
    expect(tree.files.get('etc/os-release')?.layer.index).toBe(1);
  });

  it('ignores a truncated or corrupt cache file, rereads that layer and repairs the entry', async () => {
    const cacheDir = join(tmp, 'cache3');
    const first = await collectFiles(await openImage(`oci:${layout}:v1`), wanters, { cacheDir });
    const dir = join(cacheDir, 'layers', 'v1');
    const [a, b] = readdirSync(dir).sort();
    const fa = join(dir, a);
    writeFileSync(fa, readFileSync(fa).subarray(0, 30)); // truncated
    const fb = join(dir, b);
    const buf = readFileSync(fb);
    buf[buf.length - 40] ^= 0x01; // one flipped bit
    writeFileSync(fb, buf);

    const read: number[] = [];
    const second = await collectFiles(await openImage(`oci:${layout}:v1`), wanters, { cacheDir, onLayerRead: (l) => read.push(l.index) });
    expect(read).toHaveLength(2);
    expect(summary(second)).toEqual(summary(first));
    expect(second.warnings.filter((w) => w.includes('corrupt layer cache'))).toHaveLength(2);

    const third = await collectFiles(sealed(await openImage(`oci:${layout}:v1`)), wanters, { cacheDir });
    expect(summary(third)).toEqual(summary(first));
    // The two bad entries were rewritten in place; no temp files are left behind.
    const after = readdirSync(dir).sort();
    expect(after).toHaveLength(3);
    expect(after).toContain(a);
    expect(after).toContain(b);
    expect(after.every((f) => f.endsWith('.bin'))).toBe(true);
  });
});
