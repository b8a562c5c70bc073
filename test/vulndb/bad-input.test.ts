// Bad input never breaks the database: each case starts from a database holding the real
// fixtures, fails with its code, and the previous database still answers, with no temp
// file or lock left behind.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, VulnDb, importLocations, importSources } from '../../src/vulndb/index.js';
import { buildZip, codeOf, errorOf, FIXTURES, fixtureFiles, serveFiles, tempDir, type FileServer } from './helpers.js';

const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
const files = fixtureFiles();
const byId = new Map(files.map((f) => [f.record.id, f]));
let tmp: ReturnType<typeof tempDir>;
let good: string;
let n = 0;

/** A fresh copy of the good database in its own directory. */
function dbCopy(): string {
  const dir = join(tmp.dir, `case-${++n}`);
  mkdirSync(dir);
  const p = join(dir, 'portcullis.db');
  copyFileSync(good, p);
  return p;
}

/** The previous database answers as before, and nothing was left beside it. */
function expectIntact(dbPath: string): void {
  const db = VulnDb.open(dbPath);
  try {
    expect(db.sources().map((s) => [s.name, s.records])).toEqual([['osv:osv', 51]]);
    expect(db.lookup('npm', 'lodash').map((h) => h.record.id)).toEqual(['GHSA-jf85-cpcp-j695']);
  } finally {
    db.close();
  }
  expect(readdirSync(join(dbPath, '..'))).toEqual(['portcullis.db']);
}

function writeIn(dir: string, name: string, data: Buffer | string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
}

const lodash = () => structuredClone(byId.get('GHSA-jf85-cpcp-j695')!.record);

beforeAll(async () => {
  tmp = tempDir();
  good = join(tmp.dir, 'good.db');
  await importLocations(good, [FIXTURES]);
});
afterAll(() => tmp?.cleanup());

describe('bad zips', () => {
  const members = () => Object.fromEntries(files.slice(0, 10).map((f) => [`${f.record.id}.json`, f.bytes]));

  it('a corrupt deflate stream is IMPORT_INVALID_ZIP', async () => {
    const zip = buildZip(members());
    // Set the first member's deflate block type to 3, which RFC 1951 reserves (an error).
    const dataAt = 30 + zip.readUInt16LE(26) + zip.readUInt16LE(28);
    expect(zip.readUInt16LE(8)).toBe(8); // deflated
    zip[dataAt] |= 0x06;
    const dbPath = dbCopy();
    const e = await errorOf(importLocations(dbPath, [writeIn(join(tmp.dir, `z${n}`), 'all.zip', zip)]));
    expect(e.code).toBe('IMPORT_INVALID_ZIP');
    expect(e.message).toContain(`${files[0].record.id}.json`);
    expectIntact(dbPath);
  });

  it('a truncated zip is IMPORT_INVALID_ZIP', async () => {
    const zip = buildZip(members());
    for (const cut of [zip.length >> 1, zip.length - 10]) {
      const dbPath = dbCopy();
      expect(await codeOf(importLocations(dbPath, [writeIn(join(tmp.dir, `t${n}`), 'all.zip', zip.subarray(0, cut))]))).toBe('IMPORT_INVALID_ZIP');
      expectIntact(dbPath);
    }
  });

  it('a zip missing a member its directory lists is IMPORT_INVALID_ZIP', async () => {
    const zip = buildZip(members());
    // Break the second local header's signature: the streaming reader skips that member.
    const second = zip.indexOf(Buffer.from('PK\u0003\u0004', 'latin1'), 4);
    zip[second + 1] = 0x00;
    const dbPath = dbCopy();
    expect(await codeOf(importLocations(dbPath, [writeIn(join(tmp.dir, `m${n}`), 'all.zip', zip)]))).toBe('IMPORT_INVALID_ZIP');
    expectIntact(dbPath);
  });

  it('random bytes named all.zip are not a zip', async () => {
    const dbPath = dbCopy();
    const junk = Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 251));
    expect(await codeOf(importLocations(dbPath, [writeIn(join(tmp.dir, `r${n}`), 'x.json', junk)]))).toBe('IMPORT_UNKNOWN_FORMAT');
    junk.write('PK\u0003\u0004', 0, 'latin1');
    expect(await codeOf(importLocations(dbPath, [writeIn(join(tmp.dir, `r${n}`), 'all.zip', junk)]))).toBe('IMPORT_INVALID_ZIP');
    expectIntact(dbPath);
  });

  it('members inflating past the caps are IMPORT_TOO_LARGE (a zip bomb)', async () => {
    const zip = buildZip({ 'GHSA-aaaa-bbbb-cccc.json': Buffer.alloc(4 << 20, 0x20) });
    expect(zip.length).toBeLessThan(64 * 1024);
    const p = writeIn(join(tmp.dir, `b${n}`), 'all.zip', zip);
    for (const limits of [{ maxMemberBytes: 1 << 20 }, { maxTotalBytes: 1 << 20 }]) {
      const dbPath = dbCopy();
      expect(await codeOf(importLocations(dbPath, [p], { limits }))).toBe('IMPORT_TOO_LARGE');
      expectIntact(dbPath);
    }
  });
});

