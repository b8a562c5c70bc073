// From what the user named (paths and URLs) to an import: recognize each source, turn it
// into an ImportInput (OSV readers, or the converters in sources/), and import them all in
// one database swap. An exported database file replaces the database instead.
import { readFileSync } from 'node:fs';
import { importSourcesDetailed, type ImportFailure, type ImportInput, type ImportOptions, type ImportResult } from './import.js';
import { DEFAULT_LIMITS, detectSource, listJsonFiles, osvSourceName, readOsvDir, readOsvZip, type DetectedSource } from './osv-source.js';
import { createOsvChecker } from './osv-validate.js';
import type { FetchOptions } from './fetch.js';
import { replaceDbWithFile } from './transport.js';
import { VulnDbError } from './types.js';
import { zipEntryCount, type ZipLimits } from './zip.js';

export interface LocationOptions extends ImportOptions {
  fetch?: FetchOptions;
  limits?: Partial<ZipLimits & { maxDocumentBytes: number }>;
  /** Report a source that cannot be fetched or read in `failed` and import the others. */
  keepGoing?: boolean;
}

export interface LocationFailure {
  location: string;
  error: unknown;
}

export interface LocationResult extends Omit<ImportResult, 'failed'> {
  failed: LocationFailure[];
  /** Set when an exported database file replaced the database. */
  replacedFrom?: string;
}

/** The ImportInput for a recognized source (not for `vulndb`, which replaces the database). */
export async function toImportInput(d: DetectedSource, limits: ZipLimits = DEFAULT_LIMITS): Promise<ImportInput> {
  switch (d.format) {
    case 'osv-zip': {
      const checker = await createOsvChecker();
      const total = await zipEntryCount(d.path);
      return { source: { name: osvSourceName(d.location), location: d.location, kind: 'osv' }, records: readOsvZip(d.path, d.location, checker, limits), total };
    }
    case 'osv-dir': {
      const checker = await createOsvChecker();
      const files = await listJsonFiles(d.path);
      return { source: { name: osvSourceName(d.location), location: d.location, kind: 'osv' }, records: readOsvDir(d.path, files, checker, limits.maxMemberBytes), total: files.length };
    }
    case 'osv-json': {
      const checker = await createOsvChecker();
      return { source: { name: osvSourceName(d.location), location: d.location, kind: 'osv' }, records: [checker.validate(d.document, d.location)], total: 1 };
    }
    case 'debian-tracker-json':
    case 'debian-tracker-list':
    case 'alpine-secdb':
      return convertedInput(d);
    case 'vulndb':
      throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', 'is a whole exported database: it replaces the database rather than being imported as a source', { input: d.location });
  }
}

// Filled in when the converters in sources/ are wired in.
async function convertedInput(d: DetectedSource): Promise<ImportInput> {
  void readFileSync;
  throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', `${d.format} sources are not supported yet`, { input: d.location });
}

/**
 * Imports every location (paths or URLs) into `dbPath` in one swap. At most one may be
 * an exported database file: it replaces the database first, and the other sources are
 * imported on top of it. Downloads are removed afterwards, whatever happens.
 */
export async function importLocations(dbPath: string, locations: string[], opts: LocationOptions = {}): Promise<LocationResult> {
  const limits: ZipLimits & { maxDocumentBytes: number } = { ...DEFAULT_LIMITS, ...opts.limits };
  const detected: DetectedSource[] = [];
  const failed: LocationFailure[] = [];
  try {
    for (const loc of locations) {
      try {
        detected.push(await detectSource(loc, { dbPath, fetch: opts.fetch, maxDocumentBytes: limits.maxDocumentBytes }));
      } catch (e) {
        if (!opts.keepGoing || !(e instanceof VulnDbError)) throw e;
        failed.push({ location: loc, error: e });
      }
    }
    const whole = detected.filter((d) => d.format === 'vulndb');
    if (whole.length > 1) {
      throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', `${whole.length} exported databases given (${whole.map((d) => d.location).join(', ')}); import one at a time`, { input: whole[1].location });
    }
    if (whole.length === 1) await replaceDbWithFile(dbPath, whole[0].path, whole[0].location);
    const inputs: ImportInput[] = [];
    const byName = new Map<string, string>();
    for (const d of detected.filter((x) => x.format !== 'vulndb')) {
      try {
        const input = await toImportInput(d, limits);
        inputs.push(input);
        byName.set(input.source.name, d.location);
      } catch (e) {
        if (!opts.keepGoing || !(e instanceof VulnDbError)) throw e;
        failed.push({ location: d.location, error: e });
      }
    }
    const res = inputs.length > 0 ? await importSourcesDetailed(dbPath, inputs, opts) : { imported: [], failed: [] as ImportFailure[], withdrawn: 0, duplicates: 0 };
    for (const f of res.failed) failed.push({ location: byName.get(f.source.name) ?? f.source.location, error: f.error });
    return { ...res, failed, ...(whole.length === 1 ? { replacedFrom: whole[0].location } : {}) };
  } finally {
    for (const d of detected) d.cleanup();
  }
}
