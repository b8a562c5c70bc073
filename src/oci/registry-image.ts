// A bare reference opened from its registry, and digest resolution for pinning.
import type { Readable } from 'node:stream';
import { checkLayerIndex } from './common.js';
import { checkConfigType, parseConfig, parseManifest, platformOf, toLayerInfos } from './manifest.js';
import { isImageManifestType, isIndexType } from './media-types.js';
import { hostPlatform, selectPlatform } from './platform.js';
import { formatReference, parseReference } from './reference.js';
import { RegistryClient } from './registry.js';
import { OciError, type ImageRef, type ImageSource, type LayerInfo, type OpenOptions } from './types.js';

const MAX_NESTING = 4;

export async function openRegistryImage(refOrString: ImageRef | string, opts: OpenOptions = {}): Promise<ImageSource> {
  const ref = typeof refOrString === 'string' ? parseReference(refOrString) : refOrString;
  const name = formatReference(ref);
  const client = new RegistryClient(ref.registry, opts);
  const platform = opts.platform ?? hostPlatform();

  // A reference with both tag and digest is pulled by digest, as Docker does.
  let reference = ref.digest ?? (ref.tag as string);
  let indexDigest: string | undefined;
  for (let depth = 0; ; depth++) {
    if (depth > MAX_NESTING) throw new OciError('INVALID_MANIFEST', `indexes nested deeper than ${MAX_NESTING}`, { input: name });
    const got = await client.getManifest(ref.repository, reference);
    const parsed = parseManifest(got.body, got.mediaType, `${name} (${got.digest})`);
    if (parsed.kind === 'index') {
      indexDigest ??= got.digest;
      reference = selectPlatform(parsed.manifests, platform, name).digest;
      continue;
    }
    checkConfigType(parsed.config, name);
    const configBytes = await client.getBlob(ref.repository, parsed.config.digest, parsed.config.size);
    const config = parseConfig(configBytes, `${name} config ${parsed.config.digest}`);
    const layers = toLayerInfos(parsed.layers, config, name);
    const source: ImageSource = {
      transport: 'registry',
      name,
      ref,
      manifestDigest: got.digest,
      manifest: got.body,
      configDigest: parsed.config.digest,
      config,
      layers,
      async openLayer(layer: LayerInfo): Promise<Readable> {
        const own = layers[checkLayerIndex(layers, layer, name)];
        return client.openBlob(ref.repository, own.digest, own.size);
      },
      async close() {
        // Connections are pooled by node's global agent; nothing to release per image.
      },
    };
    if (indexDigest) source.indexDigest = indexDigest;
    const p = platformOf(config);
    if (p) source.platform = p;
    return source;
  }
}

/**
 * The digest a reference resolves to now (the index digest for a multi-arch image),
 * with its media type and size. HEAD with the manifest Accept types; when the registry
 * omits Docker-Content-Digest, GET the manifest and hash it.
 */
export async function resolveDigest(refOrString: ImageRef | string, opts: OpenOptions = {}): Promise<{ digest: string; mediaType: string; size: number }> {
  const ref = typeof refOrString === 'string' ? parseReference(refOrString) : refOrString;
  const client = new RegistryClient(ref.registry, opts);
  const reference = ref.digest ?? (ref.tag as string);
  const head = await client.headManifest(ref.repository, reference);
  const known = (t: string | undefined): t is string => t !== undefined && (isIndexType(t) || isImageManifestType(t));
  if (head.digest && known(head.mediaType) && head.size !== undefined) {
    if (ref.digest && head.digest !== ref.digest) {
      throw new OciError('DIGEST_MISMATCH', `registry reports ${head.digest} for ${formatReference(ref)}`, { input: formatReference(ref) });
    }
    return { digest: head.digest, mediaType: head.mediaType, size: head.size };
  }
  const got = await client.getManifest(ref.repository, reference);
  const parsed = parseManifest(got.body, got.mediaType, formatReference(ref));
  return { digest: got.digest, mediaType: parsed.mediaType, size: got.body.length };
}