describe('bad records', () => {
  it('a record failing the OSV schema is IMPORT_INVALID_RECORD naming the member, the id and the error', async () => {
    const bad = lodash();
    (bad.severity as Array<{ type: string; score: string }>) = [{ type: 'CVSS_V3', score: 'not a vector' }];
    const members = Object.fromEntries(files.slice(0, 5).map((f) => [`${f.record.id}.json`, f.bytes]));
    members['GHSA-jf85-cpcp-j695.json'] = Buffer.from(JSON.stringify(bad));
    const dbPath = dbCopy();
    const e = await errorOf(importLocations(dbPath, [writeIn(join(tmp.dir, `s${n}`), 'all.zip', buildZip(members))]));
    expect(e.code).toBe('IMPORT_INVALID_RECORD');
    expect(e.input).toMatch(/all\.zip!GHSA-jf85-cpcp-j695\.json$/);
    expect(e.message).toContain('GHSA-jf85-cpcp-j695');
    expect(e.message).toContain('/severity/0/score');
    expectIntact(dbPath);
  });

  it('in a directory, the failing file is named', async () => {
    const bad = lodash();
    delete (bad as { modified?: string }).modified;
    const dir = join(tmp.dir, `d${n}`);
    writeIn(dir, 'ok.json', files[0].bytes);
    writeIn(join(dir, 'sub'), 'bad.json', JSON.stringify(bad));
    const dbPath = dbCopy();
    const e = await errorOf(importLocations(dbPath, [dir]));
    expect(e.code).toBe('IMPORT_INVALID_RECORD');
    expect(e.input).toBe(join(dir, 'sub', 'bad.json'));
    expect(e.message).toMatch(/modified/);
    expectIntact(dbPath);
  });

  it('an unknown ecosystem is IMPORT_UNKNOWN_ECOSYSTEM; suffixed known ones pass', async () => {
    const dbPath = dbCopy();
    const bad = lodash();
    bad.affected![1].package!.ecosystem = 'Debain:12';
    const e = await errorOf(importLocations(dbPath, [writeIn(join(tmp.dir, `e${n}`), 'GHSA-jf85-cpcp-j695.json', JSON.stringify(bad))]));
    expect(e.code).toBe('IMPORT_UNKNOWN_ECOSYSTEM');
    expect(e.message).toContain('"Debain:12"');
    expectIntact(dbPath);
    const fine = lodash();
    fine.affected![1].package!.ecosystem = 'npm:https://registry.example';
    const other = join(tmp.dir, `e${n}-ok`, 'x.db');
    expect(await codeOf(importLocations(other, [writeIn(join(tmp.dir, `e${n}-ok`), 'ok.json', JSON.stringify(fine))]))).toBeUndefined();
  });

  it('invalid UTF-8 or broken JSON is IMPORT_INVALID_RECORD', async () => {
    const dbPath = dbCopy();
    const bytes = Buffer.from(files[0].bytes);
    bytes[bytes.indexOf('"id"') + 1] = 0xff;
    const dir = join(tmp.dir, `u${n}`);
    writeIn(dir, 'a.json', bytes);
    expect(await codeOf(importLocations(dbPath, [dir]))).toBe('IMPORT_INVALID_RECORD');
    const members = { 'a.json': '{"id": "GHSA-x", "modified": ' };
    expect(await codeOf(importLocations(dbPath, [writeIn(join(tmp.dir, `j${n}`), 'all.zip', buildZip(members))]))).toBe('IMPORT_INVALID_RECORD');
    expectIntact(dbPath);
  });

  it('a failure in the second of two sources imports neither', async () => {
    const dbPath = dbCopy();
    const okZip = writeIn(join(tmp.dir, `two${n}`), 'all.zip', buildZip({ 'a.json': files[0].bytes }));
    const bad = lodash();
    bad.affected![0].package!.ecosystem = 'nope';
    const badFile = writeIn(join(tmp.dir, `two${n}`), 'bad.json', JSON.stringify(bad));
    expect(await codeOf(importLocations(dbPath, [okZip, badFile]))).toBe('IMPORT_UNKNOWN_ECOSYSTEM');
    expectIntact(dbPath);
  });

  it('text that is no known source is IMPORT_UNKNOWN_FORMAT; a missing path too', async () => {
    const dbPath = dbCopy();
    expect(await codeOf(importLocations(dbPath, [writeIn(join(tmp.dir, `x${n}`), 'notes.txt', 'hello\n')]))).toBe('IMPORT_UNKNOWN_FORMAT');
    expect(await codeOf(importLocations(dbPath, [join(tmp.dir, 'no-such-file.zip')]))).toBe('IMPORT_UNKNOWN_FORMAT');
    expect(await codeOf(importLocations(dbPath, [writeIn(join(tmp.dir, `x${n}`), 'arr.json', '[1, 2]')]))).toBe('IMPORT_UNKNOWN_FORMAT');
    expectIntact(dbPath);
  });
});

