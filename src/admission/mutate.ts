/**
 * `/mutate`: pin images by digest at admission. Two sources of work: verifyImages rules with
 * mutateDigest (the DigestMutations the verifying review returns) and Portcullis's own pin mode
 * (`serve --pin-images`: every container image written with a tag and no digest). Tags resolve
 * through oci/'s resolveDigest, cached for a short TTL; the answer is an RFC 6902 JSONPatch of
 * `replace` ops writing `name:tag@sha256:…` (the tag kept for readability).
 *
 * /mutate never denies: a tag that does not resolve in time is left as written and named in a
 * warning, so a registry outage degrades pinning, not admission (validation still decides).
 * Opt-out: the annotation `portcullis.dev/pin: "false"` on the object or its Pod template, or an
 * image matching a `--pin-exclude` glob.
 */
import { resolveDigest, type OpenOptions } from '../oci/index.js';
import { lookupKey, lookupOf, pinnedString, splitWritten } from '../pin/imageref.js';
import type { DigestMutation } from '../policy/engine/index.js';
import type { Resource } from '../policy/types.js';
import { parseAdmissionReview, responseReview, MAX_WARNINGS, WARNING_MAX_CHARS, type AdmissionRequestInfo } from './review.js';

export const PIN_ANNOTATION = 'portcullis.dev/pin';
export const DEFAULT_PIN_CACHE_TTL_MS = 5 * 60_000;

/** Where each kind keeps its Pod template (metadata and spec), as JSON Pointer segments. */
const TEMPLATE: Record<string, string[]> = {
  Pod: [],
  DaemonSet: ['spec', 'template'],
  Deployment: ['spec', 'template'],
  ReplicaSet: ['spec', 'template'],
  ReplicationController: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};
const GROUPS = ['initContainers', 'containers', 'ephemeralContainers'] as const;

export interface JsonPatchOp {
  op: 'replace';
  path: string;
  value: string;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function at(root: unknown, segments: readonly string[]): unknown {
  let v = root;
  for (const k of segments) v = isMap(v) ? v[k] : Array.isArray(v) ? v[Number(k)] : undefined;
  return v;
}

/** `*` any run of characters, `?` one; anchored at both ends. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Tag → digest with a TTL cache; concurrent lookups of one tag share a registry request. */
export class DigestCache {
  private readonly entries = new Map<string, { at: number; value: Promise<string> }>();
  constructor(
    private readonly opts: { ttlMs?: number; registry?: OpenOptions; now?: () => number } = {},
  ) {}

  resolve(reference: string): Promise<string> {
    const w = splitWritten(reference);
    if ('problem' in w) return Promise.reject(new Error(w.problem));
    const ref = lookupOf(w);
    const key = lookupKey(ref);
    const now = (this.opts.now ?? Date.now)();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < (this.opts.ttlMs ?? DEFAULT_PIN_CACHE_TTL_MS)) return hit.value;
    const value = resolveDigest(ref, this.opts.registry ?? {}).then((r) => r.digest);
    this.entries.set(key, { at: now, value });
    // Failures are not cached: the next request asks again.
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }
}

export interface ImagePinnerOptions {
  /** Pin every tagged container image (serve --pin-images); off: only verifyImages mutateDigest. */
  pinAll: boolean;
  /** Globs over the image as written; a match is never pinned. */
  exclude?: readonly string[];
  cache: DigestCache;
}

interface Target {
  path: string;
  image: string;
}

/** The images of a Pod or Pod controller, with their JSON Pointers; none when opted out. */
export function pinTargets(object: Resource | undefined, exclude: readonly RegExp[] = []): Target[] {
  if (!object) return [];
  const template = TEMPLATE[typeof object.kind === 'string' ? object.kind : ''];
  if (!template) return [];
  const optedOut = (m: unknown) => isMap(m) && isMap(m.annotations) && m.annotations[PIN_ANNOTATION] === 'false';
  if (optedOut(object.metadata) || optedOut(at(object, [...template, 'metadata']))) return [];
  const out: Target[] = [];
  for (const group of GROUPS) {
    const list = at(object, [...template, 'spec', group]);
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      const image = isMap(c) ? c.image : undefined;
      if (typeof image !== 'string' || image === '' || exclude.some((g) => g.test(image))) return;
      out.push({ path: `/${[...template, 'spec', group, String(i)].join('/')}/image`, image });
    });
  }
  return out;
}

export interface MutationOutcome {
  review: Record<string, unknown>;
  request: AdmissionRequestInfo;
  patch: JsonPatchOp[];
  warnings: string[];
}

function warning(s: string): string {
  return s.length <= WARNING_MAX_CHARS ? s : `${s.slice(0, WARNING_MAX_CHARS - 1)}…`;
}

/**
 * One AdmissionReview → the /mutate answer: allowed, with a JSONPatch when an image is pinned.
 * `mutations` are verifyImages' mutateDigest results (already resolved). Throws AdmissionError
 * BAD_REQUEST when the review is malformed; never denies.
 */
export async function reviewPinning(
  review: unknown,
  opts: ImagePinnerOptions & { mutations?: readonly DigestMutation[]; deadlineMs?: number },
): Promise<MutationOutcome> {
  const req = parseAdmissionReview(review);
  const ops = new Map<string, string>();
  const warnings: string[] = [];
  const notWrite = req.info.operation !== 'CREATE' && req.info.operation !== 'UPDATE';
  const targets = notWrite ? [] : pinTargets(req.object, (opts.exclude ?? []).map(globToRegExp));
  const allowed = new Map(targets.map((t) => [t.path, t.image]));
  for (const m of opts.mutations ?? []) if (allowed.has(m.jsonPointer)) ops.set(m.jsonPointer, m.value);
  if (opts.pinAll) {
    const pending: Array<Promise<void>> = [];
    for (const t of targets) {
      if (ops.has(t.path)) continue;
      const w = splitWritten(t.image);
      // Already pinned, untagged (`latest` is not pinned implicitly) or unparsable: left alone.
      if ('problem' in w || w.digest !== undefined || w.tag === undefined) continue;
      pending.push(
        opts.cache.resolve(t.image).then(
          (digest) => void ops.set(t.path, pinnedString(w, digest, true)),
          (e: unknown) => void warnings.push(warning(`image ${t.image} not pinned: ${e instanceof Error ? e.message : String(e)}`)),
        ),
      );
    }
    const all = Promise.all(pending);
    if (opts.deadlineMs === undefined) await all;
    else {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), opts.deadlineMs)));
      const r = await Promise.race([all, late]);
      clearTimeout(timer);
      if (r === 'late') warnings.push(warning(`images not pinned: tag resolution took longer than ${opts.deadlineMs} ms`));
    }
  }
  // Snapshot now: a resolution finishing after the deadline must not change the answer.
  const patch: JsonPatchOp[] = [...ops.entries()]
    .filter(([path, value]) => allowed.get(path) !== value)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([path, value]) => ({ op: 'replace', path, value }));
  warnings.sort();
  const response: Record<string, unknown> = { allowed: true };
  if (patch.length > 0) {
    response.patchType = 'JSONPatch';
    response.patch = Buffer.from(JSON.stringify(patch)).toString('base64');
  }
  if (warnings.length > 0) response.warnings = warnings.slice(0, MAX_WARNINGS);
  return { review: responseReview(req.info.uid, response), request: req.info, patch, warnings };
}
