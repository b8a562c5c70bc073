// Tags to digests, through oci/ (the only module that speaks to registries). Each distinct
// reference is resolved once, a few at a time; a failure belongs to that reference and is
// returned, not thrown, so one missing tag does not stop the others.
import {
  OciError,
  RegistryClient,
  formatPlatform,
  parseConfig,
  parseManifest,
  platformMatches,
  resolveDigest,
  selectPlatform,
  type ImageRef,
  type OpenOptions,
  type Platform,
} from '../oci/index.js';
import { PinError } from './types.js';

export interface ResolveOptions extends OpenOptions {
  /**
   * Resolve the references of a registry at another host: `{ 'docker.io': 'localhost:5000' }`.
   * The references written stay as they are; only the lookup goes elsewhere (a mirror, a
   * local or CI registry holding the same images).
   */
  mirrors?: Record<string, string>;
  /** Distinct references resolved at once (default 4). */
  concurrency?: number;
  /**
   * Pin one platform's manifest instead of the index (default: the index digest, which
   * every platform can pull). A single-platform image must match it.
   */
  platform?: Platform;
}

export interface Resolved {
  digest: string;
  mediaType: string;
  /** The host that answered (the mirror when one applies). */
  via: string;
  /** With a platform: the platform of the manifest chosen. */
  platform?: string;
}

export type ResolveOutcome = { ok: true; value: Resolved } | { ok: false; code: string; message: string };

/** `docker.io=localhost:5000` → ['docker.io', 'localhost:5000'], with Docker's aliases for Docker Hub. */
export function parseMirror(spec: string): [string, string] {
  const eq = spec.indexOf('=');
  const from = spec.slice(0, eq).trim().toLowerCase();
  const to = spec.slice(eq + 1).trim();
  if (eq <= 0 || !from || !to || /[/\s@]/.test(from) || /[\s@]/.test(to) || to.includes('/')) {
    throw new PinError('BAD_OPTION', `mirror ${JSON.stringify(spec)} is not REGISTRY=HOST[:PORT] (e.g. docker.io=localhost:5000)`, { input: '--mirror' });
  }
  return [from === 'index.docker.io' || from === 'registry-1.docker.io' ? 'docker.io' : from, to];
}

function hostFor(ref: ImageRef, opts: ResolveOptions): string {
  return opts.mirrors?.[ref.registry] ?? ref.registry;
}

/** Resolves one tag: the index digest, or with `platform` the matching manifest's digest. */
export async function resolveReference(ref: ImageRef, opts: ResolveOptions = {}): Promise<Resolved> {
  const via = hostFor(ref, opts);
  const target: ImageRef = { ...ref, registry: via };
  const open: OpenOptions = { ...opts };
  delete (open as ResolveOptions).mirrors;
  if (!opts.platform) {
    const r = await resolveDigest(target, open);
    return { digest: r.digest, mediaType: r.mediaType, via };
  }
  const client = new RegistryClient(via, open);
  const got = await client.getManifest(ref.repository, ref.tag ?? 'latest');
  const name = `${via}/${ref.repository}:${ref.tag ?? 'latest'}`;
  const parsed = parseManifest(got.body, got.mediaType, name);
  if (parsed.kind === 'index') {
    const chosen = selectPlatform(parsed.manifests, opts.platform, name);
    return { digest: chosen.digest, mediaType: chosen.mediaType, via, platform: formatPlatform(chosen.platform ?? opts.platform) };
  }
  // A single-platform image: its config says which platform it is built for.
  const config = parseConfig(await client.getBlob(ref.repository, parsed.config.digest, parsed.config.size), `${name} config`);
  if (config.os && config.architecture) {
    const have: Platform = { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
    if (!platformMatches(opts.platform, have)) {
      throw new OciError('NO_MATCHING_PLATFORM', `is a single-platform image for ${formatPlatform(have)}, not ${formatPlatform(opts.platform)}`, { input: name });
    }
    return { digest: got.digest, mediaType: parsed.mediaType, via, platform: formatPlatform(have) };
  }
  return { digest: got.digest, mediaType: parsed.mediaType, via };
}

function failure(e: unknown): ResolveOutcome {
  if (e instanceof OciError) return { ok: false, code: e.code, message: e.message };
  if (e instanceof PinError) return { ok: false, code: e.code, message: e.message };
  return { ok: false, code: 'ERROR', message: (e as Error)?.message?.split('\n')[0] ?? String(e) };
}

/**
 * Resolves distinct references (keyed by the caller), `concurrency` at a time. Every key
 * gets an outcome; none throws.
 */
export async function resolveAll(refs: ReadonlyMap<string, ImageRef>, opts: ResolveOptions = {}): Promise<Map<string, ResolveOutcome>> {
  const out = new Map<string, ResolveOutcome>();
  const queue = [...refs.entries()];
  const workers = Math.max(1, Math.min(opts.concurrency ?? 4, queue.length));
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (next < queue.length) {
        const [key, ref] = queue[next++];
        try {
          out.set(key, { ok: true, value: await resolveReference(ref, opts) });
        } catch (e) {
          out.set(key, failure(e));
        }
      }
    }),
  );
  return out;
}
