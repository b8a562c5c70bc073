// `db update` re-fetches the configured sources. A real node:http server on 127.0.0.1
// serves OSV zips built from the fixtures; "unreachable" is a port nothing listens on.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SOURCES, VulnDb, formatAge, importLocations, updateDb } from '../../src/vulndb/index.js';
import { buildZip, codeOf, fixtureFiles, serveFiles, tempDir, type FileServer } from './helpers.js';

const files = fixtureFiles();
const zipOf = (dir: string) => buildZip(Object.fromEntries(files.filter((f) => f.rel.startsWith(`${dir}/`)).map((f) => [`${f.record.id}.json`, f.bytes])));

let tmp: ReturnType<typeof tempDir>;
let server: FileServer;
let deadUrl: string;
const served = new Map<string, Buffer>();

beforeAll(async () => {
  tmp = tempDir();
  served.set('/npm/all.zip', zipOf('npm'));
  served.set('/PyPI/all.zip', zipOf('PyPI'));
  server = await serveFiles(served);
  const dead = await serveFiles(new Map());
  deadUrl = dead.url('/Go/all.zip');
  await dead.close();
});
afterAll(async () => {
  await server?.close();
  tmp?.cleanup();
});

describe('updateDb', () => {
  it('re-fetches each URL source; a failing one keeps its records and is named with its age', async () => {
    const dbPath = join(tmp.dir, 'a', 'portcullis.db');
    const t0 = new Date('2026-01-10T08:00:00Z');
    // Configure three sources: two on the server, one on a server that will be gone.
    const goServer = await serveFiles(new Map([['/Go/all.zip', zipOf('Go')]]));
    const goUrl = goServer.url('/Go/all.zip');
    await importLocations(dbPath, [server.url('/npm/all.zip'), server.url('/PyPI/all.zip'), goUrl], { now: t0 });
    await goServer.close();

    // The npm export gained a record meanwhile.
    const npm = Object.fromEntries(files.filter((f) => f.rel.startsWith('npm/')).map((f) => [`${f.record.id}.json`, f.bytes]));
    served.set('/npm/all.zip', buildZip({ ...npm, 'GO-2020-0001.json': files.find((f) => f.record.id === 'GO-2020-0001')!.bytes }));
    const t1 = new Date('2026-01-13T09:30:00Z');
    const res = await updateDb(dbPath, { now: t1, fetch: { timeoutMs: 5000 } });

    // Sources are listed in byte order of their names.
    expect(res.updated.map((s) => s.name)).toEqual(['osv:PyPI', 'osv:npm']);
    expect(res.warnings).toHaveLength(1);
    expect(res.warnings[0]).toContain('source osv:Go');
    expect(res.warnings[0]).toContain(goUrl);
    expect(res.warnings[0]).toContain('using the database from 3 days ago');
    expect(res.sources.map((s) => [s.name, s.records, s.importedAt])).toEqual([
      ['osv:Go', files.filter((f) => f.rel.startsWith('Go/')).length, t0.toISOString()],
      ['osv:PyPI', files.filter((f) => f.rel.startsWith('PyPI/')).length, t1.toISOString()],
      ['osv:npm', files.filter((f) => f.rel.startsWith('npm/')).length + 1, t1.toISOString()],
    ]);
    const db = VulnDb.open(dbPath);
    try {
      // The Go records survive from the earlier import, and the new npm-source record is there.
      expect(db.lookup('Go', 'stdlib').length).toBeGreaterThan(5);
      expect(db.lookup('Go', 'github.com/gin-gonic/gin').map((h) => h.source).sort()).toEqual(['osv:Go', 'osv:npm']);
    } finally {
      db.close();
    }
    expect(readdirSync(join(tmp.dir, 'a'))).toEqual(['portcullis.db']);
  });

  it('with no database, fetches the given list; when every source fails there is nothing to fall back to', async () => {
    const dbPath = join(tmp.dir, 'b', 'portcullis.db');
    const res = await updateDb(dbPath, { sources: [server.url('/PyPI/all.zip'), deadUrl] });
    expect(res.updated.map((s) => s.name)).toEqual(['osv:PyPI']);
    expect(res.warnings).toEqual([expect.stringMatching(/^source http:\/\/127\.0\.0\.1:\d+\/Go\/all\.zip: .*download failed.*; no earlier data for it$/)]);
    const fresh = join(tmp.dir, 'c', 'portcullis.db');
    expect(await codeOf(updateDb(fresh, { sources: [deadUrl], fetch: { timeoutMs: 2000 } }))).toBe('IMPORT_FETCH_FAILED');
    expect(readdirSync(join(tmp.dir, 'c'))).toEqual([]);
  });

  it('the default sources are OSV\'s per-ecosystem exports', () => {
    expect(DEFAULT_SOURCES).toEqual(
      ['Debian', 'Alpine', 'npm', 'PyPI', 'Go', 'Maven', 'crates.io', 'RubyGems', 'Packagist', 'NuGet'].map((e) => `https://osv-vulnerabilities.storage.googleapis.com/${e}/all.zip`),
    );
  });

  it('formats ages', () => {
    const now = new Date('2026-01-13T09:30:00Z');
    expect(formatAge('2026-01-10T08:00:00Z', now)).toBe('3 days ago');
    expect(formatAge('2026-01-13T08:29:00Z', now)).toBe('1 hour ago');
    expect(formatAge('2026-01-13T09:29:30Z', now)).toBe('just now');
  });
});