describe('bad URLs', () => {
  let server: FileServer;
  beforeAll(async () => {
    server = await serveFiles(new Map([['/trunc/all.zip', buildZip({ 'a.json': files[0].bytes }).subarray(0, 40)]]));
  });
  afterAll(() => server?.close());

  it('a 404, a refused connection and a truncated download fail cleanly, with no download left', async () => {
    const dbPath = dbCopy();
    expect(await codeOf(importLocations(dbPath, [server.url('/missing/all.zip')]))).toBe('IMPORT_FETCH_FAILED');
    // A port nothing listens on: bind one, close it, then connect.
    const closed = await serveFiles(new Map());
    const url = closed.url('/npm/all.zip');
    await closed.close();
    expect(await codeOf(importLocations(dbPath, [url]))).toBe('IMPORT_FETCH_FAILED');
    expect(await codeOf(importLocations(dbPath, [server.url('/trunc/all.zip')]))).toBe('IMPORT_INVALID_ZIP');
    expectIntact(dbPath);
  });
});

describe('a stalled download', () => {
  it('is IMPORT_FETCH_FAILED after the idle timeout, with no download left', async () => {
    // A real server that sends headers and half a body, then goes quiet.
    const zip = buildZip({ 'a.json': files[0].bytes });
    const sockets = new Set<import('node:net').Socket>();
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Length': zip.length });
      res.write(zip.subarray(0, zip.length >> 1));
    });
    server.on('connection', (s) => sockets.add(s));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const dbPath = dbCopy();
      const t0 = Date.now();
      const e = await errorOf(importLocations(dbPath, [`http://127.0.0.1:${port}/npm/all.zip`], { fetch: { timeoutMs: 300 } }));
      expect(e.code).toBe('IMPORT_FETCH_FAILED');
      expect(e.message).toMatch(/stalled/);
      expect(Date.now() - t0).toBeLessThan(10_000);
      expectIntact(dbPath);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('bad database files', () => {
  it('a missing database is DB_NOT_FOUND with a hint to import', async () => {
    const e = await errorOf(() => VulnDb.open(join(tmp.dir, 'nothing-here.db')));
    expect(e.code).toBe('DB_NOT_FOUND');
    expect(e.message).toContain('portcullis db import');
  });

  it('a database with a newer schema_version is DB_SCHEMA_TOO_NEW, naming the file and both versions; imports leave it alone', async () => {
    const dbPath = dbCopy();
    const raw = new Sqlite(dbPath);
    raw.prepare("UPDATE meta SET value = '7' WHERE key = 'schema_version'").run();
    raw.close();
    const before = readFileSync(dbPath);
    const e = await errorOf(() => VulnDb.open(dbPath));
    expect(e.code).toBe('DB_SCHEMA_TOO_NEW');
    expect(e.input).toBe(dbPath);
    expect(e.message).toContain('schema 7');
    expect(e.message).toContain(`schema ${SCHEMA_VERSION}`);
    expect(await codeOf(importLocations(dbPath, [FIXTURES]))).toBe('DB_SCHEMA_TOO_NEW');
    expect(readFileSync(dbPath).equals(before)).toBe(true);
    expect(readdirSync(join(dbPath, '..'))).toEqual(['portcullis.db']);
  });

  it('a file that is not SQLite, an SQLite file that is not ours, and a damaged one are DB_CORRUPT', async () => {
    const text = writeIn(join(tmp.dir, `c${n}`), 'portcullis.db', 'this is not a database\n'.repeat(100));
    expect(await codeOf(() => VulnDb.open(text))).toBe('DB_CORRUPT');
    expect(await codeOf(importSources(text, [{ source: { name: 'x', location: 'x', kind: 'osv' }, records: [files[0].record] }]))).toBe('DB_CORRUPT');
    expect(readFileSync(text, 'utf8')).toBe('this is not a database\n'.repeat(100));

    const foreign = join(tmp.dir, `c${n}`, 'other.db');
    const raw = new Sqlite(foreign);
    raw.exec('CREATE TABLE t (x)');
    raw.close();
    expect(await codeOf(() => VulnDb.open(foreign))).toBe('DB_CORRUPT');

    // Overwrite the pages after the first with garbage: the header still says SQLite.
    const damaged = dbCopy();
    const bytes = readFileSync(damaged);
    for (let i = 4096; i < bytes.length; i++) bytes[i] = (i * 131) & 0xff;
    writeFileSync(damaged, bytes);
    const code = await codeOf(() => {
      const db = VulnDb.open(damaged);
      try {
        db.lookup('npm', 'lodash');
      } finally {
        db.close();
      }
    });
    expect(code).toBe('DB_CORRUPT');
    expect(existsSync(damaged)).toBe(true);
  });
});
