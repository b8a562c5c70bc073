/**
 * Policy compilation: kyverno.io ClusterPolicy/Policy documents are checked field by field
 * (checks.ts), autogen rules are added, and every pattern, condition and match block is
 * compiled once.
 */
import { PolicyError } from '../types.js';
import type { FailureAction, Resource } from '../types.js';
import { AUTOGEN_ANNOTATION, computeRules } from './autogen.js';
import { Checker, checkContext, compileConditions, compileOverrides, compilePatternRef, isMap, parseAction } from './checks.js';
import type { CompiledPatternRef, Json, Override } from './checks.js';
import type { CompiledConditions } from './conditions.js';
import { compileMatch } from './match.js';
import type { CompiledMatch } from './match.js';
import { compileVerifyImages } from './verify-compile.js';
import type { CompiledVerifyImages } from './verify-compile.js';

export type { CompiledPatternRef, Override } from './checks.js';
export { extractVariables } from './checks.js';

export interface ValidatorSpec {
  readonly context: unknown[] | undefined;
  readonly preconditions: CompiledConditions | undefined;
  readonly deny?: CompiledConditions;
  readonly pattern?: CompiledPatternRef;
  readonly anyPattern?: CompiledPatternRef[];
  readonly foreach?: ForeachSpec[];
}

export interface ForeachSpec extends ValidatorSpec {
  readonly list: string;
  readonly elementScope: boolean | undefined;
}

export interface CompiledRule extends ValidatorSpec {
  readonly name: string;
  readonly match: CompiledMatch;
  /** False for rule types this engine does not evaluate (mutate, generate, verifyImages, cel…). */
  readonly validates: boolean;
  readonly message: string;
  readonly failureAction: FailureAction | undefined;
  readonly overrides: Override[];
  readonly allowExistingViolations: boolean;
  /** A verifyImages rule (evaluated by the verification path, not by evaluateRules). */
  readonly verifyImages?: CompiledVerifyImages;
}

export interface PolicyInternals {
  readonly rules: CompiledRule[];
  readonly specAction: FailureAction;
  readonly specOverrides: Override[];
  readonly applyOne: boolean;
  readonly scored: boolean;
  readonly category: string | undefined;
  readonly severity: string | undefined;
}

// --- validate / foreach ---------------------------------------------------------------

const VALIDATOR_KINDS = ['pattern', 'anyPattern', 'deny', 'foreach'] as const;

function compileValidator(c: Checker, v: Json, path: string, context: unknown, preconditions: unknown): ValidatorSpec {
  const present = VALIDATOR_KINDS.filter((k) => v[k] !== undefined && v[k] !== null);
  if (present.length > 1) throw c.fail(path, `only one of pattern, anyPattern, deny or foreach may be given (found ${present.join(', ')})`);
  const spec: {
    context: unknown[] | undefined;
    preconditions: CompiledConditions | undefined;
    deny?: CompiledConditions;
    pattern?: CompiledPatternRef;
    anyPattern?: CompiledPatternRef[];
    foreach?: ForeachSpec[];
  } = {
    context: checkContext(c, context, `${path.replace(/\.validate$/, '')}.context`),
    preconditions: compileConditions(c, preconditions, `${path.replace(/\.validate$/, '')}.preconditions`),
  };
  if (v.pattern !== undefined && v.pattern !== null) spec.pattern = compilePatternRef(c, v.pattern, `${path}.pattern`);
  if (v.anyPattern !== undefined && v.anyPattern !== null) {
    if (!Array.isArray(v.anyPattern) || v.anyPattern.length === 0) throw c.fail(`${path}.anyPattern`, 'expected a non-empty list of patterns');
    spec.anyPattern = v.anyPattern.map((p, i) => compilePatternRef(c, p, `${path}.anyPattern[${i}]`));
  }
  if (v.deny !== undefined && v.deny !== null) {
    const deny = c.map(v.deny, `${path}.deny`);
    c.known(deny, ['conditions'], `${path}.deny`);
    spec.deny = compileConditions(c, deny.conditions, `${path}.deny.conditions`) ?? { form: 'anyAll', any: undefined, all: [] };
  }
  if (v.foreach !== undefined && v.foreach !== null) {
    if (!Array.isArray(v.foreach)) throw c.fail(`${path}.foreach`, 'expected a list');
    spec.foreach = v.foreach.map((f, i) => compileForeach(c, f, `${path}.foreach[${i}]`));
  }
  return spec;
}

const FOREACH_FIELDS = ['list', 'elementScope', 'context', 'preconditions', 'pattern', 'anyPattern', 'deny', 'foreach'];

