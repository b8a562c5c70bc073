// Reading what oci-store.ts writes (and what cosign writes): the legacy `.sig`/`.att`
// manifests and the bundle referrers, from a registry or an `oci:` layout. Nothing read
// here is trusted: every problem with one signature becomes that signature's `problem`,
// so one malformed layer cannot hide the others.
import { readFile, stat } from 'node:fs/promises';
import { join, resolve as resolvePath } from 'node:path';
import { digestProblem, OciError, parseManifest, verifyBuffer, type Descriptor, type RegistryClient } from '../oci/index.js';
import { TrustError } from './errors.js';
import { BUNDLE_TYPE_PREFIX, CosignMediaTypes, legacyTag, MAX_LEGACY_LAYERS, referrersTag, type LegacyKind } from './oci-store.js';

/** Payloads and bundles are small; cosign caps layers it reads similarly. */
const MAX_ARTIFACT_BYTES = 4 * 1024 * 1024;
const MAX_REFERRERS = 1000;
const REF_NAME = 'org.opencontainers.image.ref.name';

export interface StoredManifest {
  body: Buffer;
  mediaType: string;
  digest: string;
}

/** Where signatures are read from: a registry repository, or an OCI image layout. */
export interface ArtifactReader {
  /** For messages: `registry/repo` or `oci:DIR`. */
  readonly name: string;
  /** The manifest at a tag or digest; undefined when there is none. */
  manifest(reference: string): Promise<StoredManifest | undefined>;
  /** A blob, verified against its descriptor. */
  blob(d: Descriptor): Promise<Buffer>;
  /** Referrers the store can list natively (the registry API; a layout's index.json); [] when none. */
  referrers(digest: string): Promise<Descriptor[]>;
}

export function registryReader(client: RegistryClient, repo: string): ArtifactReader {
  return {
    name: `${client.registry}/${repo}`,
    async manifest(reference) {
      try {
        return await client.getManifest(repo, reference);
      } catch (e) {
        if (e instanceof OciError && e.code === 'NOT_FOUND') return undefined;
        throw e;
      }
    },
    blob: (d) => client.getBlob(repo, d.digest, d.size, MAX_ARTIFACT_BYTES),
    referrers: (digest) => client.getReferrers(repo, digest),
  };
}

/**
 * An OCI layout as a signature store: tags are `org.opencontainers.image.ref.name` values
 * in index.json (what `skopeo copy … oci:DIR:sha256-<hex>.sig` writes), and referrers
 * are index.json entries whose manifest names the image as its subject.
 */
export function layoutReader(dir: string): ArtifactReader {
  const abs = resolvePath(dir);
  const name = `oci:${abs}`;
  let index: Promise<Descriptor[]> | undefined;
  const entries = () => {
    index ??= (async () => {
      const data = await readFile(join(abs, 'index.json')).catch((e: Error) => {
        throw new OciError('INVALID_LAYOUT', `cannot read index.json: ${e.message}`, { input: abs });
      });
      const parsed = parseManifest(data, CosignMediaTypes.ociIndex, `${abs}/index.json`);
      if (parsed.kind !== 'index') throw new OciError('INVALID_LAYOUT', 'index.json is not an image index', { input: abs });
      return parsed.manifests;
    })();
    return index;
  };
  const blob = async (d: Descriptor): Promise<Buffer> => {
    const problem = digestProblem(d.digest);
    if (problem) throw new OciError('INVALID_LAYOUT', problem, { input: abs });
    if (d.size > MAX_ARTIFACT_BYTES) throw new OciError('TOO_LARGE', `blob ${d.digest} is ${d.size} bytes, over the ${MAX_ARTIFACT_BYTES}-byte limit`, { input: abs });
    const [algorithm, hex] = d.digest.split(':') as [string, string];
    const path = join(abs, 'blobs', algorithm, hex);
    const st = await stat(path).catch(() => undefined);
    if (!st?.isFile()) throw new OciError('NOT_FOUND', `blob ${d.digest} is missing from the layout`, { input: abs });
    if (st.size > MAX_ARTIFACT_BYTES) throw new OciError('TOO_LARGE', `blob ${d.digest} is ${st.size} bytes, over the ${MAX_ARTIFACT_BYTES}-byte limit`, { input: abs });
    const data = await readFile(path);
    verifyBuffer(data, d.digest, d.size, `${abs}:${d.digest}`);
    return data;
  };
  const manifestOf = async (d: Descriptor): Promise<StoredManifest> => ({ body: await blob(d), mediaType: d.mediaType, digest: d.digest });
  return {
    name,
    async manifest(reference) {
      const all = await entries();
      const d = digestProblem(reference) === undefined ? all.find((m) => m.digest === reference) : all.find((m) => m.annotations?.[REF_NAME] === reference);
      return d ? manifestOf(d) : undefined;
    },
    blob,
    async referrers(digest) {
      const out: Descriptor[] = [];
      for (const d of (await entries()).slice(0, MAX_REFERRERS)) {
        if (d.mediaType !== CosignMediaTypes.ociManifest || d.digest === digest) continue;
        let doc: { subject?: { digest?: unknown }; artifactType?: unknown } | null;
        try {
          doc = JSON.parse((await blob(d)).toString('utf8')) as typeof doc;
        } catch {
          continue; // not JSON: not a referrer of anything
        }
        if (doc?.subject?.digest !== digest) continue;
        const artifactType = typeof doc.artifactType === 'string' ? doc.artifactType : d.artifactType;
        out.push({ ...d, ...(artifactType ? { artifactType } : {}) });
      }
      return out;
    },
  };
}

