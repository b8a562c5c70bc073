// `docker-archive:PATH[:NAME:TAG|:@N]` — a `docker save` tarball, read in place: the tar
// headers are indexed once and each member is streamed by byte range. Both layouts are
// read: legacy (`<id>/layer.tar`, `<hex>.json`, as skopeo and Docker < 25 write them) and
// Docker 25+ (an OCI layout whose manifest.json points at `blobs/sha256/<hex>`).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { posix, resolve as resolvePath } from 'node:path';
import { Readable } from 'node:stream';
import { checkLayerIndex, readOpenOptions } from './common.js';
import { parseConfig, parseJson, platformOf } from './manifest.js';
import { MediaTypes } from './media-types.js';
import { formatReference, parseReference } from './reference.js';
import { indexTar, normalizeMemberPath, readMember, type TarEntry, type TarIndex } from './tar-index.js';
import { OciError, type ImageRef, type ImageSource, type LayerInfo, type OpenOptions } from './types.js';
import { digestOf, verifiedStream, verifyBuffer } from './verify.js';

interface ArchiveImage {
  Config: string;
  RepoTags: string[];
  Layers: string[];
}

function invalid(path: string, reason: string): OciError {
  return new OciError('INVALID_ARCHIVE', reason, { input: path });
}

function toArchiveImages(doc: unknown, path: string): ArchiveImage[] {
  if (!Array.isArray(doc)) throw invalid(path, 'manifest.json is not a JSON array');
  return doc.map((m: unknown, i) => {
    const r = (typeof m === 'object' && m !== null ? m : {}) as Record<string, unknown>;
    const str = (v: unknown) => typeof v === 'string';
    if (!str(r.Config)) throw invalid(path, `manifest.json[${i}] has no Config`);
    if (!Array.isArray(r.Layers) || !r.Layers.every(str)) throw invalid(path, `manifest.json[${i}] has no Layers list`);
    const tags = Array.isArray(r.RepoTags) ? r.RepoTags.filter(str) : [];
    return { Config: r.Config as string, RepoTags: tags as string[], Layers: r.Layers as string[] };
  });
}

/** The digest a member's path names: `blobs/sha256/<hex>` or `<hex>.tar`/`<hex>.json`. */
function digestInPath(member: string): string | undefined {
  const blob = /^blobs\/(sha256|sha512)\/([a-f0-9]+)$/.exec(member);
  if (blob) return `${blob[1]}:${blob[2]}`;
  const hexName = /^([a-f0-9]{64})(?:\.tar(?:\.gz|\.zst)?|\.json)?$/.exec(posix.basename(member));
  return hexName ? `sha256:${hexName[1]}` : undefined;
}

function sameImage(tag: string, wanted: string): boolean {
  if (tag === wanted) return true;
  try {
    return formatReference(parseReference(tag)) === formatReference(parseReference(wanted));
  } catch {
    return false;
  }
}

function selectImage(images: ArchiveImage[], selector: string | undefined, path: string): ArchiveImage {
  if (selector === undefined) {
    if (images.length === 1) return images[0];
    if (images.length === 0) throw invalid(path, 'manifest.json lists no images');
    throw new OciError('INVALID_REFERENCE', `archive holds ${images.length} images; name one as docker-archive:PATH:NAME:TAG or docker-archive:PATH:@N`, { input: path });
  }
  const at = /^@(\d+)$/.exec(selector);
  const found = at ? images[Number(at[1])] : images.find((m) => m.RepoTags.some((t) => sameImage(t, selector)));
  if (!found) {
    const tags = images.flatMap((m) => m.RepoTags);
    throw new OciError('NOT_FOUND', `no image ${selector} in the archive (it holds ${tags.length ? tags.join(', ') : `${images.length} untagged images`})`, { input: path });
  }
  return found;
}

async function peek(path: string, entry: TarEntry): Promise<Buffer> {
  return readMember(path, { ...entry, size: Math.min(entry.size, 4) }, 4, 'layer');
}

