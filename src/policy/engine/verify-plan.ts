/**
 * Phase 1 of image verification, pure and synchronous: for each verifyImages rule that applies
 * to the resource (match/exclude, context, preconditions; never on DELETE), the images of the
 * `images` variable (initContainers, containers, ephemeralContainers) that match the entry's
 * imageReferences and none of its skipImageReferences. Each distinct (image, verification) is
 * one ImageRequest, however many containers or rules name it.
 */
import { addContextEntries, buildContext, substitute } from '../variables/index.js';
import type { VariableContext } from '../variables/index.js';
import type { EvaluationInput, Resource } from '../types.js';
import { Checker } from './checks.js';
import type { CompiledRule, PolicyInternals } from './compile.js';
import { evaluateConditions } from './conditions.js';
import { subjectOf } from './evaluate.js';
import type { MatchSubject } from './match.js';
import { compileImageVerification, withConditions, withoutConditions } from './verify-compile.js';
import type { CompiledImageVerification, CompiledVerifyImages } from './verify-compile.js';
import type { ImageRequest, VerificationContext } from './verify-types.js';
import { wildcardMatch } from './wildcard.js';

export interface PlannedImage {
  readonly image: string;
  readonly reference: string;
  readonly digest?: string;
  readonly jsonPointer: string;
  readonly requestKey: string;
}

export interface PlannedEntry {
  readonly verification: CompiledImageVerification;
  readonly images: readonly PlannedImage[];
}

export interface PlannedRule {
  readonly policy: string;
  readonly internals: PolicyInternals;
  readonly rule: CompiledRule;
  readonly ctx: VariableContext | undefined;
  readonly entries: readonly PlannedEntry[];
  /** A response decided without verification: preconditions not met, a context or substitution error. */
  readonly immediate?: { readonly status: 'skip' | 'error'; readonly message: string };
}

export interface VerifyPlanState {
  subject?: MatchSubject;
  ctx?: VariableContext;
  readonly requests: Map<string, ImageRequest>;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const IMAGE_GROUPS = ['initContainers', 'containers', 'ephemeralContainers'];

interface ImageEntry {
  readonly image: string;
  readonly reference: string;
  readonly digest?: string;
  readonly jsonPointer: string;
}

/** The value at a JSON pointer (`/spec/containers/0/image`), or undefined. */
function atPointer(doc: unknown, pointer: string): unknown {
  let cur = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const k = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(cur)) cur = cur[Number(k)];
    else if (isMap(cur)) cur = cur[k];
    else return undefined;
  }
  return cur;
}

