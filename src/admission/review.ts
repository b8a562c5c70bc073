/**
 * The pure core of the webhook: an admission.k8s.io/v1 AdmissionReview (parsed JSON) in, the
 * response AdmissionReview out, through the policy engine. No I/O and no clock beyond `now`, so
 * a test can compute the exact answer the server must give.
 *
 * Decision: any Enforce rule that fails or errors denies (403, the message naming every such
 * rule as `policy/rule: message`); Audit failures and errors, and `warn` results (unscored
 * policies), allow with short warnings (kubectl prints them) and an audit annotation.
 */
import { evaluatePolicies } from '../policy/engine/index.js';
import type { AdmissionInfo, EvaluationInput, Operation, Resource, RuleResult, UserInfo } from '../policy/types.js';
import { AdmissionError } from './errors.js';
import type { PolicySet } from './policyset.js';

export const ADMISSION_API_VERSION = 'admission.k8s.io/v1';

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

export interface AdmissionRequestInfo {
  uid: string;
  /** The kind of the object sent (autoscaling/v1 Scale for deployments/scale). */
  kind: GroupVersionKind;
  namespace?: string;
  name?: string;
  operation: string;
  dryRun: boolean;
  subresource?: string;
}

/** A validated request: what the engine needs, taken from the review. */
export interface ParsedAdmissionRequest {
  readonly info: AdmissionRequestInfo;
  readonly resource: { group: string; version: string; resource: string };
  readonly object?: Resource;
  readonly oldObject?: Resource;
  readonly userInfo: UserInfo;
}

export interface ReviewOptions {
  now?: Date;
  /** Labels of a namespace, for namespaceSelector (cluster mode looks them up; undefined: none). */
  namespaceLabels?: (ns: string) => Record<string, string> | undefined;
}

export interface ReviewOutcome {
  review: Record<string, unknown>;
  results: RuleResult[];
  request: AdmissionRequestInfo;
}

/** Kubernetes advises warnings of at most 120 characters; the apiserver keeps 4 KB in all. */
export const WARNING_MAX_CHARS = 120;
export const MAX_WARNINGS = 10;
/** Each rule's message in a denial is cut here, so a denial stays readable and bounded. */
const DENY_RULE_MESSAGE_MAX = 512;
const DENY_MESSAGE_MAX = 16 * 1024;
const ANNOTATION_VALUE_MAX = 4096;
const UID_MAX = 256;
const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

// --- parsing ------------------------------------------------------------------------------

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function bad(reason: string): AdmissionError {
  return new AdmissionError('BAD_REQUEST', reason, { input: 'AdmissionReview' });
}

function optString(o: Record<string, unknown>, key: string, path: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(`${path}.${key}: want a string, got ${typeName(v)}`);
  return v;
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}

function gvkAt(v: unknown, path: string): GroupVersionKind {
  if (!isMap(v)) throw bad(`${path}: want {group, version, kind}, got ${typeName(v)}`);
  const group = optString(v, 'group', path) ?? '';
  const version = optString(v, 'version', path) ?? '';
  const kind = optString(v, 'kind', path) ?? '';
  if (version === '' || kind === '') throw bad(`${path}: version and kind are required`);
  return { group, version, kind };
}

function gvrAt(v: unknown, path: string): { group: string; version: string; resource: string } {
  if (!isMap(v)) throw bad(`${path}: want {group, version, resource}, got ${typeName(v)}`);
  const group = optString(v, 'group', path) ?? '';
  const version = optString(v, 'version', path) ?? '';
  const resource = optString(v, 'resource', path) ?? '';
  if (version === '' || resource === '') throw bad(`${path}: version and resource are required`);
  return { group, version, resource };
}

function stringList(v: unknown, path: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(`${path}: want a list of strings`);
  return v as string[];
}

function userInfoAt(v: unknown): UserInfo {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw bad(`request.userInfo: want an object, got ${typeName(v)}`);
  const out: UserInfo = {};
  const username = optString(v, 'username', 'request.userInfo');
  const uid = optString(v, 'uid', 'request.userInfo');
  const groups = stringList(v.groups, 'request.userInfo.groups');
  if (username !== undefined) out.username = username;
  if (uid !== undefined) out.uid = uid;
  if (groups !== undefined) out.groups = groups;
  if (v.extra !== undefined && v.extra !== null) {
    if (!isMap(v.extra)) throw bad('request.userInfo.extra: want a map of string lists');
    const extra: Record<string, string[]> = {};
    for (const [k, x] of Object.entries(v.extra)) extra[k] = stringList(x, `request.userInfo.extra.${k}`) ?? [];
    out.extra = extra;
  }
  return out;
}