function compileForeach(c: Checker, raw: unknown, path: string): ForeachSpec {
  const f = c.map(raw, path);
  c.known(f, FOREACH_FIELDS, path);
  if (typeof f.list !== 'string' || f.list.trim() === '') throw c.fail(`${path}.list`, 'a foreach needs a list expression');
  c.expression(f.list, `${path}.list`);
  if (f.elementScope !== undefined && typeof f.elementScope !== 'boolean') throw c.fail(`${path}.elementScope`, 'expected a boolean');
  const spec = compileValidator(c, f, path, undefined, undefined);
  return {
    ...spec,
    context: checkContext(c, f.context, `${path}.context`),
    preconditions: compileConditions(c, f.preconditions, `${path}.preconditions`),
    list: f.list,
    elementScope: f.elementScope as boolean | undefined,
  };
}

// --- rules ----------------------------------------------------------------------------

const RULE_FIELDS = [
  'name',
  'context',
  'match',
  'exclude',
  'imageExtractors',
  'preconditions',
  'celPreconditions',
  'mutate',
  'validate',
  'generate',
  'verifyImages',
  'skipBackgroundRequests',
  'reportProperties',
];
const VALIDATE_FIELDS = [
  'message',
  'failureAction',
  'failureActionOverrides',
  'allowExistingViolations',
  'manifests',
  'foreach',
  'pattern',
  'anyPattern',
  'deny',
  'podSecurity',
  'cel',
  'assert',
];

function compileRule(c: Checker, raw: Json, path: string, policyNamespace: string | undefined): CompiledRule {
  c.known(raw, RULE_FIELDS, path);
  const name = raw.name as string;
  const match: CompiledMatch = compileMatch(raw.match, raw.exclude, path, policyNamespace);
  const typed = ['validate', 'mutate', 'generate', 'verifyImages'].filter((k) => raw[k] !== undefined && raw[k] !== null);
  if (typed.length === 0) throw c.fail(path, 'a rule needs one of validate, mutate, generate or verifyImages');
  const base = { name, match, message: '', failureAction: undefined, overrides: [] as Override[], allowExistingViolations: true };
  const v = raw.validate;
  if ((v === undefined || v === null) && raw.verifyImages !== undefined && raw.verifyImages !== null) {
    // verifyImages rules give no response from evaluateRules: they need signature verification,
    // which the verification path (planImageVerification → verifier → results) adds.
    const verifyImages = compileVerifyImages(c, raw.verifyImages, `${path}.verifyImages`);
    return {
      ...base,
      validates: false,
      failureAction: verifyImages.failureAction,
      verifyImages,
      context: checkContext(c, raw.context, `${path}.context`),
      preconditions: compileConditions(c, raw.preconditions, `${path}.preconditions`),
    };
  }
  if (v === undefined || v === null) {
    // mutate / generate rules are accepted but produce no validate response here.
    return { ...base, validates: false, context: undefined, preconditions: undefined };
  }
  const vm = c.map(v, `${path}.validate`);
  c.known(vm, VALIDATE_FIELDS, `${path}.validate`);
  if (vm.message !== undefined && typeof vm.message !== 'string') throw c.fail(`${path}.validate.message`, 'expected a string');
  c.variables(vm.message, `${path}.validate.message`);
  const own = VALIDATOR_KINDS.some((k) => vm[k] !== undefined && vm[k] !== null);
  const other = ['podSecurity', 'cel', 'manifests', 'assert'].some((k) => vm[k] !== undefined && vm[k] !== null);
  if (!own && !other) throw c.fail(`${path}.validate`, 'a validate rule needs pattern, anyPattern, deny, foreach, podSecurity, cel, manifests or assert');
  if (vm.allowExistingViolations !== undefined && typeof vm.allowExistingViolations !== 'boolean') {
    throw c.fail(`${path}.validate.allowExistingViolations`, 'expected a boolean');
  }
  const common = {
    ...base,
    message: (vm.message as string | undefined) ?? '',
    failureAction: vm.failureAction === undefined || vm.failureAction === null ? undefined : parseAction(c, vm.failureAction, `${path}.validate.failureAction`),
    overrides: compileOverrides(c, vm.failureActionOverrides, `${path}.validate.failureActionOverrides`),
    allowExistingViolations: (vm.allowExistingViolations as boolean | undefined) ?? true,
  };
  if (!own) {
    // validate.podSecurity / cel / manifests / assert are not evaluated by this engine: no response.
    return { ...common, validates: false, context: undefined, preconditions: undefined };
  }
  return { ...common, validates: true, ...compileValidator(c, vm, `${path}.validate`, raw.context, raw.preconditions) };
}

const SPEC_FIELDS = [
  'rules',
  'applyRules',
  'failurePolicy',
  'validationFailureAction',
  'validationFailureActionOverrides',
  'emitWarning',
  'admission',
  'background',
  'schemaValidation',
  'webhookTimeoutSeconds',
  'mutateExistingOnPolicyUpdate',
  'generateExistingOnPolicyUpdate',
  'generateExisting',
  'useServerSideApply',
  'webhookConfiguration',
];

