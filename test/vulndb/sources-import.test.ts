// Recognizing every kind of source, and importing the Debian tracker and Alpine secdb
// sources through the converters in src/vulndb/sources (their own tests are in
// test/vulndb/sources). The raw files are the published excerpts in
// test/fixtures/vulndb/sources (see its SOURCE.md).
import { copyFileSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VulnDb, detectSource, exportDb, importLocations, type SourceFormat } from '../../src/vulndb/index.js';
import { convertAlpineSecdb, convertDebianTrackerJson, convertDebianTrackerLists } from '../../src/vulndb/sources/index.js';
import { buildZip, codeOf, FIXTURES, tempDir } from './helpers.js';

const RAW = join(import.meta.dirname, '..', 'fixtures', 'vulndb', 'sources');
const raw = (p: string) => join(RAW, p);
let tmp: ReturnType<typeof tempDir>;

beforeAll(() => {
  tmp = tempDir();
});
afterAll(() => tmp?.cleanup());

describe('detectSource', () => {
  it('recognizes each format by content', async () => {
    const zip = join(tmp.dir, 'all.zip');
    writeFileSync(zip, buildZip({ 'a.json': readFileSync(join(FIXTURES, 'npm', 'GHSA-whgm-jr23-g3j9.json')) }));
    const db = join(tmp.dir, 'x.db');
    await importLocations(db, [zip]);
    const exported = join(tmp.dir, 'exported.bin');
    exportDb(db, exported);
    // The salsa checkout layout: data/{CVE,DSA}/list.
    const checkout = join(tmp.dir, 'security-tracker');
    mkdirSync(join(checkout, 'data', 'CVE'), { recursive: true });
    mkdirSync(join(checkout, 'data', 'DSA'), { recursive: true });
    copyFileSync(raw('debian-tracker-list/CVE-list-bookworm-excerpt'), join(checkout, 'data', 'CVE', 'list'));
    copyFileSync(raw('debian-tracker-list/DSA-list-bookworm-excerpt'), join(checkout, 'data', 'DSA', 'list'));

    const cases: Array<[string, SourceFormat]> = [
      [zip, 'osv-zip'],
      [FIXTURES, 'osv-dir'],
      [join(FIXTURES, 'PyPI', 'GHSA-9v2f-6vcg-3hgv.json'), 'osv-json'],
      [exported, 'vulndb'],
      [raw('debian-security-tracker-json/debian.json'), 'debian-tracker-json'],
      [raw('debian-tracker-list/CVE-list-bookworm-excerpt'), 'debian-tracker-list'],
      [raw('debian-tracker-list/DSA-list-excerpt'), 'debian-tracker-list'],
      [raw('debian-tracker-list/DLA-list-excerpt'), 'debian-tracker-list'],
      [checkout, 'debian-tracker-list'],
      [raw('alpine-secdb/v3.15-main.yaml'), 'alpine-secdb'],
      [raw('alpine-secdb/vuln-list-update-311-main.json'), 'alpine-secdb'],
    ];
    for (const [p, format] of cases) {
      const d = await detectSource(p);
      expect([p, d.format]).toEqual([p, format]);
      d.cleanup();
    }
    expect((await detectSource(raw('debian-tracker-list/DLA-list-excerpt'))).lists).toEqual({ dla: raw('debian-tracker-list/DLA-list-excerpt') });
    expect((await detectSource(checkout)).lists).toEqual({ cve: join(checkout, 'data', 'CVE', 'list'), dsa: join(checkout, 'data', 'DSA', 'list') });
    // vuln-list-debian's per-CVE JSON is another tool's format: not read.
    expect(await codeOf(detectSource(raw('vuln-list-debian/tracker/CVE/CVE-2023-4641.json')))).toBe('IMPORT_UNKNOWN_FORMAT');
  });
});

describe('importing converted sources', () => {
  const dbPath = () => join(tmp.dir, 'converted', 'portcullis.db');
  const inputs = [
    raw('debian-security-tracker-json/debian.json'),
    raw('debian-tracker-list/CVE-list-bookworm-excerpt'),
    raw('debian-tracker-list/DSA-list-bookworm-excerpt'),
    raw('alpine-secdb/v3.15-main.yaml'),
    raw('alpine-secdb/v3.15-community.yaml'),
    raw('alpine-secdb/vuln-list-update-311-main.json'),
  ];
  const mtime = (p: string) => statSync(p).mtime.toISOString();

  beforeAll(async () => {
    const res = await importLocations(dbPath(), inputs, { onWarning: () => undefined });
    expect(res.failed).toEqual([]);
  });

  it('stores exactly what each converter produces, one source per file (the tracker lists together)', () => {
    // The same conversions, run directly: with the file's mtime as `modified`, as the import does.
    const expected = new Map([
      ['alpine-secdb:v3.11/main', convertAlpineSecdb(JSON.parse(readFileSync(inputs[5], 'utf8')), { modified: mtime(inputs[5]) })],
      ['alpine-secdb:v3.15/community', convertAlpineSecdb(readFileSync(inputs[4], 'utf8'), { modified: mtime(inputs[4]) })],
      ['alpine-secdb:v3.15/main', convertAlpineSecdb(readFileSync(inputs[3], 'utf8'), { modified: mtime(inputs[3]) })],
      ['debian-tracker', convertDebianTrackerJson(JSON.parse(readFileSync(inputs[0], 'utf8')), { modified: mtime(inputs[0]) })],
      [
        'debian-tracker-list',
        convertDebianTrackerLists(
          { cve: readFileSync(inputs[1], 'utf8'), dsa: readFileSync(inputs[2], 'utf8') },
          { modified: [mtime(inputs[1]), mtime(inputs[2])].sort().pop() },
        ),
      ],
    ]);
    const db = VulnDb.open(dbPath());
    try {
      const sources = db.sources();
      expect(sources.map((s) => [s.name, s.kind, s.records])).toEqual(
        [...expected].map(([name, recs]) => [name, name.startsWith('alpine') ? 'alpine-secdb' : name === 'debian-tracker' ? 'debian-tracker-json' : 'debian-tracker-list', recs.length]),
      );
      expect(sources.find((s) => s.name === 'debian-tracker-list')?.location).toBe(`${inputs[1]}, ${inputs[2]}`);
      for (const [, recs] of expected) {
        expect(recs.length).toBeGreaterThan(0);
        for (const r of recs) expect(db.getRecord(r.id), r.id).toEqual(r);
      }
    } finally {
      db.close();
    }
  });

  it('answers Debian 12 lookups from the tracker data (glibc fixed by DSA-5673-1 in 2.36-9+deb12u6)', () => {
    const db = VulnDb.open(dbPath());
    try {
      const glibc = db.lookup('Debian:12', 'glibc');
      const dsa = glibc.find((m) => m.record.id === 'DSA-5673-1');
      expect(dsa?.source).toBe('debian-tracker-list');
      expect(dsa?.affected.ranges?.[0].events).toContainEqual({ fixed: '2.36-9+deb12u6' });
      expect(db.lookup('Alpine:v3.15', 'xz').map((m) => m.source)).toContain('alpine-secdb:v3.15/main');
    } finally {
      db.close();
    }
  });
});