/** The `images` variable as a list, in Kyverno's group order and each group's container order. */
function imagesOf(ctx: VariableContext, resource: Resource): ImageEntry[] {
  const images = ctx.root.images;
  if (!isMap(images)) return [];
  const out: ImageEntry[] = [];
  for (const group of IMAGE_GROUPS) {
    const infos = images[group];
    if (!isMap(infos)) continue;
    for (const info of Object.values(infos)) {
      if (!isMap(info) || typeof info.reference !== 'string') continue;
      const pointer = typeof info.jsonPointer === 'string' ? info.jsonPointer : '';
      const written = atPointer(resource, pointer);
      out.push({
        image: info.reference,
        reference: typeof written === 'string' && written.trim() !== '' ? written.trim() : info.reference,
        ...(typeof info.digest === 'string' && info.digest !== '' ? { digest: info.digest } : {}),
        jsonPointer: pointer,
      });
    }
  }
  return out;
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

/** The namespace, imagePullSecrets and serviceAccountName whose credentials pull the resource's images. */
export function verificationContextOf(resource: Resource, namespace: string): VerificationContext {
  let spec: unknown = resource;
  for (const k of POD_SPEC[typeof resource.kind === 'string' ? resource.kind : ''] ?? []) spec = isMap(spec) ? spec[k] : undefined;
  const pod = isMap(spec) ? spec : {};
  const pullSecrets = Array.isArray(pod.imagePullSecrets)
    ? pod.imagePullSecrets.flatMap((s) => (isMap(s) && typeof s.name === 'string' && s.name !== '' ? [s.name] : []))
    : [];
  const sa = typeof pod.serviceAccountName === 'string' && pod.serviceAccountName !== '' ? pod.serviceAccountName : 'default';
  return { namespace, pullSecrets: [...new Set(pullSecrets)], serviceAccountName: sa };
}

function matchesAny(patterns: readonly string[], image: string): boolean {
  return patterns.some((p) => wildcardMatch(p, image));
}

const dynamicCache = new WeakMap<CompiledVerifyImages, Map<string, CompiledImageVerification>>();
const DYNAMIC_CACHE_LIMIT = 256;

/** The entries of a rule with their `{{ }}` substituted (entries without variables as compiled). */
function resolveEntries(vi: CompiledVerifyImages, ctx: VariableContext): CompiledImageVerification[] {
  if (vi.dynamic.length === 0) return [...vi.entries];
  let cache = dynamicCache.get(vi);
  if (!cache) dynamicCache.set(vi, (cache = new Map()));
  const out = [...vi.entries];
  for (const d of vi.dynamic) {
    const { rest, conditions } = withoutConditions(d.raw);
    const resolved = withConditions(substitute(rest, ctx, 'error'), conditions);
    const text = JSON.stringify(resolved) ?? 'null';
    let compiled = cache.get(text);
    if (!compiled) {
      compiled = compileImageVerification(new Checker('verifyImages'), resolved, `verifyImages[${d.index}]`, d.index);
      if (cache.size >= DYNAMIC_CACHE_LIMIT) cache.clear();
      cache.set(text, compiled);
    }
    out[d.index] = compiled;
  }
  return out;
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Plans the verifyImages rules of one policy; requests are added to `state` (deduplicated). */
export function planRules(policy: string, p: PolicyInternals, input: EvaluationInput, state: VerifyPlanState): PlannedRule[] {
  const operation = input.admission?.operation ?? '';
  if (operation === 'DELETE') return [];
  const out: PlannedRule[] = [];
  for (const rule of p.rules) {
    if (!rule.verifyImages) continue;
    const subject = (state.subject ??= subjectOf(input, input.resource, operation));
    if (!rule.match.matches(subject)) continue;
    let ctx = (state.ctx ??= buildContext(input));
    const base = { policy, internals: p, rule };
    if (rule.context && rule.context.length > 0) {
      try {
        ctx = addContextEntries(ctx, rule.context);
      } catch (e) {
        out.push({ ...base, ctx, entries: [], immediate: { status: 'error', message: `failed to load context: ${errorText(e)}` } });
        continue;
      }
    }
    if (rule.preconditions) {
      let met: ReturnType<typeof evaluateConditions>;
      try {
        met = evaluateConditions(rule.preconditions, ctx);
      } catch (e) {
        out.push({ ...base, ctx, entries: [], immediate: { status: 'error', message: `failed to evaluate preconditions: ${errorText(e)}` } });
        continue;
      }
      if (!met.result) {
        out.push({ ...base, ctx, entries: [], immediate: { status: 'skip', message: ['preconditions not met', met.message].filter((x) => x !== '').join('; ') } });
        continue;
      }
    }
    let verifications: CompiledImageVerification[];
    try {
      verifications = resolveEntries(rule.verifyImages, ctx);
    } catch (e) {
      out.push({ ...base, ctx, entries: [], immediate: { status: 'error', message: `failed to substitute variables in verifyImages: ${errorText(e)}` } });
      continue;
    }
    const images = imagesOf(ctx, input.resource);
    const entries: PlannedEntry[] = [];
    for (const v of verifications) {
      const matched = images.filter((im) => matchesAny(v.imageReferences, im.image) && !matchesAny(v.skipImageReferences, im.image));
      if (matched.length === 0) continue;
      const planned = matched.map((im): PlannedImage => {
        const key = [im.image, im.reference, v.verificationKey, v.allowInsecureRegistry ? 'insecure' : '', v.useCache ? '' : 'no-cache', v.credentialSecrets.join(',')].join('\u0000');
        if (!state.requests.has(key)) {
          state.requests.set(key, {
            key,
            image: im.image,
            reference: im.reference,
            ...(im.digest ? { digest: im.digest } : {}),
            verification: v,
            insecure: v.allowInsecureRegistry,
            credentialSecrets: v.credentialSecrets,
          });
        }
        return { image: im.image, reference: im.reference, ...(im.digest ? { digest: im.digest } : {}), jsonPointer: im.jsonPointer, requestKey: key };
      });
      entries.push({ verification: v, images: planned });
    }
    // No image of the resource is named by the rule: the rule does not apply.
    if (entries.length === 0) continue;
    out.push({ ...base, ctx, entries });
  }
  return out;
}
