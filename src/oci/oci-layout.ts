// `oci:DIR[:TAG]` — an OCI image layout directory. TAG is matched against the
// `org.opencontainers.image.ref.name` annotation in index.json; without a TAG the
// layout must hold one image (or be one multi-platform image). Nested indexes are
// followed, choosing the platform at each level. Every blob read is checked against its
// descriptor's digest and size.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import type { Readable } from 'node:stream';
import { checkLayerIndex, readOpenOptions } from './common.js';
import { checkConfigType, parseConfig, parseJson, parseManifest, platformOf, toLayerInfos, type ImageIndex, type ImageManifest } from './manifest.js';
import { MediaTypes } from './media-types.js';
import { hostPlatform, selectPlatform } from './platform.js';
import { digestProblem, parseReference } from './reference.js';
import { OciError, type Descriptor, type ImageRef, type ImageSource, type LayerInfo, type OpenOptions, type Platform } from './types.js';
import { verifiedStream, verifyBuffer } from './verify.js';

const REF_NAME = 'org.opencontainers.image.ref.name';
const CONTAINERD_NAME = 'io.containerd.image.name';
const MAX_NESTING = 4;

function layoutError(dir: string, reason: string): OciError {
  return new OciError('INVALID_LAYOUT', reason, { input: dir });
}

/** Path of a blob in the layout; the digest is validated first, so it cannot escape `dir`. */
export function blobPath(dir: string, digest: string): string {
  const problem = digestProblem(digest);
  if (problem) throw layoutError(dir, problem);
  const [algorithm, hex] = digest.split(':');
  return join(dir, 'blobs', algorithm, hex);
}

async function readBlob(dir: string, d: Descriptor, max: number, what: string): Promise<Buffer> {
  if (d.size > max) throw new OciError('TOO_LARGE', `${what} ${d.digest} is ${d.size} bytes, over the ${max}-byte limit`, { input: dir });
  const path = blobPath(dir, d.digest);
  const st = await stat(path).catch(() => undefined);
  if (!st?.isFile()) throw layoutError(dir, `${what} blob ${d.digest} is missing from the layout`);
  if (st.size > max) throw new OciError('TOO_LARGE', `${what} ${d.digest} is ${st.size} bytes, over the ${max}-byte limit`, { input: dir });
  const data = await readFile(path);
  verifyBuffer(data, d.digest, d.size, `${dir}:${d.digest}`);
  return data;
}

function tagsOf(index: ImageIndex): string[] {
  return [...new Set(index.manifests.map((m) => m.annotations?.[REF_NAME]).filter((t): t is string => t !== undefined))].sort();
}

/** Picks the top-level descriptor for TAG, or the layout's only image. */
function chooseTop(index: ImageIndex, tag: string | undefined, platform: Platform, dir: string): Descriptor {
  const candidates = tag === undefined ? index.manifests : index.manifests.filter((m) => m.annotations?.[REF_NAME] === tag);
  if (candidates.length === 0) {
    if (tag === undefined) throw layoutError(dir, 'index.json lists no manifests');
    const tags = tagsOf(index);
    throw new OciError('NOT_FOUND', `no image tagged ${JSON.stringify(tag)} in the layout (tags: ${tags.length ? tags.join(', ') : 'none'})`, { input: dir });
  }
  if (candidates.length === 1) return candidates[0];
  // Several entries, each for a platform: index.json itself is a multi-platform image.
  if (candidates.every((m) => m.platform)) return selectPlatform(candidates, platform, dir);
  const tags = tagsOf(index);
  throw new OciError('INVALID_REFERENCE', `layout holds ${candidates.length} images; name one as oci:DIR:TAG (tags: ${tags.join(', ') || 'none'})`, { input: dir });
}

