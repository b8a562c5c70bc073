// The database as one file and as an OCI artifact: export → import round trip, and
// push/pull through a real registry (Debian's docker-registry on 127.0.0.1).
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/oci/index.js';
import { SCHEMA_VERSION, VULNDB_ARTIFACT_TYPE, VULNDB_LAYER_TYPE, VulnDb, exportDb, importLocations, pullDb, pushDb } from '../../src/vulndb/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { codeOf, FIXTURES, fixtureFiles, tempDir } from './helpers.js';

const Sqlite = createRequire(import.meta.url)('better-sqlite3') as typeof Database;
const files = fixtureFiles();
let tmp: ReturnType<typeof tempDir>;
let source: string;

/** Everything a reader can see, to compare two databases. */
function snapshot(dbPath: string) {
  const db = VulnDb.open(dbPath);
  try {
    return {
      sources: db.sources(),
      records: files.map((f) => db.getRecord(f.record.id)),
      lookups: [['npm', 'lodash'], ['PyPI', 'gradio'], ['Packagist:https://packages.drupal.org/8', 'drupal/core'], ['Go', 'stdlib']].map(([e, n]) => db.lookup(e, n)),
    };
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  tmp = tempDir();
  source = join(tmp.dir, 'source', 'portcullis.db');
  await importLocations(source, [FIXTURES], { now: new Date('2026-02-01T00:00:00Z') });
});
afterAll(() => tmp?.cleanup());

describe('export and import of the whole database', () => {
  it('round-trips: an exported file imported elsewhere answers the same', async () => {
    const out = join(tmp.dir, 'out', 'exported.db');
    exportDb(source, out);
    expect(readFileSync(out).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\u0000');
    expect(readdirSync(join(tmp.dir, 'out'))).toEqual(['exported.db']);
    const target = join(tmp.dir, 'target', 'portcullis.db');
    const res = await importLocations(target, [out]);
    expect(res.replacedFrom).toBe(out);
    expect(snapshot(target)).toEqual(snapshot(source));
  });

  it('importing an export replaces the database, and sources given with it are imported on top', async () => {
    const out = join(tmp.dir, 'out2', 'exported.db');
    exportDb(source, out);
    const target = join(tmp.dir, 'target2', 'portcullis.db');
    // Start from an unrelated database: the export replaces it entirely.
    const one = join(tmp.dir, 'one');
    mkdirSync(one);
    writeFileSync(join(one, 'a.json'), files.find((f) => f.record.id === 'GO-2020-0001')!.bytes);
    await importLocations(target, [one]);
    const extra = join(tmp.dir, 'extra');
    mkdirSync(extra);
    writeFileSync(join(extra, 'b.json'), files.find((f) => f.record.id === 'GHSA-whgm-jr23-g3j9')!.bytes);
    await importLocations(target, [out, extra]);
    const db = VulnDb.open(target);
    try {
      expect(db.sources().map((s) => [s.name, s.records])).toEqual([['osv:extra', 1], ['osv:osv', 51]]);
    } finally {
      db.close();
    }
  });

  it('an export with a newer schema, or a damaged one, is refused and the database kept', async () => {
    const target = join(tmp.dir, 'target3', 'portcullis.db');
    await importLocations(target, [FIXTURES]);
    const newer = join(tmp.dir, 'newer.db');
    exportDb(source, newer);
    const raw = new Sqlite(newer);
    raw.prepare("UPDATE meta SET value = ? WHERE key = 'schema_version'").run(String(SCHEMA_VERSION + 1));
    raw.close();
    expect(await codeOf(importLocations(target, [newer]))).toBe('DB_SCHEMA_TOO_NEW');
    const damaged = join(tmp.dir, 'damaged.db');
    exportDb(source, damaged);
    const bytes = readFileSync(damaged);
    for (let i = 8192; i < bytes.length; i += 3) bytes[i] ^= 0x5a;
    writeFileSync(damaged, bytes);
    expect(await codeOf(importLocations(target, [damaged]))).toBe('DB_CORRUPT');
    expect(snapshot(target).sources.map((s) => s.name)).toEqual(['osv:osv']);
    expect(readdirSync(join(tmp.dir, 'target3'))).toEqual(['portcullis.db']);
  });
});

describe('push and pull as an OCI artifact', () => {
  let registry: TestRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.stop());

  it('pushes a manifest of our artifact type and pulls back the same database', async () => {
    const ref = `${registry.host}/security/vulndb:v1`;
    const now = new Date('2026-02-02T00:00:00Z');
    const pushed = await pushDb(source, ref, { plainHttp: true, now });
    expect(pushed.reference).toBe(`${ref}@${pushed.digest}`);

    // Read what the registry stored, independently of pullDb.
    const client = new RegistryClient(registry.host, { plainHttp: true });
    const m = await client.getManifest('security/vulndb', 'v1');
    expect(m.digest).toBe(pushed.digest);
    const manifest = JSON.parse(m.body.toString('utf8'));
    expect(manifest).toMatchObject({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      artifactType: VULNDB_ARTIFACT_TYPE,
      config: { mediaType: 'application/vnd.oci.empty.v1+json', size: 2 },
      annotations: { 'org.opencontainers.image.created': now.toISOString(), 'dev.portcullis.vulndb.schema-version': String(SCHEMA_VERSION) },
    });
    expect(manifest.layers).toHaveLength(1);
    expect(manifest.layers[0].mediaType).toBe(VULNDB_LAYER_TYPE);
    expect((await client.getBlob('security/vulndb', manifest.config.digest)).toString()).toBe('{}');
    const layer = await client.getBlob('security/vulndb', manifest.layers[0].digest, manifest.layers[0].size, 1 << 30);
    expect(gunzipSync(layer).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\u0000');

    const target = join(tmp.dir, 'pulled', 'portcullis.db');
    const pulled = await pullDb(ref, target, { plainHttp: true });
    expect(pulled.digest).toBe(pushed.digest);
    expect(snapshot(target)).toEqual(snapshot(source));
    expect(readdirSync(join(tmp.dir, 'pulled'))).toEqual(['portcullis.db']);
    // By digest too, replacing the database just pulled.
    await pullDb(pushed.reference, target, { plainHttp: true });
    expect(statSync(target).size).toBeGreaterThan(0);
  });

  it('refuses an image that is not our artifact, and a missing tag, keeping the database', async () => {
    const target = join(tmp.dir, 'pulled2', 'portcullis.db');
    await importLocations(target, [FIXTURES]);
    const client = new RegistryClient(registry.host, { plainHttp: true });
    const cfg = await client.putBlob('other/image', Buffer.from('{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'));
    const manifest = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...cfg }, layers: [] };
    await client.putManifest('other/image', 'v1', Buffer.from(JSON.stringify(manifest)), 'application/vnd.oci.image.manifest.v1+json');
    expect(await codeOf(pullDb(`${registry.host}/other/image:v1`, target, { plainHttp: true }))).toBe('IMPORT_UNKNOWN_FORMAT');
    await expect(pullDb(`${registry.host}/security/vulndb:nope`, target, { plainHttp: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(snapshot(target).sources.map((s) => s.records)).toEqual([51]);
    expect(readdirSync(join(tmp.dir, 'pulled2'))).toEqual(['portcullis.db']);
  });
});