export interface CompileOutput {
  readonly name: string;
  readonly kind: 'ClusterPolicy' | 'Policy';
  readonly namespace: string | undefined;
  readonly ruleNames: string[];
  readonly background: boolean;
  readonly annotations: Record<string, string>;
  readonly internals: PolicyInternals;
}

/** Compiles a policy; INVALID_POLICY errors from helpers are prefixed with the source. */
export function compilePolicyDoc(doc: Resource, source: string): CompileOutput {
  try {
    return compileUnchecked(doc, source);
  } catch (e) {
    if (e instanceof PolicyError && e.code === 'INVALID_POLICY' && !e.message.startsWith(`${source}: `)) {
      throw new PolicyError('INVALID_POLICY', `${source}: ${e.message}`, { input: source, cause: e });
    }
    throw e;
  }
}

function compileUnchecked(doc: Resource, source: string): CompileOutput {
  const c = new Checker(source);
  if (!isMap(doc)) throw c.fail('(document)', 'expected a map');
  if (typeof doc.apiVersion !== 'string' || !/^kyverno\.io\/(v1|v2beta1)$/.test(doc.apiVersion)) {
    throw c.fail('apiVersion', `expected kyverno.io/v1, found ${JSON.stringify(doc.apiVersion)}`);
  }
  if (doc.kind !== 'ClusterPolicy' && doc.kind !== 'Policy') throw c.fail('kind', `expected ClusterPolicy or Policy, found ${JSON.stringify(doc.kind)}`);
  const kind = doc.kind;
  const md = c.map(doc.metadata, 'metadata');
  if (typeof md.name !== 'string' || md.name === '') throw c.fail('metadata.name', 'a policy needs a name');
  const annotations: Record<string, string> = {};
  if (isMap(md.annotations)) for (const [k, v] of Object.entries(md.annotations)) if (typeof v === 'string') annotations[k] = v;
  const namespace = kind === 'Policy' ? (typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default') : undefined;
  const spec = c.map(doc.spec, 'spec');
  c.known(spec, SPEC_FIELDS, 'spec');
  if (!Array.isArray(spec.rules) || spec.rules.length === 0) throw c.fail('spec.rules', 'a policy needs at least one rule');
  const seen = new Set<string>();
  const rawRules = spec.rules.map((r, i) => {
    const rule = c.map(r, `spec.rules[${i}]`);
    if (typeof rule.name !== 'string' || rule.name === '') throw c.fail(`spec.rules[${i}].name`, 'a rule needs a name');
    if (rule.name.length > 63) throw c.fail(`spec.rules[${i}].name`, 'rule names are at most 63 characters');
    if (seen.has(rule.name)) throw c.fail(`spec.rules[${i}].name`, `duplicate rule name ${JSON.stringify(rule.name)}`);
    seen.add(rule.name);
    return rule;
  });
  // Validate the rules as written, then compile the full list (autogen copies included).
  const own = rawRules.map((r, i) => compileRule(c, r, `spec.rules[${i}]`, namespace));
  const { rules: allRaw, generated } = computeRules(rawRules, annotations[AUTOGEN_ANNOTATION]);
  const rules =
    generated === 0
      ? own
      : allRaw.map((r) => {
          const i = rawRules.indexOf(r);
          return i >= 0 ? own[i]! : compileRule(c, r, `spec.rules[${String(r.name)}]`, namespace);
        });
  if (spec.applyRules !== undefined && spec.applyRules !== 'All' && spec.applyRules !== 'One') {
    throw c.fail('spec.applyRules', `expected All or One, found ${JSON.stringify(spec.applyRules)}`);
  }
  if (spec.background !== undefined && typeof spec.background !== 'boolean') throw c.fail('spec.background', 'expected a boolean');
  const specAction = spec.validationFailureAction === undefined ? 'Audit' : parseAction(c, spec.validationFailureAction, 'spec.validationFailureAction');
  return {
    name: kind === 'Policy' ? `${namespace}/${md.name}` : md.name,
    kind,
    namespace,
    ruleNames: rules.map((r) => r.name),
    background: (spec.background as boolean | undefined) ?? true,
    annotations,
    internals: {
      rules,
      specAction,
      specOverrides: compileOverrides(c, spec.validationFailureActionOverrides, 'spec.validationFailureActionOverrides'),
      applyOne: spec.applyRules === 'One',
      scored: annotations['policies.kyverno.io/scored'] !== 'false',
      category: annotations['policies.kyverno.io/category'],
      severity: annotations['policies.kyverno.io/severity'],
    },
  };
}
