import type { AdmissionInfo, EvaluationInput, Operation, Resource } from '../types.js';
import type { UserInfoSpec, ValuesSpec } from './types.js';

/** What kyverno's CLI knows when it evaluates one policy on one resource. */
export interface InputContext {
  values?: ValuesSpec;
  userInfo?: UserInfoSpec;
  /** The row's `operation`, which wins over the values' `request.operation`. */
  operation?: Operation;
  now?: Date;
}

/** One evaluation to run, and which rules' responses to keep from it (undefined: all but `except`). */
export interface PlannedInput {
  input: EvaluationInput;
  /** Keep only responses of these rules (and their autogen-… forms). */
  only?: string;
  /** Drop responses of these rules (they are answered by their own planned input). */
  except: string[];
}

function metaOf(r: Resource): Record<string, unknown> {
  const m = r.metadata;
  return m !== null && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, unknown>) : {};
}

export function resourceName(r: Resource): string {
  const n = metaOf(r).name;
  return typeof n === 'string' ? n : '';
}

export function resourceNamespace(r: Resource): string {
  const n = metaOf(r).namespace;
  return typeof n === 'string' ? n : '';
}

function splitApiVersion(apiVersion: unknown): { group: string; version: string } {
  const s = typeof apiVersion === 'string' ? apiVersion : '';
  const i = s.lastIndexOf('/');
  return i < 0 ? { group: '', version: s } : { group: s.slice(0, i), version: s.slice(i + 1) };
}

/** Set a dotted path inside a deep copy's nested objects (creating maps on the way). */
function setPath(root: Record<string, unknown>, path: string[], value: unknown): void {
  let cur = root;
  for (const k of path.slice(0, -1)) {
    const next = cur[k];
    if (next === null || typeof next !== 'object' || Array.isArray(next)) cur[k] = {};
    cur = cur[k] as Record<string, unknown>;
  }
  cur[path[path.length - 1]!] = value;
}

/**
 * The values kyverno's ComputeVariables gives a (policy, resource) pair: globalValues, then the
 * policy's values for a resource of that name (matched by name only, not namespace).
 */
export function resourceValues(values: ValuesSpec | undefined, policyName: string, resource: string): Record<string, unknown> {
  const out: Record<string, unknown> = { ...(values?.globalValues ?? {}) };
  for (const p of values?.policies ?? []) {
    if (p.name !== policyName) continue;
    for (const r of p.resources) if (r.name === resource) Object.assign(out, r.values);
  }
  return out;
}

/**
 * Build the evaluation inputs `kyverno test` would use for one policy on one resource
 * (processor.makePolicyContext): the operation from the values' `request.operation` (CREATE by
 * default; UPDATE makes oldObject a copy of the resource; DELETE sends the resource as
 * oldObject), `request.object.*` values written into the object, namespace labels, the parent
 * kind of a subresource, and userinfo. A rule with its own `values`/`foreachValues` gets its
 * own input (kyverno adds those when that rule's context loads, so they override).
 */
export function planInputs(resource: Resource, policyName: string, ctx: InputContext): PlannedInput[] {
  const name = resourceName(resource);
  const vars = resourceValues(ctx.values, policyName, name);
  const declared = vars['request.operation'];
  const operation: Operation = ctx.operation ?? (declared === 'UPDATE' ? 'UPDATE' : declared === 'DELETE' ? 'DELETE' : 'CREATE');
  if (ctx.operation) vars['request.operation'] = ctx.operation;

  // Values under request.object / request.oldObject change the objects themselves: kyverno
  // reads the resources back from the JSON context after adding the variables.
  const object = structuredClone(resource);
  const old = structuredClone(resource);
  for (const [k, v] of Object.entries(vars)) {
    const parts = k.split('.');
    if (parts[0] !== 'request' || parts.length < 3) continue;
    if (parts[1] === 'object') setPath(object, parts.slice(2), v);
    else if (parts[1] === 'oldObject') setPath(old, parts.slice(2), v);
  }

  const admission: AdmissionInfo = { operation };
  if (operation === 'UPDATE' || operation === 'DELETE') admission.oldObject = old;
  const labels = ctx.values?.namespaceLabels[resourceNamespace(resource)];
  if (labels) admission.namespaceLabels = { ...labels };
  const { group, version } = splitApiVersion(resource.apiVersion);
  for (const s of ctx.values?.subresources ?? []) {
    if (s.subresource.kind === resource.kind && s.subresource.group === group && s.subresource.version === version) {
      admission.requestKind = { ...s.parent };
      admission.subresource = s.name.split('/')[1];
    }
  }
  if (ctx.userInfo) {
    if (ctx.userInfo.userInfo) admission.userInfo = structuredClone(ctx.userInfo.userInfo);
    admission.roles = [...ctx.userInfo.roles];
    admission.clusterRoles = [...ctx.userInfo.clusterRoles];
  }

  const base: EvaluationInput = { resource: operation === 'DELETE' ? old : object, admission, variables: vars };
  if (ctx.now) base.now = ctx.now;

  const ruleValues = (ctx.values?.policies ?? [])
    .filter((p) => p.name === policyName)
    .flatMap((p) => p.rules)
    .filter((r) => Object.keys(r.values).length > 0 || Object.keys(r.foreachValues).length > 0);
  const plans: PlannedInput[] = [{ input: base, except: ruleValues.map((r) => r.name) }];
  for (const r of ruleValues) {
    const input: EvaluationInput = { ...base, variables: { ...vars, ...r.values } };
    if (Object.keys(r.foreachValues).length > 0) input.foreachValues = r.foreachValues;
    plans.push({ input, only: r.name, except: [] });
  }
  return plans;
}

/** A rule response answers for `rule` under its own name or its autogen names. */
export function isRuleOrAutogen(responseRule: string, rule: string): boolean {
  return responseRule === rule || responseRule === `autogen-${rule}` || responseRule === `autogen-cronjob-${rule}`;
}
