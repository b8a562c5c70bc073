/**
 * The JSON root rules see (Kyverno's engine context) and rule `context:` entries.
 *
 * `request` holds the admission request fields Kyverno adds: operation (left out when not given,
 * so `request.operation || 'BACKGROUND'` works), object (the resource; on DELETE only oldObject),
 * oldObject, userInfo, roles, clusterRoles, namespace, name, kind {group, version, kind}, dryRun,
 * subResource. Beside it: serviceAccountName/Namespace (Kyverno's slicing of
 * `system:serviceaccount:<ns>:<name>`, which does not check the prefix) and `images`. Extra
 * variables (a kyverno-test values file) are set last by dotted name and win.
 */
import type { EvaluationInput, Resource } from '../types.js';
import { PolicyError } from '../types.js';
import { extractImages } from './images.js';
import { isObject } from './json.js';
import { resolveExpression, substituteDocument, type EvalContext, type MissingMode } from './substitute.js';
import { DEFAULT_STEP_BUDGET, compileExpression, evaluate } from './jmespath.js';
import { Budget, JpLimitError } from './jp-common.js';

export interface VariableContext {
  readonly root: Record<string, unknown>;
  readonly now: Date;
  /** A child context with one more variable at a dotted path (element, elementIndex, element1 …, a context entry's name). */
  with(path: string, value: unknown): VariableContext;
}

export interface ContextOptions {
  /** The source of `random()`; tests pass a seeded generator. */
  readonly random?: () => number;
}

/** Set `value` at a dotted path, copying the objects on the way (contexts are immutable). */
export function setPath(root: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
  const parts = path.split('.');
  const out: Record<string, unknown> = { ...root };
  let cur = out;
  for (let i = 0; i < parts.length - 1; i++) {
    const k = parts[i]!;
    const next = cur[k];
    const copy: Record<string, unknown> = isObject(next) ? { ...next } : {};
    cur[k] = copy;
    cur = copy;
  }
  cur[parts[parts.length - 1]!] = value;
  return out;
}

