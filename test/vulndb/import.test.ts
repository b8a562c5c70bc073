// Importing the 51 real OSV records (test/fixtures/vulndb/osv, from osv-scanner, osv.dev,
// golang/vulndb, GitHub's advisory database…) as a directory, as a zip, and from a local
// HTTP URL, then checking every lookup against an index this test builds from the same
// files on its own.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VulnDb, importLocations, importSources, type OsvRecord } from '../../src/vulndb/index.js';
import { buildZip, FIXTURES, fixtureFiles, serveFiles, tempDir, type FileServer } from './helpers.js';

const files = fixtureFiles();
const NOW = new Date('2026-03-01T12:00:00.000Z');

/** PEP 503, written out here rather than imported, so the test does not trust the code under test. */
const pep503 = (n: string) => n.toLowerCase().replace(/[-_.]+/g, '-');

/** (ecosystem, name) → "id#affectedIndex" entries, straight from the fixture JSON. */
function expectedIndex(records: OsvRecord[]): Map<string, string[]> {
  const idx = new Map<string, string[]>();
  for (const r of records) {
    if (r.withdrawn) continue;
    (r.affected ?? []).forEach((a, i) => {
      if (!a.package) return;
      const eco = a.package.ecosystem;
      const name = eco.split(':')[0] === 'PyPI' ? pep503(a.package.name) : a.package.name;
      const key = `${eco}\u0000${name}`;
      idx.set(key, [...(idx.get(key) ?? []), `${r.id}#${i}`]);
    });
  }
  return idx;
}

function expectedLookup(idx: Map<string, string[]>, eco: string, name: string): string[] {
  const bare = eco.split(':')[0];
  const keyName = bare === 'PyPI' ? pep503(name) : name;
  const hits = [...(idx.get(`${eco}\u0000${keyName}`) ?? []), ...(bare !== eco ? (idx.get(`${bare}\u0000${keyName}`) ?? []) : [])];
  return hits.sort();
}

/** What the database answers, in the same "id#index" form (index found by matching the affected entry). */
function actualLookup(db: VulnDb, eco: string, name: string): string[] {
  const byId = new Map(files.map((f) => [f.record.id, f.record]));
  return db
    .lookup(eco, name)
    .map((m) => {
      const rec = byId.get(m.record.id);
      const i = rec?.affected?.findIndex((a) => JSON.stringify(a) === JSON.stringify(m.affected)) ?? -1;
      return `${m.record.id}#${i}`;
    })
    .sort();
}

let tmp: ReturnType<typeof tempDir>;
let server: FileServer;
let zipPath: string;
const index = expectedIndex(files.map((f) => f.record));

beforeAll(async () => {
  tmp = tempDir();
  // A flat zip of <ID>.json members, as OSV's all.zip exports are.
  const members: Record<string, Buffer> = {};
  for (const f of files) members[f.rel.split('/').pop() as string] = f.bytes;
  expect(Object.keys(members)).toHaveLength(files.length);
  mkdirSync(join(tmp.dir, 'fixtures'));
  zipPath = join(tmp.dir, 'fixtures', 'all.zip');
  writeFileSync(zipPath, buildZip(members));
  server = await serveFiles(new Map([['/mixed/all.zip', buildZip(members)]]));
});
afterAll(async () => {
  await server?.close();
  tmp?.cleanup();
});

