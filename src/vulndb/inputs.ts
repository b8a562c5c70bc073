// From what the user named (paths and URLs) to an import: recognize each source, turn it
// into an ImportInput (OSV readers, or the converters in sources/), and import them all in
// one database swap. An exported database file replaces the database instead.
import { importSourcesDetailed, type ImportFailure, type ImportInput, type ImportOptions, type ImportResult, type SourceMeta } from './import.js';
import { DEFAULT_LIMITS, detectSource, listJsonFiles, osvSourceName, readDocument, readOsvDir, readOsvZip, type DetectedSource } from './osv-source.js';
import type { OsvRecord } from './osv-types.js';
import { createOsvChecker, type OsvChecker } from './osv-validate.js';
import type { FetchOptions } from './fetch.js';
import { replaceDbWithFile } from './transport.js';
import { VulnDbError } from './types.js';
import { zipEntryCount, type ZipLimits } from './zip.js';

export interface LocationOptions extends ImportOptions {
  fetch?: FetchOptions;
  limits?: Partial<ZipLimits & { maxDocumentBytes: number }>;
  /** Report a source that cannot be fetched or read in `failed` and import the others. */
  keepGoing?: boolean;
  /** Converters' notes on entries they skipped (one line each). */
  onWarning?(message: string): void;
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

export interface InputOptions {
  limits?: ZipLimits & { maxDocumentBytes: number };
  /** Converters' notes on entries they skipped (one line each). */
  onWarning?(message: string): void;
}

/** The ImportInput for a recognized source (not for `vulndb`, which replaces the database). */
export async function toImportInput(d: DetectedSource, opts: InputOptions = {}): Promise<ImportInput> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  const checker = await createOsvChecker();
  const osv = { name: osvSourceName(d.location), location: d.location, kind: 'osv' } as const;
  switch (d.format) {
    case 'osv-zip':
      return { source: osv, records: readOsvZip(d.path, d.location, checker, limits), total: await zipEntryCount(d.path) };
    case 'osv-dir': {
      const files = await listJsonFiles(d.path);
      return { source: osv, records: readOsvDir(d.path, files, checker, limits.maxMemberBytes), total: files.length };
    }
    case 'osv-json':
      return { source: osv, records: [checker.validate(d.document, d.location)], total: 1 };
    case 'debian-tracker-json':
    case 'debian-tracker-list':
    case 'alpine-secdb':
      return convertedInput(d, checker, limits.maxDocumentBytes, opts.onWarning);
    case 'vulndb':
      throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', 'is a whole exported database: it replaces the database rather than being imported as a source', { input: d.location });
  }
}

/** `alpine-secdb:v3.19/main` (the repository too: main and community are separate files). */
function alpineSourceName(d: DetectedSource, text?: string): string {
  const doc = d.document as { distroversion?: unknown; reponame?: unknown } | undefined;
  const field = (k: string) => {
    const v = doc ? doc[k as 'distroversion'] : new RegExp(`^${k}:[ \\t]*['"]?([^'"\\s]+)`, 'm').exec(text ?? '')?.[1];
    return typeof v === 'string' && /^[\w.-]{1,40}$/.test(v) ? v : undefined;
  };
  const version = field('distroversion') ?? 'unknown';
  const repo = field('reponame');
  return `alpine-secdb:${version}${repo ? `/${repo}` : ''}`;
}

/**
 * Debian tracker and Alpine secdb sources, through the converters in sources/. Their
 * records are checked against the OSV schema like any other, so everything in the
 * database has passed it. `modified` is the source's own date when known.
 */
async function convertedInput(d: DetectedSource, checker: OsvChecker, maxDoc: number, warn?: (m: string) => void): Promise<ImportInput> {
  const conv = await import('./sources/index.js');
  const opts = { ...(warn ? { warn } : {}), ...(d.sourceDate ? { modified: d.sourceDate } : {}) };
  let source: SourceMeta;
  let records: OsvRecord[];
  if (d.format === 'debian-tracker-json') {
    source = { name: 'debian-tracker', location: d.location, kind: 'debian-tracker-json' };
    records = conv.convertDebianTrackerJson(d.document, opts);
  } else if (d.format === 'alpine-secdb') {
    const text = d.document === undefined ? readDocument(d.path, maxDoc, d.location) : undefined;
    source = { name: alpineSourceName(d, text), location: d.location, kind: 'alpine-secdb' };
    records = conv.convertAlpineSecdb(d.document ?? text, opts);
  } else {
    const lists = d.lists ?? {};
    const files = Object.fromEntries(Object.entries(lists).map(([k, p]) => [k, readDocument(p as string, maxDoc, p as string)]));
    source = { name: 'debian-tracker-list', location: d.location, kind: 'debian-tracker-list' };
    records = conv.convertDebianTrackerLists(files, opts);
  }
  return { source, records: records.map((r) => checker.validate(r, `${d.location} (${source.name} record ${r.id})`)), total: records.length };
}

/**
 * Tracker list files named one by one (`CVE/list DSA/list`) are one source: the converter
 * needs them together (a DSA's fixes apply to the CVE list's entries).
 */
function mergeTrackerLists(detected: DetectedSource[]): DetectedSource[] {
  const lists = detected.filter((d) => d.format === 'debian-tracker-list');
  if (lists.length < 2) return detected;
  const merged: DetectedSource = {
    ...lists[0],
    location: lists.map((d) => d.location).join(', '),
    lists: Object.assign({}, ...lists.map((d) => d.lists)),
    sourceDate: lists.map((d) => d.sourceDate ?? '').sort().pop() || undefined,
  };
  return [...detected.filter((d) => d.format !== 'debian-tracker-list'), merged];
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
    for (const d of mergeTrackerLists(detected.filter((x) => x.format !== 'vulndb'))) {
      try {
        const input = await toImportInput(d, { limits, onWarning: opts.onWarning });
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
