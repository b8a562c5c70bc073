/**
 * Rule flow (Kyverno pkg/engine/handlers/validation/validate_resource.go): match/exclude,
 * context, preconditions, then deny, pattern/anyPattern or foreach; Kyverno's messages;
 * allowExistingViolations on UPDATE; the failure action each rule resolves to.
 */
import { addContextEntries, buildContext, search, substitute } from '../variables/index.js';
import { anyPatternMessage, denyMessage, patternMessage } from './messages.js';
import type { VariableContext } from '../variables/index.js';
import type { EvaluationInput, FailureAction, Resource, RuleResult, RuleStatus } from '../types.js';
import type { CompiledPatternRef, CompiledRule, ForeachSpec, Override, PolicyInternals, ValidatorSpec } from './compile.js';
import { evaluateConditions } from './conditions.js';
import { gvkOf, metadataOf, selectorMatches } from './match.js';
import type { MatchSubject } from './match.js';
import { compileResolved, matchCompiled } from './pattern.js';
import type { PNode } from './pattern.js';
import { wildcardMatch } from './wildcard.js';

interface Resp {
  readonly status: Exclude<RuleStatus, 'warn'>;
  readonly message: string;
}

interface Env {
  readonly rule: CompiledRule;
  readonly input: EvaluationInput;
  /** The foreach element a pattern applies to (elementScope), if any. */
  readonly element: Record<string, unknown> | undefined;
  readonly resource: Resource;
  readonly operation: string;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function errMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const pass = (message: string): Resp => ({ status: 'pass', message });
const fail = (message: string): Resp => ({ status: 'fail', message });
const skip = (message: string): Resp => ({ status: 'skip', message });
/** engineapi.RuleError: `<msg>: <err>`. */
const error = (message: string, err?: unknown): Resp => ({ status: 'error', message: err === undefined ? message : `${message}: ${errMessage(err)}` });

// --- patterns -------------------------------------------------------------------------

const CACHE_LIMIT = 256;

/** Substitutes the pattern's `{{ }}` subtrees and compiles them (cached by their text). */
function resolveDynamic(ref: CompiledPatternRef, ctx: VariableContext): PNode[] {
  const { dynamic, dynamicContext } = ref.pattern;
  const out: PNode[] = [];
  for (let i = 0; i < dynamic.length; i++) {
    const value = substitute(dynamic[i], ctx, 'error');
    const key = JSON.stringify(value) ?? 'null';
    const cache = ref.caches[i]!;
    let node = cache.get(key);
    if (!node) {
      node = compileResolved(value, dynamicContext[i]!.expandKeys);
      if (key.length < 4096) {
        if (cache.size >= CACHE_LIMIT) cache.clear();
        cache.set(key, node);
      }
    }
    out.push(node);
  }
  return out;
}

interface PatternSet {
  readonly kind: 'pattern' | 'anyPattern';
  readonly refs: CompiledPatternRef[];
  readonly resolved: PNode[][];
}

/** validator.validatePatterns. */
function validatePatterns(env: Env, ctx: VariableContext, target: unknown, floats: boolean, set: PatternSet): Resp {
  const name = env.rule.name;
  if (set.kind === 'pattern') {
    const out = matchCompiled(target, set.refs[0]!.pattern, set.resolved[0]!, { floats });
    switch (out.status) {
      case 'pass':
        return pass(`validation rule '${name}' passed.`);
      case 'skip':
        return skip(out.message);
      case 'fail':
        return fail(patternMessage(env.rule, ctx, out.message, out.path));
      case 'error':
        return error(patternMessage(env.rule, ctx, out.message, ''));
    }
  }
  const failed: string[] = [];
  const skipped: string[] = [];
  for (let i = 0; i < set.refs.length; i++) {
    const out = matchCompiled(target, set.refs[i]!.pattern, set.resolved[i]!, { floats });
    if (out.status === 'pass') return pass(`validation rule '${name}' anyPattern[${i}] passed.`);
    if (out.status === 'skip') skipped.push(`rule ${name}[${i}] skipped: ${out.message}`);
    else if (out.status === 'fail') failed.push(`rule ${name}[${i}] failed at path ${out.path}`);
    else failed.push(`rule ${name}[${i}] failed: ${out.message}`);
  }
  if (skipped.length > 0 && failed.length === 0) return skip(skipped.join(' '));
  if (failed.length > 0) return fail(anyPatternMessage(env.rule, ctx, failed));
  return pass(env.rule.message);
}

// --- the validator --------------------------------------------------------------------

function withForeachValues(ctx: VariableContext, input: EvaluationInput, index: number): VariableContext {
  let c = ctx;
  for (const [name, values] of Object.entries(input.foreachValues ?? {})) {
    if (index < values.length) c = c.with(name, values[index]);
  }
  return c;
}

function validate(v: ValidatorSpec, ctx0: VariableContext, env: Env, nesting: number): Resp | undefined {
  let ctx = ctx0;
  if (v.context && v.context.length > 0) {
    try {
      ctx = addContextEntries(ctx, v.context);
    } catch (e) {
      return error('failed to load context', e);
    }
  }
  if (v.preconditions) {
    let out;
    try {
      out = evaluateConditions(v.preconditions, ctx);
    } catch (e) {
      return error('failed to evaluate preconditions', e);
    }
    if (!out.result) return skip(['preconditions not met', out.message].filter((x) => x !== '').join('; '));
  }
  if (v.deny) {
    let out;
    try {
      out = evaluateConditions(v.deny, ctx);
    } catch (e) {
      return error('failed to check deny conditions', e);
    }
    return out.result ? fail(denyMessage(env.rule, ctx, out.message)) : pass(`validation rule '${env.rule.name}' passed.`);
  }
  if (v.pattern || v.anyPattern) {
    const refs = v.pattern ? [v.pattern] : v.anyPattern!;
    const refError = refs.find((r) => r.referenceError !== undefined)?.referenceError;
    if (refError !== undefined) return error('variable substitution failed', refError);
    let resolved: PNode[][];
    try {
      resolved = refs.map((r) => resolveDynamic(r, ctx));
    } catch (e) {
      return error('variable substitution failed', e);
    }
    const set: PatternSet = { kind: v.pattern ? 'pattern' : 'anyPattern', refs, resolved };
    // validateResourceWithRule: the foreach element if scoped, else the resource (none on DELETE).
    if (env.element !== undefined && Object.keys(env.element).length > 0) return validatePatterns(env, ctx, env.element, true, set);
    if (env.operation === 'DELETE') return undefined;
    return validatePatterns(env, ctx, env.resource, false, set);
  }
  if (v.foreach) return validateForeach(v.foreach, ctx, env, nesting);
  return undefined;
}

function validateForeach(list: ForeachSpec[], ctx: VariableContext, env: Env, nesting: number): Resp | undefined {
  let applied = 0;
  for (const fe of list) {
    let elements: unknown;
    try {
      elements = search(fe.list, ctx, 'error');
    } catch {
      continue; // EvaluateList failed: this foreach is skipped
    }
    const items = Array.isArray(elements) ? elements : [elements];
    const [resp, count] = validateElements(fe, items, ctx, env, nesting);
    if (resp.status !== 'pass') return resp;
    applied += count;
  }
  return applied === 0 ? undefined : pass('rule passed');
}

function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'number') return 'float64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