describe('import the real OSV fixtures', () => {
  it('has the 51 records the reference notes describe', () => {
    expect(files).toHaveLength(51);
  });

  for (const how of ['directory', 'zip', 'url'] as const) {
    it(`as a ${how}: every (ecosystem, name) answers exactly the fixture entries`, async () => {
      const dbPath = join(tmp.dir, `${how}.db`);
      const progress: Array<[number, number | undefined]> = [];
      const location = how === 'directory' ? FIXTURES : how === 'zip' ? zipPath : server.url('/mixed/all.zip');
      const res = await importLocations(dbPath, [location], { now: NOW, onProgress: (d, t) => progress.push([d, t]) });
      expect(res.failed).toEqual([]);
      expect(res.imported).toHaveLength(1);
      const db = VulnDb.open(dbPath);
      try {
        expect(index.size).toBeGreaterThan(60);
        for (const key of index.keys()) {
          const [eco, name] = key.split('\u0000');
          expect(actualLookup(db, eco, name), key).toEqual(expectedLookup(index, eco, name));
        }
        // Every record reads back as published, affected entries and all.
        for (const f of files) expect(db.getRecord(f.record.id), f.rel).toEqual(f.record);
        const [src] = db.sources();
        const newest = files.map((f) => f.record.modified).sort((a, b) => Date.parse(a) - Date.parse(b)).pop();
        expect(src).toEqual({
          name: how === 'directory' ? 'osv:osv' : how === 'zip' ? 'osv:fixtures' : 'osv:mixed',
          location,
          kind: 'osv',
          records: 51,
          newestModified: newest,
          importedAt: NOW.toISOString(),
        });
      } finally {
        db.close();
      }
      expect(progress.at(-1)).toEqual([51, 51]);
      if (how === 'url') expect(server.hits.get('/mixed/all.zip')).toBe(1);
    });
  }
});

describe('lookups', () => {
  let db: VulnDb;
  beforeAll(async () => {
    const dbPath = join(tmp.dir, 'lookups.db');
    await importLocations(dbPath, [FIXTURES], { now: NOW });
    db = VulnDb.open(dbPath);
  });
  afterAll(() => db.close());

  it('PyPI names are matched PEP 503-normalized, and the record keeps its own spelling', () => {
    for (const q of ['gradio', 'Gradio', 'GRADIO']) {
      const hits = db.lookup('PyPI', q);
      expect(hits.map((h) => h.record.id)).toEqual(['GHSA-9v2f-6vcg-3hgv']);
      expect(hits[0].affected.package?.name).toBe('Gradio');
    }
  });

  it('a suffixed ecosystem also finds records of the bare ecosystem, not the reverse', () => {
    // DRUPAL-CORE-2025-005/2026-001 name plain `Packagist`; DRUPAL-CONTRIB-2025-083 the Drupal repository.
    const drupal = 'Packagist:https://packages.drupal.org/8';
    expect(db.lookup(drupal, 'drupal/core').map((h) => h.record.id)).toEqual(['DRUPAL-CORE-2025-005', 'DRUPAL-CORE-2026-001']);
    expect(db.lookup(drupal, 'drupal/simple_sitemap').map((h) => h.record.id)).toEqual(['DRUPAL-CONTRIB-2025-083']);
    expect(db.lookup('Packagist', 'drupal/simple_sitemap')).toEqual([]);
  });

  it('the ecosystem suffix is matched exactly', () => {
    expect(db.lookup('Debian:9', 'openssl').map((h) => h.record.id)).toEqual(['DLA-3008-1']);
    expect(db.lookup('Debian:12', 'openssl')).toEqual([]);
    expect(db.lookup('Alpine:v3.19', 'musl').map((h) => h.affected.package?.ecosystem)).toEqual(['Alpine:v3.19']);
    expect(db.lookup('Ubuntu:Pro:14.04:LTS', 'linux').map((h) => h.record.id)).toEqual(['UBUNTU-CVE-2025-38094']);
  });

  it('Maven group:artifact names as they are; two affected entries of one record are two matches', () => {
    const hits = db.lookup('Maven', 'org.apache.logging.log4j:log4j-core');
    expect(hits.map((h) => h.record.id)).toEqual(['GHSA-3pxv-7cmr-fjr4', 'GHSA-3pxv-7cmr-fjr4', 'GHSA-jfh8-c2jp-5v3q', 'GHSA-jfh8-c2jp-5v3q', 'GHSA-jfh8-c2jp-5v3q']);
    expect(hits.every((h) => h.source === 'osv:osv')).toBe(true);
    expect(hits[2].record.aliases).toContain('CVE-2021-44228');
  });

  it('aliases and upstream ids are indexed', () => {
    for (const cve of ['CVE-2021-44228', 'CVE-2023-32681', 'CVE-2022-1292']) {
      const expected = files.filter((f) => [...(f.record.aliases ?? []), ...(f.record.upstream ?? [])].includes(cve)).map((f) => f.record.id).sort();
      expect(expected.length).toBeGreaterThan(0);
      expect(db.idsForAlias(cve)).toEqual(expected);
    }
  });

  it('unknown packages and ids answer nothing', () => {
    expect(db.lookup('npm', 'no-such-package')).toEqual([]);
    expect(db.getRecord('GHSA-0000-0000-0000')).toBeUndefined();
  });
});

