// The database file: its schema (versioned in `meta`), and opening it with errors that
// name the file. Every connection to a vulnerability database is made here.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { VulnDbError } from './types.js';

export type Sqlite = Database.Database;

/** Bumped on any change a reader must know about; readers refuse newer files. */
export const SCHEMA_VERSION = 1;

/**
 * `records.head` is the record's JSON without `affected`; each affected entry is a row of
 * `affected` (JSON in `body`) keyed by the ecosystem and the name a lookup uses (PyPI names
 * PEP 503-normalized; entries without a package get empty strings and are never matched).
 */
export const TABLES = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE sources (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, location TEXT NOT NULL, kind TEXT NOT NULL,
  records INTEGER NOT NULL, newest_modified TEXT, imported_at TEXT NOT NULL);
CREATE TABLE records (rid INTEGER PRIMARY KEY, source_id INTEGER NOT NULL, id TEXT NOT NULL, modified TEXT NOT NULL, head TEXT NOT NULL);
CREATE TABLE affected (record INTEGER NOT NULL, idx INTEGER NOT NULL, ecosystem TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE aliases (alias TEXT NOT NULL, record INTEGER NOT NULL, kind TEXT NOT NULL);
`;

/** Created after a bulk load: building an index once is much cheaper than maintaining it row by row. */
export const INDEXES = `
CREATE INDEX records_by_id ON records(id);
CREATE INDEX affected_by_package ON affected(ecosystem, name);
CREATE INDEX affected_by_record ON affected(record, idx);
CREATE INDEX aliases_by_alias ON aliases(alias);
CREATE INDEX aliases_by_record ON aliases(record);
`;

// better-sqlite3 is a native module: load it only when a database is really opened.
let ctor: typeof Database | undefined;
function sqliteCtor(): typeof Database {
  ctor ??= createRequire(import.meta.url)('better-sqlite3') as typeof Database;
  return ctor;
}

function sqliteCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Maps an SQLite failure on `path` to a VulnDbError; anything else is returned as is, to rethrow. */
export function toDbError(e: unknown, path: string, doing: string): unknown {
  if (e instanceof VulnDbError) return e;
  const code = sqliteCode(e);
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new VulnDbError('DB_LOCKED', `database is locked while ${doing} (another portcullis is writing it?)`, { input: path, cause: e });
  }
  if (code?.startsWith('SQLITE_')) {
    return new VulnDbError('DB_CORRUPT', `not a usable vulnerability database (${doing}: ${msg}); delete it and run \`portcullis db import\` or \`portcullis db update\``, { input: path, cause: e });
  }
  return e;
}

/** Opens an SQLite file with no schema checks (writers and `openChecked`). */
export function openRaw(path: string, opts: { readonly?: boolean; create?: boolean } = {}): Sqlite {
  try {
    return new (sqliteCtor())(path, { readonly: opts.readonly ?? false, fileMustExist: !opts.create });
  } catch (e) {
    throw toDbError(e, path, 'opening');
  }
}

/** Reads `meta.schema_version`; DB_CORRUPT for a file that is not SQLite or not ours. */
export function readSchemaVersion(db: Sqlite, path: string): number {
  let row: { value: string } | undefined;
  try {
    const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
    if (!hasMeta) throw new VulnDbError('DB_CORRUPT', 'is an SQLite file but not a portcullis vulnerability database (no meta table)', { input: path });
    row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  } catch (e) {
    throw toDbError(e, path, 'reading the schema version');
  }
  const v = Number(row?.value);
  if (!row || !Number.isSafeInteger(v) || v < 1) throw new VulnDbError('DB_CORRUPT', `has no valid schema_version (${JSON.stringify(row?.value ?? null)})`, { input: path });
  return v;
}

export function checkSchemaVersion(version: number, path: string): void {
  if (version > SCHEMA_VERSION) {
    throw new VulnDbError('DB_SCHEMA_TOO_NEW', `was written with database schema ${version}; this portcullis reads schema ${SCHEMA_VERSION}: upgrade portcullis, or re-import into a new file with --db`, { input: path });
  }
  if (version < SCHEMA_VERSION) {
    throw new VulnDbError('DB_CORRUPT', `has database schema ${version}, older than ${SCHEMA_VERSION}: run \`portcullis db update\` or re-import it`, { input: path });
  }
}

/** Opens an existing database and checks it is ours and of a schema we read. */
export function openChecked(path: string, opts: { readonly?: boolean } = {}): { db: Sqlite; schemaVersion: number } {
  if (!existsSync(path)) {
    throw new VulnDbError('DB_NOT_FOUND', 'no vulnerability database here; run `portcullis db import PATH|URL` or `portcullis db update` first', { input: path });
  }
  const db = openRaw(path, { readonly: opts.readonly ?? true });
  try {
    const schemaVersion = readSchemaVersion(db, path);
    checkSchemaVersion(schemaVersion, path);
    return { db, schemaVersion };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Runs SQLite's quick_check: a whole-file structural check, for databases we are about to adopt. */
export function quickCheck(db: Sqlite, path: string): void {
  let result: string[];
  try {
    result = (db.prepare('PRAGMA quick_check').pluck().all() as string[]).slice(0, 3);
  } catch (e) {
    throw toDbError(e, path, 'checking integrity');
  }
  if (result.length !== 1 || result[0] !== 'ok') throw new VulnDbError('DB_CORRUPT', `fails SQLite's integrity check: ${result.join('; ')}`, { input: path });
}