/** The value at a dotted path, or undefined when any step is missing. */
export function getPath(root: Record<string, unknown>, path: string): unknown {
  let cur: unknown = root;
  for (const k of path.split('.')) {
    if (!isObject(cur) || !Object.prototype.hasOwnProperty.call(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

export class Context implements VariableContext, EvalContext {
  constructor(
    readonly root: Record<string, unknown>,
    readonly now: Date,
    readonly random: () => number = Math.random,
  ) {}

  with(path: string, value: unknown): VariableContext {
    return new Context(setPath(this.root, path, value), this.now, this.random);
  }
}

/** Our context, or an equivalent built from a foreign VariableContext. */
export function asEvalContext(ctx: VariableContext): EvalContext {
  if (ctx instanceof Context) return ctx;
  return { root: ctx.root, now: ctx.now, random: Math.random };
}

function groupVersionKind(resource: Resource): { group: string; version: string; kind: string } {
  const apiVersion = typeof resource.apiVersion === 'string' ? resource.apiVersion : '';
  const slash = apiVersion.indexOf('/');
  return {
    group: slash < 0 ? '' : apiVersion.slice(0, slash),
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    kind: typeof resource.kind === 'string' ? resource.kind : '',
  };
}

/** Kyverno's AddServiceAccount: slices off the prefix's length whatever the prefix is. */
export function serviceAccountOf(username: string): { name: string; namespace: string } {
  const prefix = 'system:serviceaccount:';
  const sa = username.length <= prefix.length ? '' : username.slice(prefix.length);
  const groups = sa.split(':');
  return groups.length >= 2 ? { namespace: groups[0]!, name: groups[1]! } : { namespace: '', name: '' };
}

export function buildContext(input: EvaluationInput, options: ContextOptions = {}): VariableContext {
  const resource = input.resource;
  const admission = input.admission ?? {};
  const variables = input.variables ?? {};
  const opVar = variables['request.operation'];
  const operation = typeof opVar === 'string' ? opVar : admission.operation;
  const metadata = isObject(resource.metadata) ? resource.metadata : {};

  const request: Record<string, unknown> = {};
  if (operation !== undefined) request.operation = operation;
  if (operation === 'DELETE') request.oldObject = admission.oldObject ?? resource;
  else {
    request.object = resource;
    if (admission.oldObject) request.oldObject = admission.oldObject;
    else if (operation === 'UPDATE') request.oldObject = resource;
  }
  request.userInfo = { ...(admission.userInfo ?? {}) };
  if (admission.roles && admission.roles.length > 0) request.roles = [...admission.roles];
  if (admission.clusterRoles && admission.clusterRoles.length > 0) request.clusterRoles = [...admission.clusterRoles];
  request.namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
  request.name = typeof metadata.name === 'string' ? metadata.name : '';
  request.kind = groupVersionKind(resource);
  if (admission.dryRun !== undefined) request.dryRun = admission.dryRun;
  if (admission.subresource !== undefined) request.subResource = admission.subresource;

  const sa = serviceAccountOf(admission.userInfo?.username ?? '');
  let root: Record<string, unknown> = { request, serviceAccountName: sa.name, serviceAccountNamespace: sa.namespace };
  try {
    const images = extractImages(resource);
    if (images && Object.keys(images).length > 0) root.images = images;
  } catch {
    // Kyverno logs the error and evaluates without `images`.
  }
  // Shallower names first, so `request.object` and then `request.object.metadata.name` both apply.
  const names = Object.keys(variables).sort((a, b) => a.split('.').length - b.split('.').length || (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) root = setPath(root, name, variables[name]);
  return new Context(root, input.now ?? new Date(), options.random ?? Math.random);
}

/** Apply a JMESPath to a value (not the context), as Kyverno's variable loader does for `value` + `jmesPath`. */
function applyJmesPath(expr: string, data: unknown, ctx: EvalContext): unknown {
  return evaluate(compileExpression(expr), data, { now: ctx.now, random: ctx.random }, new Budget(DEFAULT_STEP_BUDGET));
}

const CLUSTER_ENTRIES = ['configMap', 'apiCall', 'imageRegistry', 'globalReference'];

/** Rule `context:` entries: `variable` ones are evaluated; the others must already have a value. */
export function addContextEntries(ctxIn: VariableContext, entries: unknown[] | undefined): VariableContext {
  let ctx = ctxIn;
  for (const raw of entries ?? []) {
    if (!isObject(raw) || typeof raw.name !== 'string' || raw.name === '') {
      throw new PolicyError('INVALID_POLICY', 'context entry without a name');
    }
    const name = raw.name;
    if (isObject(raw.variable)) {
      ctx = ctx.with(name, loadVariable(name, raw.variable, asEvalContext(ctx)));
      continue;
    }
    const kind = CLUSTER_ENTRIES.find((k) => raw[k] !== undefined) ?? 'unknown';
    if (getPath(ctx.root, name) === undefined) {
      throw new PolicyError('UNSUPPORTED', `context entry ${JSON.stringify(name)} (${kind}) needs a cluster; supply its value as a variable`, { input: name });
    }
  }
  return ctx;
}

function loadVariable(name: string, v: Record<string, unknown>, ctx: EvalContext): unknown {
  const mode: MissingMode = 'error';
  let path = '';
  if (v.jmesPath !== undefined && v.jmesPath !== '') {
    const p = substituteDocument(v.jmesPath, ctx, mode);
    if (typeof p !== 'string') throw new PolicyError('VARIABLE', `context entry ${name}: jmesPath must be a string`, { input: name });
    path = p;
  }
  const defaultValue = v.default !== undefined && v.default !== null ? substituteDocument(v.default, ctx, mode) : null;
  let output: unknown = defaultValue;
  if (v.value !== undefined && v.value !== null) {
    const value = substituteDocument(v.value, ctx, mode);
    if (path !== '') {
      try {
        output = applyJmesPath(path, value, ctx) ?? null;
      } catch (e) {
        if (e instanceof JpLimitError) throw new PolicyError('JMESPATH', `context entry ${name}: ${e.message}`, { input: path });
        if (defaultValue === null) {
          throw new PolicyError('VARIABLE', `failed to apply jmespath ${path} to variable ${name}: ${(e as Error).message}`, { input: path });
        }
      }
    } else output = value;
  } else if (path !== '') {
    let result: unknown = null;
    let failed: Error | undefined;
    try {
      result = resolveExpression(path, ctx, 'error');
    } catch (e) {
      failed = e as Error;
    }
    if (failed) {
      if (failed instanceof PolicyError && failed.code === 'JMESPATH' && /budget|longer than|nests/.test(failed.message)) throw failed;
      if (defaultValue === null) throw failed;
    } else if (result !== null && result !== undefined) output = result;
  }
  if (output === null || output === undefined) {
    throw new PolicyError('VARIABLE', `unable to add context entry for variable ${name} since it evaluated to nil`, { input: name });
  }
  return output;
}