function layerMediaType(magic: Buffer): string {
  if (magic[0] === 0x1f && magic[1] === 0x8b) return MediaTypes.dockerLayerGzip;
  if (magic.readUInt32LE(0) === 0xfd2fb528) return MediaTypes.ociLayerZstd;
  return MediaTypes.dockerLayer;
}

function member(index: TarIndex, name: string, what: string, path: string): { entry: TarEntry; name: string } {
  const normalized = normalizeMemberPath(name);
  const entry = normalized === undefined ? undefined : index.resolve(normalized);
  if (!entry || normalized === undefined) throw invalid(path, `${what} ${JSON.stringify(name)} is not in the archive`);
  return { entry, name: normalized };
}

export async function openDockerArchive(path: string, selector: string | undefined, opts: OpenOptions = {}): Promise<ImageSource> {
  const abs = resolvePath(path);
  const { maxManifestBytes } = readOpenOptions(opts);
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new OciError('NOT_FOUND', 'docker archive does not exist', { input: abs });
  if (!st.isFile()) throw invalid(abs, 'docker archive is not a regular file');

  const index = await indexTar(abs);
  const manifestEntry = index.resolve('manifest.json');
  if (!manifestEntry) throw invalid(abs, 'archive lacks manifest.json (not a docker save archive)');
  const images = toArchiveImages(parseJson(await readMember(abs, manifestEntry, maxManifestBytes, 'manifest.json'), 'manifest.json', abs), abs);
  const image = selectImage(images, selector, abs);

  const cfg = member(index, image.Config, 'config', abs);
  const configBytes = await readMember(abs, cfg.entry, maxManifestBytes, 'image config');
  // The image ID is the config's sha256; a name that carries a digest must agree with it.
  const named = digestInPath(cfg.name);
  if (named) verifyBuffer(configBytes, named, -1, abs);
  const configDigest = named ?? digestOf(configBytes);
  const config = parseConfig(configBytes, abs);
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== image.Layers.length) {
    throw invalid(abs, `manifest.json lists ${image.Layers.length} layers but the config has ${diffIds.length} diff_ids`);
  }

  const entries: TarEntry[] = [];
  const layers: LayerInfo[] = [];
  for (const [i, layerPath] of image.Layers.entries()) {
    const m = member(index, layerPath, 'layer', abs);
    const mediaType = layerMediaType(await peek(abs, m.entry));
    // Legacy `<id>/layer.tar` is named by a v1 id, not a digest: its bytes are the
    // uncompressed tar, so the stored digest is the diffID.
    let digest = digestInPath(m.name);
    if (!digest) {
      if (mediaType !== MediaTypes.dockerLayer) throw invalid(abs, `layer ${layerPath} is compressed but its name carries no digest to check it against`);
      digest = diffIds[i];
    }
    entries.push(m.entry);
    layers.push({ index: i, digest, diffId: diffIds[i], mediaType, size: m.entry.size });
  }

  let ref: ImageRef | undefined;
  const tag = selector && !selector.startsWith('@') ? selector : image.RepoTags[0];
  if (tag) {
    try {
      ref = parseReference(tag);
    } catch {
      ref = undefined;
    }
  }

  const source: ImageSource = {
    transport: 'docker-archive',
    name: `docker-archive:${abs}${selector ? `:${selector}` : ''}`,
    configDigest,
    config,
    layers,
    async openLayer(layer: LayerInfo): Promise<Readable> {
      const entry = entries[checkLayerIndex(layers, layer, abs)];
      const raw = entry.size === 0 ? Readable.from([]) : createReadStream(abs, { start: entry.offset, end: entry.offset + entry.size - 1 });
      return verifiedStream(raw, layer.digest, entry.size, `${abs}:${layer.digest}`);
    },
    async close() {
      // Nothing is held open between reads.
    },
  };
  if (ref) source.ref = ref;
  const platform = platformOf(config);
  if (platform) source.platform = platform;
  return source;
}