describe('re-importing', () => {
  const pick = (ids: string[]) => files.filter((f) => ids.includes(f.record.id));

  it('replaces the source\'s records and keeps the other sources', async () => {
    const dbPath = join(tmp.dir, 'reimport.db');
    await importLocations(dbPath, [zipPath, FIXTURES], { now: NOW });
    // The same source name (osv:osv) from another directory with three records.
    const smaller = join(tmp.dir, 'other', 'osv');
    mkdirSync(smaller, { recursive: true });
    for (const f of pick(['GHSA-jf85-cpcp-j695', 'GO-2020-0001', 'DLA-3008-1'])) writeFileSync(join(smaller, f.rel.split('/').pop() as string), f.bytes);
    const later = new Date(NOW.getTime() + 86_400_000);
    const [info] = (await importLocations(dbPath, [smaller], { now: later })).imported;
    expect(info).toMatchObject({ name: 'osv:osv', records: 3, location: smaller, importedAt: later.toISOString() });
    const db = VulnDb.open(dbPath);
    try {
      expect(db.sources().map((s) => [s.name, s.records, s.importedAt])).toEqual([
        ['osv:fixtures', 51, NOW.toISOString()],
        ['osv:osv', 3, later.toISOString()],
      ]);
      // lodash now comes from both sources; requests only from the untouched zip source.
      expect(db.lookup('npm', 'lodash').map((h) => h.source)).toEqual(['osv:fixtures', 'osv:osv']);
      expect(db.lookup('PyPI', 'requests').map((h) => h.source)).toEqual(['osv:fixtures', 'osv:fixtures']);
    } finally {
      db.close();
    }
  });

  it('skips withdrawn records, and of two records with one id keeps the newer', async () => {
    const dbPath = join(tmp.dir, 'withdrawn.db');
    const [gin] = pick(['GO-2020-0001']);
    const [minimist] = pick(['GHSA-xvch-5gv4-984h']);
    const withdrawn = { ...gin.record, withdrawn: '2024-01-01T00:00:00Z' };
    const older = { ...minimist.record, modified: '2001-01-01T00:00:00Z', summary: 'older copy' };
    const records = [withdrawn, minimist.record, older];
    const [info] = await importSources(dbPath, [{ source: { name: 'derived', location: 'memory', kind: 'osv' }, records }], { now: NOW });
    expect(info.records).toBe(1);
    const db = VulnDb.open(dbPath);
    try {
      expect(db.getRecord('GO-2020-0001')).toBeUndefined();
      expect(db.lookup('Go', 'github.com/gin-gonic/gin')).toEqual([]);
      expect(db.getRecord('GHSA-xvch-5gv4-984h')).toEqual(minimist.record);
    } finally {
      db.close();
    }
  });

  it('takes records from an async iterable', async () => {
    const dbPath = join(tmp.dir, 'async.db');
    async function* gen() {
      for (const f of files) yield f.record;
    }
    const [info] = await importSources(dbPath, [{ source: { name: 'async', location: 'memory', kind: 'osv' }, records: gen() }], { now: NOW });
    expect(info.records).toBe(51);
  });
});