/** An object (RawExtension): a map, or absent; apiVersion and kind filled from the request if missing. */
function objectAt(v: unknown, path: string, gvk: GroupVersionKind): Resource | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMap(v)) throw bad(`${path}: want an object, got ${typeName(v)}`);
  if (v.apiVersion !== undefined && typeof v.apiVersion !== 'string') throw bad(`${path}.apiVersion: want a string`);
  if (v.kind !== undefined && typeof v.kind !== 'string') throw bad(`${path}.kind: want a string`);
  if (v.metadata !== undefined && v.metadata !== null && !isMap(v.metadata)) throw bad(`${path}.metadata: want an object`);
  if (typeof v.apiVersion === 'string' && typeof v.kind === 'string') return v;
  return { ...v, apiVersion: v.apiVersion ?? apiVersionOf(gvk), kind: v.kind ?? gvk.kind };
}

function apiVersionOf(gvk: { group: string; version: string }): string {
  return gvk.group === '' ? gvk.version : `${gvk.group}/${gvk.version}`;
}

/**
 * Validates the review's shape (admission.k8s.io/v1 AdmissionReview with a request: uid, kind,
 * resource, operation, and the objects the operation needs). Throws AdmissionError BAD_REQUEST
 * naming the field and the reason.
 */
export function parseAdmissionReview(review: unknown): ParsedAdmissionRequest {
  if (!isMap(review)) throw bad(`want a JSON object, got ${typeName(review)}`);
  if (review.apiVersion !== ADMISSION_API_VERSION) {
    throw bad(`apiVersion ${JSON.stringify(review.apiVersion ?? null)} is not supported (want ${ADMISSION_API_VERSION})`);
  }
  if (review.kind !== 'AdmissionReview') throw bad(`kind ${JSON.stringify(review.kind ?? null)} is not AdmissionReview`);
  const req = review.request;
  if (!isMap(req)) throw bad(`request: want an object, got ${typeName(req)}`);
  const uid = optString(req, 'uid', 'request');
  if (uid === undefined || uid === '') throw bad('request.uid: missing');
  if (uid.length > UID_MAX || /[\x00-\x1f\x7f]/.test(uid)) throw bad(`request.uid: longer than ${UID_MAX} characters or has control characters`);
  const kind = gvkAt(req.kind, 'request.kind');
  const resource = gvrAt(req.resource, 'request.resource');
  const operation = optString(req, 'operation', 'request');
  if (operation === undefined || !(OPERATIONS as readonly string[]).includes(operation)) {
    throw bad(`request.operation: ${JSON.stringify(operation ?? null)} is not one of ${OPERATIONS.join(', ')}`);
  }
  const subresource = optString(req, 'subResource', 'request');
  const name = optString(req, 'name', 'request');
  const namespace = optString(req, 'namespace', 'request');
  if (req.dryRun !== undefined && req.dryRun !== null && typeof req.dryRun !== 'boolean') throw bad('request.dryRun: want a boolean');
  const object = objectAt(req.object, 'request.object', kind);
  const oldObject = objectAt(req.oldObject, 'request.oldObject', kind);
  if ((operation === 'CREATE' || operation === 'UPDATE') && !object) throw bad(`request.object: required for ${operation}`);
  if (operation === 'UPDATE' && !oldObject) throw bad('request.oldObject: required for UPDATE');
  const info: AdmissionRequestInfo = {
    uid,
    kind,
    operation,
    dryRun: req.dryRun === true,
    ...(namespace ? { namespace } : {}),
    ...(name ? { name } : {}),
    ...(subresource ? { subresource } : {}),
  };
  return { info, resource, userInfo: userInfoAt(req.userInfo), ...(object ? { object } : {}), ...(oldObject ? { oldObject } : {}) };
}

// --- evaluation input ---------------------------------------------------------------------

