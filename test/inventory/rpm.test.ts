import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseSourceRpm, rpmCataloger } from '../../src/inventory/catalogers/rpm.js';
import { RPMTAG, RpmHeader, RpmHeaderError } from '../../src/inventory/catalogers/rpm-header.js';
import { readBdbHashValues } from '../../src/inventory/catalogers/rpm-bdb.js';
import { normalizeLicenses } from '../../src/inventory/license.js';
import { packageId, parsePurl } from '../../src/inventory/purl.js';
import type { OsInfo, Package } from '../../src/inventory/types.js';
import { runCataloger } from '../helpers/catalog.js';

const FIX = fileURLToPath(new URL('../fixtures/inventory/rpm/', import.meta.url));
const sqlite = readFileSync(FIX + 'rpmdb.sqlite');
const bdb = readFileSync(FIX + 'Packages.bdb');
const SQLITE_PATH = 'var/lib/rpm/rpmdb.sqlite';
const BDB_PATH = 'var/lib/rpm/Packages';
const RHEL: OsInfo = { id: 'rhel', versionId: '9.4' };

/** Rows of a TSV captured from rpm at fixture generation time. */
const tsv = (name: string) =>
  readFileSync(FIX + name, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split('\t'));
const qa = tsv('rpm-qa.tsv').filter((r) => r[0] !== 'gpg-pubkey');

/** The header blobs of the fixture database, as rows (hnum, blob). */
function fixtureBlobs(): Array<{ hnum: number; blob: Buffer }> {
  const copy = Buffer.from(sqlite);
  copy[18] = copy[19] = 1; // rpm left it in WAL mode; deserialize needs rollback mode
  const db = new Database(copy, { readonly: true });
  try {
    return db.prepare('SELECT hnum, blob FROM Packages ORDER BY hnum').all() as Array<{ hnum: number; blob: Buffer }>;
  } finally {
    db.close();
  }
}

/** An rpmdb.sqlite image holding the given blobs, in rpm's schema. */
function sqliteWith(blobs: Buffer[]): Buffer {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)');
  const ins = db.prepare('INSERT INTO Packages (blob) VALUES (?)');
  for (const b of blobs) ins.run(b);
  const out = db.serialize();
  db.close();
  return out;
}

function checkAgainstRpm(packages: Package[], path: string): void {
  expect(packages.map((p) => p.name)).toEqual(qa.map((r) => r[0]).sort());
  for (const [name, epoch, version, release, arch, license, srpm, vendor, size] of qa) {
    const p = packages.find((x) => x.name === name)!;
    expect(p.version, name).toBe(`${epoch === '(none)' ? '' : epoch + ':'}${version}-${release}`);
    expect(p.arch).toBe(arch);
    expect(p.licenses).toEqual(normalizeLicenses([license]));
    expect(p.source).toEqual(parseSourceRpm(srpm));
    expect(p.metadata).toEqual({ release, vendor, size, ...(epoch === '(none)' ? {} : { epoch }) });
    expect(p.locations).toEqual([{ path }]);
    expect(p.id).toBe(packageId(p.purl, path));
    expect(p.foundBy).toBe('rpm');
  }
}

