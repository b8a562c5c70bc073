// Read side of the vulnerability database. The scanner calls `lookup` once per
// (ecosystem, name) of every package in an image, so it is one prepared statement over the
// (ecosystem, name) index, and a record's shared fields are parsed once per record.
import type { Statement } from 'better-sqlite3';
import { normalizePypiName } from '../inventory/purl.js';
import type { OsvAffected, OsvRecord } from './osv-types.js';
import { openChecked, toDbError, type Sqlite } from './sqlite.js';
import type { AdvisoryLookup, AdvisoryMatch, SourceInfo } from './types.js';

type Head = AdvisoryMatch['record'];

/** The ecosystem before its first `:` suffix: `Debian:12` → `Debian`. */
export function bareEcosystem(ecosystem: string): string {
  const i = ecosystem.indexOf(':');
  return i < 0 ? ecosystem : ecosystem.slice(0, i);
}

/** The name as stored and looked up: PEP 503 for PyPI, everything else as the ecosystem writes it. */
export function packageKey(ecosystem: string, name: string): string {
  return bareEcosystem(ecosystem) === 'PyPI' ? normalizePypiName(name) : name;
}

interface SourceRow {
  name: string;
  location: string;
  kind: SourceInfo['kind'];
  records: number;
  newest_modified: string | null;
  imported_at: string;
}

export function toSourceInfo(r: SourceRow): SourceInfo {
  const s: SourceInfo = { name: r.name, location: r.location, kind: r.kind, records: r.records, importedAt: r.imported_at };
  if (r.newest_modified) s.newestModified = r.newest_modified;
  return s;
}

const HEAD_CACHE_MAX = 8192;

export class VulnDb implements AdvisoryLookup {
  readonly path: string;
  readonly schemaVersion: number;
  private readonly db: Sqlite;
  private readonly byPackage: Statement<[string, string, string], [number, string, string, string]>;
  private readonly heads = new Map<number, Head>();

  private constructor(path: string, db: Sqlite, schemaVersion: number) {
    this.path = path;
    this.db = db;
    this.schemaVersion = schemaVersion;
    try {
      this.byPackage = db
        .prepare<[string, string, string], [number, string, string, string]>(
          `SELECT a.record, a.body, r.head, s.name FROM affected a
             JOIN records r ON r.rid = a.record JOIN sources s ON s.id = r.source_id
           WHERE a.name = ? AND a.ecosystem IN (?, ?)
           ORDER BY r.id, s.name, a.record, a.idx`,
        )
        .raw();
    } catch (e) {
      db.close();
      throw toDbError(e, path, 'preparing lookups');
    }
  }

  /**
   * Opens a database file (read-only unless asked otherwise). DB_NOT_FOUND when it is
   * missing, DB_CORRUPT when it is not SQLite or not ours, DB_SCHEMA_TOO_NEW when a newer
   * portcullis wrote it.
   */
  static open(path: string, opts: { readonly?: boolean } = {}): VulnDb {
    const { db, schemaVersion } = openChecked(path, { readonly: opts.readonly ?? true });
    return new VulnDb(path, db, schemaVersion);
  }

  /**
   * Every affected entry naming `name` in `ecosystem`, plus those whose record names the
   * bare ecosystem (`Debian` for `Debian:12`). Sorted by record id, source, entry order.
   * A record's `record` object is parsed once and shared between its matches (and later
   * lookups): treat it as read-only.
   */
  lookup(ecosystem: string, name: string): AdvisoryMatch[] {
    let rows: Array<[number, string, string, string]>;
    try {
      rows = this.byPackage.all(packageKey(ecosystem, name), ecosystem, bareEcosystem(ecosystem));
    } catch (e) {
      throw toDbError(e, this.path, `looking up ${ecosystem}/${name}`);
    }
    return rows.map(([rid, body, head, source]) => ({ record: this.head(rid, head), affected: JSON.parse(body) as OsvAffected, source }));
  }

  private head(rid: number, json: string): Head {
    let h = this.heads.get(rid);
    if (!h) {
      if (this.heads.size >= HEAD_CACHE_MAX) this.heads.clear();
      h = JSON.parse(json) as Head;
      this.heads.set(rid, h);
    }
    return h;
  }

  /** The whole record (first by source name when two sources carry the same id). */
  getRecord(id: string): OsvRecord | undefined {
    try {
      const row = this.db.prepare<[string], { rid: number; head: string }>('SELECT r.rid, r.head FROM records r JOIN sources s ON s.id = r.source_id WHERE r.id = ? ORDER BY s.name LIMIT 1').get(id);
      if (!row) return undefined;
      const bodies = this.db.prepare<[number], string>('SELECT body FROM affected WHERE record = ? ORDER BY idx').pluck().all(row.rid);
      const rec = JSON.parse(row.head) as OsvRecord;
      if (bodies.length > 0) rec.affected = bodies.map((b) => JSON.parse(b) as OsvAffected);
      return rec;
    } catch (e) {
      throw toDbError(e, this.path, `reading record ${id}`);
    }
  }

  /** Ids of records that list `alias` in `aliases` or `upstream` (for de-duplication), sorted. */
  idsForAlias(alias: string): string[] {
    try {
      return this.db
        .prepare<[string], string>('SELECT DISTINCT r.id FROM aliases a JOIN records r ON r.rid = a.record WHERE a.alias = ? ORDER BY r.id')
        .pluck()
        .all(alias);
    } catch (e) {
      throw toDbError(e, this.path, `looking up alias ${alias}`);
    }
  }

  /** Imported sources, sorted by name. */
  sources(): SourceInfo[] {
    try {
      return this.db.prepare<[], SourceRow>('SELECT name, location, kind, records, newest_modified, imported_at FROM sources ORDER BY name').all().map(toSourceInfo);
    } catch (e) {
      throw toDbError(e, this.path, 'listing sources');
    }
  }

  /** `meta` as stored: schema_version, created (ISO 8601). */
  meta(): Record<string, string> {
    try {
      const rows = this.db.prepare<[], { key: string; value: string }>('SELECT key, value FROM meta ORDER BY key').all();
      return Object.fromEntries(rows.map((r) => [r.key, r.value]));
    } catch (e) {
      throw toDbError(e, this.path, 'reading meta');
    }
  }

  close(): void {
    this.heads.clear();
    if (this.db.open) this.db.close();
  }
}