/** Kinds of the built-in resources that have subresources, by `group/resource`. */
const PARENT_KINDS: Record<string, string> = {
  '/pods': 'Pod',
  '/services': 'Service',
  '/nodes': 'Node',
  '/namespaces': 'Namespace',
  '/replicationcontrollers': 'ReplicationController',
  '/persistentvolumes': 'PersistentVolume',
  '/persistentvolumeclaims': 'PersistentVolumeClaim',
  '/serviceaccounts': 'ServiceAccount',
  '/resourcequotas': 'ResourceQuota',
  'apps/deployments': 'Deployment',
  'apps/statefulsets': 'StatefulSet',
  'apps/replicasets': 'ReplicaSet',
  'apps/daemonsets': 'DaemonSet',
  'batch/jobs': 'Job',
  'batch/cronjobs': 'CronJob',
  'autoscaling/horizontalpodautoscalers': 'HorizontalPodAutoscaler',
  'policy/poddisruptionbudgets': 'PodDisruptionBudget',
  'networking.k8s.io/ingresses': 'Ingress',
  'certificates.k8s.io/certificatesigningrequests': 'CertificateSigningRequest',
  'apiextensions.k8s.io/customresourcedefinitions': 'CustomResourceDefinition',
  'apiregistration.k8s.io/apiservices': 'APIService',
};

/**
 * The kind of the top-level resource, as Kyverno matches `Deployment/scale` or `Pod/exec`: a
 * subresource request carries another kind's object (Scale, PodExecOptions), so the parent's
 * kind comes from the resource. Without discovery, a custom resource's non-status subresource
 * falls back to the object's kind.
 */
export function topLevelKind(req: ParsedAdmissionRequest): GroupVersionKind {
  const { kind, subresource } = req.info;
  if (!subresource) return kind;
  const parent = PARENT_KINDS[`${req.resource.group}/${req.resource.resource}`];
  if (parent) return { group: req.resource.group, version: req.resource.version, kind: parent };
  return kind;
}

/** The EvaluationInput of a request: on DELETE the resource is the old object, as in Kyverno. */
export function toEvaluationInput(req: ParsedAdmissionRequest, opts: ReviewOptions = {}): EvaluationInput {
  const { info } = req;
  const op = info.operation as Operation;
  const stub: Resource = {
    apiVersion: apiVersionOf(info.kind),
    kind: info.kind.kind,
    metadata: { ...(info.name ? { name: info.name } : {}), ...(info.namespace ? { namespace: info.namespace } : {}) },
  };
  const resource = (op === 'DELETE' ? req.oldObject : req.object) ?? stub;
  const admission: AdmissionInfo = {
    operation: op,
    userInfo: req.userInfo,
    dryRun: info.dryRun,
    requestKind: topLevelKind(req),
  };
  if (req.oldObject) admission.oldObject = req.oldObject;
  if (info.subresource) admission.subresource = info.subresource;
  if (info.namespace) {
    const labels = opts.namespaceLabels?.(info.namespace);
    if (labels) admission.namespaceLabels = labels;
  }
  const input: EvaluationInput = { resource, admission };
  if (opts.now) input.now = opts.now;
  // The request's namespace and name win over the object's (a PodExecOptions has no metadata;
  // Kyverno's request.namespace comes from the request).
  const md = isMap(resource.metadata) ? resource.metadata : {};
  const variables: Record<string, unknown> = {};
  if (info.namespace && md.namespace !== info.namespace) variables['request.namespace'] = info.namespace;
  if (info.name && md.name !== info.name) variables['request.name'] = info.name;
  if (Object.keys(variables).length > 0) input.variables = variables;
  return input;
}

// --- the response -------------------------------------------------------------------------

/** One line, no control characters, at most `max` characters (by code point). */
function shorten(s: string, max: number): string {
  const clean = s.replace(/[\x00-\x1f\x7f]+/g, ' ').replace(/ {2,}/g, ' ').trim();
  const chars = Array.from(clean);
  return chars.length <= max ? clean : `${chars.slice(0, max - 1).join('')}…`;
}

const ruleId = (r: RuleResult) => `${r.policy}/${r.rule}`;
const isFailure = (r: RuleResult) => r.status === 'fail' || r.status === 'error';

/** Enforce failures deny; the rest of the failures are Audit's (or an unscored policy's warn). */
export function classifyResults(results: readonly RuleResult[]): { enforce: RuleResult[]; audit: RuleResult[] } {
  const enforce: RuleResult[] = [];
  const audit: RuleResult[] = [];
  for (const r of results) {
    if (isFailure(r) && r.action === 'Enforce') enforce.push(r);
    else if (isFailure(r) || r.status === 'warn') audit.push(r);
  }
  return { enforce, audit };
}

