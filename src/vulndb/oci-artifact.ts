// The database as an OCI artifact, so a cluster or CI without internet can pull it from
// its own registry: an OCI 1.1 image manifest with our artifactType, the empty config,
// and one layer, the gzip-compressed SQLite file (an `exportDb` copy: compacted).
import { createReadStream, createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, createGunzip } from 'node:zlib';
import { formatReference, parseReference, RegistryClient, type OpenOptions } from '../oci/index.js';
import { VulnDb } from './db.js';
import { tempPathFor } from './files.js';
import { SCHEMA_VERSION } from './sqlite.js';
import { adoptTempFile, exportDb } from './transport.js';
import { VulnDbError } from './types.js';

export const VULNDB_ARTIFACT_TYPE = 'application/vnd.portcullis.vulndb.v1';
export const VULNDB_LAYER_TYPE = 'application/vnd.portcullis.vulndb.layer.v1.sqlite+gzip';
export const ANNOTATION_SCHEMA = 'dev.portcullis.vulndb.schema-version';
export const ANNOTATION_SOURCES = 'dev.portcullis.vulndb.sources';
const ANNOTATION_CREATED = 'org.opencontainers.image.created';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const EMPTY_CONFIG = { mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 };
const DEFAULT_MAX_PULL_BYTES = 32 * 1024 ** 3;

export interface PushOptions extends OpenOptions {
  /** The `created` annotation (default now). */
  now?: Date;
}

export interface PullOptions extends OpenOptions {
  /** Cap on the inflated database size (default 32 GiB). */
  maxBytes?: number;
}

async function gzipFile(path: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  const src = createReadStream(path);
  const gz = createGzip({ level: 6 });
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  for await (const c of gz as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** Pushes the database at `dbPath` to `ref` (tag defaults to latest); returns the manifest digest and the full reference. */
export async function pushDb(dbPath: string, ref: string, opts: PushOptions = {}): Promise<{ digest: string; reference: string }> {
  const r = parseReference(ref);
  const db = VulnDb.open(dbPath);
  const sources = db.sources().map((s) => s.name);
  db.close();
  const tmp = tempPathFor(dbPath, 'export');
  let layer: Buffer;
  try {
    exportDb(dbPath, tmp);
    layer = await gzipFile(tmp);
  } finally {
    rmSync(tmp, { force: true });
  }
  const client = new RegistryClient(r.registry, opts);
  await client.putBlob(r.repository, Buffer.from('{}'));
  const blob = await client.putBlob(r.repository, layer);
  const manifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    artifactType: VULNDB_ARTIFACT_TYPE,
    config: EMPTY_CONFIG,
    layers: [{ mediaType: VULNDB_LAYER_TYPE, digest: blob.digest, size: blob.size, annotations: { 'org.opencontainers.image.title': 'portcullis.db' } }],
    annotations: {
      [ANNOTATION_CREATED]: (opts.now ?? new Date()).toISOString(),
      [ANNOTATION_SCHEMA]: String(SCHEMA_VERSION),
      [ANNOTATION_SOURCES]: sources.join(','),
    },
  };
  const digest = await client.putManifest(r.repository, r.digest ?? r.tag ?? 'latest', Buffer.from(JSON.stringify(manifest)), OCI_MANIFEST);
  return { digest, reference: formatReference({ ...r, digest }) };
}

interface PulledManifest {
  artifactType?: unknown;
  config?: { mediaType?: unknown };
  layers?: Array<{ mediaType?: unknown; digest?: unknown; size?: unknown }>;
  annotations?: Record<string, unknown>;
}

/**
 * Pulls a database artifact from `ref` and replaces the database at `dbPath` with it,
 * atomically, after checking it (digests by the registry client; schema and integrity here).
 */
export async function pullDb(ref: string, dbPath: string, opts: PullOptions = {}): Promise<{ digest: string }> {
  const r = parseReference(ref);
  const label = formatReference(r);
  const client = new RegistryClient(r.registry, opts);
  const m = await client.getManifest(r.repository, r.digest ?? r.tag ?? 'latest');
  let doc: PulledManifest;
  try {
    doc = JSON.parse(m.body.toString('utf8')) as PulledManifest;
  } catch (e) {
    throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', `manifest is not JSON: ${(e as Error).message}`, { input: label, cause: e });
  }
  if (doc.artifactType !== VULNDB_ARTIFACT_TYPE) {
    throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', `is not a portcullis database artifact (artifactType ${JSON.stringify(doc.artifactType ?? null)}, want ${VULNDB_ARTIFACT_TYPE})`, { input: label });
  }
  const schema = Number(doc.annotations?.[ANNOTATION_SCHEMA]);
  if (Number.isSafeInteger(schema) && schema > SCHEMA_VERSION) {
    throw new VulnDbError('DB_SCHEMA_TOO_NEW', `holds database schema ${schema}; this portcullis reads schema ${SCHEMA_VERSION}: upgrade portcullis`, { input: label });
  }
  const layer = (doc.layers ?? []).find((l) => l.mediaType === VULNDB_LAYER_TYPE);
  if (!layer || typeof layer.digest !== 'string') {
    throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', `has no ${VULNDB_LAYER_TYPE} layer`, { input: label });
  }
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_PULL_BYTES;
  const size = typeof layer.size === 'number' ? layer.size : -1;
  mkdirSync(dirname(dbPath), { recursive: true });
  const tmp = tempPathFor(dbPath, 'pull');
  try {
    const blob = await client.openBlob(r.repository, layer.digest, size);
    let inflated = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        inflated += chunk.length;
        if (inflated > maxBytes) cb(new VulnDbError('IMPORT_TOO_LARGE', `database layer inflates to more than ${maxBytes} bytes`, { input: label }));
        else cb(null, chunk);
      },
    });
    try {
      await pipeline(blob, createGunzip(), cap, createWriteStream(tmp, { flags: 'wx' }));
    } catch (e) {
      if (e instanceof VulnDbError || (e as { code?: unknown }).code === 'DIGEST_MISMATCH' || (e as Error).name === 'OciError') throw e;
      throw new VulnDbError('IMPORT_INVALID_ZIP', `database layer ${layer.digest} is not valid gzip: ${(e as Error).message}`, { input: label, cause: e });
    }
    adoptTempFile(dbPath, tmp, label);
  } finally {
    rmSync(tmp, { force: true });
  }
  return { digest: m.digest };
}