function validateElements(fe: ForeachSpec, items: unknown[], ctx: VariableContext, env: Env, nesting: number): [Resp, number] {
  let applied = 0;
  for (let i = 0; i < items.length; i++) {
    const el = items[i];
    if (el === null || el === undefined) continue;
    let scoped = isMap(el);
    if (fe.elementScope !== undefined) {
      if (fe.elementScope && !isMap(el)) {
        return [
          error(
            'failed to process foreach',
            `cannot use elementScope=true foreach rules for elements that are not maps, expected type=map got type=${goTypeName(el)}`,
          ),
          applied,
        ];
      }
      scoped = fe.elementScope;
    }
    const elCtx = withForeachValues(
      ctx.with('element', el).with(`element${nesting}`, el).with('elementIndex', i).with(`elementIndex${nesting}`, i),
      env.input,
      i,
    );
    const elEnv: Env = { ...env, element: scoped ? (el as Record<string, unknown>) : env.element };
    const r = validate(fe, elCtx, elEnv, nesting + 1);
    if (!r || r.status === 'skip') continue;
    if (r.status !== 'pass') {
      if (r.status === 'error' && i < items.length - 1) continue;
      return [{ status: r.status, message: `validation failure: ${r.message}` }, applied];
    }
    applied++;
  }
  return [pass(''), applied];
}

// --- match subject, old object, actions -----------------------------------------------

export function subjectOf(input: EvaluationInput, resource: Resource, operation: string, userOverride?: Partial<MatchSubject>): MatchSubject {
  const adm = input.admission ?? {};
  const gvk = adm.requestKind ?? gvkOf(resource);
  const md = metadataOf(resource);
  const userInfo = adm.userInfo ?? {};
  const admissionEmpty =
    !(adm.roles?.length ?? 0) &&
    !(adm.clusterRoles?.length ?? 0) &&
    !userInfo.username &&
    !userInfo.uid &&
    !(userInfo.groups?.length ?? 0) &&
    Object.keys(userInfo.extra ?? {}).length === 0;
  return {
    resource,
    gvk,
    subresource: adm.subresource ?? '',
    operation,
    name: md.name,
    namespace: md.namespace,
    labels: md.labels,
    annotations: md.annotations,
    namespaceLabels: adm.namespaceLabels ?? {},
    roles: adm.roles ?? [],
    clusterRoles: adm.clusterRoles ?? [],
    userInfo,
    admissionEmpty,
    ...userOverride,
  };
}

