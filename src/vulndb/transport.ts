// The database as one file: export (VACUUM INTO, compact), and adopting a file made
// elsewhere (an export, or a pulled artifact) after checking that it opens, is of a schema
// we read, and passes SQLite's quick_check. Both end in an atomic rename.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { commitFile, lockDb, tempPathFor } from './files.js';
import { openChecked, quickCheck, toDbError } from './sqlite.js';
import { VulnDbError } from './types.js';

/** Opens `path` as a database, checks its schema version and integrity, and closes it. */
export function validateDbFile(path: string, label = path): void {
  let opened: ReturnType<typeof openChecked> | undefined;
  try {
    opened = openChecked(path, { readonly: true });
    quickCheck(opened.db, path);
  } catch (e) {
    if (e instanceof VulnDbError && e.input === path && label !== path) {
      throw new VulnDbError(e.code, e.message, { input: label, cause: e.cause });
    }
    throw e;
  } finally {
    opened?.db.close();
  }
}

/** Writes a compacted copy of the database to `outFile` (temp file beside it, then rename). */
export function exportDb(dbPath: string, outFile: string): void {
  const { db } = openChecked(dbPath, { readonly: true });
  const out = resolve(outFile);
  mkdirSync(dirname(out), { recursive: true });
  const tmp = tempPathFor(out);
  try {
    db.prepare('VACUUM INTO ?').run(tmp);
    db.close();
    commitFile(tmp, out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw toDbError(e, dbPath, `exporting to ${outFile}`);
  } finally {
    if (db.open) db.close();
  }
}

/**
 * Replaces the database at `dbPath` with a copy of `file` once it checks out; `label`
 * names the file in errors (a URL or registry reference it came from).
 */
export async function replaceDbWithFile(dbPath: string, file: string, label = file): Promise<void> {
  validateDbFile(file, label);
  const lock = lockDb(dbPath);
  const tmp = tempPathFor(dbPath);
  try {
    copyFileSync(file, tmp);
    commitFile(tmp, dbPath);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    lock.release();
  }
}

/**
 * Adopts a file already written beside the database (a pull streams into one): checks
 * it, then renames it into place. The temp file is removed if it does not check out.
 */
export function adoptTempFile(dbPath: string, tmp: string, label: string): void {
  const lock = lockDb(dbPath);
  try {
    validateDbFile(tmp, label);
    commitFile(tmp, dbPath);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    lock.release();
  }
}
