/**
 * Readiness: for every Audit policy, what Enforce would block today.
 *
 * Each resource is evaluated as if it were created now (operation CREATE: a rollout or a
 * node drain recreates Pods). A result that fails under an Audit action is what Enforce
 * would refuse. Violations are grouped by namespace and by the workload that owns them (a
 * Pod → its ReplicaSet → its Deployment), system namespaces included, because a policy that
 * blocks the cluster's own components on day one is the canonical Audit → Enforce outage.
 */
import { evaluatePolicies } from '../policy/index.js';
import type { CompiledPolicy } from '../policy/index.js';
import type { Resource, ResourceRef, RuleResult } from '../policy/types.js';
import { renderTable } from '../report/table.js';
import { compareStrings, sortBy } from '../util/sort.js';
import { metadataOf, refOf, type ScanInput } from './background.js';

/** Namespaces Kyverno's default resourceFilters skip; readiness reports them instead of hiding them. */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

/** Controllers whose Pods are grouped under them. */
const WORKLOAD_KINDS = new Set(['Deployment', 'ReplicaSet', 'DaemonSet', 'StatefulSet', 'Job', 'CronJob', 'ReplicationController']);

export type PolicyMode = 'Audit' | 'Enforce' | 'Mixed';

export interface ReadinessOptions {
  /** The admission controller's own namespace, reported as a system namespace. */
  ownNamespace?: string;
  /** Only violations in this namespace count (staged, per-namespace enforcement). */
  namespace?: string;
}

export interface Violation {
  policy: string;
  /** The rule as evaluated (`autogen-…` for controllers). */
  rule: string;
  /** The rule as written in the policy. */
  baseRule: string;
  result: 'fail' | 'error';
  message: string;
  resource: ResourceRef;
  owner: ResourceRef;
  /** '' for cluster-scoped resources. */
  namespace: string;
  system: boolean;
}

export interface OwnerGroup {
  namespace: string;
  owner: ResourceRef;
  system: boolean;
  violations: Violation[];
}

export interface ProposedExclusion {
  namespaces: string[];
  /** The rules (as written) that need it. */
  rules: string[];
  violations: number;
  /** The YAML to add under each of those rules. */
  yaml: string;
}

export interface PolicyReadiness {
  policy: string;
  source: string;
  mode: PolicyMode;
  ready: boolean;
  verdict: string;
  violations: number;
  resources: number;
  owners: number;
  namespaces: string[];
  /** Violations in system namespaces (the proposed exclusion would cover them). */
  systemViolations: number;
  /** Per rule as written: violations (0 for rules that would block nothing). */
  rules: Array<{ rule: string; violations: number }>;
  groups: OwnerGroup[];
  exclusion?: ProposedExclusion;
}