/** One layer of a `.sig`/`.att` manifest, read and checked for shape (not yet verified). */
export interface LegacyEntry {
  /** `registry/repo:sha256-<hex>.sig` */
  location: string;
  manifestDigest: string;
  /** Layer position in the manifest. */
  index: number;
  layer: Descriptor;
  annotations: Record<string, string>;
  /** The payload blob, when it could be read. */
  payload?: Buffer;
  /** Why this layer cannot be a signature (wrong media type, unreadable blob, …). */
  problem?: TrustError;
}

function problemOf(e: unknown, input: string): TrustError {
  if (e instanceof TrustError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new TrustError('BAD_BUNDLE', msg, { input, cause: e });
}

/** The legacy signatures (kind `sig`) or attestations (`att`) stored for an image digest. */
export async function readLegacy(reader: ArtifactReader, imageDigest: string, kind: LegacyKind): Promise<LegacyEntry[]> {
  const tag = legacyTag(imageDigest, kind);
  const location = `${reader.name}:${tag}`;
  const got = await reader.manifest(tag);
  if (!got) return [];
  const wantType = kind === 'sig' ? CosignMediaTypes.simpleSigning : CosignMediaTypes.dsseEnvelope;
  let layers: Descriptor[];
  try {
    const parsed = parseManifest(got.body, got.mediaType, location);
    if (parsed.kind !== 'manifest') throw new TrustError('BAD_BUNDLE', `${tag} holds an image index, not a cosign ${kind === 'sig' ? 'signature' : 'attestation'} manifest`, { input: location });
    layers = parsed.layers;
  } catch (e) {
    const layer: Descriptor = { mediaType: got.mediaType, digest: got.digest, size: got.body.length };
    return [{ location, manifestDigest: got.digest, index: -1, layer, annotations: {}, problem: problemOf(e, location) }];
  }
  const out: LegacyEntry[] = [];
  for (const [index, layer] of layers.slice(0, MAX_LEGACY_LAYERS).entries()) {
    const entry: LegacyEntry = { location, manifestDigest: got.digest, index, layer, annotations: layer.annotations ?? {} };
    const input = `${location} layer ${index}`;
    if (layer.mediaType !== wantType) {
      entry.problem = new TrustError('BAD_BUNDLE', `layer media type ${JSON.stringify(layer.mediaType)} is not ${wantType}`, { input });
    } else {
      try {
        entry.payload = await reader.blob(layer);
      } catch (e) {
        entry.problem = problemOf(e, input);
      }
    }
    out.push(entry);
  }
  return out;
}

/** A Sigstore bundle stored as a referrer of the image. */
export interface BundleEntry {
  /** `registry/repo@sha256:<manifest>` */
  location: string;
  manifestDigest: string;
  /** How it was found. */
  via: 'referrers-api' | 'fallback-tag';
  annotations: Record<string, string>;
  /** The parsed bundle JSON (checked by the verifier). */
  bundle?: unknown;
  problem?: TrustError;
}

/**
 * Bundle referrers of an image: the referrers API first, then the tag-schema fallback
 * index; each manifest is read once, and its subject must be the image.
 */
export async function readBundles(reader: ArtifactReader, imageDigest: string): Promise<BundleEntry[]> {
  const found = new Map<string, { d: Descriptor; via: BundleEntry['via'] }>();
  for (const d of await reader.referrers(imageDigest)) if (!found.has(d.digest)) found.set(d.digest, { d, via: 'referrers-api' });
  const fallback = await reader.manifest(referrersTag(imageDigest));
  if (fallback) {
    const parsed = parseManifest(fallback.body, fallback.mediaType, `${reader.name}:${referrersTag(imageDigest)}`);
    if (parsed.kind === 'index') for (const d of parsed.manifests) if (!found.has(d.digest)) found.set(d.digest, { d, via: 'fallback-tag' });
  }
  const out: BundleEntry[] = [];
  const wanted = [...found.values()].filter(({ d }) => d.artifactType?.startsWith(BUNDLE_TYPE_PREFIX)).slice(0, MAX_REFERRERS);
  for (const { d, via } of wanted) {
    const location = `${reader.name}@${d.digest}`;
    const entry: BundleEntry = { location, manifestDigest: d.digest, via, annotations: d.annotations ?? {} };
    try {
      const got = await reader.manifest(d.digest);
      if (!got) throw new TrustError('BAD_BUNDLE', 'referrer manifest is missing', { input: location });
      const parsed = parseManifest(got.body, got.mediaType, location);
      if (parsed.kind !== 'manifest') throw new TrustError('BAD_BUNDLE', 'referrer is an index, not a bundle manifest', { input: location });
      const subject = (JSON.parse(got.body.toString('utf8')) as { subject?: { digest?: unknown } }).subject?.digest;
      if (subject !== imageDigest) throw new TrustError('WRONG_DIGEST', `referrer's subject is ${String(subject)}, not the image ${imageDigest}`, { input: location });
      entry.annotations = parsed.annotations ?? entry.annotations;
      const layer = parsed.layers[0];
      if (parsed.layers.length !== 1 || !layer.mediaType.startsWith(BUNDLE_TYPE_PREFIX)) {
        throw new TrustError('BAD_BUNDLE', `referrer must hold one bundle layer, found ${parsed.layers.map((l) => l.mediaType).join(', ') || 'none'}`, { input: location });
      }
      const bytes = await reader.blob(layer);
      try {
        entry.bundle = JSON.parse(bytes.toString('utf8'));
      } catch (e) {
        throw new TrustError('BAD_BUNDLE', `bundle is not JSON: ${(e as Error).message}`, { input: location, cause: e });
      }
    } catch (e) {
      entry.problem = problemOf(e, location);
    }
    out.push(entry);
  }
  return out;
}