describe('rpm cataloger on a real rpmdb.sqlite', () => {
  const { packages, warnings } = runCataloger(rpmCataloger, { [SQLITE_PATH]: sqlite }, RHEL);
  const byName = new Map(packages.map((p) => [p.name, p]));

  it('lists what rpm -qa lists, without the gpg-pubkey pseudo package', () => {
    expect(tsv('rpm-qa.tsv').some((r) => r[0] === 'gpg-pubkey')).toBe(true);
    checkAgainstRpm(packages, SQLITE_PATH);
    expect(warnings).toEqual([]);
  });

  it('builds purls as syft does: redhat namespace, version-release, epoch and upstream qualifiers', () => {
    const lib = byName.get('portcullis-lib')!;
    const [, epoch, version, release, arch, , srpm] = qa.find((r) => r[0] === 'portcullis-lib')!;
    expect(parsePurl(lib.purl)).toEqual({
      type: 'rpm',
      namespace: 'redhat',
      name: 'portcullis-lib',
      version: `${version}-${release}`,
      qualifiers: { arch, epoch, distro: 'rhel-9.4', upstream: srpm },
      subpath: undefined,
    });
    expect(lib.purl).toBe(`pkg:rpm/redhat/portcullis-lib@${version}-${release}?arch=${arch}&distro=rhel-9.4&epoch=${epoch}&upstream=${srpm}`);
    expect(parsePurl(byName.get('portcullis-hello')!.purl).qualifiers?.epoch).toBeUndefined();
    const fedora = runCataloger(rpmCataloger, { [SQLITE_PATH]: sqlite }, { id: 'fedora', versionId: '40' }).packages[0];
    expect(parsePurl(fedora.purl)).toMatchObject({ namespace: 'fedora', qualifiers: { distro: 'fedora-40' } });
    const noOs = runCataloger(rpmCataloger, { [SQLITE_PATH]: sqlite }).packages[0];
    expect(parsePurl(noOs.purl).namespace).toBeUndefined();
  });

  it('lists installed files as rpm -ql does', () => {
    const ql = tsv('rpm-ql.tsv');
    for (const p of packages) {
      expect(p.files).toEqual(ql.filter((r) => r[0] === p.name).map((r) => r[1].slice(1)).sort());
    }
  });

  it('resolves Requires through Provides and owned files, as rpm reports them', () => {
    const provides = tsv('rpm-provides.tsv');
    const owns = tsv('rpm-ql.tsv');
    for (const p of packages) {
      const expected = new Set<string>();
      for (const [, req] of tsv('rpm-requires.tsv').filter((r) => r[0] === p.name)) {
        const hit = provides.find((r) => r[1] === req)?.[0] ?? owns.find((r) => r[1] === req)?.[0];
        if (hit && hit !== p.name) expected.add(byName.get(hit)!.id);
      }
      expect(p.dependsOn ?? [], p.name).toEqual([...expected].sort());
    }
    expect(byName.get('portcullis-hello')!.dependsOn).toEqual([byName.get('portcullis-lib')!.id]);
  });

  it('reads usr/lib/sysimage/rpm/rpmdb.sqlite too, and leaves its input untouched', () => {
    const before = Buffer.from(sqlite);
    const { packages: p2 } = runCataloger(rpmCataloger, { 'usr/lib/sysimage/rpm/rpmdb.sqlite': sqlite }, RHEL);
    expect(p2.map((p) => p.name)).toEqual(packages.map((p) => p.name));
    expect(sqlite.equals(before)).toBe(true);
  });
});

describe('rpm cataloger on a BerkeleyDB Packages file', () => {
  it('lists what rpm -qa lists, like the sqlite database', () => {
    const { packages, warnings } = runCataloger(rpmCataloger, { [BDB_PATH]: bdb }, RHEL);
    checkAgainstRpm(packages, BDB_PATH);
    expect(warnings).toEqual([]);
    const fromSqlite = runCataloger(rpmCataloger, { [SQLITE_PATH]: sqlite }, RHEL).packages;
    expect(packages.map((p) => p.purl)).toEqual(fromSqlite.map((p) => p.purl));
  });

  it('holds the same header blobs as the sqlite database', () => {
    const values = readBdbHashValues(bdb, () => {});
    expect(values.map((v) => v.toString('hex')).sort()).toEqual(fixtureBlobs().map((r) => r.blob.toString('hex')).sort());
  });

  it('reports a truncated or corrupt file instead of crashing', () => {
    const truncated = runCataloger(rpmCataloger, { [BDB_PATH]: bdb.subarray(0, 300) }, RHEL);
    expect(truncated.packages).toEqual([]);
    expect(truncated.warnings).toHaveLength(1);
    // Cut inside the overflow pages: the values there are lost, with warnings.
    const cut = runCataloger(rpmCataloger, { [BDB_PATH]: bdb.subarray(0, bdb.length - 4096) }, RHEL);
    expect(cut.warnings.length).toBeGreaterThan(0);
    // Overflow pages pointing at themselves, with values claiming to be longer: no loop.
    const loop = Buffer.from(bdb);
    for (let pg = 1; pg * 4096 < loop.length; pg++) {
      const at = pg * 4096;
      if (loop[at + 25] === 7) loop.writeUInt32LE(pg, at + 16);
      if (loop[at + 25] !== 13) continue;
      for (let i = 0; i < loop.readUInt16LE(at + 20); i++) {
        const off = at + loop.readUInt16LE(at + 26 + 2 * i);
        if (loop[off] === 3) loop.writeUInt32LE(100_000, off + 8);
      }
    }
    const looped = runCataloger(rpmCataloger, { [BDB_PATH]: loop }, RHEL);
    expect(looped.packages).toEqual([]);
    expect(looped.warnings.length).toBeGreaterThan(0);
    expect(runCataloger(rpmCataloger, { [BDB_PATH]: Buffer.alloc(8192, 0x5a) }, RHEL).warnings).toHaveLength(1);
  });
});

