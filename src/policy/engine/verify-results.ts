/**
 * Phase 3 of image verification, pure and synchronous: the verifier's outcomes become one
 * RuleResult per verifyImages rule and resource, with Kyverno's messages
 * (pkg/engine/internal/imageverifier.go, handlers/validation/validate_image.go):
 * `verified image signatures for <image>`, `failed to verify image <image>: <path>: <reason>`,
 * `missing digest for <image>`, `attestation checks failed for <image> and predicate <type>: …`.
 * Attestation conditions are evaluated here, with the engine's condition evaluator, over each
 * verified statement's predicate merged into the rule's context (as Kyverno's AddJSONObject
 * does), so they may also use request variables.
 *
 * A rule's images each get a verdict; the rule's status is the worst of them (fail, error,
 * warn, pass). `required: false` turns an image's fail or error into warn: reported, never
 * blocking.
 */
import type { VariableContext } from '../variables/index.js';
import { Context } from '../variables/context.js';
import type { EvaluationInput, RuleResult, RuleStatus } from '../types.js';
import { evaluateConditions } from './conditions.js';
import { resolveAction } from './evaluate.js';
import type { CompiledImageVerification } from './verify-compile.js';
import type { PlannedImage, PlannedRule } from './verify-plan.js';
import type { DigestMutation, EntryOutcome, ImageOutcome, SetOutcome } from './verify-types.js';

type Status = Exclude<RuleStatus, 'skip'>;

interface Verdict {
  readonly status: Status;
  readonly message: string;
}

const RANK: Record<Status, number> = { fail: 3, error: 2, warn: 1, pass: 0 };

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** JSON merge (objects deep, everything else replaced): Kyverno's AddJSONObject. */
function merge(base: Record<string, unknown>, add: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(add)) out[k] = isMap(v) && isMap(out[k]) ? merge(out[k] as Record<string, unknown>, v) : v;
  return out;
}

function withPredicate(ctx: VariableContext, predicate: unknown): VariableContext {
  const random = ctx instanceof Context ? ctx.random : Math.random;
  return new Context(isMap(predicate) ? merge(ctx.root, predicate) : ctx.root, ctx.now, random);
}

function failedEntries(entries: readonly EntryOutcome[]): string {
  return entries.flatMap((e) => (e.ok ? [] : [`${e.path}: ${e.reason}`])).join('; ');
}

/** fail unless every failing entry failed for an operational reason (then error, as Kyverno's net errors). */
function setVerdict(set: SetOutcome, image: string): Verdict | undefined {
  const verified = set.entries.filter((e) => e.ok).length;
  if (verified >= set.required) return undefined;
  const failed = set.entries.filter((e) => !e.ok);
  const allErrors = failed.length > 0 && failed.every((e) => !e.ok && e.error === true);
  return { status: allErrors ? 'error' : 'fail', message: `failed to verify image ${image}: ${failedEntries(set.entries)}` };
}

function conditionsVerdict(ctx: VariableContext, v: CompiledImageVerification, index: number, predicate: unknown): { ok: boolean; message: string } {
  const spec = v.attestations[index]!;
  const c = withPredicate(ctx, predicate);
  const messages: string[] = [];
  for (const block of spec.conditions) {
    const out = evaluateConditions(block, c);
    if (!out.result) return { ok: false, message: out.message };
    if (out.message !== '') messages.push(out.message);
  }
  return { ok: true, message: messages.join('; ') };
}

function attestationVerdict(ctx: VariableContext, v: CompiledImageVerification, outcome: ImageOutcome, image: string): Verdict | undefined {
  for (let i = 0; i < v.attestations.length; i++) {
    const spec = v.attestations[i]!;
    const got = outcome.attestations[i];
    if (!got) return { status: 'error', message: `failed to verify image ${image}: ${spec.path}: not checked` };
    for (let j = 0; j < got.sets.length; j++) {
      const set = got.sets[j]!;
      let verified = 0;
      const reasons: string[] = [];
      let errorsOnly = true;
      for (const e of set.entries) {
        if (!e.ok) {
          reasons.push(`${e.path}: ${e.reason}`);
          if (e.error !== true) errorsOnly = false;
          continue;
        }
        for (const predicate of e.predicates ?? []) {
          let out: { ok: boolean; message: string };
          try {
            out = conditionsVerdict(ctx, v, i, predicate);
          } catch (err) {
            return { status: 'error', message: `${e.path}: failed to check attestations: ${err instanceof Error ? err.message : String(err)}` };
          }
          if (!out.ok) return { status: 'fail', message: `${e.path}: attestation checks failed for ${image} and predicate ${spec.predicateType}: ${out.message}` };
        }
        verified++;
        if (verified >= set.required) break;
      }
      if (verified < set.required) {
        const why = reasons.length > 0 ? `: ${reasons.join('; ')}` : '';
        return { status: errorsOnly && reasons.length > 0 ? 'error' : 'fail', message: `image attestations verification failed, verifiedCount: ${verified}, requiredCount: ${set.required}${why}` };
      }
    }
  }
  return undefined;
}

