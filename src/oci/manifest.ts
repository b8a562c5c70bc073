// Parsing of manifests, indexes and configs: untrusted JSON checked field by field,
// pure and synchronous. Every transport funnels through here.
import { digestProblem } from './reference.js';
import { CONFIG_TYPES, isImageManifestType, isIndexType, MediaTypes } from './media-types.js';
import { OciError, type Descriptor, type ImageConfig, type LayerInfo, type Platform } from './types.js';

export interface ImageManifest {
  kind: 'manifest';
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export interface ImageIndex {
  kind: 'index';
  mediaType: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

function bad(input: string, reason: string): OciError {
  return new OciError('INVALID_MANIFEST', reason, { input });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function stringMap(v: unknown, what: string, input: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v) || Object.values(v).some((x) => typeof x !== 'string')) throw bad(input, `${what} must map strings to strings`);
  return v as Record<string, string>;
}

export function parseJson(data: Buffer, what: string, input: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (e) {
    throw new OciError('INVALID_MANIFEST', `${what} is not valid JSON: ${(e as Error).message}`, { input, cause: e });
  }
}

function toPlatform(v: unknown, input: string): Platform | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isRecord(v) || typeof v.os !== 'string' || typeof v.architecture !== 'string') throw bad(input, 'descriptor platform needs os and architecture');
  const p: Platform = { os: v.os, architecture: v.architecture };
  if (typeof v.variant === 'string' && v.variant !== '') p.variant = v.variant;
  return p;
}

/** Validates one descriptor (digest well formed, size a non-negative integer). */
export function toDescriptor(v: unknown, where: string, input: string): Descriptor {
  if (!isRecord(v)) throw bad(input, `${where} is not a descriptor object`);
  const { mediaType, digest, size } = v;
  if (typeof mediaType !== 'string' || mediaType === '') throw bad(input, `${where} has no mediaType`);
  if (typeof digest !== 'string') throw bad(input, `${where} has no digest`);
  const problem = digestProblem(digest);
  if (problem) throw bad(input, `${where}: ${problem}`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw bad(input, `${where} has an invalid size`);
  const d: Descriptor = { mediaType, digest, size };
  const annotations = stringMap(v.annotations, `${where} annotations`, input);
  if (annotations) d.annotations = annotations;
  const platform = toPlatform(v.platform, input);
  if (platform) d.platform = platform;
  if (typeof v.artifactType === 'string') d.artifactType = v.artifactType;
  if (Array.isArray(v.urls) && v.urls.every((u) => typeof u === 'string')) d.urls = v.urls as string[];
  return d;
}

/**
 * Parses a manifest or index. `mediaType` is what the transport reported (a registry's
 * Content-Type, a parent descriptor's mediaType); the document's own `mediaType` field
 * is used when that is missing or generic, and must agree when both are specific.
 */
export function parseManifest(data: Buffer, mediaType: string | undefined, input: string): ImageManifest | ImageIndex {
  const doc = parseJson(data, 'manifest', input);
  if (!isRecord(doc)) throw bad(input, 'manifest is not a JSON object');
  const own = typeof doc.mediaType === 'string' ? doc.mediaType : undefined;
  const reported = mediaType && mediaType !== 'application/json' && mediaType !== 'text/plain' ? mediaType.split(';')[0].trim() : undefined;
  if (reported && own && own !== reported) throw bad(input, `manifest says mediaType ${own} but was served as ${reported}`);
  let type = reported ?? own;
  if (!type) {
    // An OCI manifest may omit mediaType (image-spec 1.0); tell the two shapes apart.
    if (Array.isArray(doc.manifests)) type = MediaTypes.ociIndex;
    else if (isRecord(doc.config)) type = MediaTypes.ociManifest;
  }
  if (!type || (!isIndexType(type) && !isImageManifestType(type))) {
    throw new OciError('UNSUPPORTED_MEDIA_TYPE', `manifest media type ${JSON.stringify(type ?? (doc.schemaVersion === 1 ? 'docker schema1' : 'unknown'))} is not supported`, { input });
  }
  if (doc.schemaVersion !== 2) throw bad(input, `manifest schemaVersion must be 2, got ${JSON.stringify(doc.schemaVersion)}`);
  const annotations = stringMap(doc.annotations, 'manifest annotations', input);

  if (isIndexType(type)) {
    if (!Array.isArray(doc.manifests)) throw bad(input, 'index has no manifests array');
    const manifests = doc.manifests.map((m, i) => toDescriptor(m, `manifests[${i}]`, input));
    return { kind: 'index', mediaType: type, manifests, ...(annotations ? { annotations } : {}) };
  }
  const config = toDescriptor(doc.config, 'config', input);
  if (!Array.isArray(doc.layers)) throw bad(input, 'manifest has no layers array');
  const layers = doc.layers.map((l, i) => toDescriptor(l, `layers[${i}]`, input));
  return { kind: 'manifest', mediaType: type, config, layers, ...(annotations ? { annotations } : {}) };
}

/** Refuses config descriptors whose type is not an image config (e.g. an artifact). */
export function checkConfigType(config: Descriptor, input: string): void {
  if (!CONFIG_TYPES.includes(config.mediaType)) {
    throw new OciError('UNSUPPORTED_MEDIA_TYPE', `config media type ${JSON.stringify(config.mediaType)} is not an image config`, { input });
  }
}

/** Parses an image config; only rootfs.diff_ids is required, and must be digests. */
export function parseConfig(data: Buffer, input: string): ImageConfig {
  const doc = parseJson(data, 'image config', input);
  if (!isRecord(doc)) throw bad(input, 'image config is not a JSON object');
  const rootfs = doc.rootfs;
  if (!isRecord(rootfs) || !Array.isArray(rootfs.diff_ids)) throw bad(input, 'image config has no rootfs.diff_ids');
  for (const d of rootfs.diff_ids) {
    const problem = typeof d === 'string' ? digestProblem(d) : 'not a string';
    if (problem) throw bad(input, `image config rootfs.diff_ids: ${problem}`);
  }
  return doc as ImageConfig;
}

/** Pairs manifest layers with config diff_ids, in order (base first). */
export function toLayerInfos(layers: readonly Descriptor[], config: ImageConfig, input: string): LayerInfo[] {
  const diffIds = config.rootfs?.diff_ids ?? [];
  if (diffIds.length !== layers.length) {
    throw bad(input, `manifest lists ${layers.length} layers but the config has ${diffIds.length} diff_ids`);
  }
  return layers.map((l, index) => ({ index, digest: l.digest, diffId: diffIds[index], mediaType: l.mediaType, size: l.size }));
}

export function platformOf(config: ImageConfig): Platform | undefined {
  if (!config.os || !config.architecture) return undefined;
  const p: Platform = { os: config.os, architecture: config.architecture };
  if (config.variant) p.variant = config.variant;
  return p;
}