describe('rpm cataloger on bad input', () => {
  const rows = fixtureBlobs();
  const good = rows.map((r) => r.blob);
  const lib = good.find((b) => new RpmHeader(b).string(RPMTAG.NAME) === 'portcullis-lib')!;

  it('reports a truncated or non-sqlite database with a warning', () => {
    for (const data of [sqlite.subarray(0, 4096), Buffer.from('not a database at all'), Buffer.alloc(0)]) {
      const { packages, warnings } = runCataloger(rpmCataloger, { [SQLITE_PATH]: data }, RHEL);
      expect(packages).toEqual([]);
      expect(warnings).toHaveLength(1);
      expect(warnings[0].startsWith(SQLITE_PATH + ': ')).toBe(true);
    }
  });

  it('skips corrupt header blobs with a warning and keeps the good ones', () => {
    const il = lib.readUInt32BE(0);
    const dl = lib.readUInt32BE(4);
    const hugeIl = Buffer.from(lib);
    hugeIl.writeUInt32BE(0xffffffff, 0);
    const badOffset = Buffer.from(lib);
    badOffset.writeInt32BE(dl + 10, 8 + 16 + 8); // second index entry's offset
    const noNul = Buffer.from(lib);
    noNul.fill(0x41, 8 + il * 16); // no string terminators left in the data store
    const badType = Buffer.from(lib);
    badType.writeUInt32BE(77, 8 + 16 + 4);
    const corrupt = [lib.subarray(0, 100), hugeIl, badOffset, noNul, badType, Buffer.from([0, 0, 0, 1])];
    const db = sqliteWith([...corrupt, ...good]);
    const { packages, warnings } = runCataloger(rpmCataloger, { [SQLITE_PATH]: db }, RHEL);
    expect(packages.map((p) => p.name)).toEqual(qa.map((r) => r[0]).sort());
    expect(warnings).toHaveLength(corrupt.length);
    for (const w of warnings) expect(w).toMatch(/^var\/lib\/rpm\/rpmdb\.sqlite: package header \d+ skipped: /);
  });

  it('bounds-checks every header access', () => {
    expect(() => new RpmHeader(Buffer.alloc(4))).toThrow(RpmHeaderError);
    const h = new RpmHeader(lib);
    expect(h.string(RPMTAG.NAME)).toBe('portcullis-lib');
    expect(() => h.ints(RPMTAG.NAME)).toThrow(RpmHeaderError);
    expect(() => h.strings(RPMTAG.EPOCH)).toThrow(RpmHeaderError);
    expect(h.string(99999)).toBeUndefined();
  });

  it('wants only rpm databases', () => {
    const w = (path: string) => rpmCataloger.want({ path, size: 1, mode: 0o644 });
    for (const p of [SQLITE_PATH, 'usr/lib/sysimage/rpm/rpmdb.sqlite', BDB_PATH]) expect(w(p)).toBeTruthy();
    for (const p of ['var/lib/rpm/Name', 'var/lib/rpm/rpmdb.sqlite-wal', 'rpmdb.sqlite']) expect(w(p)).toBeFalsy();
    expect(rpmCataloger.scopes).toEqual(['image']);
  });

  it('parses source rpm names', () => {
    expect(parseSourceRpm('bash-5.1.8-6.el9.src.rpm')).toEqual({ name: 'bash', version: '5.1.8-6.el9' });
    expect(parseSourceRpm('perl-Foo-Bar-1.0-1.nosrc.rpm')).toEqual({ name: 'perl-Foo-Bar', version: '1.0-1' });
    expect(parseSourceRpm('garbage')).toBeUndefined();
  });
});
