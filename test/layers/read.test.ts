// readLayer over layers built by test/helpers/build-image.ts and by the real tar(1),
// gzip(1) and zstd(1) of this Debian machine, including hostile and broken input.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readLayer, squash, LayerError, type FileWanter, type LayerContents } from '../../src/layers/index.js';
import type { LayerInfo } from '../../src/oci/types.js';
import { OciError } from '../../src/oci/types.js';
import { sha256Digest } from '../../src/util/digest.js';
import { buildLayer, buildTar, haveZstd, type BuiltLayer, type Entry } from '../helpers/build-image.js';

const tmp = mkdtempSync(join(tmpdir(), 'pc-read-layer-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function info(l: Pick<BuiltLayer, 'digest' | 'diffId' | 'mediaType' | 'size'>, index = 0): LayerInfo {
  return { index, digest: l.digest, diffId: l.diffId, mediaType: l.mediaType, size: l.size };
}

function read(l: BuiltLayer, wanters: FileWanter[], opts = {}, blob = l.blob): Promise<LayerContents> {
  return readLayer(Readable.from([blob]), info(l), wanters, opts);
}

/** The blob as a stream of `size`-byte chunks (a file or socket delivers it so). */
function chunked(blob: Buffer, size: number): Readable {
  const parts: Buffer[] = [];
  for (let i = 0; i < blob.length; i += size) parts.push(blob.subarray(i, i + size));
  return Readable.from(parts);
}

/** Rejects with the LayerError code (or fails the test if it resolves). */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(LayerError);
    return (e as LayerError).code;
  }
  throw new Error('expected a rejection');
}

const wantPaths = (id: string, paths: string[]): FileWanter => ({ id, version: '1', want: (c) => paths.includes(c.path) });

const base: Entry[] = [
  { path: './', type: 'dir' },
  { path: './etc/', type: 'dir' },
  { path: './etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' },
  { path: './etc/passwd', content: 'root:x:0:0:root:/root:/bin/bash\n' },
  { path: './usr/bin/tool', content: Buffer.alloc(5000, 0x41), mode: 0o755 },
  { path: './usr/bin/alias', type: 'symlink', linkname: 'tool' },
  { path: './usr/bin/tool2', type: 'hardlink', linkname: './usr/bin/tool' },
  { path: './var/lib/dpkg/status', content: 'Package: base-files\n\n' },
];