export interface ReadinessReport {
  /** Resources evaluated. */
  resources: number;
  policies: PolicyReadiness[];
  /** Policies already Enforce everywhere (not assessed). */
  enforced: string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function actionOf(v: unknown): 'Audit' | 'Enforce' | undefined {
  if (typeof v !== 'string') return undefined;
  return v.toLowerCase() === 'enforce' ? 'Enforce' : 'Audit';
}

/** The actions a policy document can resolve to: spec, spec overrides, rule failureAction and rule overrides. */
export function policyMode(doc: Resource): PolicyMode {
  const spec = isObject(doc.spec) ? doc.spec : {};
  const seen = new Set<string>();
  const rules = Array.isArray(spec.rules) ? spec.rules.filter(isObject) : [];
  const ruleLevel = rules.filter((r) => isObject(r.validate));
  let fallsBackToSpec = ruleLevel.length === 0;
  for (const r of ruleLevel) {
    const v = r.validate as Record<string, unknown>;
    for (const o of Array.isArray(v.failureActionOverrides) ? v.failureActionOverrides.filter(isObject) : []) seen.add(actionOf(o.action) ?? 'Audit');
    const own = actionOf(v.failureAction);
    if (own) seen.add(own);
    else fallsBackToSpec = true;
  }
  if (fallsBackToSpec) {
    for (const o of Array.isArray(spec.validationFailureActionOverrides) ? spec.validationFailureActionOverrides.filter(isObject) : []) {
      seen.add(actionOf(o.action) ?? 'Audit');
    }
    seen.add(actionOf(spec.validationFailureAction) ?? 'Audit');
  }
  if (seen.size === 1) return seen.has('Enforce') ? 'Enforce' : 'Audit';
  return 'Mixed';
}

/** The rule as written: autogen copies carry the original's name after a prefix. */
function baseRuleOf(rule: string, written: ReadonlySet<string>): string {
  if (written.has(rule)) return rule;
  for (const prefix of ['autogen-cronjob-', 'autogen-']) if (rule.startsWith(prefix) && written.has(rule.slice(prefix.length))) return rule.slice(prefix.length);
  return rule;
}

function writtenRules(p: CompiledPolicy): Set<string> {
  const spec = isObject(p.doc.spec) ? p.doc.spec : {};
  const names = (Array.isArray(spec.rules) ? spec.rules : []).map((r) => (isObject(r) && typeof r.name === 'string' ? r.name : '')).filter(Boolean);
  return new Set(names);
}

/** Resolves owners through ownerReferences to the topmost known workload controller. */
export class OwnerIndex {
  private readonly byUid = new Map<string, Resource>();
  private readonly byName = new Map<string, Resource>();

  constructor(resources: readonly Resource[]) {
    for (const r of resources) {
      const md = metadataOf(r);
      if (typeof md.uid === 'string' && md.uid !== '') this.byUid.set(md.uid, r);
      const ref = refOf(r);
      this.byName.set(this.nameKey(ref.namespace, ref.kind, ref.name), r);
    }
  }

  private nameKey(ns: string | undefined, kind: string, name: string): string {
    return `${ns ?? ''}/${kind}/${name}`;
  }

