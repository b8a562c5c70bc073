/**
 * The Kyverno-compatible validate engine: load policies and resources, compile policies once
 * (validation, autogen, patterns, conditions, match filters), evaluate resources against them.
 */
import type { EvaluationInput, Resource, RuleResult } from '../types.js';
import { PolicyError } from '../types.js';

export { loadPolicies, loadResources, parseDocuments, MAX_DEPTH } from './load.js';
export { wildcardMatch, containsWildcard } from './wildcard.js';
export { parseAnchor } from './anchor.js';
export { matchPattern } from './pattern.js';
export type { PatternOutcome } from './pattern.js';

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

/** Validates and compiles a policy document (stub until the compiler lands in this folder). */
export function compilePolicy(doc: Resource, source: string): CompiledPolicy {
  void doc;
  throw new PolicyError('UNSUPPORTED', `${source}: policy compilation is not implemented yet`, { input: source });
}

/** One result per rule that gives a response (stub until the evaluator lands). */
export function evaluatePolicy(p: CompiledPolicy, input: EvaluationInput): RuleResult[] {
  void input;
  throw new PolicyError('UNSUPPORTED', `${p.source}: policy evaluation is not implemented yet`, { input: p.source });
}
