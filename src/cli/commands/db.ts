import type { Command } from 'commander';

export const DB_STATUS_FORMATS = ['table', 'json'] as const;

export interface DbFlags {
  db?: string;
  quiet?: boolean;
  debug?: boolean;
}

export interface DbStatusFlags extends DbFlags {
  format: string;
}

export interface DbFetchFlags extends DbFlags {
  /** Seconds without data before a download is given up. */
  timeout?: string;
}

export interface DbRegistryFlags extends DbFlags {
  plainHttp?: boolean;
  username?: string;
  passwordStdin?: boolean;
}

function withDb(cmd: Command): Command {
  return cmd
    .option('--db <path>', 'the database file (default: <cache dir>/db/portcullis.db)')
    .option('-q, --quiet', 'no progress or summary on stderr');
}

function withRegistry(cmd: Command): Command {
  return cmd
    .option('--plain-http', 'allow plain http to the registry (loopback registries)')
    .option('--username <user>', 'registry user name (with --password-stdin)')
    .option('--password-stdin', 'read the registry password from stdin');
}

// The implementation is imported on use, so `--help` and other commands stay fast.
const run = () => import('./db-run.js');

export function registerDb(program: Command): void {
  const db = program.command('db').description('manage the vulnerability database (OSV exports, Debian security tracker, Alpine secdb)');
  withDb(
    db
      .command('import')
      .description('import sources: OSV all.zip exports, directories or files of OSV JSON, Debian tracker JSON or list files, Alpine secdb, or an exported database')
      .argument('<source...>', 'paths or http(s) URLs')
      .option('--timeout <seconds>', 'give up a download after this long without data', '30'),
  ).action(async (sources: string[], flags: DbFetchFlags) => (await run()).runDbImport(sources, flags));
  withDb(
    db
      .command('update')
      .description("re-fetch every source in the database (a fresh database: OSV's public exports for Debian, Alpine, npm, PyPI, Go, Maven, crates.io, RubyGems, Packagist, NuGet)")
      .option('--timeout <seconds>', 'give up a download after this long without data', '30'),
  ).action(async (flags: DbFetchFlags) => (await run()).runDbUpdate(flags));
  withDb(
    db
      .command('status')
      .description('show the database: schema, sources, record counts and ages')
      .option('-f, --format <format>', `output format: ${DB_STATUS_FORMATS.join(', ')}`, 'table'),
  ).action(async (flags: DbStatusFlags) => (await run()).runDbStatus(flags));
  withDb(db.command('export').description('write a compacted copy of the database to FILE').argument('<file>', 'output file')).action(async (file: string, flags: DbFlags) =>
    (await run()).runDbExport(file, flags),
  );
  withRegistry(withDb(db.command('push').description('push the database to a registry as an OCI artifact').argument('<ref>', 'REGISTRY/REPO[:TAG]'))).action(
    async (ref: string, flags: DbRegistryFlags) => (await run()).runDbPush(ref, flags),
  );
  withRegistry(withDb(db.command('pull').description('pull a database artifact from a registry and make it the database').argument('<ref>', 'REGISTRY/REPO[:TAG|@DIGEST]'))).action(
    async (ref: string, flags: DbRegistryFlags) => (await run()).runDbPull(ref, flags),
  );
}
