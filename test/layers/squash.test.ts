// squash over real layer blobs (built by the test helper, read by readLayer): whiteouts,
// opaque directories, history, symlink resolution inside the root, hard links.
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readLayer, squash, LayerError, MAX_SYMLINK_HOPS, type FileWanter, type LayerContents } from '../../src/layers/index.js';
import { buildLayer, type Entry } from '../helpers/build-image.js';

async function readAll(layers: Entry[][], wanters: FileWanter[]): Promise<LayerContents[]> {
  const out: LayerContents[] = [];
  for (const [index, entries] of layers.entries()) {
    const l = await buildLayer(entries, { compression: 'gzip' });
    out.push(await readLayer(Readable.from([l.blob]), { index, digest: l.digest, diffId: l.diffId, mediaType: l.mediaType, size: l.size }, wanters, {}));
  }
  return out;
}

const all: FileWanter = { id: 'all', version: '1', want: () => ({ maxBytes: 1000 }) };

describe('squash: whiteouts, opaque directories and history', () => {
  const layers: Entry[][] = [
    [
      { path: 'etc/os-release', content: 'ID=debian' },
      { path: 'var/lib/dpkg/status', content: 's0' },
      { path: 'usr/share/doc/a/copyright', content: 'a' },
      { path: 'usr/share/doc/b/copyright', content: 'b' },
      { path: 'opt/app/package.json', content: '{}' },
      { path: 'opt/app/lib/x.js', content: 'x' },
      { path: 'opt/keep', content: 'k' },
      { path: 'etc/foo', content: 'f0' },
      { path: 'etc/conf', content: 'small' },
      { path: 'usr/lib/os-release', content: 'lower' },
      { path: 'srv/data', content: 'file that becomes a directory' },
    ],
    [
      { path: 'var/lib/dpkg/status', content: 's1' },
      { path: 'etc/.wh.foo' },
      { path: 'usr/share/doc/.wh..wh..opq' },
      { path: 'usr/share/doc/c/copyright', content: 'c' },
      { path: 'opt/.wh.app' },
      { path: 'etc/.wh.twice' },
      { path: 'etc/twice', content: 'whiteout and file in one layer' },
    ],
    [
      { path: 'var/lib/dpkg/status', content: 's2' },
      { path: 'etc/foo', content: 'f2' },
      { path: 'etc/conf', content: Buffer.alloc(5000, 0x61) }, // over the cap: skipped
      { path: 'usr/lib/os-release', type: 'symlink', linkname: '../../etc/os-release' },
      { path: 'srv/data', type: 'symlink', linkname: 'elsewhere' },
    ],
  ];

  it('applies each layer to the ones below it', async () => {
    const contents = await readAll(layers, [all]);
    const tree = squash(contents);
    expect([...tree.files.keys()]).toEqual(['etc/foo', 'etc/os-release', 'etc/twice', 'opt/keep', 'usr/share/doc/c/copyright', 'var/lib/dpkg/status']);
    // Opaque dir: lower a/ and b/ are gone, c/ from the same layer stays.
    expect(tree.resolve('usr/share/doc/a/copyright')).toBeUndefined();
    // Directory whiteout removes the whole subtree; its sibling stays.
    expect(tree.resolve('opt/app/lib/x.js')).toBeUndefined();
    expect(tree.resolve('opt/keep')?.data.toString()).toBe('k');
    // A whiteout and a file of the same layer: the file stays.
    expect(tree.files.get('etc/twice')?.layer.index).toBe(1);
    // A wanted file overwritten by a version nobody kept must not show the stale one.
    expect(tree.files.has('etc/conf')).toBe(false);
    expect(tree.warnings.some((w) => w.includes('etc/conf'))).toBe(true);
    // A file replaced by a symlink is gone; the link resolves within the root.
    expect(tree.files.has('usr/lib/os-release')).toBe(false);
    expect(tree.resolve('usr/lib/os-release')?.data.toString()).toBe('ID=debian');
  });

  it('keeps history oldest first and resets it at a deletion', async () => {
    const tree = squash(await readAll(layers, [all]));
    const status = tree.files.get('var/lib/dpkg/status');
    expect(status?.data.toString()).toBe('s2');
    expect(status?.layer.index).toBe(2);
    expect(status?.history.map((v) => [v.layer.index, v.data.toString()])).toEqual([
      [0, 's0'],
      [1, 's1'],
    ]);
    // etc/foo: written in 0, deleted in 1, re-created in 2: nothing before the deletion.
    const foo = tree.files.get('etc/foo');
    expect(foo?.data.toString()).toBe('f2');
    expect(foo?.history).toEqual([]);
  });

  it('gives each wanter its files, sorted', async () => {
    const dpkg: FileWanter = { id: 'dpkg', version: '1', want: (c) => c.path.startsWith('var/lib/dpkg/') || c.path === 'etc/os-release' };
    const tree = squash(await readAll(layers, [all, dpkg]));
    expect(tree.filesFor('dpkg').map((f) => f.path)).toEqual(['etc/os-release', 'var/lib/dpkg/status']);
    expect(tree.filesFor('dpkg')[1].wantedBy).toEqual(['all', 'dpkg']);
    expect(tree.filesFor('nobody')).toEqual([]);
    expect(tree.filesFor('all').map((f) => f.path)).toEqual([...tree.files.keys()]);
  });
});