function refFrom(d: Descriptor): ImageRef | undefined {
  // A ref.name is often a bare tag ("v1"); only a full name says which repository this is.
  for (const name of [d.annotations?.[CONTAINERD_NAME], d.annotations?.[REF_NAME]]) {
    if (!name || !name.includes('/')) continue;
    try {
      return parseReference(name);
    } catch {
      // not a reference; try the next annotation
    }
  }
  return undefined;
}

export async function openOciLayout(dir: string, tag: string | undefined, opts: OpenOptions = {}): Promise<ImageSource> {
  const abs = resolvePath(dir);
  const { maxManifestBytes } = readOpenOptions(opts);
  const platform = opts.platform ?? hostPlatform();
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new OciError('NOT_FOUND', 'OCI layout directory does not exist', { input: abs });
  if (!st.isDirectory()) throw layoutError(abs, 'OCI layout is not a directory');

  const layoutFile = await readFile(join(abs, 'oci-layout')).catch(() => undefined);
  if (!layoutFile) throw layoutError(abs, 'no oci-layout file (not an OCI image layout)');
  const layoutDoc = parseJson(layoutFile, 'oci-layout', abs) as { imageLayoutVersion?: unknown } | null;
  if (typeof layoutDoc?.imageLayoutVersion !== 'string') throw layoutError(abs, 'oci-layout has no imageLayoutVersion');

  const indexPath = join(abs, 'index.json');
  const indexStat = await stat(indexPath).catch(() => undefined);
  if (!indexStat?.isFile()) throw layoutError(abs, 'no index.json');
  if (indexStat.size > maxManifestBytes) throw new OciError('TOO_LARGE', `index.json is ${indexStat.size} bytes, over the ${maxManifestBytes}-byte limit`, { input: abs });
  const top = parseManifest(await readFile(indexPath), MediaTypes.ociIndex, `${abs}/index.json`);
  if (top.kind !== 'index') throw layoutError(abs, 'index.json is not an image index');

  let desc = chooseTop(top, tag, platform, abs);
  const ref = refFrom(desc);
  let indexDigest: string | undefined;
  let manifest: ImageManifest | undefined;
  let manifestBytes: Buffer | undefined;
  for (let depth = 0; !manifest; depth++) {
    if (depth > MAX_NESTING) throw layoutError(abs, `indexes nested deeper than ${MAX_NESTING}`);
    const bytes = await readBlob(abs, desc, maxManifestBytes, 'manifest');
    const parsed = parseManifest(bytes, desc.mediaType, `${abs}:${desc.digest}`);
    if (parsed.kind === 'index') {
      indexDigest ??= desc.digest;
      desc = selectPlatform(parsed.manifests, platform, `${abs}:${desc.digest}`);
    } else {
      manifest = parsed;
      manifestBytes = bytes;
    }
  }

  checkConfigType(manifest.config, abs);
  const configBytes = await readBlob(abs, manifest.config, maxManifestBytes, 'config');
  const config = parseConfig(configBytes, `${abs}:${manifest.config.digest}`);
  const layers = toLayerInfos(manifest.layers, config, abs);

  const source: ImageSource = {
    transport: 'oci',
    name: `oci:${abs}${tag === undefined ? '' : `:${tag}`}`,
    manifestDigest: desc.digest,
    manifest: manifestBytes,
    configDigest: manifest.config.digest,
    config,
    layers,
    async openLayer(layer: LayerInfo): Promise<Readable> {
      const own = layers[checkLayerIndex(layers, layer, abs)];
      const path = blobPath(abs, own.digest);
      const blob = await stat(path).catch(() => undefined);
      if (!blob?.isFile()) throw layoutError(abs, `layer blob ${own.digest} is missing from the layout`);
      return verifiedStream(createReadStream(path), own.digest, own.size, `${abs}:${own.digest}`);
    },
    async close() {
      // Nothing is held open between reads.
    },
  };
  if (indexDigest) source.indexDigest = indexDigest;
  if (ref) source.ref = ref;
  const p = platformOf(config);
  if (p) source.platform = p;
  return source;
}