describe('readLayer: what is kept', () => {
  it('buffers only wanted files, with normalized paths, and records links', async () => {
    const l = await buildLayer(base, { compression: 'gzip' });
    const seen: string[] = [];
    const w: FileWanter = {
      id: 'os',
      version: '1',
      want: (c) => {
        seen.push(c.path);
        return c.path === 'etc/os-release';
      },
    };
    const c = await read(l, [w, wantPaths('dpkg', ['var/lib/dpkg/status', 'etc/os-release'])]);
    // Every regular file and hard link is shown once; directories, symlinks and whiteouts are not.
    expect(seen).toEqual(['etc/os-release', 'etc/passwd', 'usr/bin/tool', 'usr/bin/tool2', 'var/lib/dpkg/status']);
    expect([...c.files.keys()]).toEqual(['etc/os-release', 'var/lib/dpkg/status']);
    const os = c.files.get('etc/os-release');
    expect(os?.data.toString()).toBe('ID=debian\nVERSION_ID="12"\n');
    expect(os?.wantedBy).toEqual(['dpkg', 'os']);
    expect(os?.mode).toBe(0o644);
    expect(c.files.get('var/lib/dpkg/status')?.wantedBy).toEqual(['dpkg']);
    expect(c.symlinks).toEqual(new Map([['usr/bin/alias', 'tool']]));
    // The hard link is not wanted by anyone, so it is not recorded as a link.
    expect(c.hardlinks.size).toBe(0);
    expect(c.warnings).toEqual([]);
  });

  it('passes size and mode to wanters and records wanted hard links', async () => {
    const l = await buildLayer(base, { compression: 'none' });
    const exec: FileWanter = { id: 'bin', version: '1', want: (c) => (c.mode & 0o111) !== 0 && c.size === 5000 };
    const c = await read(l, [exec]);
    expect([...c.files.keys()]).toEqual(['usr/bin/tool']);
    expect(c.files.get('usr/bin/tool')?.mode).toBe(0o755);
    // The link's candidate carries the target's size and mode.
    expect(c.hardlinks).toEqual(new Map([['usr/bin/tool2', 'usr/bin/tool']]));
  });

  it('streams a file through a reducer and keeps only its output', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024);
    big.write('MAGIC-1.2.3', 2 * 1024 * 1024 + 7);
    const l = await buildLayer([{ path: 'app/bin', content: big, mode: 0o755 }, { path: 'app/other', content: 'no marker here' }], { compression: 'gzip' });
    let chunks = 0;
    const w: FileWanter = {
      id: 'marker',
      version: '1',
      want: () => ({
        reduce: () => {
          const parts: Buffer[] = [];
          return {
            push: (b) => {
              chunks++;
              parts.push(Buffer.from(b));
            },
            end: () => {
              const all = Buffer.concat(parts);
              const i = all.indexOf('MAGIC-');
              return i < 0 ? null : all.subarray(i, i + 11);
            },
          };
        },
      }),
    };
    // A 1 MiB default cap does not stop a reducer: reducers exist for big files.
    const c = await read(l, [w], { maxFileBytes: 1024 * 1024 });
    expect(chunks).toBeGreaterThan(1);
    expect([...c.files.keys()]).toEqual(['app/bin']); // the reducer returned null for app/other
    expect(c.files.get('app/bin')?.data.toString()).toBe('MAGIC-1.2.3');
    expect(c.files.get('app/bin')?.size).toBe(big.length);
  });

  it('keeps per-wanter content when a whole-file wanter and a reducer want the same file', async () => {
    const l = await buildLayer([{ path: 'x', content: 'hello world' }], { compression: 'none' });
    const whole = wantPaths('whole', ['x']);
    const red: FileWanter = { id: 'red', version: '1', want: () => ({ reduce: () => ({ push: () => undefined, end: () => Buffer.from('reduced') }) }) };
    const c = await read(l, [red, whole]);
    const f = c.files.get('x');
    expect(f?.wantedBy).toEqual(['red', 'whole']);
    // The default content is the whole file; each wanter gets its own through filesFor.
    expect(f?.data.toString()).toBe('hello world');
    const tree = squash([c]);
    expect(tree.filesFor('red').map((x) => x.data.toString())).toEqual(['reduced']);
    expect(tree.filesFor('whole').map((x) => x.data.toString())).toEqual(['hello world']);
    expect(tree.resolve('x')?.data.toString()).toBe('hello world');
  });

  it('skips files over the per-file cap with a warning (Want.maxBytes or maxFileBytes)', async () => {
    const l = await buildLayer([{ path: 'a', content: Buffer.alloc(2000) }, { path: 'b', content: Buffer.alloc(100) }], { compression: 'gzip' });
    const capped: FileWanter = { id: 'capped', version: '1', want: () => ({ maxBytes: 1000 }) };
    const c1 = await read(l, [capped]);
    expect([...c1.files.keys()]).toEqual(['b']);
    expect(c1.warnings).toHaveLength(1);
    expect(c1.warnings[0]).toContain('a');
    const c2 = await read(l, [wantPaths('all', ['a', 'b'])], { maxFileBytes: 500 });
    expect([...c2.files.keys()]).toEqual(['b']);
    expect(c2.warnings).toHaveLength(1);
  });

  it('records whiteouts and opaque directories, not as files', async () => {
    const l = await buildLayer(
      [
        { path: 'etc/.wh.passwd' },
        { path: 'usr/share/doc/.wh..wh..opq' },
        { path: '.wh.tmp' },
        { path: 'etc/.wh..wh.plnk' }, // AUFS metadata: neither a deletion nor a file
        { path: 'etc/new', content: 'n' },
      ],
      { compression: 'gzip' },
    );
    const all: FileWanter = { id: 'all', version: '1', want: () => true };
    const c = await read(l, [all]);
    expect(c.whiteouts).toEqual(['etc/passwd', 'tmp']);
    expect(c.opaqueDirs).toEqual(['usr/share/doc']);
    expect([...c.files.keys()]).toEqual(['etc/new']);
  });

  it('reads uncompressed, gzip and zstd layers alike, and the Docker media types', async () => {
    const want = [wantPaths('os', ['etc/os-release'])];
    const kinds: Array<[BuiltLayer, string]> = [
      [await buildLayer(base, { compression: 'none' }), 'none'],
      [await buildLayer(base, { compression: 'gzip', mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip' }), 'docker gzip'],
      [await buildLayer(base, { compression: 'none', mediaType: 'application/vnd.docker.image.rootfs.diff.tar' }), 'docker tar'],
      [await buildLayer(base, { compression: 'gzip', mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip' }), 'nondistributable'],
      [await buildLayer(base, { compression: 'gzip', mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip' }), 'foreign'],
    ];
    if (haveZstd()) kinds.push([await buildLayer(base, { compression: 'zstd' }), 'zstd']);
    for (const [l, name] of kinds) {
      const c = await read(l, want);
      expect(c.files.get('etc/os-release')?.data.toString(), name).toBe('ID=debian\nVERSION_ID="12"\n');
      expect(c.warnings, name).toEqual([]);
    }
  });

  it.each(['gzip', 'zstd'] as const)('reads a large %s layer through backpressure to the end', async (compression) => {
    if (compression === 'zstd' && !haveZstd()) return;
    // Mixed content (random, zeros, text) in many entries makes the inflater stop and
    // resume mid-chunk, including on slices that yield no output.
    const entries: Entry[] = [];
    for (let i = 0; i < 40; i++) {
      entries.push({ path: `data/r${i}`, content: randomBytes(300_000) });
      entries.push({ path: `data/z${i}`, content: Buffer.alloc(200_000) });
      entries.push({ path: `data/t${i}.txt`, content: `file ${i}\n`.repeat(5000) });
    }
    entries.push({ path: 'etc/os-release', content: 'ID=last\n' });
    const l = await buildLayer(entries, { compression });
    // Fed in 1 MiB chunks, as a file stream delivers them.
    const w: FileWanter = { id: 'w', version: '1', want: (x) => x.path === 'etc/os-release' || x.path.startsWith('data/r') };
    const c = await readLayer(chunked(l.blob, 1 << 20), info(l), [w], {});
    expect(c.files.get('etc/os-release')?.data.toString()).toBe('ID=last\n');
    expect(c.files.get('data/r39')?.data).toEqual(entries[117].content);
  });

  it('reads empty layers: the gzip of 1024 zero bytes registries use, and tar(1)\'s empty archive', async () => {
    const all: FileWanter = { id: 'all', version: '1', want: () => true };
    const zeros = Buffer.alloc(1024);
    const gz = gzipSync(zeros);
    const l = { blob: gz, digest: sha256Digest(gz), diffId: sha256Digest(zeros), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: gz.length, tar: zeros };
    const c = await read(l, [all]);
    expect(c.files.size + c.symlinks.size + c.whiteouts.length).toBe(0);
    const none = join(tmp, 'empty-list');
    writeFileSync(none, '');
    const empty = execFileSync('tar', ['-cf', '-', '-T', none]);
    const c2 = await read({ ...l, blob: empty, digest: sha256Digest(empty), diffId: sha256Digest(empty), mediaType: 'application/vnd.oci.image.layer.v1.tar' }, [all]);
    expect(c2.files.size).toBe(0);
    expect(c2.warnings).toEqual([]);
  });

  it('trusts the bytes over the media type, with a warning', async () => {
    // docker-archive layer.tar files are sometimes gzipped despite their name.
    const l = await buildLayer(base, { compression: 'gzip', mediaType: 'application/vnd.docker.image.rootfs.diff.tar' });
    const c = await read(l, [wantPaths('os', ['etc/os-release'])]);
    expect(c.files.has('etc/os-release')).toBe(true);
    expect(c.warnings).toHaveLength(1);
  });

  it('reads a GNU tar made by tar(1) from real files, with long names and hard links', async () => {
    const root = join(tmp, 'gnu');
    const longDir = join(root, 'opt', 'a'.repeat(90), 'b'.repeat(90));
    mkdirSync(longDir, { recursive: true });
    mkdirSync(join(root, 'etc'));
    const osRelease = readFileSync('/etc/os-release');
    writeFileSync(join(root, 'etc', 'os-release'), osRelease);
    writeFileSync(join(longDir, 'package.json'), '{"name":"deep","version":"1.0.0"}');
    linkSync(join(root, 'etc', 'os-release'), join(root, 'etc', 'os-release.hard'));
    symlinkSync('../etc/os-release', join(root, 'opt', 'link'));
    const tar = execFileSync('tar', ['-C', root, '--sort=name', '-cf', '-', '.'], { maxBuffer: 1 << 26 });
    const gz = execFileSync('gzip', ['-c'], { input: tar });
    const l = { blob: gz, digest: sha256Digest(gz), diffId: sha256Digest(tar), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: gz.length, tar };
    const longPath = `opt/${'a'.repeat(90)}/${'b'.repeat(90)}/package.json`;
    const c = await read(l, [wantPaths('w', ['etc/os-release', 'etc/os-release.hard', longPath])]);
    expect(c.files.get('etc/os-release')?.data).toEqual(osRelease);
    expect(c.files.get(longPath)?.data.toString()).toContain('"deep"');
    expect(c.hardlinks).toEqual(new Map([['etc/os-release.hard', 'etc/os-release']]));
    expect(c.symlinks.get('opt/link')).toBe('../etc/os-release');
  });
});

describe('readLayer: bad input', () => {
  const all: FileWanter = { id: 'all', version: '1', want: () => true };

  it('rejects an unknown media type, naming it, and releases the stream', async () => {
    const l = await buildLayer(base, { compression: 'gzip', mediaType: 'application/vnd.oci.image.config.v1+json' });
    const s = Readable.from([l.blob]);
    const p = readLayer(s, info(l), [all], {});
    await expect(p).rejects.toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
    await expect(p).rejects.toThrow('application/vnd.oci.image.config.v1+json');
    expect(s.destroyed).toBe(true);
  });

  it('rejects a truncated gzip stream', async () => {
    const l = await buildLayer(base, { compression: 'gzip' });
    expect(await codeOf(read(l, [all], {}, l.blob.subarray(0, l.blob.length - 40)))).toBe('LAYER_TRUNCATED');
  });

  it.runIf(haveZstd())('rejects a truncated zstd stream', async () => {
    const l = await buildLayer(base, { compression: 'zstd' });
    expect(await codeOf(read(l, [all], {}, l.blob.subarray(0, l.blob.length - 10)))).toBe('LAYER_TRUNCATED');
  });

  it('rejects a tar truncated inside an entry and one cut at an entry boundary', async () => {
    const l = await buildLayer(base, { compression: 'none' });
    // Mid-entry: the os-release data block is cut.
    expect(await codeOf(read(l, [all], {}, l.tar.subarray(0, 512 * 3 + 10)))).toBe('LAYER_TRUNCATED');
    // At a boundary, without the end-of-archive blocks.
    const noEof = await buildTar([{ path: 'a', content: 'x' }]);
    expect(await codeOf(read(l, [all], {}, noEof.subarray(0, 1024)))).toBe('LAYER_TRUNCATED');
  });

  it('rejects garbage bytes as corrupt, compressed or not', async () => {
    const l = await buildLayer(base, { compression: 'none' });
    const garbage = Buffer.from('this is not a tar archive, just text that goes on. '.repeat(40));
    expect(await codeOf(read(l, [all], {}, garbage))).toBe('LAYER_CORRUPT');
    expect(await codeOf(read(l, [all], {}, garbage.subarray(0, 100)))).toBe('LAYER_CORRUPT');
    const gzGarbage = Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0x00]), garbage]);
    expect(await codeOf(read(l, [all], {}, gzGarbage))).toBe('LAYER_CORRUPT');
    const gzOfGarbage = gzipSync(garbage);
    expect(await codeOf(read(l, [all], {}, gzOfGarbage))).toBe('LAYER_CORRUPT');
  });

  it('rejects entries that escape the root: ../ and absolute paths, and hard links that do', async () => {
    for (const bad of ['../etc/passwd', 'usr/../../etc/passwd', '/etc/passwd']) {
      const l = await buildLayer([{ path: 'ok', content: 'x' }, { path: bad, content: 'evil' }], { compression: 'gzip' });
      const p = read(l, [all]);
      expect(await codeOf(p), bad).toBe('UNSAFE_PATH');
      await expect(p).rejects.toThrow(JSON.stringify(bad));
      await expect(p).rejects.toMatchObject({ input: expect.stringContaining(l.digest) });
    }
    const link = await buildLayer([{ path: 'ok', type: 'hardlink', linkname: '../../etc/shadow' }], { compression: 'none' });
    expect(await codeOf(read(link, [all]))).toBe('UNSAFE_PATH');
    // `..` that stays inside the root is fine.
    const inside = await buildLayer([{ path: 'a/../b', content: 'x' }], { compression: 'none' });
    expect([...(await read(inside, [all])).files.keys()]).toEqual(['b']);
  });

  it('rejects a content/diffId mismatch', async () => {
    const l = await buildLayer(base, { compression: 'gzip' });
    const other = await buildLayer([{ path: 'x', content: 'y' }], { compression: 'gzip' });
    const p = readLayer(Readable.from([l.blob]), { ...info(l), diffId: other.diffId }, [all], {});
    expect(await codeOf(p)).toBe('LAYER_CORRUPT');
  });

  it('stops a gzip bomb early with LAYER_TOO_LARGE and bounded memory', async () => {
    const dir = join(tmp, 'bomb');
    mkdirSync(dir);
    writeFileSync(join(dir, 'zeros'), '');
    truncateSync(join(dir, 'zeros'), 200_000_000); // sparse: 200 MB of zeros
    const r = spawnSync('sh', ['-c', `tar -C ${dir} -cf - zeros | gzip -1`], { maxBuffer: 1 << 26 });
    const blob = r.stdout;
    expect(blob.length).toBeLessThan(1_000_000);
    const l = { blob, digest: sha256Digest(blob), diffId: '', mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: blob.length, tar: Buffer.alloc(0) };
    const before = process.memoryUsage().rss;
    const t0 = performance.now();
    // The wanter wants the file whole, with a cap big enough to buffer the whole bomb.
    const p = read(l, [all], { maxLayerBytes: 50_000_000, maxFileBytes: 1_000_000_000 });
    expect(await codeOf(p)).toBe('LAYER_TOO_LARGE');
    expect(performance.now() - t0).toBeLessThan(5000);
    // Reading 50 MB of a 200 MB file needs well under 200 MB (the declared size buffer
    // is allocated but not touched beyond what arrived).
    expect(process.memoryUsage().rss - before).toBeLessThan(150_000_000);
  });

  it.runIf(haveZstd())('stops a zstd bomb and refuses a huge zstd window', async () => {
    const r = spawnSync('sh', ['-c', 'head -c 200000000 /dev/zero | zstd -q -1 -c'], { maxBuffer: 1 << 26 });
    const l = { blob: r.stdout, digest: sha256Digest(r.stdout), diffId: '', mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', size: r.stdout.length, tar: Buffer.alloc(0) };
    const t0 = performance.now();
    expect(await codeOf(read(l, [all], { maxLayerBytes: 50_000_000 }))).toBe('LAYER_TOO_LARGE');
    expect(performance.now() - t0).toBeLessThan(10000);
    // A frame header asking for a 2 GiB window (--long=31) is refused before allocation.
    const long = spawnSync('sh', ['-c', 'head -c 100000 /dev/urandom | zstd -q --long=31 -c'], { maxBuffer: 1 << 26 });
    const l2 = { ...l, blob: long.stdout };
    expect(await codeOf(read(l2, [all]))).toBe('LAYER_TOO_LARGE');
  });

  it('passes an error of the source stream on unchanged', async () => {
    const l = await buildLayer(base, { compression: 'gzip' });
    const boom = new OciError('DIGEST_MISMATCH', 'blob does not match its digest', { input: l.digest });
    const half = l.blob.subarray(0, Math.floor(l.blob.length / 2));
    const src = new Readable({
      read() {
        this.push(half);
        setImmediate(() => this.destroy(boom));
      },
    });
    await expect(readLayer(src, info(l), [all], {})).rejects.toBe(boom);
  });

  it('rejects when the source closes early without an error', async () => {
    const l = await buildLayer(base, { compression: 'gzip' });
    const src = new Readable({
      read() {
        this.push(l.blob.subarray(0, 100));
        setImmediate(() => this.destroy());
      },
    });
    expect(await codeOf(readLayer(src, info(l), [all], {}))).toBe('LAYER_TRUNCATED');
  });

  it('passes a wanter that throws on as the rejection', async () => {
    const l = await buildLayer(base, { compression: 'gzip' });
    const bad: FileWanter = {
      id: 'bad',
      version: '1',
      want: () => {
        throw new Error('cataloger bug');
      },
    };
    await expect(read(l, [bad])).rejects.toThrow('cataloger bug');
  });
});
