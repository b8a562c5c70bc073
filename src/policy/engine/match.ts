/**
 * match / exclude (Kyverno pkg/engine/utils/match.go), compiled once per rule: any/all filter
 * lists or the legacy flat form, each filter a resource description (kinds, names, namespaces,
 * annotations, selector, namespaceSelector, operations) AND user info (roles, clusterRoles,
 * subjects).
 */
import { PolicyError } from '../types.js';
import type { Resource, UserInfo } from '../types.js';
import { containsWildcard, wildcardMatch } from './wildcard.js';

export interface Gvk {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

/** What a filter is matched against (computed once per evaluation). */
export interface MatchSubject {
  readonly resource: Resource;
  readonly gvk: Gvk;
  readonly subresource: string;
  readonly operation: string;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  readonly namespaceLabels: Record<string, string>;
  readonly roles: string[];
  readonly clusterRoles: string[];
  readonly userInfo: UserInfo;
  /** No roles, cluster roles or user info at all: user filters in `match` are ignored. */
  readonly admissionEmpty: boolean;
}

type Pred = (s: MatchSubject) => boolean;

interface Filter {
  /** Resource-description and user-info checks, ANDed. */
  readonly checks: Pred[];
  readonly userChecks: Pred[];
  readonly hasDescription: boolean;
  readonly hasUser: boolean;
}

export interface CompiledMatch {
  /** match: does the rule apply (before exclude). */
  matches(s: MatchSubject): boolean;
  /** The kinds named anywhere in the block (autogen uses them). */
  readonly kinds: string[];
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function fail(path: string, reason: string): PolicyError {
  return new PolicyError('INVALID_POLICY', `${path}: ${reason}`);
}

function stringList(v: unknown, path: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw fail(path, 'expected a list of strings');
  return v;
}

function stringMap(v: unknown, path: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isMap(v)) throw fail(path, 'expected a map of strings');
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw fail(`${path}.${k}`, 'expected a string');
    out[k] = x;
  }
  return out;
}

// --- kinds ------------------------------------------------------------------------------

interface KindSelector {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly sub: string;
}

const lowerFirst = (s: string | undefined): boolean => s !== undefined && /^[a-z]/.test(s);

/** kubeutils.ParseKindSelector: `Kind`, `Kind/sub`, `version/Kind[/sub]`, `group/version/Kind[/sub]`. */
export function parseKindSelector(input: string): KindSelector {
  const parts = input.split('/');
  let sub = '';
  if (parts.length === 4 || (parts.length >= 2 && lowerFirst(parts[parts.length - 1]) && !lowerFirst(parts[parts.length - 2]))) {
    sub = parts.pop()!;
  }
  if (parts.length === 1) return { group: '*', version: '*', kind: parts[0]!, sub };
  if (parts.length === 2) return { group: '*', version: parts[0]!, kind: parts[1]!, sub };
  return { group: parts[0]!, version: parts[1]!, kind: parts.slice(2).join('/'), sub };
}

export function kindMatches(selectors: KindSelector[], gvk: Gvk, subresource: string): boolean {
  for (const k of selectors) {
    if (k.kind === '*' && k.group === '*' && k.version === '*' && k.sub === '') return true;
    if (k.kind !== gvk.kind && !wildcardMatch(k.kind, gvk.kind)) continue;
    if (!wildcardMatch(k.group, gvk.group) || !wildcardMatch(k.version, gvk.version)) continue;
    if (wildcardMatch(k.sub, subresource)) return true;
    // Ephemeral containers match Pod rules for backward compatibility.
    if (gvk.kind === 'Pod' && gvk.group === '' && subresource === 'ephemeralcontainers') return true;
  }
  return false;
}

/** kubeutils.ContainsKind: does the list name `kind` (in any of the selector forms)? */
export function containsKind(list: string[], kind: string): boolean {
  return list.some((k) => parseKindSelector(k).kind === kind);
}

// --- label selectors --------------------------------------------------------------------

interface Requirement {
  readonly key: string;
  readonly op: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: string[];
}
interface Selector {
  readonly matchLabels: Record<string, string>;
  readonly wildcardLabels: boolean;
  readonly expressions: Requirement[];
}

