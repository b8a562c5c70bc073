// `db update`: re-fetch every configured source (the locations in the database's sources
// table; OSV's public exports for a fresh database). A source that cannot be fetched or
// read keeps its current records, and the update says so, with how old they are.
import { existsSync } from 'node:fs';
import { isPortcullisError } from '../errors/index.js';
import { VulnDb } from './db.js';
import { isUrl } from './fetch.js';
import { importLocations, type LocationOptions } from './inputs.js';
import type { SourceInfo } from './types.js';

/** OSV's public per-ecosystem exports: the sources of a fresh `db update`. */
export const DEFAULT_OSV_ECOSYSTEMS = ['Debian', 'Alpine', 'npm', 'PyPI', 'Go', 'Maven', 'crates.io', 'RubyGems', 'Packagist', 'NuGet'] as const;
export const DEFAULT_SOURCES: readonly string[] = DEFAULT_OSV_ECOSYSTEMS.map((e) => `https://osv-vulnerabilities.storage.googleapis.com/${encodeURIComponent(e)}/all.zip`);

export interface UpdateOptions extends Omit<LocationOptions, 'keepGoing'> {
  /** Locations to fetch instead of the configured ones. */
  sources?: string[];
}

export interface UpdateResult {
  /** Sources imported by this update. */
  updated: SourceInfo[];
  /** Every source in the database afterwards, sorted by name. */
  sources: SourceInfo[];
  /** One line per source that kept its old records (or has none), naming it and its age. */
  warnings: string[];
}

/** "3 days ago", "5 hours ago", "just now". */
export function formatAge(fromIso: string, now: Date): string {
  const ms = now.getTime() - Date.parse(fromIso);
  if (!Number.isFinite(ms)) return 'an unknown time ago';
  const units: Array<[string, number]> = [['day', 86_400_000], ['hour', 3_600_000], ['minute', 60_000]];
  for (const [unit, size] of units) {
    const n = Math.floor(ms / size);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}

function errorLine(e: unknown): string {
  if (isPortcullisError(e)) return e.toLine();
  return e instanceof Error ? e.message : String(e);
}

function currentSources(dbPath: string): SourceInfo[] | undefined {
  if (!existsSync(dbPath)) return undefined;
  const db = VulnDb.open(dbPath);
  try {
    return db.sources();
  } finally {
    db.close();
  }
}

/**
 * Re-fetches and re-imports the configured sources in one database swap. Sources that
 * fail keep their records and yield a warning; when there is no database yet and every
 * source fails, the first failure is thrown (there is nothing to fall back to).
 */
export async function updateDb(dbPath: string, opts: UpdateOptions = {}): Promise<UpdateResult> {
  const now = opts.now ?? new Date();
  const before = currentSources(dbPath);
  const warnings: string[] = [];
  let locations: string[];
  if (opts.sources) {
    locations = opts.sources;
  } else if (before && before.length > 0) {
    locations = [];
    for (const s of before) {
      if (isUrl(s.location) || existsSync(s.location)) locations.push(s.location);
      else warnings.push(`source ${s.name}: ${s.location} no longer exists; using the database from ${formatAge(s.importedAt, now)}`);
    }
  } else {
    locations = [...DEFAULT_SOURCES];
  }
  locations = [...new Set(locations)];

  const res = locations.length > 0 ? await importLocations(dbPath, locations, { ...opts, now, keepGoing: true }) : undefined;
  for (const f of res?.failed ?? []) {
    const old = before?.find((s) => s.location === f.location);
    const fallback = old ? `using the database from ${formatAge(old.importedAt, now)}` : 'no earlier data for it';
    warnings.push(`source ${old?.name ?? f.location}: ${errorLine(f.error)}; ${fallback}`);
  }
  if (!before && res && res.imported.length === 0 && res.failed.length > 0) throw res.failed[0].error;
  return { updated: res?.imported ?? [], sources: currentSources(dbPath) ?? [], warnings };
}
