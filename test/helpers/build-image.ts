// Builds synthetic images from in-memory layers, for tests: layer blobs (tar, tar+gzip,
// tar+zstd), OCI image layouts and legacy `docker save` archives. Everything is
// deterministic (fixed mtimes, uid/gid 0, gzip mtime 0), so digests are stable across runs.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack as tarPack, type Header } from 'tar-stream';
import type { ImageConfig, Platform } from '../../src/oci/types.js';
import { sha256Digest } from '../../src/util/digest.js';

/** One tar entry. Whiteouts are plain files named `.wh.NAME` or `.wh..wh..opq`. */
export type Entry = {
  path: string;
  content?: string | Buffer;
  mode?: number;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink';
  linkname?: string;
};

export type Compression = 'gzip' | 'none' | 'zstd';

export interface BuiltLayer {
  /** The blob as stored (compressed unless `none`). */
  blob: Buffer;
  /** Digest of `blob`. */
  digest: string;
  /** Digest of the uncompressed tar. */
  diffId: string;
  mediaType: string;
  /** Size of `blob`. */
  size: number;
  /** The uncompressed tar (what `docker save` stores as layer.tar). */
  tar: Buffer;
}

export const FIXED_MTIME = new Date('2024-01-01T00:00:00Z');

const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar';
const MEDIA_TYPES: Record<Compression, string> = {
  none: OCI_LAYER,
  gzip: `${OCI_LAYER}+gzip`,
  zstd: `${OCI_LAYER}+zstd`,
};

/** Whether the `zstd` CLI is available (zstd layers need it). */
export function haveZstd(): boolean {
  return spawnSync('zstd', ['--version'], { stdio: 'ignore' }).status === 0;
}

function toHeader(e: Entry): Partial<Header> & { name: string } {
  const type = e.type ?? 'file';
  const base = { name: e.path, mtime: FIXED_MTIME, uid: 0, gid: 0, uname: 'root', gname: 'root' };
  switch (type) {
    case 'dir':
      return { ...base, type: 'directory', mode: e.mode ?? 0o755 };
    case 'symlink':
      return { ...base, type: 'symlink', mode: e.mode ?? 0o777, linkname: e.linkname ?? '' };
    case 'hardlink':
      return { ...base, type: 'link', mode: e.mode ?? 0o644, linkname: e.linkname ?? '' };
    default:
      return { ...base, type: 'file', mode: e.mode ?? 0o644 };
  }
}