export function compileSelector(v: unknown, path: string): Selector {
  if (!isMap(v)) throw fail(path, 'expected a label selector');
  for (const k of Object.keys(v)) {
    if (k !== 'matchLabels' && k !== 'matchExpressions') throw fail(`${path}.${k}`, 'unknown field');
  }
  const matchLabels = stringMap(v.matchLabels, `${path}.matchLabels`);
  const exprs = v.matchExpressions ?? [];
  if (!Array.isArray(exprs)) throw fail(`${path}.matchExpressions`, 'expected a list');
  const expressions = exprs.map((e, i): Requirement => {
    const p = `${path}.matchExpressions[${i}]`;
    if (!isMap(e) || typeof e.key !== 'string') throw fail(p, 'expected {key, operator, values}');
    for (const k of Object.keys(e)) if (!['key', 'operator', 'values'].includes(k)) throw fail(`${p}.${k}`, 'unknown field');
    const op = e.operator;
    if (op !== 'In' && op !== 'NotIn' && op !== 'Exists' && op !== 'DoesNotExist') {
      throw fail(`${p}.operator`, `unknown label selector operator ${JSON.stringify(op)} (In, NotIn, Exists, DoesNotExist)`);
    }
    const values = stringList(e.values, `${p}.values`);
    if ((op === 'In' || op === 'NotIn') && values.length === 0) throw fail(`${p}.values`, `operator ${op} needs values`);
    if ((op === 'Exists' || op === 'DoesNotExist') && values.length > 0) throw fail(`${p}.values`, `operator ${op} takes no values`);
    return { key: e.key, op, values };
  });
  const wildcardLabels = Object.entries(matchLabels).some(([k, x]) => containsWildcard(k) || containsWildcard(x));
  return { matchLabels, wildcardLabels, expressions };
}

/** wildcards.ReplaceInSelector: wildcard matchLabels take the first matching resource label. */
function expandLabels(sel: Selector, labels: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  const keys = Object.keys(labels).sort();
  for (const [k, v] of Object.entries(sel.matchLabels)) {
    if (!containsWildcard(k) && !containsWildcard(v)) {
      out[k] = v;
      continue;
    }
    const hit = keys.find((k1) => wildcardMatch(k, k1) && wildcardMatch(v, labels[k1]!));
    if (hit !== undefined) out[hit] = labels[hit]!;
    else out[k.replace(/[*?]/g, '0')] = v.replace(/[*?]/g, '0');
  }
  return out;
}

