// The `db` command, parsed by commander as main.ts does (registerDb on a program with
// exitOverride), against real files and a real registry.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerDb } from '../../src/cli/commands/db.js';
import { progressBar } from '../../src/cli/commands/db-run.js';
import { isPortcullisError } from '../../src/errors/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { FIXTURES, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;

/** Runs `portcullis <args>`; returns stdout, stderr and the error (if any) it ended with. */
async function cli(args: string[]) {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerDb(program);
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c: string | Uint8Array) => ((stdout += c.toString()), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c: string | Uint8Array) => ((stderr += c.toString()), true));
  try {
    await program.parseAsync(args, { from: 'user' });
    return { stdout, stderr, error: undefined };
  } catch (e) {
    return { stdout, stderr, error: e };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp?.cleanup());
afterEach(() => vi.unstubAllEnvs());

describe('portcullis db', () => {
  it('import, status (table and json), export', async () => {
    const db = join(tmp.dir, 'a', 'v.db');
    const imp = await cli(['db', 'import', FIXTURES, '--db', db]);
    expect(imp.error).toBeUndefined();
    expect(imp.stderr).toContain('portcullis: imported osv:osv: 51 records');
    expect(imp.stderr).not.toContain('\r'); // stderr is not a terminal here: no progress bar
    expect(imp.stdout).toBe('');

    const json = await cli(['db', 'status', '--db', db, '--format', 'json']);
    const status = JSON.parse(json.stdout);
    expect(status).toMatchObject({ path: db, schemaVersion: 1, sources: [{ name: 'osv:osv', kind: 'osv', records: 51, location: FIXTURES }] });
    expect(status.sizeBytes).toBeGreaterThan(0);

    const table = await cli(['db', 'status', '--db', db]);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toBe(`database: ${db}`);
    expect(lines.find((l) => l.startsWith('SOURCE'))).toMatch(/^SOURCE\s+KIND\s+RECORDS\s+NEWEST MODIFIED\s+IMPORTED\s+LOCATION$/);
    expect(lines.find((l) => l.startsWith('osv:osv'))).toMatch(new RegExp(`^osv:osv\\s+osv\\s+51\\s+\\S+\\s+\\S+ \\(just now\\)\\s+${FIXTURES}$`));

    const file = join(tmp.dir, 'a', 'export.db');
    expect((await cli(['db', 'export', file, '--db', db, '-q'])).stderr).toBe('');
    expect(readFileSync(file).subarray(0, 15).toString()).toBe('SQLite format 3');
  });

  it('uses <cache dir>/db/portcullis.db without --db', async () => {
    vi.stubEnv('PORTCULLIS_CACHE_DIR', join(tmp.dir, 'cache'));
    expect((await cli(['db', 'import', join(FIXTURES, 'npm'), '-q'])).error).toBeUndefined();
    expect(existsSync(join(tmp.dir, 'cache', 'db', 'portcullis.db'))).toBe(true);
  });

  it('errors are PortcullisErrors with exit code 2: a missing database, a bad format, a bad source', async () => {
    const missing = await cli(['db', 'status', '--db', join(tmp.dir, 'none.db')]);
    expect(isPortcullisError(missing.error) && [missing.error.code, missing.error.exitCode]).toEqual(['DB_NOT_FOUND', 2]);
    const fmt = await cli(['db', 'status', '--db', join(tmp.dir, 'a', 'v.db'), '--format', 'xml']);
    expect(isPortcullisError(fmt.error) && fmt.error.code).toBe('BAD_FLAG');
    const bad = await cli(['db', 'import', join(tmp.dir, 'nope.zip'), '--db', join(tmp.dir, 'b.db')]);
    expect(isPortcullisError(bad.error) && [bad.error.code, bad.error.exitCode]).toEqual(['IMPORT_UNKNOWN_FORMAT', 2]);
    const to = await cli(['db', 'update', '--db', join(tmp.dir, 'b.db'), '--timeout', 'soon']);
    expect(isPortcullisError(to.error) && to.error.code).toBe('BAD_FLAG');
  });

  describe('push and pull', () => {
    let registry: TestRegistry;
    beforeAll(async () => {
      registry = await startRegistry();
    });
    afterAll(() => registry?.stop());

    it('pushes, prints the pinned reference, and pulls into another database', async () => {
      const db = join(tmp.dir, 'a', 'v.db');
      const push = await cli(['db', 'push', `${registry.host}/db/portcullis:1`, '--db', db, '--plain-http']);
      expect(push.error).toBeUndefined();
      expect(push.stdout.trim()).toMatch(new RegExp(`^${registry.host}/db/portcullis:1@sha256:[0-9a-f]{64}$`));
      const other = join(tmp.dir, 'pulled', 'v.db');
      const pull = await cli(['db', 'pull', push.stdout.trim(), '--db', other, '--plain-http']);
      expect(pull.error).toBeUndefined();
      const status = JSON.parse((await cli(['db', 'status', '--db', other, '--format', 'json'])).stdout);
      expect(status.sources.map((s: { name: string; records: number }) => [s.name, s.records])).toEqual([['osv:osv', 51]]);
    });
  });
});

describe('progress bar', () => {
  it('draws on a terminal only, and clears its line at the end', () => {
    let written = '';
    const tty = { isTTY: true, write: (s: string) => ((written += s), true) } as unknown as NodeJS.WriteStream;
    const bar = progressBar({}, tty);
    bar.onProgress?.(50, 100);
    bar.onProgress?.(100, 100);
    bar.end();
    expect(written).toContain('[###############...............] 50/100 records');
    expect(written).toContain('100/100 records');
    expect(written.endsWith('\r\x1b[2K')).toBe(true);
    const pipe = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    expect(progressBar({}, pipe).onProgress).toBeUndefined();
    expect(progressBar({ quiet: true }, tty).onProgress).toBeUndefined();
  });
});
