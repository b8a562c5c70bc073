// Write side: builds a new database file beside the current one, from the sources being
// imported plus the current file's other sources, then swaps it in atomically (files.ts).
import { existsSync, rmSync } from 'node:fs';
import type { Statement } from 'better-sqlite3';
import { packageKey } from './db.js';
import { commitFile, lockDb, tempPathFor, type DbLock } from './files.js';
import type { OsvRecord } from './osv-types.js';
import { INDEXES, SCHEMA_VERSION, TABLES, checkSchemaVersion, openRaw, readSchemaVersion, toDbError, type Sqlite } from './sqlite.js';
import type { SourceInfo } from './types.js';

export type SourceMeta = Omit<SourceInfo, 'records' | 'newestModified' | 'importedAt'>;

interface Current {
  meta: SourceMeta;
  id: number;
  records: number;
  newest?: string;
  /** id → rid and modified of what this source has stored so far (to resolve duplicate ids). */
  seen: Map<string, { rid: number; modified: string }>;
}

export interface WriterStats {
  withdrawn: number;
  duplicates: number;
}

function later(a: string, b: string): boolean {
  const x = Date.parse(a);
  const y = Date.parse(b);
  return Number.isNaN(x) || Number.isNaN(y) ? a > b : x > y;
}

export class DbWriter {
  readonly dbPath: string;
  readonly stats: WriterStats = { withdrawn: 0, duplicates: 0 };
  private readonly tmp: string;
  private readonly lock: DbLock;
  private readonly db: Sqlite;
  private readonly done = new Map<string, SourceInfo>();
  private cur: Current | undefined;
  private readonly insRecord: Statement<[number, string, string, string]>;
  private readonly insAffected: Statement<[number | bigint, number, string, string, string]>;
  private readonly insAlias: Statement<[string, number | bigint, string]>;
  private readonly insDropped: Statement<[number]>;
  private finished = false;

  private constructor(dbPath: string, lock: DbLock) {
    this.dbPath = dbPath;
    this.lock = lock;
    this.tmp = tempPathFor(dbPath);
    this.db = openRaw(this.tmp, { create: true });
    try {
      // The file is private until renamed into place, so durability comes from one fsync at
      // the end; a MEMORY journal still lets a failed source roll back to its savepoint.
      this.db.pragma('journal_mode = MEMORY');
      this.db.pragma('synchronous = OFF');
      this.db.pragma('cache_size = -65536');
      this.db.exec(TABLES);
      this.db.exec('CREATE TEMP TABLE dropped (rid INTEGER PRIMARY KEY)');
      this.db.exec('BEGIN');
      this.insRecord = this.db.prepare('INSERT INTO records (source_id, id, modified, head) VALUES (?, ?, ?, ?)');
      this.insAffected = this.db.prepare('INSERT INTO affected (record, idx, ecosystem, name, body) VALUES (?, ?, ?, ?, ?)');
      this.insAlias = this.db.prepare('INSERT INTO aliases (alias, record, kind) VALUES (?, ?, ?)');
      this.insDropped = this.db.prepare('INSERT OR IGNORE INTO dropped (rid) VALUES (?)');
    } catch (e) {
      this.db.close();
      rmSync(this.tmp, { force: true });
      throw toDbError(e, this.tmp, 'creating a new database');
    }
  }