/** An uncompressed tar of the entries, in the order given. */
export async function buildTar(entries: Entry[]): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const c of p) chunks.push(c as Buffer);
  })();
  for (const e of entries) {
    const h = toHeader(e);
    if (h.type === 'file') {
      const content = e.content === undefined ? Buffer.alloc(0) : typeof e.content === 'string' ? Buffer.from(e.content) : e.content;
      p.entry(h, content);
    } else {
      p.entry(h);
    }
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

/** Compresses a tar as a registry would store it. */
export function compress(tar: Buffer, compression: Compression): Buffer {
  if (compression === 'none') return tar;
  if (compression === 'gzip') return gzipSync(tar, { level: 6 });
  const r = spawnSync('zstd', ['-q', '-c', '-3', '--no-check'], { input: tar, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr?.toString() ?? r.error?.message}`);
  return r.stdout;
}

/** A layer blob from entries. `mediaType` overrides the OCI media type implied by the compression. */
export async function buildLayer(entries: Entry[], opts: { compression?: Compression; mediaType?: string } = {}): Promise<BuiltLayer> {
  const compression = opts.compression ?? 'gzip';
  const tar = await buildTar(entries);
  const blob = compress(tar, compression);
  return { blob, digest: sha256Digest(blob), diffId: sha256Digest(tar), mediaType: opts.mediaType ?? MEDIA_TYPES[compression], size: blob.length, tar };
}

export interface ImageOptions {
  layers: BuiltLayer[];
  /** Extra config fields, merged over the defaults (rootfs is always derived from the layers). */
  config?: Partial<ImageConfig>;
  platform?: Platform;
}

function buildConfig(opts: ImageOptions): Buffer {
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const cfg: ImageConfig = {
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    created: FIXED_MTIME.toISOString(),
    config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
    history: opts.layers.map((_, i) => ({ created: FIXED_MTIME.toISOString(), created_by: `layer ${i}` })),
    ...opts.config,
    rootfs: { type: 'layers', diff_ids: opts.layers.map((l) => l.diffId) },
  };
  return Buffer.from(JSON.stringify(cfg));
}

function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}

export interface WrittenImage {
  manifestDigest: string;
  configDigest: string;
  /** Raw manifest and config bytes, as written. */
  manifest: Buffer;
  config: Buffer;
}

/**
 * Writes an OCI image layout (oci-layout, index.json, blobs/sha256/*) into `dir`, which
 * is created if needed. `tag` becomes the `org.opencontainers.image.ref.name` annotation.
 */
export async function writeOciLayout(dir: string, opts: ImageOptions & { tag?: string }): Promise<WrittenImage> {
  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (data: Buffer): string => {
    const d = sha256Digest(data);
    writeFileSync(join(blobs, hexOf(d)), data);
    return d;
  };
  for (const l of opts.layers) put(l.blob);
  const config = buildConfig(opts);
  const configDigest = put(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
      layers: opts.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    }),
  );
  const manifestDigest = put(manifest);
  const platform = opts.platform ?? { os: 'linux', architecture: 'amd64' };
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: manifestDigest,
        size: manifest.length,
        platform,
        ...(opts.tag ? { annotations: { 'org.opencontainers.image.ref.name': opts.tag } } : {}),
      },
    ],
  };
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(join(dir, 'index.json'), JSON.stringify(index));
  return { manifestDigest, configDigest, manifest, config };
}

/**
 * Writes a legacy `docker save` tarball: manifest.json (Config, RepoTags, Layers as
 * `<hex>/layer.tar`, uncompressed), the config as `<hex>.json`, and `repositories`.
 * The layer directory is named after the layer's diffId hex (docker used v1 ids; readers
 * must not depend on the name). Returns the config digest and the manifest.json bytes.
 */
export async function writeDockerArchive(file: string, opts: ImageOptions & { repoTag?: string }): Promise<{ configDigest: string; manifestJson: Buffer; config: Buffer }> {
  const config = buildConfig(opts);
  const configDigest = sha256Digest(config);
  const configName = `${hexOf(configDigest)}.json`;
  const layerDirs = opts.layers.map((l) => hexOf(l.diffId));
  const manifestJson = Buffer.from(
    JSON.stringify([{ Config: configName, RepoTags: opts.repoTag ? [opts.repoTag] : null, Layers: layerDirs.map((d) => `${d}/layer.tar`) }]),
  );
  const entries: Entry[] = [];
  const seen = new Set<string>();
  opts.layers.forEach((l, i) => {
    const d = layerDirs[i];
    if (seen.has(d)) return; // the same layer twice in one image is stored once
    seen.add(d);
    entries.push({ path: `${d}/`, type: 'dir' });
    entries.push({ path: `${d}/VERSION`, content: '1.0' });
    entries.push({ path: `${d}/json`, content: JSON.stringify({ id: d, ...(i > 0 ? { parent: layerDirs[i - 1] } : {}) }) });
    entries.push({ path: `${d}/layer.tar`, content: l.tar });
  });
  entries.push({ path: configName, content: config });
  entries.push({ path: 'manifest.json', content: manifestJson });
  if (opts.repoTag) {
    const at = opts.repoTag.lastIndexOf(':');
    const repo = at > opts.repoTag.lastIndexOf('/') ? opts.repoTag.slice(0, at) : opts.repoTag;
    const tag = at > opts.repoTag.lastIndexOf('/') ? opts.repoTag.slice(at + 1) : 'latest';
    entries.push({ path: 'repositories', content: JSON.stringify({ [repo]: { [tag]: layerDirs[layerDirs.length - 1] ?? '' } }) });
  }
  writeFileSync(file, await buildTar(entries));
  return { configDigest, manifestJson, config };
}