/** One image under one verifyImages entry. */
function imageVerdict(ctx: VariableContext, v: CompiledImageVerification, im: PlannedImage, outcome: ImageOutcome | undefined): Verdict {
  const image = im.image;
  if (v.unsupported.length > 0) return { status: 'error', message: `failed to verify image ${image}: not supported here: ${v.unsupported.join(', ')}` };
  // The tag is pinned by /mutate when mutateDigest is on, so only then may a tag pass verifyDigest.
  if (v.verifyDigest && !im.digest && !v.mutateDigest) return { status: 'fail', message: `missing digest for ${image}` };
  if (!outcome) return { status: 'error', message: `failed to verify image ${image}: the verification was not run` };
  const checks = v.attestors.length > 0 || v.attestations.length > 0;
  if (outcome.failure) {
    const what = checks ? `failed to verify image ${image}` : 'failed to update digest';
    return { status: outcome.failure.error ? 'error' : 'fail', message: `${what}: ${outcome.failure.reason}` };
  }
  if (!checks) return { status: 'pass', message: 'image verified' };
  for (let i = 0; i < v.attestors.length; i++) {
    const set = outcome.signatures[i];
    if (!set) return { status: 'error', message: `failed to verify image ${image}: .attestors[${i}]: not checked` };
    const bad = setVerdict(set, image);
    if (bad) return bad;
  }
  if (v.attestations.length === 0) return { status: 'pass', message: `verified image signatures for ${image}` };
  return attestationVerdict(ctx, v, outcome, image) ?? { status: 'pass', message: `verified image attestations for ${image}` };
}

export interface VerifyResultsInput {
  readonly rules: readonly PlannedRule[];
  readonly input: EvaluationInput;
  readonly namespace: string;
  readonly resourceRef: RuleResult['resource'];
  readonly outcomes: ReadonlyMap<string, ImageOutcome>;
}

/** RuleResults for the planned rules, and the digest each verified tag resolved to. */
export function verificationResults(x: VerifyResultsInput): { results: RuleResult[]; mutations: DigestMutation[] } {
  const results: RuleResult[] = [];
  const mutations: DigestMutation[] = [];
  const nsLabels = x.input.admission?.namespaceLabels ?? {};
  for (const planned of x.rules) {
    const { internals: p, rule } = planned;
    let status: RuleStatus;
    let message: string;
    if (planned.immediate) {
      ({ status, message } = planned.immediate);
    } else {
      const verdicts: Verdict[] = [];
      for (const entry of planned.entries) {
        const v = entry.verification;
        for (const im of entry.images) {
          const outcome = x.outcomes.get(im.requestKey);
          let verdict = imageVerdict(planned.ctx as VariableContext, v, im, outcome);
          if (verdict.status !== 'pass' && !v.required && verdict.message !== `missing digest for ${im.image}`) {
            verdict = { status: 'warn', message: `${verdict.message} (not required: allowed)` };
          }
          verdicts.push(verdict);
          if (verdict.status === 'pass' && v.mutateDigest && !im.digest && outcome?.digest) {
            mutations.push({ policy: planned.policy, rule: rule.name, jsonPointer: im.jsonPointer, image: im.image, digest: outcome.digest, value: `${im.reference}@${outcome.digest}` });
          }
        }
      }
      const worst = verdicts.reduce<Status>((w, d) => (RANK[d.status] > RANK[w] ? d.status : w), 'pass');
      status = worst;
      message = [...new Set(verdicts.filter((d) => (worst === 'pass' ? true : d.status !== 'pass')).map((d) => d.message))].join('; ');
    }
    if (status === 'fail' && !p.scored) status = 'warn';
    results.push({
      policy: planned.policy,
      rule: rule.name,
      status,
      message,
      action: resolveAction(p, rule, x.namespace, nsLabels),
      resource: { ...x.resourceRef },
      ...(p.category !== undefined ? { category: p.category } : {}),
      ...(p.severity !== undefined ? { severity: p.severity } : {}),
      scored: p.scored,
    });
  }
  return { results, mutations };
}
