/**
 * Assemble small OCI images from directories on disk: the bundled Bookstore example and
 * test images are built this way (no Docker engine here). Output is deterministic: entries
 * sorted, owners root, mtimes fixed (SOURCE_DATE_EPOCH or 0), gzip level fixed.
 */
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync, rmSync, renameSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';
import { sha256Digest } from '../util/digest.js';
import type { Platform } from '../oci/types.js';

export interface BuiltLayer {
  /** gzip-compressed tar. */
  blob: Buffer;
  digest: string;
  diffId: string;
  size: number;
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip';
}

export interface LayerEntry {
  path: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  data?: Buffer;
  linkname?: string;
}

function mtime(): Date {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH ?? '0');
  return new Date((Number.isFinite(epoch) ? epoch : 0) * 1000);
}

/** Entries of a directory tree, sorted, paths relative (optionally under `prefix`). */
export function entriesFromDirectory(root: string, prefix = ''): LayerEntry[] {
  const out: LayerEntry[] = [];
  const walk = (rel: string) => {
    const names = readdirSync(join(root, rel)).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const abs = join(root, r);
      const st = lstatSync(abs);
      const path = prefix ? posix.join(prefix, r) : r;
      if (st.isSymbolicLink()) out.push({ path, type: 'symlink', mode: 0o777, linkname: readlinkSync(abs) });
      else if (st.isDirectory()) {
        out.push({ path, type: 'directory', mode: st.mode & 0o7777 });
        walk(r);
      } else if (st.isFile()) out.push({ path, type: 'file', mode: st.mode & 0o7777, data: readFileSync(abs) });
    }
  };
  walk('');
  return out;
}

/** Pack entries into a gzipped tar layer and compute its digests. */
export async function buildLayer(entries: LayerEntry[]): Promise<BuiltLayer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', resolve);
    p.on('error', reject);
  });
  const t = mtime();
  for (const e of entries) {
    const header = { name: e.path, mode: e.mode, mtime: t, uid: 0, gid: 0, uname: 'root', gname: 'root' };
    if (e.type === 'directory') p.entry({ ...header, type: 'directory' });
    else if (e.type === 'symlink') p.entry({ ...header, type: 'symlink', linkname: e.linkname ?? '' });
    else p.entry({ ...header, type: 'file' }, e.data ?? Buffer.alloc(0));
  }
  p.finalize();
  await done;
  const tar = Buffer.concat(chunks);
  const blob = gzipSync(tar, { level: 6 });
  return { blob, digest: sha256Digest(blob), diffId: sha256Digest(tar), size: blob.length, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
}

export interface ImageSpec {
  layers: BuiltLayer[];
  platform?: Platform;
  config?: { User?: string; Env?: string[]; Entrypoint?: string[]; Cmd?: string[]; WorkingDir?: string; Labels?: Record<string, string> };
  history?: string[];
}

export interface WrittenImage {
  manifestDigest: string;
  configDigest: string;
  manifest: Buffer;
  config: Buffer;
}

/**
 * Write (or add to) an OCI image layout at `dir`, tagging the manifest `tag` through the
 * `org.opencontainers.image.ref.name` annotation. The layout is replaced atomically
 * where it matters: index.json is written last, through a rename.
 */
export function writeOciLayout(dir: string, tag: string, spec: ImageSpec): WrittenImage {
  const platform = spec.platform ?? { os: 'linux', architecture: 'amd64' };
  const created = mtime().toISOString();
  const configObj = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: spec.config ?? {},
    rootfs: { type: 'layers', diff_ids: spec.layers.map((l) => l.diffId) },
    history: spec.layers.map((_, i) => ({ created, created_by: spec.history?.[i] ?? `portcullis assemble layer ${i}` })),
  };
  const config = Buffer.from(JSON.stringify(configObj));
  const configDigest = sha256Digest(config);
  const manifestObj = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length },
    layers: spec.layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
  };
  const manifest = Buffer.from(JSON.stringify(manifestObj));
  const manifestDigest = sha256Digest(manifest);

  const blobs = join(dir, 'blobs', 'sha256');
  mkdirSync(blobs, { recursive: true });
  const put = (digest: string, data: Buffer) => writeFileSync(join(blobs, digest.slice('sha256:'.length)), data);
  for (const l of spec.layers) put(l.digest, l.blob);
  put(configDigest, config);
  put(manifestDigest, manifest);
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));

  let index: { schemaVersion: number; mediaType?: string; manifests: Array<{ mediaType: string; digest: string; size: number; annotations?: Record<string, string>; platform?: Platform }> } = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [],
  };
  try {
    index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as typeof index;
  } catch {
    /* new layout */
  }
  index.manifests = index.manifests.filter((m) => m.annotations?.['org.opencontainers.image.ref.name'] !== tag);
  index.manifests.push({
    mediaType: manifestObj.mediaType,
    digest: manifestDigest,
    size: manifest.length,
    annotations: { 'org.opencontainers.image.ref.name': tag },
    platform,
  });
  const tmp = join(dir, 'index.json.tmp');
  writeFileSync(tmp, JSON.stringify(index));
  renameSync(tmp, join(dir, 'index.json'));
  return { manifestDigest, configDigest, manifest, config };
}

/** Remove a layout directory (examples rebuild from scratch). */
export function removeLayout(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}
