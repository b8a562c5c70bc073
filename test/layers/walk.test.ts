// walkDirectory over a real temporary root filesystem: symlinks stay inside the root,
// directory loops terminate, special files are skipped, races become warnings.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { walkDirectory, DIR_LAYER, type FileWanter } from '../../src/layers/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'pc-walk-'));
const root = join(tmp, 'rootfs');
const secret = join(tmp, 'outside', 'secret');
const SECRET = 'host secret that must never be read';
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

beforeAll(() => {
  mkdirSync(join(tmp, 'outside'));
  writeFileSync(secret, SECRET);
  for (const d of ['etc', 'usr/lib', 'var/lib/dpkg', 'sub']) mkdirSync(join(root, d), { recursive: true });
  writeFileSync(join(root, 'usr/lib/os-release'), 'ID=debian\n');
  writeFileSync(join(root, 'var/lib/dpkg/status'), 'Package: base-files\n');
  writeFileSync(join(root, 'big'), Buffer.alloc(4096));
  writeFileSync(join(root, 'usr/lib/tool'), 'x', { mode: 0o755 });
  symlinkSync('../usr/lib/os-release', join(root, 'etc/os-release'));
  symlinkSync('usr/lib', join(root, 'lib'));
  // Links that point at the host: they must resolve inside the root, never outside.
  symlinkSync(secret, join(root, 'etc/abs-leak'));
  symlinkSync('../../outside/secret', join(root, 'etc/rel-leak'));
  symlinkSync(join(tmp, 'outside'), join(root, 'outdir'));
  // Directory loops: walking must terminate.
  symlinkSync('.', join(root, 'loop'));
  symlinkSync('..', join(root, 'sub/back'));
  execFileSync('mkfifo', [join(root, 'fifo')]);
});

const every: FileWanter = { id: 'all', version: '1', want: () => true };

describe('walkDirectory', () => {
  it('collects wanted files and records symlinks without following them', async () => {
    const tree = await walkDirectory(root, [every], { maxFileBytes: 1024 });
    expect([...tree.files.keys()]).toEqual(['usr/lib/os-release', 'usr/lib/tool', 'var/lib/dpkg/status']);
    expect(tree.files.get('usr/lib/tool')?.mode).toBe(0o755);
    expect(tree.files.get('usr/lib/os-release')?.layer).toEqual(DIR_LAYER);
    // The 4 KiB file is over the 1 KiB cap: skipped with a warning.
    expect(tree.warnings).toHaveLength(1);
    expect(tree.warnings[0]).toContain('big');
    expect(tree.resolve('etc/os-release')?.data.toString()).toBe('ID=debian\n');
    expect(tree.resolve('lib/os-release')?.path).toBe('usr/lib/os-release');
    expect(tree.resolve('loop/loop/loop/usr/lib/tool')?.path).toBe('usr/lib/tool');
    expect(tree.resolve('sub/back/sub/back/var/lib/dpkg/status')?.path).toBe('var/lib/dpkg/status');
  });

  it('never reads or resolves to a file outside the root', async () => {
    const seen: string[] = [];
    const spy: FileWanter = { id: 'spy', version: '1', want: (c) => (seen.push(c.path), true) };
    const tree = await walkDirectory(root, [spy]);
    for (const f of tree.files.values()) expect(f.data.toString()).not.toContain(SECRET);
    expect(seen.some((p) => p.includes('secret') || p.includes('leak'))).toBe(false);
    expect(tree.resolve('etc/abs-leak')).toBeUndefined();
    expect(tree.resolve('etc/rel-leak')).toBeUndefined();
    expect(tree.resolve('outdir/secret')).toBeUndefined();
    // Sanity: the secret is really there on the host, so the test could fail.
    expect(readFileSync(secret, 'utf8')).toBe(SECRET);
  });

  it('reads only wanted files', async () => {
    const dpkg: FileWanter = { id: 'dpkg', version: '1', want: (c) => c.path === 'var/lib/dpkg/status' };
    const tree = await walkDirectory(root, [dpkg]);
    expect([...tree.files.keys()]).toEqual(['var/lib/dpkg/status']);
    expect(tree.filesFor('dpkg')[0].data.toString()).toBe('Package: base-files\n');
  });

  it('warns when a wanted file disappears or turns into a symlink before it is read', async () => {
    const racy = join(root, 'racy');
    const swapped = join(root, 'swapped');
    writeFileSync(racy, 'gone soon');
    writeFileSync(swapped, 'swapped soon');
    try {
      // The wanter runs between lstat and open, so it can stage the race deterministically.
      const w: FileWanter = {
        id: 'race',
        version: '1',
        want: (c) => {
          if (c.path === 'racy') unlinkSync(racy);
          if (c.path === 'swapped') {
            unlinkSync(swapped);
            symlinkSync(secret, swapped);
          }
          return c.path === 'racy' || c.path === 'swapped';
        },
      };
      const tree = await walkDirectory(root, [w]);
      expect(tree.files.size).toBe(0);
      expect(tree.warnings.filter((m) => m.includes('racy') || m.includes('swapped'))).toHaveLength(2);
    } finally {
      rmSync(racy, { force: true });
      rmSync(swapped, { force: true });
    }
  });

  it('fails for a root that does not exist', async () => {
    await expect(walkDirectory(join(tmp, 'nope'), [every])).rejects.toThrow();
  });
});