describe('squash: symlinks resolve inside the root', () => {
  const entries: Entry[] = [
    { path: 'usr/lib/os-release', content: 'ID=debian' },
    { path: 'etc/os-release', type: 'symlink', linkname: '/usr/lib/os-release' },
    { path: 'etc/passwd', content: 'root' },
    { path: 'lib', type: 'symlink', linkname: 'usr/lib' },
    { path: 'usr/etc/marker', content: 'physical' },
    { path: 'a/b/up', type: 'symlink', linkname: '../../../../../../etc/passwd' },
    { path: 'abs-escape', type: 'symlink', linkname: '/../../etc/passwd' },
    { path: 'loop1', type: 'symlink', linkname: 'loop2' },
    { path: 'loop2', type: 'symlink', linkname: '/loop1' },
    { path: 'self', type: 'symlink', linkname: 'self' },
    { path: 'dirloop/x', type: 'symlink', linkname: '../dirloop/x/y' },
  ];

  it('follows absolute targets from the image root and clamps .. at the root', async () => {
    const tree = squash(await readAll([entries], [all]));
    expect(tree.resolve('etc/os-release')?.path).toBe('usr/lib/os-release');
    expect(tree.resolve('/etc/os-release')?.data.toString()).toBe('ID=debian');
    expect(tree.resolve('a/b/up')?.path).toBe('etc/passwd');
    expect(tree.resolve('abs-escape')?.path).toBe('etc/passwd');
    expect(tree.resolve('../../../etc/passwd')?.path).toBe('etc/passwd');
    // Symlinks are not files of the view.
    expect(tree.files.has('etc/os-release')).toBe(false);
  });

  it('resolves symlinked parent directories, physically', async () => {
    const tree = squash(await readAll([entries], [all]));
    expect(tree.resolve('lib/os-release')?.path).toBe('usr/lib/os-release');
    // lib → usr/lib, so lib/.. is usr (as the kernel resolves it), not the root.
    expect(tree.resolve('lib/../etc/marker')?.path).toBe('usr/etc/marker');
    expect(tree.resolve('lib/missing')).toBeUndefined();
  });

  it('throws SYMLINK_LOOP for loops', async () => {
    const tree = squash(await readAll([entries], [all]));
    for (const p of ['loop1', 'self', 'dirloop/x', 'loop2/anything']) {
      expect(() => tree.resolve(p), p).toThrow(LayerError);
      try {
        tree.resolve(p);
      } catch (e) {
        expect((e as LayerError).code).toBe('SYMLINK_LOOP');
      }
    }
  });

  it('allows exactly MAX_SYMLINK_HOPS links in a chain', async () => {
    const chain = (n: number): Entry[] => [
      { path: 'end', content: 'done' },
      ...Array.from({ length: n }, (_, i): Entry => ({ path: `l${i}`, type: 'symlink', linkname: i === n - 1 ? 'end' : `l${i + 1}` })),
    ];
    expect(squash(await readAll([chain(MAX_SYMLINK_HOPS)], [all])).resolve('l0')?.path).toBe('end');
    expect(() => squash(readAllSync(chain(MAX_SYMLINK_HOPS + 1))).resolve('l0')).toThrow(expect.objectContaining({ code: 'SYMLINK_LOOP', input: 'l0' }));
  });
});

/** Layer contents for symlink-only checks (no file data needed). */
function readAllSync(entries: Entry[]): LayerContents[] {
  const symlinks = new Map(entries.filter((e) => e.type === 'symlink').map((e) => [e.path, e.linkname ?? ''] as [string, string]));
  const layer = { index: 0, digest: 'sha256:' + '1'.repeat(64), diffId: '', mediaType: 'application/vnd.oci.image.layer.v1.tar', size: -1 };
  const files = new Map(entries.filter((e) => !e.type).map((e) => [e.path, { data: Buffer.from(String(e.content)), mode: 0o644, size: 4, wantedBy: ['all'] }]));
  return [{ layer, files, symlinks, whiteouts: [], opaqueDirs: [], hardlinks: new Map(), warnings: [] }];
}

describe('squash: hard links', () => {
  it('resolves links to a target in the same layer and in a lower layer', async () => {
    const tree = squash(
      await readAll(
        [
          [{ path: 'usr/bin/python3.11', content: 'ELF python', mode: 0o755 }],
          [
            { path: 'usr/bin/python3', type: 'hardlink', linkname: 'usr/bin/python3.11' },
            { path: 'usr/bin/perl5.36', content: 'ELF perl', mode: 0o755 },
            { path: 'usr/bin/perl', type: 'hardlink', linkname: 'usr/bin/perl5.36' },
          ],
        ],
        [all],
      ),
    );
    const py = tree.files.get('usr/bin/python3');
    expect(py?.data.toString()).toBe('ELF python');
    expect(py?.mode).toBe(0o755);
    expect(py?.layer.index).toBe(1);
    expect(tree.files.get('usr/bin/perl')?.data.toString()).toBe('ELF perl');
    expect(tree.warnings).toEqual([]);
  });

  it('warns, without failing, for a missing target or one whose content was not kept', async () => {
    const onlyLink: FileWanter = { id: 'link', version: '1', want: (c) => c.path === 'usr/bin/b' };
    const tree = squash(
      await readAll(
        [
          [
            { path: 'usr/bin/a', content: 'data' },
            { path: 'usr/bin/b', type: 'hardlink', linkname: 'usr/bin/a' },
            { path: 'usr/bin/dangling', type: 'hardlink', linkname: 'usr/bin/nowhere' },
          ],
        ],
        [all, onlyLink],
      ),
    );
    expect(tree.files.has('usr/bin/dangling')).toBe(false);
    // b is wanted by `all` (which also has a) and by `link` (which never asked for a).
    expect(tree.files.get('usr/bin/b')?.wantedBy).toEqual(['all']);
    expect(tree.filesFor('link')).toEqual([]);
    expect(tree.warnings).toHaveLength(2);
    expect(tree.warnings.join('\n')).toContain('usr/bin/nowhere');
  });
});
