// How the database file is replaced: a new file is built beside it, flushed to disk, and
// renamed over it. Readers that have the old file open keep reading the old inode; a
// killed writer leaves the old file untouched and a stale temp file that the next writer
// sweeps. One writer at a time, by a lock file holding the writer's pid.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { VulnDbError } from './types.js';

function fsyncPath(path: string, dir = false): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, dir ? 'r' : 'r+');
    fsyncSync(fd);
  } catch (e) {
    // Some filesystems refuse fsync on directories; the rename is still atomic there.
    if (!dir) throw e;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** A temp name in the same directory as `target` (so a rename is atomic), tagged with our pid. */
export function tempPathFor(target: string, what = 'tmp'): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.${what}`);
}

/** fsync `tmp`, rename it over `target`, fsync the directory. */
export function commitFile(tmp: string, target: string): void {
  fsyncPath(tmp);
  renameSync(tmp, target);
  fsyncPath(dirname(target), true);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DbLock {
  release(): void;
}

/**
 * Takes `<db>.lock` (O_EXCL). A lock whose pid is gone is stale (a killed import) and is
 * taken over; temp files a dead writer left beside the database are removed then too.
 */
export function lockDb(dbPath: string): DbLock {
  mkdirSync(dirname(dbPath), { recursive: true });
  const lockPath = `${dbPath}.lock`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(lockPath, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new VulnDbError('DB_LOCKED', `cannot lock the database (${(e as Error).message})`, { input: lockPath, cause: e });
      }
      let pid = NaN;
      try {
        pid = Number(readFileSync(lockPath, 'utf8').trim());
      } catch {
        // vanished meanwhile: try again
      }
      if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new VulnDbError('DB_LOCKED', `another portcullis (pid ${pid}) is writing this database; wait for it, or remove ${lockPath} if it is gone`, { input: dbPath });
      }
      rmSync(lockPath, { force: true });
    }
  }
  sweepTemps(dbPath);
  let held = true;
  return {
    release() {
      if (held) rmSync(lockPath, { force: true });
      held = false;
    },
  };
}

/** Removes temp files (and downloads) whose process is gone: a killed import's leftovers. */
function sweepTemps(dbPath: string): void {
  const prefix = `.${basename(dbPath)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(dbPath));
  } catch {
    return;
  }
  for (const n of names) {
    const m = n.startsWith(prefix) ? /^(\d+)\.[0-9a-f]{12}\.\w+(-journal)?$/.exec(n.slice(prefix.length)) : null;
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) rmSync(join(dirname(dbPath), n), { force: true });
  }
}
