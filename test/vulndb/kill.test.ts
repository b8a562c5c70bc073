// A killed import (SIGKILL, no chance to clean up) never leaves a broken database: the
// previous one keeps answering, and the next import takes over the stale lock and sweeps
// the dead writer's temp file. The importer runs in a child process, bundled from the
// TypeScript sources with esbuild.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VulnDb, importLocations, importSources } from '../../src/vulndb/index.js';
import { FIXTURES, fixtureFiles, tempDir } from './helpers.js';

const files = fixtureFiles();
let tmp: ReturnType<typeof tempDir>;
let childJs: string;
let fixtureList: string;

beforeAll(async () => {
  tmp = tempDir();
  // Inside the repository, so the bundle resolves better-sqlite3 from node_modules.
  const out = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'portcullis-test');
  mkdirSync(out, { recursive: true });
  childJs = join(out, `kill-child-${process.pid}.mjs`);
  await build({ entryPoints: [join(import.meta.dirname, 'kill-child.ts')], outfile: childJs, bundle: true, platform: 'node', format: 'esm', target: 'node20', external: ['better-sqlite3'], logLevel: 'error' });
  fixtureList = join(tmp.dir, 'fixtures.json');
  writeFileSync(fixtureList, JSON.stringify(files.map((f) => join(FIXTURES, f.rel))));
});
afterAll(() => {
  tmp?.cleanup();
  if (childJs) rmSync(childJs, { force: true });
});

/** Runs the child; resolves when `until` appears on its stdout (or it exits). */
function runChild(env: Record<string, string>, until: RegExp) {
  const child = spawn(process.execPath, [childJs], { env: { ...process.env, FIXTURES: fixtureList, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const seen = new Promise<string>((resolve) => {
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (until.test(out)) resolve(out);
    });
    child.on('exit', () => resolve(out));
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  return { child, seen, exited, stderr: () => err };
}

async function previousDb(name: string): Promise<string> {
  const dir = join(tmp.dir, name);
  mkdirSync(dir);
  const dbPath = join(dir, 'portcullis.db');
  await importLocations(dbPath, [FIXTURES]);
  return dbPath;
}

function expectPrevious(dbPath: string): void {
  const db = VulnDb.open(dbPath);
  try {
    expect(db.sources().map((s) => [s.name, s.records])).toEqual([['osv:osv', 51]]);
    expect(db.lookup('Go', 'stdlib').length).toBeGreaterThan(5);
    expect(db.lookup('npm', 'lodash-syn0')).toEqual([]);
  } finally {
    db.close();
  }
}

describe('an import killed half-way', () => {
  it('SIGKILL mid-transaction: the previous database answers; the next import recovers', async () => {
    const dbPath = await previousDb('mid');
    const run = runChild({ DB: dbPath, COUNT: '4000', PAUSE_AT: '2000' }, /midway/);
    expect(await run.seen).toContain('progress 1536');
    // The child is inside the import: it holds the lock and has its temp database open.
    const dir = readdirSync(join(dbPath, '..'));
    expect(dir).toContain('portcullis.db.lock');
    expect(dir.some((n) => /^\.portcullis\.db\.\d+\.[0-9a-f]{12}\.tmp$/.test(n))).toBe(true);
    run.child.kill('SIGKILL');
    expect((await run.exited).signal).toBe('SIGKILL');

    expectPrevious(dbPath);
    // The next import takes the stale lock over and removes the dead writer's temp file.
    const [info] = await importSources(dbPath, [{ source: { name: 'after', location: 'test', kind: 'osv' }, records: [files[0].record] }]);
    expect(info.records).toBe(1);
    expect(readdirSync(join(dbPath, '..'))).toEqual(['portcullis.db']);
  });

  it('a live writer holds the lock: a second import is DB_LOCKED and changes nothing', async () => {
    const dbPath = await previousDb('locked');
    const run = runChild({ DB: dbPath, COUNT: '1000', PAUSE_AT: '600' }, /midway/);
    await run.seen;
    try {
      await expect(importSources(dbPath, [{ source: { name: 'second', location: 'test', kind: 'osv' }, records: [files[0].record] }])).rejects.toMatchObject({ code: 'DB_LOCKED' });
    } finally {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    expectPrevious(dbPath);
  });

  it('SIGKILL at arbitrary moments: the database is always the old one or the complete new one', async () => {
    const dbPath = await previousDb('random');
    const outcomes = new Set<string>();
    for (const delayMs of [50, 150, 300, 600]) {
      const run = runChild({ DB: dbPath, COUNT: '3000' }, /progress 512/);
      await run.seen;
      await new Promise((r) => setTimeout(r, delayMs));
      run.child.kill('SIGKILL');
      const { signal } = await run.exited;
      const db = VulnDb.open(dbPath);
      try {
        const names = db.sources().map((s) => `${s.name}:${s.records}`);
        if (signal === 'SIGKILL' && names.length === 1) {
          outcomes.add('old');
          expect(names).toEqual(['osv:osv:51']);
        } else {
          outcomes.add('new');
          expect(names).toEqual(['osv:osv:51', 'synthetic:3000']);
          // The child renames record i of the fixture shapes to `<id>-syn<i>`, its packages to `<name>-syn<i>`.
          const k = files.findIndex((f) => f.record.id === 'GHSA-jf85-cpcp-j695');
          expect(db.lookup('npm', `lodash-syn${k}`).map((h) => h.record.id)).toEqual([`GHSA-jf85-cpcp-j695-syn${k}`]);
        }
      } finally {
        db.close();
      }
      expect(existsSync(dbPath)).toBe(true);
    }
    expect(outcomes.size).toBeGreaterThan(0);
  });
});
