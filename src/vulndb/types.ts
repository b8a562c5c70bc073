import { PortcullisError } from '../errors/index.js';
import type { OsvAffected, OsvRecord } from './osv-types.js';

export type VulnDbErrorCode =
  | 'DB_NOT_FOUND'
  | 'DB_CORRUPT'
  | 'DB_SCHEMA_TOO_NEW'
  | 'DB_LOCKED'
  | 'IMPORT_INVALID_ZIP'
  | 'IMPORT_INVALID_RECORD'
  | 'IMPORT_UNKNOWN_ECOSYSTEM'
  | 'IMPORT_UNKNOWN_FORMAT'
  | 'IMPORT_FETCH_FAILED'
  | 'IMPORT_TOO_LARGE';

export class VulnDbError extends PortcullisError<VulnDbErrorCode> {}

/** Metadata kept for every imported source. */
export interface SourceInfo {
  /** Stable name: `osv:npm`, `debian-tracker`, `debian-tracker-list`, `alpine-secdb:v3.19`, or the file name. */
  name: string;
  /** The URL or file it was imported from. */
  location: string;
  kind: 'osv' | 'debian-tracker-json' | 'debian-tracker-list' | 'alpine-secdb';
  records: number;
  /** Newest `modified` among its records (ISO 8601). */
  newestModified?: string;
  /** When it was imported (ISO 8601). */
  importedAt: string;
}

/** One affected entry matching a package lookup, with its record's summary fields. */
export interface AdvisoryMatch {
  record: Pick<OsvRecord, 'id' | 'modified' | 'published' | 'aliases' | 'upstream' | 'summary' | 'details' | 'severity' | 'references' | 'database_specific'>;
  affected: OsvAffected;
  /** The source name it was imported from. */
  source: string;
}

/**
 * What the matcher needs from a database: every affected entry for a package name in an
 * ecosystem. `ecosystem` is the full OSV string (`Debian:12`, `Alpine:v3.19`, `npm`);
 * entries whose record names the bare ecosystem (`Debian`) match too. `name` is the
 * ecosystem's canonical name (PEP 503 for PyPI, `group:artifact` for Maven, source
 * package for distros). Implemented by the SQLite VulnDb and, in tests, by an in-memory
 * index over OSV records.
 */
export interface AdvisoryLookup {
  lookup(ecosystem: string, name: string): AdvisoryMatch[];
}