/** validateOldObject: the rule on the old object as if it were being created. */
function validateOldObject(rule: CompiledRule, input: EvaluationInput): Resp | undefined {
  const old = input.admission?.oldObject;
  if (!old || Object.keys(old).length === 0) return skip('resource not matched');
  const variables = { ...(input.variables ?? {}) };
  delete variables['request.operation'];
  const oldInput: EvaluationInput = {
    ...input,
    resource: old,
    admission: { ...(input.admission ?? {}), operation: 'CREATE', oldObject: undefined },
    variables,
  };
  const ctx = buildContext(oldInput);
  if (rule.preconditions) {
    try {
      if (!evaluateConditions(rule.preconditions, ctx).result) return skip('resource not matched');
    } catch {
      return skip('resource not matched');
    }
  }
  // The old request's user is unknown: user filters must not match.
  const subject = subjectOf(oldInput, old, 'CREATE', {
    roles: ['kyverno:invalidrole'],
    clusterRoles: ['kyverno:invalidrole'],
    userInfo: { username: 'kyverno:kyverno-invalid-controller', uid: 'kyverno:invaliduid', groups: ['kyverno:invalidgroup'] },
    admissionEmpty: false,
  });
  if (!rule.match.matches(subject)) return skip('resource not matched');
  return validate(rule, ctx, { rule, input: oldInput, element: undefined, resource: old, operation: 'CREATE' }, 0);
}

function overrideApplies(o: Override, namespace: string, nsLabels: Record<string, string>): boolean {
  if (o.namespaces === undefined) return o.selector === undefined || selectorMatches(o.selector, nsLabels);
  return o.namespaces.some((ns) => wildcardMatch(ns, namespace) && (o.selector === undefined || selectorMatches(o.selector, nsLabels)));
}

/** failureActionForRule: rule overrides, rule failureAction, spec overrides, spec action. */
export function resolveAction(p: PolicyInternals, rule: CompiledRule, namespace: string, nsLabels: Record<string, string>): FailureAction {
  for (const o of rule.overrides) if (overrideApplies(o, namespace, nsLabels)) return o.action;
  if (rule.failureAction) return rule.failureAction;
  for (const o of p.specOverrides) if (overrideApplies(o, namespace, nsLabels)) return o.action;
  return p.specAction;
}

export interface PolicyIdentity {
  readonly name: string;
}

/** A variable context shared by the policies evaluated for one input (built on first use). */
export interface SharedContext {
  ctx?: VariableContext;
  subject?: MatchSubject;
  ref?: RuleResult['resource'];
}

/** Evaluates every rule of a compiled policy against one resource. */
export function evaluateRules(id: PolicyIdentity, p: PolicyInternals, input: EvaluationInput, shared: SharedContext = {}): RuleResult[] {
  const resource = input.resource;
  const operation = input.admission?.operation ?? '';
  const subject = (shared.subject ??= subjectOf(input, resource, operation));
  const ref = (shared.ref ??= {
    apiVersion: typeof resource.apiVersion === 'string' ? resource.apiVersion : '',
    kind: typeof resource.kind === 'string' ? resource.kind : '',
    ...(subject.namespace !== '' ? { namespace: subject.namespace } : {}),
    name: subject.name,
  });
  const nsLabels = input.admission?.namespaceLabels ?? {};
  const results: RuleResult[] = [];
  for (const rule of p.rules) {
    if (!rule.validates) continue;
    if (!rule.match.matches(subject)) continue;
    const ctx = (shared.ctx ??= buildContext(input));
    const env: Env = { rule, input, element: undefined, resource, operation };
    let resp: Resp | undefined;
    try {
      resp = validate(rule, ctx, env, 0);
    } catch (e) {
      resp = error('rule evaluation failed', e);
    }
    // allowExistingViolations: an Enforce rule failing on UPDATE is skipped if the old object failed too.
    const ruleAction = rule.failureAction ?? p.specAction;
    if (resp && ruleAction === 'Enforce' && operation === 'UPDATE' && rule.allowExistingViolations) {
      let prior: Resp | undefined;
      try {
        prior = validateOldObject(rule, input);
      } catch {
        prior = undefined;
        resp = skip('failed to validate old object');
      }
      if (prior && resp.status === 'fail' && prior.status === 'fail') resp = skip('skipping the rule evaluation as pre-existing violations are allowed');
    }
    if (!resp) continue;
    const status: RuleStatus = resp.status === 'fail' && !p.scored ? 'warn' : resp.status;
    results.push({
      policy: id.name,
      rule: rule.name,
      status,
      message: resp.message,
      action: resolveAction(p, rule, subject.namespace, nsLabels),
      resource: { ...ref },
      ...(p.category !== undefined ? { category: p.category } : {}),
      ...(p.severity !== undefined ? { severity: p.severity } : {}),
      scored: p.scored,
    });
    if (p.applyOne && resp.status !== 'skip') break;
  }
  return results;
}
