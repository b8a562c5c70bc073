/**
 * The Kyverno-compatible validate engine: load policies and resources, compile policies once
 * (validation, autogen, patterns, conditions, match filters), evaluate resources against them.
 */
import type { EvaluationInput, Resource, RuleResult } from '../types.js';
import { PolicyError } from '../types.js';
import { compilePolicyDoc } from './compile.js';
import type { PolicyInternals } from './compile.js';
import { evaluateRules } from './evaluate.js';
import type { SharedContext } from './evaluate.js';
import { planRules, verificationContextOf } from './verify-plan.js';
import type { PlannedRule, VerifyPlanState } from './verify-plan.js';
import { verificationResults } from './verify-results.js';
import type { DigestMutation, ImageOutcome, ImageRequest, VerificationContext } from './verify-types.js';

export { loadPolicies, loadResources, parseDocuments, MAX_DEPTH } from './load.js';
export { wildcardMatch, containsWildcard } from './wildcard.js';
export { parseAnchor } from './anchor.js';
export { matchPattern } from './pattern.js';
export type { PatternOutcome } from './pattern.js';
export { compileValuePattern, compileStringPattern, operatorOf } from './pattern-value.js';
export { evaluateOperator, normalizeOperator } from './operators.js';
export type { ConditionOperator } from './operators.js';
export { computeRules, canAutogen, AUTOGEN_ANNOTATION } from './autogen.js';
export { parseKindSelector } from './match.js';
export { goFormatE, goFormatF, goFormatFloatV, goSprint } from './gofmt.js';
export { extractVariables } from './compile.js';
export { splitPublicKeys } from './verify-compile.js';
export type { AttestationSpec, AttestorSetSpec, AttestorSpec, CompiledImageVerification, CtlogSpec, RekorSpec } from './verify-compile.js';
export type { DigestMutation, EntryOutcome, ImageOutcome, ImageRequest, SetOutcome, VerificationContext } from './verify-types.js';

export interface CompiledPolicy {
  /** Policy key: `name` for a ClusterPolicy, `namespace/name` for a Policy. */
  readonly name: string;
  readonly kind: 'ClusterPolicy' | 'Policy';
  readonly namespace?: string;
  readonly source: string;
  /** The policy as loaded. */
  readonly doc: Resource;
  /** Rule names in evaluation order, including generated `autogen-*` rules. */
  readonly ruleNames: string[];
  readonly background: boolean;
  readonly annotations: Record<string, string>;
}

const internals = new WeakMap<CompiledPolicy, PolicyInternals>();

/**
 * Validates a kyverno.io ClusterPolicy/Policy (unknown fields, operators, anchors, JMESPath →
 * PolicyError INVALID_POLICY naming the field path), adds autogen rules and compiles patterns,
 * conditions and match blocks once.
 */
export function compilePolicy(doc: Resource, source: string): CompiledPolicy {
  const out = compilePolicyDoc(doc, source);
  const p: CompiledPolicy = {
    name: out.name,
    kind: out.kind,
    ...(out.namespace !== undefined ? { namespace: out.namespace } : {}),
    source,
    doc,
    ruleNames: out.ruleNames,
    background: out.background,
    annotations: out.annotations,
  };
  internals.set(p, out.internals);
  return p;
}

/** One result per rule that gives a response (rules that do not match, or skip silently, give none). */
export function evaluatePolicy(p: CompiledPolicy, input: EvaluationInput): RuleResult[] {
  const inner = internals.get(p);
  if (!inner) throw new PolicyError('INVALID_POLICY', `${p.source}: ${p.name} was not compiled by compilePolicy`, { input: p.source });
  return evaluateRules(p, inner, input);
}

/**
 * Evaluates several policies against one input, building the variable context once (as
 * Kyverno builds one JSON context per admission request). Results in policy order.
 */
export function evaluatePolicies(ps: readonly CompiledPolicy[], input: EvaluationInput): RuleResult[] {
  const shared: SharedContext = {};
  const out: RuleResult[] = [];
  for (const p of ps) {
    const inner = internals.get(p);
    if (!inner) throw new PolicyError('INVALID_POLICY', `${p.source}: ${p.name} was not compiled by compilePolicy`, { input: p.source });
    out.push(...evaluateRules(p, inner, input, shared));
  }
  return out;
}

// --- verifyImages: plan (pure) → verify (async, policy/verify) → results (pure) --------

/** What a resource needs verified, from planImageVerification; hand `requests` to a verifier. */
export interface ImageVerificationPlan {
  /** Distinct (image, verification) pairs: an image in eight containers is one request. */
  readonly requests: readonly ImageRequest[];
  /** Whose pull credentials apply: the resource's namespace, imagePullSecrets and ServiceAccount. */
  readonly context: VerificationContext;
  readonly rules: readonly PlannedRule[];
  readonly input: EvaluationInput;
  readonly resource: RuleResult['resource'];
}

/** True when the policy has verifyImages rules (the synchronous evaluation gives them no response). */
export function hasVerifyImages(p: CompiledPolicy): boolean {
  return internals.get(p)?.rules.some((r) => r.verifyImages !== undefined) ?? false;
}

/**
 * Phase 1, pure: the verifyImages rules that apply to the input and the images each needs
 * verified. No I/O; rules whose preconditions fail or whose context errs are decided here.
 */
export function planImageVerification(ps: readonly CompiledPolicy[], input: EvaluationInput): ImageVerificationPlan {
  const state: VerifyPlanState = { requests: new Map() };
  const rules: PlannedRule[] = [];
  for (const p of ps) {
    const inner = internals.get(p);
    if (!inner) throw new PolicyError('INVALID_POLICY', `${p.source}: ${p.name} was not compiled by compilePolicy`, { input: p.source });
    if (!inner.rules.some((r) => r.verifyImages !== undefined)) continue;
    rules.push(...planRules(p.name, inner, input, state));
  }
  const r = input.resource;
  const md = r.metadata !== null && typeof r.metadata === 'object' && !Array.isArray(r.metadata) ? (r.metadata as Record<string, unknown>) : {};
  const requestNs = input.variables?.['request.namespace'];
  const namespace = typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : typeof requestNs === 'string' ? requestNs : '';
  const resource = {
    apiVersion: typeof r.apiVersion === 'string' ? r.apiVersion : '',
    kind: typeof r.kind === 'string' ? r.kind : '',
    ...(namespace !== '' ? { namespace } : {}),
    name: typeof md.name === 'string' ? md.name : '',
  };
  return { requests: [...state.requests.values()], context: verificationContextOf(r, namespace), rules, input, resource };
}

/** Phase 3, pure: the RuleResults of a plan given the verifier's outcomes (keyed by ImageRequest.key). */
export function imageVerificationResults(plan: ImageVerificationPlan, outcomes: ReadonlyMap<string, ImageOutcome>): { results: RuleResult[]; mutations: DigestMutation[] } {
  return verificationResults({ rules: plan.rules, input: plan.input, namespace: plan.resource.namespace ?? '', resourceRef: plan.resource, outcomes });
}