  /**
   * The workload a resource belongs to: its controller chain followed while the owners are
   * workload kinds. A Pod whose ReplicaSet was not listed is attributed to the Deployment
   * named by the ReplicaSet (minus its pod-template-hash) when that Deployment is known.
   */
  ownerOf(resource: Resource): ResourceRef {
    let cur = resource;
    for (let depth = 0; depth < 8; depth++) {
      const md = metadataOf(cur);
      const refs = Array.isArray(md.ownerReferences) ? md.ownerReferences.filter(isObject) : [];
      const o = refs.find((x) => x.controller === true) ?? refs[0];
      if (!o || typeof o.kind !== 'string' || typeof o.name !== 'string' || !WORKLOAD_KINDS.has(o.kind)) return refOf(cur);
      const ns = refOf(cur).namespace;
      const found = (typeof o.uid === 'string' ? this.byUid.get(o.uid) : undefined) ?? this.byName.get(this.nameKey(ns, o.kind, o.name));
      if (found) {
        cur = found;
        continue;
      }
      const synthesized: ResourceRef = { apiVersion: typeof o.apiVersion === 'string' ? o.apiVersion : '', kind: o.kind, ...(ns ? { namespace: ns } : {}), name: o.name };
      const labels = isObject(md.labels) ? md.labels : {};
      const hash = labels['pod-template-hash'];
      if (o.kind === 'ReplicaSet' && typeof hash === 'string' && o.name.endsWith(`-${hash}`)) {
        const dep = this.byName.get(this.nameKey(ns, 'Deployment', o.name.slice(0, -hash.length - 1)));
        if (dep) return refOf(dep);
      }
      return synthesized;
    }
    return refOf(cur);
  }
}

/** Admission would refuse this result under Enforce (errors too, unless the policy's failurePolicy is Ignore). */
function wouldBlock(r: RuleResult, failurePolicy: unknown): 'fail' | 'error' | undefined {
  if (r.action !== 'Audit') return undefined;
  if (r.status === 'fail' || (r.status === 'warn' && !r.scored)) return 'fail';
  if (r.status === 'error' && failurePolicy !== 'Ignore') return 'error';
  return undefined;
}

function label(ref: ResourceRef): string {
  return `${ref.kind}/${ref.name}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function exclusionYaml(namespaces: readonly string[]): string {
  return ['exclude:', '  any:', '    - resources:', `        namespaces: [${namespaces.join(', ')}]`].join('\n');
}

function assessOne(p: CompiledPolicy, mode: PolicyMode, violations: Violation[], evaluated: number): PolicyReadiness {
  const groupsByKey = new Map<string, OwnerGroup>();
  for (const v of violations) {
    const key = [v.namespace, v.owner.kind, v.owner.name].join('\u0000');
    let g = groupsByKey.get(key);
    if (!g) groupsByKey.set(key, (g = { namespace: v.namespace, owner: v.owner, system: v.system, violations: [] }));
    g.violations.push(v);
  }
  const groups = sortBy(
    [...groupsByKey.values()],
    (g) => g.namespace,
    (g) => g.owner.kind,
    (g) => g.owner.name,
  );
  for (const g of groups) g.violations = sortBy(g.violations, (v) => v.resource.kind, (v) => v.resource.name, (v) => v.rule);
  const namespaces = [...new Set(violations.map((v) => v.namespace || '(cluster)'))].sort(compareStrings);
  const resources = new Set(violations.map((v) => `${v.namespace}/${v.resource.kind}/${v.resource.name}`)).size;
  const system = violations.filter((v) => v.system);
  const counts = new Map<string, number>([...writtenRules(p)].map((r) => [r, 0]));
  for (const v of violations) counts.set(v.baseRule, (counts.get(v.baseRule) ?? 0) + 1);
  const rules = [...counts.entries()].sort((a, b) => compareStrings(a[0], b[0])).map(([rule, n]) => ({ rule, violations: n }));
  let exclusion: ProposedExclusion | undefined;
  if (system.length > 0) {
    const ns = [...new Set(system.map((v) => v.namespace))].sort(compareStrings);
    exclusion = { namespaces: ns, rules: [...new Set(system.map((v) => v.baseRule))].sort(compareStrings), violations: system.length, yaml: exclusionYaml(ns) };
  }
  let verdict: string;
  if (violations.length === 0) {
    verdict = `ready: Enforce would block none of the ${plural(evaluated, 'resource')} evaluated`;
  } else {
    const where = `${plural(namespaces.length, 'namespace')} (${namespaces.join(', ')})`;
    verdict = `not ready: Enforce would block ${plural(resources, 'resource')} (${plural(violations.length, 'violation')}, ${plural(groups.length, 'owner')}) in ${where} outside the policy's exclusions`;
    if (exclusion && system.length === violations.length) verdict += `; all in system namespaces: add the proposed exclusion`;
    else if (exclusion) verdict += `; ${system.length} in system namespaces (${exclusion.namespaces.join(', ')}) would be covered by the proposed exclusion`;
  }
  return {
    policy: p.name,
    source: p.source,
    mode,
    ready: violations.length === 0,
    verdict,
    violations: violations.length,
    resources,
    owners: groups.length,
    namespaces,
    systemViolations: system.length,
    rules,
    groups,
    ...(exclusion ? { exclusion } : {}),
  };
}

