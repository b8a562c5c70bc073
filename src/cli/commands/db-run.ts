import { statSync } from 'node:fs';
import { UsageError } from '../../errors/index.js';
import { renderTable } from '../../report/table.js';
import { VulnDb, exportDb, formatAge, importLocations, pullDb, pushDb, updateDb, type SourceInfo } from '../../vulndb/index.js';
import { defaultDbPath, logger, openOptionsFrom } from '../context.js';
import { writeOutput } from '../output.js';
import { DB_STATUS_FORMATS, type DbFetchFlags, type DbFlags, type DbRegistryFlags, type DbStatusFlags } from './db.js';

/** `--db`, else `<cache dir>/db/portcullis.db`. */
export function dbPathFrom(flags: DbFlags): string {
  return flags.db ?? defaultDbPath();
}

function timeoutFrom(flags: DbFetchFlags): number {
  const s = Number(flags.timeout ?? 30);
  if (!Number.isFinite(s) || s <= 0) throw new UsageError('BAD_FLAG', `invalid timeout "${flags.timeout}": want a number of seconds`, { input: '--timeout' });
  return s * 1000;
}

/** A one-line progress bar on stderr, drawn only when stderr is a terminal. */
export function progressBar(flags: DbFlags, stream: NodeJS.WriteStream = process.stderr): { onProgress?(done: number, total?: number): void; end(): void } {
  if (flags.quiet || !stream.isTTY) return { end: () => undefined };
  let last = 0;
  let drawn = false;
  return {
    onProgress(done, total) {
      const now = Date.now();
      if (now - last < 100 && (total === undefined || done < total)) return;
      last = now;
      const width = 30;
      const bar = total ? `[${'#'.repeat(Math.round((Math.min(done, total) / total) * width)).padEnd(width, '.')}] ${done}/${total}` : `${done}`;
      stream.write(`\r\x1b[2Kportcullis: importing ${bar} records`);
      drawn = true;
    },
    end() {
      if (drawn) stream.write('\r\x1b[2K');
      drawn = false;
    },
  };
}

function describeSource(s: SourceInfo): string {
  return `${s.name}: ${s.records} records${s.newestModified ? `, newest modified ${s.newestModified}` : ''} (${s.location})`;
}

export async function runDbImport(sources: string[], flags: DbFetchFlags): Promise<void> {
  const log = logger(flags);
  const dbPath = dbPathFrom(flags);
  const bar = progressBar(flags);
  try {
    const res = await importLocations(dbPath, sources, { onProgress: bar.onProgress, onWarning: (m) => log(`warning: ${m}`), fetch: { timeoutMs: timeoutFrom(flags) } });
    bar.end();
    if (res.replacedFrom) log(`replaced ${dbPath} with ${res.replacedFrom}`);
    for (const s of res.imported) log(`imported ${describeSource(s)}`);
    if (res.withdrawn > 0) log(`skipped ${res.withdrawn} withdrawn records`);
  } finally {
    bar.end();
  }
}

export async function runDbUpdate(flags: DbFetchFlags): Promise<void> {
  const log = logger(flags);
  const dbPath = dbPathFrom(flags);
  const bar = progressBar(flags);
  try {
    const res = await updateDb(dbPath, { onProgress: bar.onProgress, onWarning: (m) => log(`warning: ${m}`), fetch: { timeoutMs: timeoutFrom(flags) } });
    bar.end();
    for (const s of res.updated) log(`updated ${describeSource(s)}`);
    // Warnings are printed even with --quiet: the user should know the data is stale.
    for (const w of res.warnings) process.stderr.write(`portcullis: warning: ${w}\n`);
  } finally {
    bar.end();
  }
}

export interface DbStatus {
  path: string;
  schemaVersion: number;
  created?: string;
  sizeBytes: number;
  sources: SourceInfo[];
}

export function dbStatus(dbPath: string): DbStatus {
  const db = VulnDb.open(dbPath);
  try {
    const meta = db.meta();
    const out: DbStatus = { path: dbPath, schemaVersion: db.schemaVersion, sizeBytes: statSync(dbPath).size, sources: db.sources() };
    if (meta.created) out.created = meta.created;
    return out;
  } finally {
    db.close();
  }
}

export function renderDbStatus(s: DbStatus, now = new Date()): string {
  const head = [`database: ${s.path}`, `schema: ${s.schemaVersion}`, `size: ${s.sizeBytes} bytes`, ...(s.created ? [`built: ${s.created} (${formatAge(s.created, now)})`] : [])];
  const rows = s.sources.map((x) => [x.name, x.kind, String(x.records), x.newestModified ?? '-', `${x.importedAt} (${formatAge(x.importedAt, now)})`, x.location]);
  return `${head.join('\n')}\n\n${renderTable(['SOURCE', 'KIND', 'RECORDS', 'NEWEST MODIFIED', 'IMPORTED', 'LOCATION'], rows)}`;
}

export async function runDbStatus(flags: DbStatusFlags): Promise<void> {
  if (!(DB_STATUS_FORMATS as readonly string[]).includes(flags.format)) {
    throw new UsageError('BAD_FLAG', `unknown format "${flags.format}": want one of ${DB_STATUS_FORMATS.join(', ')}`, { input: '--format' });
  }
  const s = dbStatus(dbPathFrom(flags));
  writeOutput(flags.format === 'json' ? JSON.stringify(s, null, 2) : renderDbStatus(s));
}

export async function runDbExport(file: string, flags: DbFlags): Promise<void> {
  const dbPath = dbPathFrom(flags);
  exportDb(dbPath, file);
  logger(flags)(`exported ${dbPath} to ${file}`);
}

export async function runDbPush(ref: string, flags: DbRegistryFlags): Promise<void> {
  const res = await pushDb(dbPathFrom(flags), ref, openOptionsFrom(flags));
  writeOutput(res.reference);
}

export async function runDbPull(ref: string, flags: DbRegistryFlags): Promise<void> {
  const dbPath = dbPathFrom(flags);
  const res = await pullDb(ref, dbPath, openOptionsFrom(flags));
  logger(flags)(`pulled ${ref}@${res.digest} into ${dbPath}`);
}
