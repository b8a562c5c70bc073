// Importing sources: each input's records replace that source's records; the database
// file is swapped only when everything succeeded (or, with keepGoing, for the sources that
// did), so a failed or killed import leaves the previous database answering.
import type { OsvRecord } from './osv-types.js';
import { DbWriter, type SourceMeta } from './store.js';
import type { SourceInfo } from './types.js';

export type { SourceMeta } from './store.js';

export interface ImportInput {
  source: SourceMeta;
  records: Iterable<OsvRecord> | AsyncIterable<OsvRecord>;
  /** How many records to expect, when known (for progress). */
  total?: number;
}

export interface ImportOptions {
  /** Called every few hundred records with the records read so far (all inputs) and the expected total, if known. */
  onProgress?(done: number, total?: number): void;
  /** The import time recorded for each source (default: now). */
  now?: Date;
}

export interface ImportFailure {
  source: SourceMeta;
  error: unknown;
}

export interface ImportResult {
  imported: SourceInfo[];
  failed: ImportFailure[];
  /** Withdrawn records skipped, and records dropped because a newer one had the same id. */
  withdrawn: number;
  duplicates: number;
}

const PROGRESS_EVERY = 512;

/**
 * Like `importSources`, but with `keepGoing` a source that fails is reported in `failed`
 * and keeps its previous records, while the others are imported.
 */
export async function importSourcesDetailed(dbPath: string, inputs: ImportInput[], opts: ImportOptions & { keepGoing?: boolean } = {}): Promise<ImportResult> {
  const now = opts.now ?? new Date();
  const totals = inputs.map((i) => i.total);
  const total = totals.every((t) => t !== undefined) ? totals.reduce<number>((a, b) => a + (b ?? 0), 0) : undefined;
  const writer = DbWriter.create(dbPath);
  const imported: SourceInfo[] = [];
  const failed: ImportFailure[] = [];
  let done = 0;
  try {
    for (const input of inputs) {
      writer.beginSource(input.source);
      try {
        for await (const rec of input.records) {
          writer.add(rec);
          if (++done % PROGRESS_EVERY === 0) opts.onProgress?.(done, total);
        }
        imported.push(writer.endSource(now));
      } catch (e) {
        writer.abortSource();
        if (!opts.keepGoing) throw e;
        failed.push({ source: input.source, error: e });
      }
    }
    opts.onProgress?.(done, total ?? done);
  } catch (e) {
    writer.abort();
    throw e;
  }
  if (imported.length === 0) {
    writer.abort();
  } else {
    writer.finish(now);
  }
  return { imported, failed, ...writer.stats };
}

/**
 * Imports OSV records into the database at `dbPath` (created if missing). Each input's
 * records replace every record its source (by name) had; other sources are kept. Returns
 * the imported sources' metadata, in input order. The first failure aborts the whole
 * import and leaves the previous database as it was.
 */
export async function importSources(dbPath: string, inputs: ImportInput[], opts: ImportOptions = {}): Promise<SourceInfo[]> {
  return (await importSourcesDetailed(dbPath, inputs, opts)).imported;
}
