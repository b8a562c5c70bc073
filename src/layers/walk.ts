// The `dir:` transport and the `fs` command: an unpacked root filesystem on disk, read as
// one pseudo-layer. Symlinks are recorded, never followed, so a link to `/etc/shadow`
// names the root's own etc/shadow and a directory loop cannot make the walk go round.
import { constants, promises as fsp, type Dirent, type Stats } from 'node:fs';
import { join } from 'node:path';
import type { LayerInfo } from '../oci/types.js';
import { compareStrings } from '../util/sort.js';
import { emptyContents } from './contents.js';
import { squash } from './squash.js';
import type { FileTree, FileWanter, ReadOptions } from './types.js';
import { DEFAULT_MAX_FILE_BYTES, planFile, type FileSink } from './want.js';

export const DIR_LAYER: LayerInfo = Object.freeze({ index: 0, digest: '', diffId: '', mediaType: 'dir', size: -1 });

const READ_CHUNK = 256 * 1024;
const STAT_BATCH = 64;

/** Walks `root` without following symlinks and collects the wanted files. */
export async function walkDirectory(root: string, wanters: FileWanter[], opts: ReadOptions = {}): Promise<FileTree> {
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  const contents = emptyContents(DIR_LAYER);
  const warn = (m: string): void => void contents.warnings.push(`${root}: ${m}`);
  // The root itself may be a symlink the user named; everything below it is not followed.
  await fsp.stat(root);

  const walk = async (rel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fsp.readdir(rel ? join(root, rel) : root, { withFileTypes: true });
    } catch (e) {
      warn(`${rel || '.'}: cannot list directory (${errText(e)})`);
      return;
    }
    entries.sort((a, b) => compareStrings(a.name, b.name));
    const dirs: string[] = [];
    for (let i = 0; i < entries.length; i += STAT_BATCH) {
      const batch = entries.slice(i, i + STAT_BATCH);
      const stats = await Promise.all(batch.map((d) => (d.isFile() || d.isSymbolicLink() || isUnknown(d) ? lstatOrNull(join(root, rel, d.name)) : null)));
      for (let k = 0; k < batch.length; k++) {
        const d = batch[k];
        const p = rel ? `${rel}/${d.name}` : d.name;
        const st = stats[k];
        if (d.isDirectory() || st?.isDirectory()) dirs.push(p);
        else if (st?.isSymbolicLink()) {
          try {
            contents.symlinks.set(p, await fsp.readlink(join(root, p)));
          } catch (e) {
            warn(`${p}: cannot read symlink (${errText(e)})`);
          }
        } else if (st?.isFile()) {
          const c = { path: p, size: st.size, mode: st.mode & 0o7777 };
          const sink = planFile(c, wanters, maxFileBytes, warn);
          if (!sink) continue;
          if (!(await readInto(join(root, p), sink, p, warn))) continue;
          const kept = sink.finish();
          if (kept) contents.files.set(p, kept);
        } else if (!st && (d.isFile() || d.isSymbolicLink() || isUnknown(d))) {
          warn(`${p}: cannot stat`);
        }
        // Sockets, fifos and devices are skipped: nothing to catalog, and reading a fifo blocks.
      }
    }
    for (const d of dirs) await walk(d);
  };
  await walk('');
  return squash([contents]);
}

function isUnknown(d: Dirent): boolean {
  return !d.isFile() && !d.isDirectory() && !d.isSymbolicLink() && !d.isFIFO() && !d.isSocket() && !d.isCharacterDevice() && !d.isBlockDevice();
}

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await fsp.lstat(p);
  } catch {
    return null;
  }
}

/** Streams a file into the sink; O_NOFOLLOW so a file swapped for a symlink is not followed. */
async function readInto(abs: string, sink: FileSink, rel: string, warn: (m: string) => void): Promise<boolean> {
  let fh: fsp.FileHandle | undefined;
  try {
    fh = await fsp.open(abs, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = await fh.stat();
    if (!st.isFile()) {
      warn(`${rel}: no longer a regular file, skipped`);
      return false;
    }
    for (;;) {
      // A fresh buffer per read: a reducer may hold on to the chunks it is given.
      const buf = Buffer.allocUnsafe(READ_CHUNK);
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      sink.push(buf.subarray(0, bytesRead));
    }
    return true;
  } catch (e) {
    warn(`${rel}: cannot read (${errText(e)})`);
    return false;
  } finally {
    await fh?.close();
  }
}

function errText(e: unknown): string {
  return (e as { code?: string }).code ?? (e instanceof Error ? e.message : String(e));
}