  /**
   * Locks the database and starts a new file. The current file, if any, must open and be
   * of our schema: its other sources are carried over at `finish`.
   */
  static create(dbPath: string): DbWriter {
    const lock = lockDb(dbPath);
    try {
      if (existsSync(dbPath)) {
        const old = openRaw(dbPath, { readonly: true });
        try {
          checkSchemaVersion(readSchemaVersion(old, dbPath), dbPath);
        } finally {
          old.close();
        }
      }
      return new DbWriter(dbPath, lock);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /** Starts (or restarts, replacing what an earlier input of this run stored) a source. */
  beginSource(meta: SourceMeta): void {
    if (this.cur) throw new Error(`source ${this.cur.meta.name} is still open`);
    if (this.done.has(meta.name)) {
      this.db.prepare('INSERT OR IGNORE INTO dropped (rid) SELECT rid FROM records WHERE source_id = (SELECT id FROM sources WHERE name = ?)').run(meta.name);
      this.db.prepare('DELETE FROM sources WHERE name = ?').run(meta.name);
      this.done.delete(meta.name);
    }
    this.db.exec('SAVEPOINT source');
    const id = Number(this.db.prepare("INSERT INTO sources (name, location, kind, records, imported_at) VALUES (?, ?, ?, 0, '')").run(meta.name, meta.location, meta.kind).lastInsertRowid);
    this.cur = { meta, id, records: 0, seen: new Map() };
  }

  /** Stores one record of the open source; withdrawn records are skipped, and of two with one id the newer wins. */
  add(rec: OsvRecord): void {
    const cur = this.cur;
    if (!cur) throw new Error('no source is open');
    if (rec.withdrawn) {
      this.stats.withdrawn++;
      return;
    }
    const prev = cur.seen.get(rec.id);
    if (prev) {
      this.stats.duplicates++;
      if (!later(rec.modified, prev.modified)) return;
      this.insDropped.run(prev.rid);
      cur.records--;
    }
    // An empty or null `affected` stays in the head, so the record reads back as it was.
    const { affected, ...rest } = rec;
    const head = affected && affected.length > 0 ? rest : rec;
    const rid = this.insRecord.run(cur.id, rec.id, rec.modified, JSON.stringify(head)).lastInsertRowid;
    (head === rec ? [] : (affected ?? [])).forEach((a, i) => {
      const eco = a.package?.ecosystem ?? '';
      const name = a.package ? packageKey(eco, a.package.name) : '';
      this.insAffected.run(rid, i, eco, name, JSON.stringify(a));
    });
    for (const alias of new Set(rec.aliases ?? [])) this.insAlias.run(alias, rid, 'alias');
    for (const up of new Set(rec.upstream ?? [])) this.insAlias.run(up, rid, 'upstream');
    cur.seen.set(rec.id, { rid: Number(rid), modified: rec.modified });
    cur.records++;
    if (!cur.newest || later(rec.modified, cur.newest)) cur.newest = rec.modified;
  }

  /** Closes the open source; it replaces the current file's source of that name at `finish`. */
  endSource(now: Date): SourceInfo {
    const cur = this.cur;
    if (!cur) throw new Error('no source is open');
    const info: SourceInfo = { ...cur.meta, records: cur.records, importedAt: now.toISOString() };
    if (cur.newest) info.newestModified = cur.newest;
    this.db.prepare('UPDATE sources SET records = ?, newest_modified = ?, imported_at = ? WHERE id = ?').run(info.records, info.newestModified ?? null, info.importedAt, cur.id);
    this.db.exec('RELEASE source');
    this.done.set(cur.meta.name, info);
    this.cur = undefined;
    return info;
  }

  /** Forgets everything the open source stored; the current file's copy of it is kept. */
  abortSource(): void {
    if (!this.cur) return;
    this.db.exec('ROLLBACK TO source');
    this.db.exec('RELEASE source');
    this.cur = undefined;
  }

  /** Copies the other sources over, indexes, commits, and renames the new file into place. */
  finish(now: Date): SourceInfo[] {
    if (this.cur) throw new Error(`source ${this.cur.meta.name} is still open`);
    try {
      const db = this.db;
      db.exec('DELETE FROM affected WHERE record IN (SELECT rid FROM dropped); DELETE FROM aliases WHERE record IN (SELECT rid FROM dropped); DELETE FROM records WHERE rid IN (SELECT rid FROM dropped);');
      // ATTACH cannot run inside a transaction: commit the new sources first. The file is
      // still private, so a failure after this point only leaves a temp file behind.
      db.exec('COMMIT');
      if (existsSync(this.dbPath)) this.carryOver();
      db.exec('BEGIN');
      db.exec(INDEXES);
      const meta = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
      meta.run('schema_version', String(SCHEMA_VERSION));
      meta.run('created', now.toISOString());
      db.exec('COMMIT');
      db.pragma('journal_mode = DELETE');
      db.close();
      commitFile(this.tmp, this.dbPath);
      this.finished = true;
      return [...this.done.values()];
    } catch (e) {
      this.abort();
      throw toDbError(e, this.dbPath, 'writing the new database');
    } finally {
      this.lock.release();
    }
  }

  /** Sources of the current file that this run did not replace, with rids shifted past ours. */
  private carryOver(): void {
    const db = this.db;
    db.prepare('ATTACH DATABASE ? AS old').run(this.dbPath);
    try {
      db.exec('BEGIN');
      const keep = JSON.stringify(
        (db.prepare('SELECT name FROM old.sources ORDER BY name').pluck().all() as string[]).filter((n) => !this.done.has(n)),
      );
      const offset = Number(db.prepare('SELECT coalesce(max(rid), 0) FROM main.records').pluck().get());
      db.prepare(
        `INSERT INTO main.sources (name, location, kind, records, newest_modified, imported_at)
         SELECT name, location, kind, records, newest_modified, imported_at FROM old.sources WHERE name IN (SELECT value FROM json_each(?)) ORDER BY name`,
      ).run(keep);
      const kept = `SELECT r.rid FROM old.records r JOIN old.sources s ON s.id = r.source_id WHERE s.name IN (SELECT value FROM json_each(?))`;
      db.prepare(
        `INSERT INTO main.records (rid, source_id, id, modified, head)
         SELECT r.rid + ?, ns.id, r.id, r.modified, r.head FROM old.records r
           JOIN old.sources os ON os.id = r.source_id JOIN main.sources ns ON ns.name = os.name
         WHERE os.name IN (SELECT value FROM json_each(?))`,
      ).run(offset, keep);
      db.prepare(`INSERT INTO main.affected (record, idx, ecosystem, name, body) SELECT record + ?, idx, ecosystem, name, body FROM old.affected WHERE record IN (${kept})`).run(offset, keep);
      db.prepare(`INSERT INTO main.aliases (alias, record, kind) SELECT alias, record + ?, kind FROM old.aliases WHERE record IN (${kept})`).run(offset, keep);
      db.exec('COMMIT');
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    } finally {
      db.exec('DETACH DATABASE old');
    }
  }

  /** Drops the new file; the current database is untouched. */
  abort(): void {
    if (this.finished) return;
    try {
      if (this.db.open) this.db.close();
    } finally {
      rmSync(this.tmp, { force: true });
      this.lock.release();
    }
  }
}
