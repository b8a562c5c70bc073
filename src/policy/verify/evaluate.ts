/**
 * Evaluation with image verification: the synchronous validate rules, then verifyImages in
 * three steps — plan (pure: which images each rule needs verified), verify (async, once per
 * distinct image for the whole request), results (pure: Kyverno's rule responses). The
 * results come back in policy order and, within a policy, in rule order.
 */
import {
  evaluatePolicies,
  imageVerificationResults,
  planImageVerification,
  type CompiledPolicy,
  type DigestMutation,
  type ImageOutcome,
  type ImageVerificationPlan,
} from '../engine/index.js';
import type { EvaluationInput, RuleResult } from '../types.js';
import type { ImageVerifier } from './verifier.js';

export interface VerifiedEvaluation {
  results: RuleResult[];
  /** Tags verified under mutateDigest: what /mutate pins (the pinning issue applies the patch). */
  mutations: DigestMutation[];
  /** Every verification outcome of the request, in request order. */
  outcomes: ImageOutcome[];
  plan: ImageVerificationPlan;
}

export interface VerifiedEvaluationOptions {
  /** Verification outcomes not ready by then are errors (see ImageVerifier.verify). */
  deadlineMs?: number;
}

/** Validate results and verifyImages results, ordered by policy then rule. */
function ordered(ps: readonly CompiledPolicy[], results: RuleResult[]): RuleResult[] {
  const policyIndex = new Map(ps.map((p, i) => [p.name, i]));
  const ruleIndex = new Map(ps.flatMap((p) => p.ruleNames.map((r, i) => [`${p.name}\u0000${r}`, i] as const)));
  const pos = (r: RuleResult) => [policyIndex.get(r.policy) ?? ps.length, ruleIndex.get(`${r.policy}\u0000${r.rule}`) ?? 0] as const;
  return results
    .map((r, i) => ({ r, i, k: pos(r) }))
    .sort((a, b) => a.k[0] - b.k[0] || a.k[1] - b.k[1] || a.i - b.i)
    .map((x) => x.r);
}

/**
 * evaluatePolicies plus verifyImages rules. Every image the request's verifyImages rules name is
 * verified at once, each distinct (image, verification) once; cached answers cost no I/O.
 */
export async function evaluatePoliciesWithVerification(
  ps: readonly CompiledPolicy[],
  input: EvaluationInput,
  verifier: ImageVerifier,
  opts: VerifiedEvaluationOptions = {},
): Promise<VerifiedEvaluation> {
  const validate = evaluatePolicies(ps, input);
  const plan = planImageVerification(ps, input);
  if (plan.rules.length === 0) return { results: validate, mutations: [], outcomes: [], plan };
  const outcomes = plan.requests.length > 0 ? await verifier.verify(plan.requests, { context: plan.context, ...(opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {}) }) : new Map<string, ImageOutcome>();
  const { results, mutations } = imageVerificationResults(plan, outcomes);
  return { results: ordered(ps, [...validate, ...results]), mutations, outcomes: plan.requests.flatMap((r) => outcomes.get(r.key) ?? []), plan };
}
