/**
 * Kyverno's image information (pkg/utils/image/infos.go with the default configuration:
 * registry docker.io, default-registry mutation on) and its extraction from Pods and pod
 * controllers (pkg/utils/api/image.go), which fill the `images` variable:
 * `images.{initContainers,containers,ephemeralContainers}.<containerName>` →
 * `{registry, name, path, tag, digest, reference, referenceWithTag, jsonPointer}`.
 *
 * Quirks kept: a one-component path gains `library/` ("nginx" → path "library/nginx", reference
 * "docker.io/library/nginx:latest") but `referenceWithTag` is computed before that
 * ("docker.io/nginx:latest"); the tag defaults to "latest" only when there is no digest.
 * References are parsed with distribution/reference's grammar.
 */

export const DEFAULT_REGISTRY = 'docker.io';

export interface ImageInfo {
  registry?: string;
  name: string;
  path: string;
  tag?: string;
  digest?: string;
  reference?: string;
  referenceWithTag?: string;
}

export class ImageError extends Error {}

const ALNUM = '[a-z0-9]+';
const SEPARATOR = '(?:[._]|__|[-]+)';
const PATH_COMPONENT = `${ALNUM}(?:${SEPARATOR}${ALNUM})*`;
const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`);
const ANCHORED_NAME = new RegExp(`^(?:(${DOMAIN})/)?(${PATH_COMPONENT}(?:/${PATH_COMPONENT})*)$`);
const DIGEST_SIZES: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const MAX_REFERENCE = 4096;

/** distribution/reference `Parse`. */
export function parseReference(s: string): { domain: string; path: string; tag?: string; digest?: string } {
  if (s === '') throw new ImageError('repository name must have at least one component');
  if (s.length > MAX_REFERENCE) throw new ImageError('invalid reference format');
  const m = REFERENCE.exec(s);
  if (!m) {
    if (REFERENCE.test(s.toLowerCase())) throw new ImageError('invalid reference format: repository name (library/...) must be lowercase');
    throw new ImageError('invalid reference format');
  }
  if (m[1]!.length > 255) throw new ImageError('repository name must not be more than 255 characters');
  const name = ANCHORED_NAME.exec(m[1]!);
  const domain = name ? name[1] ?? '' : '';
  const path = name ? name[2]! : m[1]!;
  let digest: string | undefined;
  if (m[3]) {
    const [alg, hex] = m[3].split(':') as [string, string];
    const size = DIGEST_SIZES[alg];
    if (size === undefined) throw new ImageError('unsupported digest algorithm');
    if (hex.length !== size || !/^[a-f0-9]+$/.test(hex)) throw new ImageError('invalid checksum digest format');
    digest = m[3];
  }
  return { domain, path, tag: m[2] || undefined, digest };
}

/** Kyverno's `addDefaultRegistry`. */
function addDefaultRegistry(name: string): string {
  const i = name.indexOf('/');
  if (i === -1 || (!/[.:]/.test(name.slice(0, i)) && name.slice(0, i) !== 'localhost' && name.slice(0, i).toLowerCase() === name.slice(0, i))) {
    return `${DEFAULT_REGISTRY}/${name}`;
  }
  return name;
}

/** Kyverno's `GetImageInfo`; throws ImageError with Kyverno's message. */
export function getImageInfo(image: string): ImageInfo {
  const full = addDefaultRegistry(image);
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(full);
  } catch (e) {
    throw new ImageError(`bad image: ${full}, defaultRegistry: ${DEFAULT_REGISTRY}, enableDefaultRegistryMutation: true: ${(e as Error).message}`);
  }
  const registry = ref.domain;
  let path = ref.path;
  const name = path.slice(path.lastIndexOf('/') + 1);
  const digest = ref.digest ?? '';
  const tag = ref.tag ?? (digest === '' ? 'latest' : '');
  const referenceWithTag = registry !== '' ? `${registry}/${path}:${tag}` : `${path}:${tag}`;
  if (!path.includes('/')) path = `library/${path}`;
  const info: ImageInfo = { name, path };
  if (registry) info.registry = registry;
  if (tag) info.tag = tag;
  if (digest) info.digest = digest;
  const base = registry ? `${registry}/${path}` : path;
  info.reference = digest ? `${base}@${digest}` : `${base}:${tag}`;
  info.referenceWithTag = referenceWithTag;
  return info;
}

/** `ImageInfo.String()`, which is what `image_normalize` returns. */
export function imageInfoString(info: ImageInfo): string {
  return info.reference!;
}

const POD_SPEC: Record<string, string[]> = {
  Pod: ['spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

export type ImagesVariable = Record<string, Record<string, ImageInfo & { jsonPointer: string }>>;

/**
 * The `images` variable of a resource, or undefined when it has none. Throws ImageError for an
 * unparsable image, as Kyverno's extraction fails (it then leaves `images` out of the context).
 */
export function extractImages(resource: Record<string, unknown>): ImagesVariable | undefined {
  const kind = typeof resource.kind === 'string' ? resource.kind : '';
  const specPath = POD_SPEC[kind];
  if (!specPath) return undefined;
  let spec: unknown = resource;
  for (const k of specPath) spec = spec && typeof spec === 'object' && !Array.isArray(spec) ? (spec as Record<string, unknown>)[k] : undefined;
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) return undefined;
  const out: ImagesVariable = {};
  for (const group of ['initContainers', 'containers', 'ephemeralContainers']) {
    const list = (spec as Record<string, unknown>)[group];
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list)) throw new ImageError('invalid type');
    const infos: Record<string, ImageInfo & { jsonPointer: string }> = {};
    list.forEach((c, i) => {
      if (!c || typeof c !== 'object' || Array.isArray(c)) throw new ImageError('invalid image config');
      const container = c as Record<string, unknown>;
      const pointer = `/${[...specPath, group, String(i)].join('/')}/image`;
      const image = container.image;
      if (typeof image !== 'string' || image.trim() === '') return; // the image may not be present
      const key = container.name;
      if (typeof key !== 'string') throw new ImageError('invalid key');
      let info: ImageInfo;
      try {
        info = getImageInfo(image);
      } catch (e) {
        throw new ImageError(`invalid image '${image}' (${(e as Error).message})`);
      }
      infos[key] = { ...info, jsonPointer: pointer };
    });
    if (Object.keys(infos).length > 0) out[group] = infos;
  }
  return out;
}
