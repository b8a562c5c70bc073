import type { Target } from '../inventory/types.js';
import { parsePurl, toPurl } from '../inventory/purl.js';
import { sha256Hex } from '../util/index.js';

export interface ImageName {
  /** `registry/path/name`, e.g. `docker.io/library/nginx`. */
  repository: string;
  tag?: string;
}

/**
 * Splits a normalized registry reference (`docker.io/library/nginx:1.27@sha256:…`) into
 * repository and tag. Names with a transport (`oci:…`, `docker-archive:…`, `dir:…`) name
 * files, not repositories, and give undefined.
 */
export function splitImageName(name: string): ImageName | undefined {
  if (/^(docker-archive|oci-archive|oci|dir):/.test(name)) return undefined;
  const at = name.indexOf('@');
  const bare = at >= 0 ? name.slice(0, at) : name;
  const slash = bare.lastIndexOf('/');
  if (slash <= 0) return undefined;
  const colon = bare.lastIndexOf(':');
  const hasTag = colon > slash;
  const repository = hasTag ? bare.slice(0, colon) : bare;
  if (!/^[a-z0-9][a-z0-9._:-]*(\/[a-z0-9._-]+)+$/.test(repository)) return undefined;
  return hasTag ? { repository, tag: bare.slice(colon + 1) } : { repository };
}

/**
 * The image's purl per the purl spec's `oci` type: name = last path segment of the
 * repository (lowercase), version = manifest digest, qualifiers repository_url, tag, arch.
 */
export function imagePurl(t: Target): string | undefined {
  if (t.purl) return t.purl;
  if (t.kind !== 'image' || !t.digest) return undefined;
  const ref = splitImageName(t.name);
  if (!ref) return undefined;
  const name = ref.repository.slice(ref.repository.lastIndexOf('/') + 1).toLowerCase();
  return toPurl({
    type: 'oci',
    name,
    version: t.digest,
    qualifiers: { repository_url: ref.repository, tag: ref.tag, arch: t.platform?.architecture },
  });
}

/** Name and version for the root component: repository and tag (or digest) for images. */
export function rootNameVersion(t: Target): { name: string; version?: string } {
  const ref = t.kind === 'image' ? splitImageName(t.name) : undefined;
  if (ref) return { name: ref.repository, version: ref.tag ?? t.digest };
  return { name: t.name, version: t.digest };
}

/** A stable reference for the root element, distinct from package ids (`pkg-…`). */
export function rootRef(t: Target): string {
  return `target-${sha256Hex(`${t.kind}\0${t.name}`).slice(0, 16)}`;
}

/** Digest from an `oci` purl's version, when it is one. */
export function digestFromOciPurl(purl: string | undefined): string | undefined {
  if (!purl?.startsWith('pkg:oci/')) return undefined;
  try {
    const v = parsePurl(purl).version;
    return v && /^sha256:[0-9a-f]{64}$/.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}