/** `Deployment/scale bookstore/catalog`: the top-level kind, so a subresource reads as its parent's. */
function describe(req: ParsedAdmissionRequest): string {
  const info = req.info;
  const resource = info.operation === 'DELETE' ? req.oldObject : req.object;
  const md = resource && isMap(resource.metadata) ? resource.metadata : {};
  const name = info.name ?? (typeof md.name === 'string' && md.name !== '' ? md.name : typeof md.generateName === 'string' ? `${md.generateName}<generated>` : '');
  const sub = info.subresource ? `/${info.subresource}` : '';
  return `${topLevelKind(req).kind}${sub} ${info.namespace ? `${info.namespace}/` : ''}${name}`.trim();
}

function ruleLine(r: RuleResult, max: number): string {
  const msg = r.status === 'error' ? `error: ${r.message}` : r.message;
  return `${ruleId(r)}: ${shorten(msg, max)}`;
}

/** The denial: every failing Enforce rule named, messages cut so the whole stays bounded. */
export function denialMessage(what: string, enforce: readonly RuleResult[]): string {
  const head = `${what} was blocked by ${enforce.length} Enforce rule${enforce.length === 1 ? '' : 's'}:`;
  const lines: string[] = [head];
  let size = head.length;
  for (const r of enforce) {
    // Past the budget, name the rule only: every failing rule is still listed.
    const line = size < DENY_MESSAGE_MAX ? ruleLine(r, DENY_RULE_MESSAGE_MAX) : ruleId(r);
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

/** Warnings for Audit failures: `policy/rule: message`, each short, at most MAX_WARNINGS. */
export function auditWarnings(audit: readonly RuleResult[]): string[] {
  const text = (r: RuleResult) => shorten(`${ruleId(r)}: ${r.status === 'error' ? 'error: ' : ''}${r.message.replace(/^validation error: /, '')}`, WARNING_MAX_CHARS);
  if (audit.length <= MAX_WARNINGS) return audit.map(text);
  const shown = audit.slice(0, MAX_WARNINGS - 1).map(text);
  shown.push(`… and ${audit.length - shown.length} more policy failures (Audit)`);
  return shown;
}

function annotationValue(rs: readonly RuleResult[]): string {
  return shorten([...new Set(rs.map(ruleId))].sort().join(','), ANNOTATION_VALUE_MAX);
}

export function responseReview(uid: string, response: Record<string, unknown>): Record<string, unknown> {
  return { apiVersion: ADMISSION_API_VERSION, kind: 'AdmissionReview', response: { uid, ...response } };
}

/** The response for a request and its rule results. */
export function buildResponse(req: ParsedAdmissionRequest, results: readonly RuleResult[]): Record<string, unknown> {
  const { enforce, audit } = classifyResults(results);
  const response: Record<string, unknown> = { allowed: enforce.length === 0 };
  const annotations: Record<string, string> = {};
  if (enforce.length > 0) {
    response.status = { code: 403, message: denialMessage(describe(req), enforce) };
    annotations['enforce-failures'] = annotationValue(enforce);
  }
  if (audit.length > 0) {
    response.warnings = auditWarnings(audit);
    annotations['audit-failures'] = annotationValue(audit);
  }
  if (Object.keys(annotations).length > 0) response.auditAnnotations = annotations;
  return responseReview(req.info.uid, response);
}

/**
 * One AdmissionReview → the response review, the rule results and the request's summary.
 * Throws AdmissionError BAD_REQUEST when the review is malformed.
 */
export function reviewAdmission(review: unknown, set: PolicySet, opts: ReviewOptions = {}): ReviewOutcome {
  const req = parseAdmissionReview(review);
  const results = evaluatePolicies(set.policies, toEvaluationInput(req, opts));
  return { review: buildResponse(req, results), results, request: req.info };
}

/** /mutate until image pinning fills it: the request validated, then allowed with no patch. */
export function reviewMutation(review: unknown): { review: Record<string, unknown>; request: AdmissionRequestInfo } {
  const req = parseAdmissionReview(review);
  return { review: responseReview(req.info.uid, { allowed: true }), request: req.info };
}
