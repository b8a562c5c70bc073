// Signatures and attestations stored in a registry exactly as cosign stores them.
// Legacy: the tag `sha256-<hex>.sig` (or `.att`) holds an OCI manifest whose layers are the
// signed payloads with the signature material in layer annotations; signing again appends
// a layer. New: a Sigstore bundle v0.3 as an OCI 1.1 referrer of the image, listed by the
// referrers API or, on registries without it, in the tag-schema fallback index `sha256-<hex>`.
// All registry I/O goes through oci/'s RegistryClient; the readers also serve `oci:` layouts.
import { digestOf, OciError, parseManifest, type Descriptor, type RegistryClient } from '../oci/index.js';
import { TrustError } from './errors.js';
import { goJson } from './simple-signing.js';

export const CosignMediaTypes = {
  simpleSigning: 'application/vnd.dev.cosign.simplesigning.v1+json',
  dsseEnvelope: 'application/vnd.dsse.envelope.v1+json',
  bundleV03: 'application/vnd.dev.sigstore.bundle.v0.3+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

export const CosignAnnotations = {
  signature: 'dev.cosignproject.cosign/signature',
  certificate: 'dev.sigstore.cosign/certificate',
  chain: 'dev.sigstore.cosign/chain',
  bundle: 'dev.sigstore.cosign/bundle',
  rfc3161: 'dev.sigstore.cosign/rfc3161timestamp',
  predicateType: 'predicateType',
  created: 'org.opencontainers.image.created',
  bundleContent: 'dev.sigstore.bundle.content',
  bundlePredicateType: 'dev.sigstore.bundle.predicateType',
} as const;

/** Prefix of every Sigstore bundle media type (Kyverno keeps referrers whose artifactType starts so). */
export const BUNDLE_TYPE_PREFIX = 'application/vnd.dev.sigstore.bundle';
/** cosign's mutate.AppendSignatures limit. */
export const MAX_LEGACY_LAYERS = 1000;
/** The `{}` blob OCI 1.1 artifacts use as config. */
const EMPTY_JSON = Buffer.from('{}');

export type LegacyKind = 'sig' | 'att';

function hexOf(digest: string): string {
  const [algorithm, hex] = digest.split(':');
  if (algorithm !== 'sha256' || !/^[a-f0-9]{64}$/.test(hex ?? '')) throw new TrustError('BAD_BUNDLE', `image digest ${JSON.stringify(digest)} is not a sha256 digest`, { input: digest });
  return hex as string;
}

/** `sha256-<hex>.sig` / `.att`: where cosign's legacy format keeps an image's signatures. */
export function legacyTag(imageDigest: string, kind: LegacyKind): string {
  return `sha256-${hexOf(imageDigest)}.${kind}`;
}

/** `sha256-<hex>`: the OCI 1.1 referrers tag-schema fallback index (no suffix). */
export function referrersTag(imageDigest: string): string {
  return `sha256-${hexOf(imageDigest)}`;
}

/** One signed layer: the payload and its annotations (signature, certificate, chain, bundle, …). */
export interface LegacyLayer {
  mediaType: string;
  payload: Buffer;
  annotations: Record<string, string>;
}

/** go-containerregistry's Descriptor JSON: mediaType, size, digest, then optional fields. */
function descriptorJson(d: Descriptor): string {
  let s = `{"mediaType":${goJson(d.mediaType)},"size":${d.size},"digest":${goJson(d.digest)}`;
  if (d.annotations && Object.keys(d.annotations).length > 0) s += `,"annotations":${goJson(d.annotations)}`;
  if (d.artifactType) s += `,"artifactType":${goJson(d.artifactType)}`;
  return s + '}';
}

/**
 * The config blob of a cosign signature image: go-containerregistry's empty image with one
 * zero history entry and one diff_id per layer (the layers are uncompressed, so diff_id =
 * digest). For one layer this is the 233-byte blob the dangerzone `.sig` manifest names.
 */
export function legacyConfig(layers: readonly Descriptor[]): Buffer {
  const zero = '"0001-01-01T00:00:00Z"';
  const history = layers.map(() => `{"created":${zero}}`).join(',');
  const diffIds = layers.map((l) => goJson(l.digest)).join(',');
  return Buffer.from(`{"architecture":"","created":${zero},"history":[${history}],"os":"","rootfs":{"type":"layers","diff_ids":[${diffIds}]},"config":{}}`);
}

/** The `.sig`/`.att` manifest for these layers (config descriptor included), as go-containerregistry writes it. */
export function legacyManifest(layers: readonly Descriptor[]): { manifest: Buffer; config: Buffer } {
  const config = legacyConfig(layers);
  const configDesc: Descriptor = { mediaType: CosignMediaTypes.ociConfig, size: config.length, digest: digestOf(config) };
  const body = `{"schemaVersion":2,"mediaType":${goJson(CosignMediaTypes.ociManifest)},"config":${descriptorJson(configDesc)},"layers":[${layers.map(descriptorJson).join(',')}]}`;
  return { manifest: Buffer.from(body), config };
}

function sameLayer(a: Descriptor, b: Descriptor): boolean {
  return a.digest === b.digest && a.mediaType === b.mediaType && goJson(a.annotations ?? {}) === goJson(b.annotations ?? {});
}

/**
 * Appends a layer to the image's `.sig`/`.att` manifest (creating it when absent) and
 * pushes the manifest back under the tag. An identical layer is not added twice.
 */
export async function appendLegacyLayer(client: RegistryClient, repo: string, imageDigest: string, kind: LegacyKind, layer: LegacyLayer): Promise<{ tag: string; manifestDigest: string; appended: boolean }> {
  const tag = legacyTag(imageDigest, kind);
  const input = `${client.registry}/${repo}:${tag}`;
  let layers: Descriptor[] = [];
  try {
    const got = await client.getManifest(repo, tag);
    const parsed = parseManifest(got.body, got.mediaType, input);
    if (parsed.kind !== 'manifest') throw new TrustError('BAD_BUNDLE', `${tag} holds an index, not a cosign signature manifest; refusing to overwrite it`, { input });
    layers = parsed.layers;
  } catch (e) {
    if (!(e instanceof OciError && e.code === 'NOT_FOUND')) throw e;
  }
  const blob = await client.putBlob(repo, layer.payload);
  const desc: Descriptor = { mediaType: layer.mediaType, size: blob.size, digest: blob.digest, annotations: { ...layer.annotations } };
  const appended = !layers.some((l) => sameLayer(l, desc));
  if (appended) layers.push(desc);
  if (layers.length > MAX_LEGACY_LAYERS) throw new TrustError('BAD_BUNDLE', `${tag} would hold more than ${MAX_LEGACY_LAYERS} signatures`, { input });
  const { manifest, config } = legacyManifest(layers);
  await client.putBlob(repo, config);
  const manifestDigest = await client.putManifest(repo, tag, manifest, CosignMediaTypes.ociManifest);
  return { tag, manifestDigest, appended };
}

/** The OCI 1.1 artifact manifest holding a bundle, with the image as its subject. */
export function referrerManifest(subject: Descriptor, bundle: Buffer, annotations: Record<string, string>): { manifest: Buffer; layer: Descriptor } {
  const layer: Descriptor = { mediaType: CosignMediaTypes.bundleV03, size: bundle.length, digest: digestOf(bundle) };
  const config: Descriptor = { mediaType: CosignMediaTypes.ociEmpty, size: EMPTY_JSON.length, digest: digestOf(EMPTY_JSON), artifactType: CosignMediaTypes.bundleV03 };
  const subj: Descriptor = { mediaType: subject.mediaType, size: subject.size, digest: subject.digest };
  const body =
    `{"schemaVersion":2,"mediaType":${goJson(CosignMediaTypes.ociManifest)},"artifactType":${goJson(CosignMediaTypes.bundleV03)},` +
    `"config":${descriptorJson(config)},"layers":[${descriptorJson(layer)}],"annotations":${goJson(annotations)},"subject":${descriptorJson(subj)}}`;
  return { manifest: Buffer.from(body), layer };
}

export type ReferrerPath = 'referrers-api' | 'fallback-tag';

/**
 * Pushes a bundle as a referrer of `subject`, by digest. Whether the registry indexes
 * referrers is learnt by asking it afterwards (RegistryClient does not surface the
 * OCI-Subject header); when it does not, the fallback index at `sha256-<hex>` is updated.
 */
export async function pushReferrer(client: RegistryClient, repo: string, subject: Descriptor, bundle: Buffer, annotations: Record<string, string>): Promise<{ manifestDigest: string; path: ReferrerPath }> {
  const { manifest } = referrerManifest(subject, bundle, annotations);
  await client.putBlob(repo, EMPTY_JSON);
  await client.putBlob(repo, bundle);
  const manifestDigest = await client.putManifest(repo, digestOf(manifest), manifest, CosignMediaTypes.ociManifest);
  const listed = await client.getReferrers(repo, subject.digest);
  if (listed.some((d) => d.digest === manifestDigest)) return { manifestDigest, path: 'referrers-api' };

  const tag = referrersTag(subject.digest);
  const input = `${client.registry}/${repo}:${tag}`;
  let entries: Descriptor[] = [];
  try {
    const got = await client.getManifest(repo, tag);
    const parsed = parseManifest(got.body, got.mediaType, input);
    if (parsed.kind !== 'index') throw new TrustError('BAD_BUNDLE', `${tag} is not a referrers fallback index; refusing to overwrite it`, { input });
    entries = parsed.manifests;
  } catch (e) {
    if (!(e instanceof OciError && e.code === 'NOT_FOUND')) throw e;
  }
  if (!entries.some((d) => d.digest === manifestDigest)) {
    entries.push({ mediaType: CosignMediaTypes.ociManifest, size: manifest.length, digest: manifestDigest, artifactType: CosignMediaTypes.bundleV03, annotations });
  }
  const index = `{"schemaVersion":2,"mediaType":${goJson(CosignMediaTypes.ociIndex)},"manifests":[${entries.map(descriptorJson).join(',')}]}`;
  await client.putManifest(repo, tag, Buffer.from(index), CosignMediaTypes.ociIndex);
  return { manifestDigest, path: 'fallback-tag' };
}
