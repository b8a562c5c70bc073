// Test images made by the real tools: umoci builds OCI layouts (init, new, config,
// unpack → edit rootfs → repack), skopeo turns them into docker-archives. Not a test file.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';

const run = promisify(execFile);

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `portcullis-${prefix}-`));
}

export function sha256(data: Buffer | string): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export function blobFile(layout: string, digest: string): string {
  return join(layout, 'blobs', ...digest.split(':'));
}

export async function readJson<T = Record<string, unknown>>(path: string): Promise<T> {
  return JSON.parse(await readFile(path, 'utf8')) as T;
}

interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: { os: string; architecture: string; variant?: string };
}
export interface LayoutImage {
  manifestDigest: string;
  manifest: { config: Desc; layers: Desc[] };
  config: { architecture: string; os: string; rootfs: { diff_ids: string[] } };
}

/** The manifest and config umoci wrote for `tag` in `layout`, read straight from index.json and the blobs. */
export async function inspectLayout(layout: string, tag: string): Promise<LayoutImage> {
  const index = await readJson<{ manifests: Desc[] }>(join(layout, 'index.json'));
  const d = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === tag);
  if (!d) throw new Error(`no ${tag} in ${layout}`);
  const manifest = await readJson<LayoutImage['manifest']>(blobFile(layout, d.digest));
  const config = await readJson<LayoutImage['config']>(blobFile(layout, manifest.config.digest));
  return { manifestDigest: d.digest, manifest, config };
}

/**
 * Builds `layout:tag` with umoci: an empty image for `arch`, then one layer per entry of
 * `layers` (path → content), each made by unpacking, writing the files and repacking.
 */
export async function buildImage(layout: string, tag: string, layers: Array<Record<string, string>>, arch = 'amd64'): Promise<LayoutImage> {
  const work = await tempDir('umoci');
  try {
    await run('umoci', ['init', '--layout', layout]).catch(async (e: Error) => {
      // init refuses an existing layout; that is fine when adding a second image
      if (!(await readFile(join(layout, 'oci-layout')).catch(() => undefined))) throw e;
    });
    await run('umoci', ['new', '--image', `${layout}:${tag}`]);
    await run('umoci', ['config', '--image', `${layout}:${tag}`, '--os', 'linux', '--architecture', arch]);
    for (const [i, files] of layers.entries()) {
      const bundle = join(work, `bundle${i}`);
      await run('umoci', ['unpack', '--rootless', '--image', `${layout}:${tag}`, bundle]);
      for (const [path, content] of Object.entries(files)) {
        const target = join(bundle, 'rootfs', path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      }
      await run('umoci', ['repack', '--image', `${layout}:${tag}`, bundle]);
    }
    await run('umoci', ['gc', '--layout', layout]);
    return await inspectLayout(layout, tag);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** `skopeo copy oci:LAYOUT:TAG docker-archive:FILE:NAME` — the legacy-compatible layout skopeo writes. */
export async function toDockerArchive(layout: string, tag: string, file: string, name: string): Promise<void> {
  await run('skopeo', ['copy', '--quiet', '--insecure-policy', `oci:${layout}:${tag}`, `docker-archive:${file}:${name}`]);
}

/**
 * A docker-archive in Docker 25+'s layout (what `docker save` writes now: an OCI layout
 * whose manifest.json points at `blobs/sha256/<hex>`, layers uncompressed). Docker is not
 * available here, so this is assembled from skopeo's docker-archive: the same config and
 * uncompressed layer bytes, moved to blob paths, plus index.json and oci-layout, and tarred
 * with GNU tar.
 */
export async function toDocker25Archive(skopeoArchive: string, file: string): Promise<void> {
  const work = await tempDir('docker25');
  try {
    const src = join(work, 'src');
    const out = join(work, 'out');
    await mkdir(src);
    await run('tar', ['-xf', skopeoArchive, '-C', src]);
    const [entry] = await readJson<Array<{ Config: string; RepoTags: string[]; Layers: string[] }>>(join(src, 'manifest.json'));
    await mkdir(join(out, 'blobs', 'sha256'), { recursive: true });
    const place = async (member: string): Promise<Desc & { path: string }> => {
      const data = await readFile(join(src, member));
      const digest = sha256(data);
      await writeFile(blobFile(out, digest), data);
      return { mediaType: '', digest, size: data.length, path: `blobs/sha256/${digest.slice(7)}` };
    };
    const config = await place(entry.Config);
    const layers = [];
    for (const l of entry.Layers) layers.push(await place(l));
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: config.digest, size: config.size },
      layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: l.digest, size: l.size })),
    }));
    await writeFile(blobFile(out, sha256(manifest)), manifest);
    await writeFile(join(out, 'index.json'), JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, annotations: { 'io.containerd.image.name': entry.RepoTags[0] } }],
    }));
    await writeFile(join(out, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    await writeFile(join(out, 'manifest.json'), JSON.stringify([{ Config: config.path, RepoTags: entry.RepoTags, Layers: layers.map((l) => l.path) }]));
    await run('tar', ['-cf', file, '-C', out, 'blobs', 'index.json', 'manifest.json', 'oci-layout']);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * Adds to `layout` an image index over existing tags, one entry per tag with the
 * platform from its config, tagged `tag` in index.json. umoci cannot write indexes, so
 * this writes the index blob itself.
 */
export async function addIndex(layout: string, tag: string, tags: string[]): Promise<string> {
  const manifests = [];
  for (const t of tags) {
    const img = await inspectLayout(layout, t);
    const bytes = await readFile(blobFile(layout, img.manifestDigest));
    manifests.push({
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: img.manifestDigest,
      size: bytes.length,
      platform: { os: img.config.os, architecture: img.config.architecture },
    });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests }));
  const digest = sha256(index);
  await writeFile(blobFile(layout, digest), index);
  const top = await readJson<{ manifests: Desc[] }>(join(layout, 'index.json'));
  top.manifests.push({ mediaType: 'application/vnd.oci.image.index.v1+json', digest, size: index.length, annotations: { 'org.opencontainers.image.ref.name': tag } });
  await writeFile(join(layout, 'index.json'), JSON.stringify(top));
  return digest;
}

/** Reads a whole stream. */
export async function collect(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

/** The uncompressed tar of a layer blob (gzip or plain), for checking against diff_ids. */
export function uncompressed(blob: Buffer): Buffer {
  return blob[0] === 0x1f && blob[1] === 0x8b ? gunzipSync(blob) : blob;
}