/** What Enforce would block today, for every policy that is (at least partly) Audit. */
export function assessReadiness(policies: readonly CompiledPolicy[], input: ScanInput, opts: ReadinessOptions = {}): ReadinessReport {
  const systemNs = new Set([...SYSTEM_NAMESPACES, ...(opts.ownNamespace ? [opts.ownNamespace] : [])]);
  const modes = new Map(policies.map((p) => [p.name, policyMode(p.doc)]));
  const assessed = sortBy(
    policies.filter((p) => modes.get(p.name) !== 'Enforce'),
    (p) => p.name,
  );
  const enforced = policies.filter((p) => modes.get(p.name) === 'Enforce').map((p) => p.name).sort(compareStrings);
  const owners = new OwnerIndex(input.resources);
  const byPolicy = new Map<string, Violation[]>(assessed.map((p) => [p.name, []]));
  const written = new Map(assessed.map((p) => [p.name, writtenRules(p)]));
  const failurePolicy = new Map(assessed.map((p) => [p.name, isObject(p.doc.spec) ? p.doc.spec.failurePolicy : undefined]));
  let evaluated = 0;
  for (const resource of input.resources) {
    const ref = refOf(resource);
    const ns = ref.namespace ?? '';
    if (opts.namespace !== undefined && ns !== opts.namespace) continue;
    evaluated++;
    const namespaceLabels = ns ? input.namespaceLabels.get(ns) : undefined;
    const results = evaluatePolicies(assessed, { resource, admission: { operation: 'CREATE', ...(namespaceLabels ? { namespaceLabels } : {}) } });
    let owner: ResourceRef | undefined;
    for (const r of results) {
      const kind = wouldBlock(r, failurePolicy.get(r.policy));
      if (!kind) continue;
      owner ??= owners.ownerOf(resource);
      byPolicy.get(r.policy)?.push({
        policy: r.policy,
        rule: r.rule,
        baseRule: baseRuleOf(r.rule, written.get(r.policy) ?? new Set()),
        result: kind,
        message: r.message,
        resource: ref,
        owner,
        namespace: ns,
        system: systemNs.has(ns),
      });
    }
  }
  return {
    resources: evaluated,
    policies: assessed.map((p) => assessOne(p, modes.get(p.name)!, byPolicy.get(p.name)!, evaluated)),
    enforced,
  };
}

function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s*\n\s*/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
}

/** The report as text: per policy, the verdict, the blocked resources by namespace and owner, and the proposed exclusion. */
export function renderReadinessText(report: ReadinessReport): string {
  const out: string[] = [];
  for (const p of report.policies) {
    out.push(`${p.policy} (${p.mode}, ${p.source})`);
    out.push(`  ${p.ready ? 'READY' : 'NOT READY'}: ${p.verdict.replace(/^(not )?ready: /, '')}`);
    if (p.groups.length > 0) {
      const rows: string[][] = [];
      for (const g of p.groups) {
        for (const v of g.violations) {
          rows.push([g.namespace || '(cluster)', label(g.owner), v.rule, label(v.resource), g.system ? 'yes' : '', oneLine(v.message, 100)]);
        }
      }
      const table = renderTable(['NAMESPACE', 'OWNER', 'RULE', 'RESOURCE', 'SYSTEM', 'MESSAGE'], rows);
      out.push(...table.split('\n').map((l) => `  ${l}`));
    }
    out.push(`  rules: ${p.rules.map((r) => `${r.rule} ${r.violations}`).join(', ')}`);
    if (p.exclusion) {
      out.push(`  proposed exclusion for ${p.exclusion.rules.join(', ')} (${plural(p.exclusion.violations, 'violation')} in system namespaces):`);
      out.push(...p.exclusion.yaml.split('\n').map((l) => `    ${l}`));
    }
    out.push('');
  }
  const ready = report.policies.filter((p) => p.ready).length;
  out.push(
    `${report.policies.length} Audit ${report.policies.length === 1 ? 'policy' : 'policies'} assessed over ${plural(report.resources, 'resource')}: ${ready} ready, ${report.policies.length - ready} not ready` +
      (report.enforced.length > 0 ? `; already Enforce: ${report.enforced.join(', ')}` : ''),
  );
  return out.join('\n');
}
