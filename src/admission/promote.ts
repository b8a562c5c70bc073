/**
 * `policy promote`: rewrite a policy's failure action in its YAML file, keeping every other
 * byte (comments, flow collections, quoting). The `yaml` Document API locates the nodes; the
 * edits are spliced into the original text at the nodes' source ranges, because re-printing
 * the document would reformat it. Only a structure that cannot be spliced (a flow-style
 * spec) falls back to re-printing the document through the Document API.
 *
 * Without --namespace the action changes everywhere (spec.validationFailureAction, and each
 * rule's validate.failureAction in the newer per-rule form). With --namespace the policy is
 * enforced in that namespace only (staged enforcement): an override `{action, namespaces}` is
 * added or extended in spec.validationFailureActionOverrides, or in the rule's
 * validate.failureActionOverrides where a rule sets its own action (those win over the spec's).
 */
import { isMap, isSeq, parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import { compilePolicy, loadPolicies, wildcardMatch } from '../policy/index.js';
import type { FailureAction, Resource } from '../policy/types.js';
import { LifecycleError } from './reports.js';
import type { PolicyReadiness } from './readiness.js';
import { flowValue, Splicer, type OverrideOp } from './promote-splice.js';

export type { OverrideOp } from './promote-splice.js';

export interface PromoteRequest {
  to: FailureAction;
  /** Enforce (or Audit) in this namespace only, through an override. */
  namespace?: string;
  /** The policy's metadata.name, when the file holds more than one. */
  name?: string;
}

export interface ActionRewrite {
  /** Policy key: `name` or `namespace/name`. */
  policy: string;
  text: string;
  changed: boolean;
  /** One line per change, e.g. `spec.validationFailureAction: Audit → Enforce`. */
  changes: string[];
  /** What still resolves to the other action (overrides kept). */
  notes: string[];
  /** True when the document had to be re-printed (formatting not kept). */
  reprinted: boolean;
}

type Path = Array<string | number>;
interface Plan {
  path: Path;
  /** undefined: remove the key (an overrides list left empty). */
  value: unknown;
  /** For an existing overrides list: the edits, spliced one by one so comments inside survive. */
  ops?: OverrideOp[];
  /** For a key that does not exist yet: insert after one of these sibling keys, in order of preference. */
  after: string[];
}

type Json = Record<string, unknown>;

function isJson(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function actionOf(v: unknown): FailureAction | undefined {
  if (typeof v !== 'string') return undefined;
  return v.toLowerCase() === 'enforce' ? 'Enforce' : 'Audit';
}

function other(a: FailureAction): FailureAction {
  return a === 'Enforce' ? 'Audit' : 'Enforce';
}

/**
 * The overrides list after making `ns` resolve to `to` (and the edits that get there), or
 * undefined when it already does. Overrides are first-match-wins: `ns` is taken out of entries
 * for the other action, then added to an entry for `to` that comes before any other entry
 * that could match it, or a new entry is put first.
 */
export function planOverrides(current: readonly unknown[], ns: string, to: FailureAction, fallback: FailureAction): { list: Json[]; ops: OverrideOp[] } | undefined {
  const ops: OverrideOp[] = [];
  let out = current.map((e, idx) => ({ idx, e: isJson(e) ? structuredClone(e) : {} }));
  const emptied = new Set<number>();
  for (const { idx, e } of out) {
    if (actionOf(e.action) !== to && Array.isArray(e.namespaces) && e.namespaces.includes(ns) && e.namespaceSelector === undefined) {
      const left = e.namespaces.filter((n) => n !== ns);
      e.namespaces = left;
      // An entry whose only namespace was `ns` goes (left empty it would read as a mistake).
      if (left.length === 0) emptied.add(idx);
      ops.push(left.length === 0 ? { op: 'removeEntry', entry: idx } : { op: 'removeNamespace', entry: idx, namespace: ns });
    }
  }
  out = out.filter(({ idx }) => !emptied.has(idx));
  const mayApply = (e: Json) => !Array.isArray(e.namespaces) || e.namespaces.some((p) => typeof p === 'string' && wildcardMatch(p, ns));
  const first = out.findIndex(({ e }) => mayApply(e));
  const effective = first >= 0 && out[first]!.e.namespaceSelector === undefined ? actionOf(out[first]!.e.action) : first < 0 ? fallback : undefined;
  if (effective !== to) {
    const limit = first >= 0 ? first : out.length;
    const host = out.slice(0, limit).find(({ e }) => actionOf(e.action) === to && Array.isArray(e.namespaces) && e.namespaceSelector === undefined);
    if (host) {
      (host.e.namespaces as unknown[]).push(ns);
      ops.push({ op: 'appendNamespace', entry: host.idx, namespace: ns });
    } else {
      const value = { action: to, namespaces: [ns] };
      out.unshift({ idx: -1, e: value });
      ops.push({ op: 'prependEntry', value });
    }
  }
  return ops.length === 0 ? undefined : { list: out.map(({ e }) => e), ops };
}

function pathString(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

/** What must change in a policy document (as JS) for the request, as values at paths. */
function planRewrite(doc: Json, req: PromoteRequest): { plans: Plan[]; notes: string[] } {
  const spec = isJson(doc.spec) ? doc.spec : {};
  const rules = Array.isArray(spec.rules) ? spec.rules : [];
  const plans: Plan[] = [];
  const notes: string[] = [];
  const specAction = actionOf(spec.validationFailureAction) ?? 'Audit';
  // Rules that set their own action (the newer form) decide before the spec's overrides.
  const own = rules
    .map((r, i) => ({ i, v: isJson(r) && isJson(r.validate) ? r.validate : undefined }))
    .filter((x): x is { i: number; v: Json } => x.v !== undefined);
  const ruleLevel = own.filter(({ v }) => v.failureAction !== undefined || v.failureActionOverrides !== undefined);
  const specLevel = own.length === 0 || own.some(({ v }) => v.failureAction === undefined && v.failureActionOverrides === undefined);
  if (req.namespace === undefined) {
    for (const { i, v } of ruleLevel) {
      if (v.failureAction !== undefined && actionOf(v.failureAction) !== req.to) plans.push({ path: ['spec', 'rules', i, 'validate', 'failureAction'], value: req.to, after: [] });
    }
    const ruleActionMissing = own.length === 0 || own.some(({ v }) => v.failureAction === undefined);
    if (spec.validationFailureAction !== undefined ? specAction !== req.to : ruleActionMissing && req.to !== specAction) {
      plans.push({ path: ['spec', 'validationFailureAction'], value: req.to, after: ['background', 'admission'] });
    }
    const kept = (list: unknown, where: string) => {
      for (const o of Array.isArray(list) ? list.filter(isJson) : []) {
        if (actionOf(o.action) === other(req.to)) {
          const scope = Array.isArray(o.namespaces) ? `namespaces ${o.namespaces.join(', ')}` : 'a namespaceSelector';
          notes.push(`${where} keeps ${other(req.to)} for ${scope}`);
        }
      }
    };
    if (specLevel) kept(spec.validationFailureActionOverrides, 'spec.validationFailureActionOverrides');
    for (const { i, v } of ruleLevel) kept(v.failureActionOverrides, `spec.rules[${i}].validate.failureActionOverrides`);
    return { plans, notes };
  }
  const ns = req.namespace;
  for (const { i, v } of ruleLevel) {
    const fallback = actionOf(v.failureAction) ?? specAction;
    const list = Array.isArray(v.failureActionOverrides) ? v.failureActionOverrides : [];
    const next = planOverrides(list, ns, req.to, fallback);
    if (next) plans.push({ path: ['spec', 'rules', i, 'validate', 'failureActionOverrides'], value: next.list.length > 0 ? next.list : undefined, ops: next.ops, after: ['failureAction', 'message'] });
  }
  if (specLevel) {
    const list = Array.isArray(spec.validationFailureActionOverrides) ? spec.validationFailureActionOverrides : [];
    const next = planOverrides(list, ns, req.to, specAction);
    if (next) plans.push({ path: ['spec', 'validationFailureActionOverrides'], value: next.list.length > 0 ? next.list : undefined, ops: next.ops, after: ['validationFailureAction', 'background', 'admission'] });
  }
  return { plans, notes };
}

function splice(doc: Document, text: string, plans: readonly Plan[]): string | undefined {
  const sp = new Splicer(text);
  for (const plan of plans) {
    const node = doc.getIn(plan.path, true);
    if (plan.value === undefined) {
      const parent = doc.getIn(plan.path.slice(0, -1), true);
      if (!isMap(parent) || !sp.deletePair(parent, String(plan.path[plan.path.length - 1]))) return undefined;
      continue;
    }
    if (node !== undefined && node !== null) {
      if (typeof plan.value === 'string' && sp.oneLine(node)) sp.setScalar(node, plan.value);
      else if (Array.isArray(plan.value) && isSeq(node)) {
        if (!(plan.ops && sp.overrideOps(node, plan.ops)) && !sp.setList(node, plan.value)) return undefined;
      } else return undefined;
      continue;
    }
    const parent = doc.getIn(plan.path.slice(0, -1), true);
    if (!isMap(parent) || !sp.insertPair(parent, String(plan.path[plan.path.length - 1]), plan.value, plan.after)) return undefined;
  }
  return sp.apply();
}

function valueAt(js: unknown, path: Path): unknown {
  let cur = js;
  for (const k of path) cur = Array.isArray(cur) && typeof k === 'number' ? cur[k] : isJson(cur) && typeof k === 'string' ? cur[k] : undefined;
  return cur;
}

function describeChange(plan: Plan, current: unknown): string {
  const show = (v: unknown) => (v === undefined ? '(unset)' : Array.isArray(v) ? flowValue(v) : String(v));
  return `${pathString(plan.path)}: ${show(current)} → ${show(plan.value)}`;
}

/**
 * Rewrites the failure action of the policy in `text` (a YAML file that may hold several
 * documents). The result is checked: it must still compile as a policy.
 */
export function rewriteFailureAction(text: string, source: string, req: PromoteRequest): ActionRewrite {
  // The engine's reader bounds depth and aliases (the file is input like any other).
  loadPolicies(text, source);
  const docs = parseAllDocuments(text, { keepSourceTokens: false });
  if (!Array.isArray(docs)) throw new LifecycleError('BAD_INPUT', 'not a YAML stream', { input: source });
  const candidates = docs.filter((d) => {
    const js = d.toJS() as unknown;
    return isJson(js) && typeof js.apiVersion === 'string' && js.apiVersion.startsWith('kyverno.io/') && (js.kind === 'ClusterPolicy' || js.kind === 'Policy');
  });
  const named = req.name === undefined ? candidates : candidates.filter((d) => (d.toJS() as { metadata?: { name?: unknown } }).metadata?.name === req.name);
  if (named.length === 0) throw new LifecycleError('NOT_FOUND', req.name ? `no policy named ${req.name}` : 'no ClusterPolicy or Policy', { input: source });
  if (named.length > 1) throw new LifecycleError('BAD_INPUT', `holds ${named.length} policies: choose one with --name`, { input: source });
  const doc = named[0]!;
  const js = doc.toJS() as Resource;
  const policy = compilePolicy(js, source).name;
  const { plans, notes } = planRewrite(js, req);
  if (plans.length === 0) return { policy, text, changed: false, changes: [], notes, reprinted: false };
  const changes = plans.map((p) => describeChange(p, valueAt(js, p.path)));
  let out = splice(doc, text, plans);
  let reprinted = false;
  if (out === undefined) {
    // A flow-style spec cannot be spliced line by line: set the values and re-print this document.
    if (docs.length !== 1) throw new LifecycleError('BAD_INPUT', 'a flow-style spec in a multi-document file cannot be rewritten in place', { input: source });
    for (const p of plans) {
      if (p.value === undefined) doc.deleteIn(p.path);
      else doc.setIn(p.path, p.value);
    }
    out = doc.toString({ lineWidth: 0 });
    reprinted = true;
  }
  const check = loadPolicies(out, source).filter((d) => isJson(d.metadata) && d.metadata.name === (js.metadata as Json).name && d.kind === js.kind);
  if (check.length !== 1) throw new LifecycleError('BAD_INPUT', 'the rewritten file no longer holds the policy', { input: source });
  compilePolicy(check[0]!, source);
  return { policy, text: out, changed: out !== text, changes, notes, reprinted };
}

export interface PromotionDecision {
  refused: boolean;
  /** One line per resource and rule that Enforce would block. */
  blockers: string[];
}

/** Refuse while readiness finds violations (the policy's exclusions already left out what they cover). */
export function decidePromotion(r: PolicyReadiness | undefined, force: boolean): PromotionDecision {
  const blockers: string[] = [];
  for (const g of r?.groups ?? []) {
    for (const v of g.violations) {
      const where = v.namespace ? `${v.namespace}/` : '';
      const owner = g.owner.kind === v.resource.kind && g.owner.name === v.resource.name ? '' : ` (owner ${g.owner.kind}/${g.owner.name})`;
      const hint = v.system && r?.exclusion ? `; system namespace: exclude it (exclude.any[].resources.namespaces: [${v.namespace}])` : '';
      blockers.push(`${v.policy}/${v.rule} would block ${v.resource.kind} ${where}${v.resource.name}${owner}: ${v.message.replace(/\s*\n\s*/g, ' ')}${hint}`);
    }
  }
  return { refused: blockers.length > 0 && !force, blockers };
}