export function selectorMatches(sel: Selector, labels: Record<string, string>): boolean {
  const ml = sel.wildcardLabels ? expandLabels(sel, labels) : sel.matchLabels;
  for (const [k, v] of Object.entries(ml)) if (labels[k] !== v) return false;
  for (const r of sel.expressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'In':
        if (!has || !r.values.includes(labels[r.key]!)) return false;
        break;
      case 'NotIn':
        if (has && r.values.includes(labels[r.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

// --- filters ----------------------------------------------------------------------------

const DESCRIPTION_FIELDS = ['kinds', 'name', 'names', 'namespaces', 'annotations', 'selector', 'namespaceSelector', 'operations'];
const USER_FIELDS = ['roles', 'clusterRoles', 'subjects'];
const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

function compileDescription(v: unknown, path: string, kindsOut: string[]): Pred[] {
  if (v === undefined || v === null) return [];
  if (!isMap(v)) throw fail(path, 'expected a resource description');
  for (const k of Object.keys(v)) if (!DESCRIPTION_FIELDS.includes(k)) throw fail(`${path}.${k}`, 'unknown field');
  const preds: Pred[] = [];
  const ops = stringList(v.operations, `${path}.operations`);
  for (const op of ops) if (!OPERATIONS.includes(op)) throw fail(`${path}.operations`, `unknown operation ${JSON.stringify(op)}`);
  if (ops.length > 0) preds.push((s) => ops.includes(s.operation));
  const kinds = stringList(v.kinds, `${path}.kinds`);
  kindsOut.push(...kinds);
  if (kinds.length > 0) {
    const sels = kinds.map(parseKindSelector);
    preds.push((s) => kindMatches(sels, s.gvk, s.subresource));
  }
  if (v.name !== undefined && v.name !== '') {
    if (typeof v.name !== 'string') throw fail(`${path}.name`, 'expected a string');
    const n = v.name;
    preds.push((s) => wildcardMatch(n, s.name));
  }
  const names = stringList(v.names, `${path}.names`);
  if (names.length > 0) preds.push((s) => names.some((n) => wildcardMatch(n, s.name)));
  const namespaces = stringList(v.namespaces, `${path}.namespaces`);
  if (namespaces.length > 0) {
    preds.push((s) => {
      const ns = s.gvk.kind === 'Namespace' ? s.name : s.namespace;
      return namespaces.some((n) => wildcardMatch(n, ns));
    });
  }
  const annotations = stringMap(v.annotations, `${path}.annotations`);
  const annEntries = Object.entries(annotations);
  if (annEntries.length > 0) {
    preds.push((s) => annEntries.every(([k, x]) => Object.entries(s.annotations).some(([k1, x1]) => wildcardMatch(k, k1) && wildcardMatch(x, x1))));
  }
  if (v.selector !== undefined && v.selector !== null) {
    const sel = compileSelector(v.selector, `${path}.selector`);
    preds.push((s) => selectorMatches(sel, s.labels));
  }
  if (v.namespaceSelector !== undefined && v.namespaceSelector !== null) {
    const sel = compileSelector(v.namespaceSelector, `${path}.namespaceSelector`);
    preds.push((s) => s.gvk.kind !== 'Namespace' && selectorMatches(sel, s.namespaceLabels));
  }
  return preds;
}

const SA_PREFIX = 'system:serviceaccount:';

function compileUser(v: Record<string, unknown>, path: string): Pred[] {
  const preds: Pred[] = [];
  const roles = stringList(v.roles, `${path}.roles`);
  if (roles.length > 0) preds.push((s) => s.roles.some((r) => roles.includes(r)));
  const clusterRoles = stringList(v.clusterRoles, `${path}.clusterRoles`);
  if (clusterRoles.length > 0) preds.push((s) => s.clusterRoles.some((r) => clusterRoles.includes(r)));
  const subjects = v.subjects ?? [];
  if (!Array.isArray(subjects)) throw fail(`${path}.subjects`, 'expected a list');
  const subs = subjects.map((x, i) => {
    const p = `${path}.subjects[${i}]`;
    if (!isMap(x) || typeof x.kind !== 'string' || typeof x.name !== 'string') throw fail(p, 'expected {kind, name, namespace}');
    for (const k of Object.keys(x)) if (!['kind', 'name', 'namespace', 'apiGroup'].includes(k)) throw fail(`${p}.${k}`, 'unknown field');
    if (!['ServiceAccount', 'User', 'Group'].includes(x.kind)) throw fail(`${p}.kind`, `unknown subject kind ${JSON.stringify(x.kind)}`);
    return { kind: x.kind, name: x.name, namespace: typeof x.namespace === 'string' ? x.namespace : '' };
  });
  if (subs.length > 0) {
    // matchutils.CheckSubjects
    preds.push((s) => {
      const username = s.userInfo.username ?? '';
      const groups = [...(s.userInfo.groups ?? []), username];
      return subs.some((sub) => {
        if (sub.kind === 'ServiceAccount') {
          return username.length > SA_PREFIX.length && wildcardMatch(`${sub.namespace}:${sub.name}`, username.slice(SA_PREFIX.length));
        }
        return groups.some((g) => wildcardMatch(sub.name, g));
      });
    });
  }
  return preds;
}

const FILTER_FIELDS = ['resources', ...USER_FIELDS];

function compileFilter(v: unknown, path: string, kindsOut: string[]): Filter {
  if (!isMap(v)) throw fail(path, 'expected a resource filter');
  for (const k of Object.keys(v)) if (!FILTER_FIELDS.includes(k)) throw fail(`${path}.${k}`, 'unknown field');
  const checks = compileDescription(v.resources, `${path}.resources`, kindsOut);
  const userChecks = compileUser(v, path);
  const hasDescription = isMap(v.resources) && Object.values(v.resources).some((x) => x !== undefined && x !== null && x !== '');
  const hasUser = USER_FIELDS.some((k) => Array.isArray(v[k]) && (v[k] as unknown[]).length > 0);
  return { checks, userChecks, hasDescription, hasUser };
}

function blockMatches(f: Filter, s: MatchSubject, ignoreUser: boolean): boolean {
  if (!f.checks.every((p) => p(s))) return false;
  return ignoreUser || f.userChecks.every((p) => p(s));
}

/** matchesResourceDescriptionMatchHelper. */
function matchHelper(f: Filter, s: MatchSubject): boolean {
  const useUser = f.hasUser && !s.admissionEmpty;
  if (!f.hasDescription && !useUser) return false; // "match cannot be empty"
  return blockMatches(f, s, !useUser);
}

/** matchesResourceDescriptionExcludeHelper: true when the filter excludes the resource. */
function excludeHelper(f: Filter, s: MatchSubject): boolean {
  if (!f.hasDescription && !f.hasUser) return false;
  return blockMatches(f, s, false);
}

interface Block {
  readonly any: Filter[];
  readonly all: Filter[];
  readonly legacy: Filter;
}

const BLOCK_FIELDS = ['any', 'all', ...FILTER_FIELDS];

function compileBlock(v: unknown, path: string, kindsOut: string[]): Block | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isMap(v)) throw fail(path, 'expected a match/exclude block');
  for (const k of Object.keys(v)) if (!BLOCK_FIELDS.includes(k)) throw fail(`${path}.${k}`, 'unknown field');
  const list = (x: unknown, p: string): Filter[] => {
    if (x === undefined || x === null) return [];
    if (!Array.isArray(x)) throw fail(p, 'expected a list of resource filters');
    return x.map((f, i) => compileFilter(f, `${p}[${i}]`, kindsOut));
  };
  const legacyRaw: Record<string, unknown> = {};
  for (const k of FILTER_FIELDS) if (v[k] !== undefined) legacyRaw[k] = v[k];
  return { any: list(v.any, `${path}.any`), all: list(v.all, `${path}.all`), legacy: compileFilter(legacyRaw, path, kindsOut) };
}

/**
 * Compiles a rule's match and exclude blocks. `policyNamespace`: a namespaced Policy only
 * applies to resources in its own namespace.
 */
export function compileMatch(match: unknown, exclude: unknown, path: string, policyNamespace: string | undefined): CompiledMatch {
  const kinds: string[] = [];
  const m = compileBlock(match, `${path}.match`, kinds);
  if (!m) throw fail(`${path}.match`, 'a rule needs a match block');
  const x = compileBlock(exclude, `${path}.exclude`, []);
  if (m.any.length === 0 && m.all.length === 0 && !m.legacy.hasDescription && !m.legacy.hasUser) {
    throw fail(`${path}.match`, 'match cannot be empty (give any, all or resources)');
  }
  return {
    kinds,
    matches(s: MatchSubject): boolean {
      if (policyNamespace !== undefined && policyNamespace !== s.namespace) return false;
      let ok: boolean;
      if (m.any.length > 0) ok = m.any.some((f) => matchHelper(f, s));
      else if (m.all.length > 0) ok = m.all.every((f) => matchHelper(f, s));
      else ok = matchHelper(m.legacy, s);
      if (!ok || !x) return ok;
      if (x.any.length > 0) return !x.any.some((f) => excludeHelper(f, s));
      if (x.all.length > 0) return !x.all.every((f) => excludeHelper(f, s));
      return !excludeHelper(x.legacy, s);
    },
  };
}

function labelMap(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (isMap(v)) for (const [k, x] of Object.entries(v)) if (typeof x === 'string') out[k] = x;
  return out;
}

/** The group/version/kind of a Kubernetes object. */
export function gvkOf(resource: Resource): Gvk {
  const apiVersion = typeof resource.apiVersion === 'string' ? resource.apiVersion : '';
  const slash = apiVersion.lastIndexOf('/');
  return {
    group: slash >= 0 ? apiVersion.slice(0, slash) : '',
    version: slash >= 0 ? apiVersion.slice(slash + 1) : apiVersion,
    kind: typeof resource.kind === 'string' ? resource.kind : '',
  };
}

export function metadataOf(resource: Resource): { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> } {
  const md = isMap(resource.metadata) ? resource.metadata : {};
  const name = typeof md.name === 'string' && md.name !== '' ? md.name : typeof md.generateName === 'string' ? md.generateName : '';
  return {
    name,
    namespace: typeof md.namespace === 'string' ? md.namespace : '',
    labels: labelMap(md.labels),
    annotations: labelMap(md.annotations),
  };
}
