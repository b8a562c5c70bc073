// What an image reference names for signing and verification: the digest signed (the
// index digest for a multi-arch image, as cosign does), the image's descriptor (the
// subject of referrers), and where its signatures live.
import { readFile } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { UsageError } from '../errors/index.js';
import { OciError, parseManifest, parseReference, RegistryClient, resolveDigest, type Descriptor, type ImageRef, type OpenOptions } from '../oci/index.js';
import { layoutReader, registryReader, type ArtifactReader } from './oci-store-read.js';

export interface ImageTarget {
  /** What the user named, normalized. */
  name: string;
  /** The signed digest. */
  digest: string;
  /** The image's manifest descriptor (the referrers' subject). */
  descriptor: Descriptor;
  /** Where signatures are read from. */
  reader: ArtifactReader;
  /** For registry images: the client and repository signatures are written to. */
  registry?: { client: RegistryClient; repo: string; ref: ImageRef };
  /** The simple-signing docker-reference: registry/repository as go-containerregistry names it. */
  dockerReference: string;
  /** The in-toto subject name (the repository). */
  subjectName: string;
  /** True when the reference named a tag only and the digest was resolved from it. */
  resolvedFromTag: boolean;
}

/** go-containerregistry's Repository.Name(): Docker Hub is `index.docker.io`. */
export function dockerReferenceOf(ref: ImageRef): string {
  const registry = ref.registry === 'docker.io' ? 'index.docker.io' : ref.registry;
  return `${registry}/${ref.repository}`;
}

/** `oci:DIR[:TAG|@DIGEST]`: the top-level entry of index.json (by tag, digest, or the only one). */
async function layoutTarget(spec: string): Promise<ImageTarget> {
  const rest = spec.slice('oci:'.length);
  const at = rest.lastIndexOf('@sha256:');
  let dir = rest;
  let tag: string | undefined;
  let digest: string | undefined;
  if (at > 0) {
    dir = rest.slice(0, at);
    digest = rest.slice(at + 1);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > 0 && !rest.slice(colon + 1).includes('/')) {
      dir = rest.slice(0, colon);
      tag = rest.slice(colon + 1);
    }
  }
  const abs = resolvePath(dir);
  const data = await readFile(join(abs, 'index.json')).catch(() => undefined);
  if (!data) throw new OciError('INVALID_LAYOUT', 'no index.json (not an OCI image layout)', { input: abs });
  const index = parseManifest(data, 'application/vnd.oci.image.index.v1+json', `${abs}/index.json`);
  if (index.kind !== 'index') throw new OciError('INVALID_LAYOUT', 'index.json is not an image index', { input: abs });
  const refName = (d: Descriptor) => d.annotations?.['org.opencontainers.image.ref.name'];
  // Signature and attestation entries are not images; only consider the others.
  const images = index.manifests.filter((d) => !/^sha256-[a-f0-9]{64}(\.(sig|att|sbom))?$/.test(refName(d) ?? ''));
  const chosen = digest ? index.manifests.filter((d) => d.digest === digest) : tag !== undefined ? index.manifests.filter((d) => refName(d) === tag) : images;
  if (chosen.length !== 1) {
    const why = chosen.length === 0 ? `no image ${digest ?? (tag !== undefined ? `tagged ${JSON.stringify(tag)}` : '')} in the layout` : 'the layout holds several images; name one as oci:DIR:TAG';
    throw new OciError(chosen.length === 0 ? 'NOT_FOUND' : 'INVALID_REFERENCE', why, { input: abs });
  }
  const d = chosen[0];
  const full = refName(d);
  let ref: ImageRef | undefined;
  try {
    if (full?.includes('/')) ref = parseReference(full);
  } catch {
    ref = undefined;
  }
  const dockerReference = ref ? dockerReferenceOf(ref) : abs;
  return {
    name: `oci:${abs}${tag !== undefined ? `:${tag}` : ''}`,
    digest: d.digest,
    descriptor: { mediaType: d.mediaType, digest: d.digest, size: d.size },
    reader: layoutReader(abs),
    dockerReference,
    subjectName: ref ? `${ref.registry}/${ref.repository}` : abs,
    resolvedFromTag: digest === undefined,
  };
}

/**
 * Resolves `REF` (a registry reference, or `oci:DIR[:TAG]` for reading). With
 * `requireDigest`, a tag-only registry reference is refused unless `allowTag` is set.
 */
export async function resolveTarget(spec: string, opts: OpenOptions & { requireDigest?: boolean; allowTag?: boolean } = {}): Promise<ImageTarget> {
  if (spec.startsWith('oci:')) return layoutTarget(spec);
  const ref = parseReference(spec.startsWith('docker://') ? spec.slice('docker://'.length) : spec);
  if (opts.requireDigest && !ref.digest && !opts.allowTag) {
    throw new UsageError('USAGE', 'refusing to sign a tag: its digest can change under you; name REF@sha256:… or pass --resolve to sign what the tag points to now', { input: spec });
  }
  const client = new RegistryClient(ref.registry, opts);
  const resolved = await resolveDigest(ref, opts);
  return {
    name: `${ref.registry}/${ref.repository}${ref.digest ? `@${ref.digest}` : `:${ref.tag ?? 'latest'}`}`,
    digest: resolved.digest,
    descriptor: { mediaType: resolved.mediaType, digest: resolved.digest, size: resolved.size },
    reader: registryReader(client, ref.repository),
    registry: { client, repo: ref.repository, ref },
    dockerReference: dockerReferenceOf(ref),
    subjectName: `${ref.registry}/${ref.repository}`,
    resolvedFromTag: !ref.digest,
  };
}

/** `sha256:<hex>` → `<hex>` for in-toto subjects. */
export function sha256Hex(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1);
}
