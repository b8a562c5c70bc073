/**
 * Auto-generated rules for Pod controllers (Kyverno pkg/autogen/v1): a rule that matches Pods
 * (without names or selectors) is copied for DaemonSet, Deployment, Job, StatefulSet,
 * ReplicaSet and ReplicationController as `autogen-<rule>` (pattern under spec.template) and
 * for CronJob as `autogen-cronjob-<rule>` (spec.jobTemplate.spec.template), with
 * `request.object.spec`/`metadata` paths rewritten. Works on the raw rule documents.
 */
import { containsKind } from './match.js';

export const AUTOGEN_ANNOTATION = 'pod-policies.kyverno.io/autogen-controllers';
const POD_CONTROLLERS = ['DaemonSet', 'Deployment', 'Job', 'StatefulSet', 'ReplicaSet', 'ReplicationController', 'CronJob'];
const NON_CRON = ['DaemonSet', 'Deployment', 'Job', 'StatefulSet', 'ReplicaSet', 'ReplicationController'];

type Json = Record<string, unknown>;

function isMap(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return JSON.parse(JSON.stringify(v)) as T;
}

function asList(v: unknown): Json[] {
  return Array.isArray(v) ? (v.filter(isMap) as Json[]) : [];
}

function kindsOf(desc: unknown): string[] {
  return isMap(desc) && Array.isArray(desc.kinds) ? (desc.kinds.filter((k) => typeof k === 'string') as string[]) : [];
}

/** checkAutogenSupport for one resource description. */
function supportsAutogen(desc: unknown, needed: { v: boolean }): boolean {
  if (!isMap(desc)) return true;
  const kinds = kindsOf(desc);
  const names = Array.isArray(desc.names) ? desc.names : [];
  if ((typeof desc.name === 'string' && desc.name !== '') || names.length > 0 || desc.selector != null || desc.annotations != null) return false;
  if (kinds.length > 1 && containsKind(kinds, 'Pod')) return false;
  needed.v = needed.v || kinds.some((k) => k === 'Pod' || POD_CONTROLLERS.includes(k));
  return true;
}

function blockDescriptions(block: unknown): unknown[] {
  if (!isMap(block)) return [];
  return [block.resources, ...asList(block.any).map((f) => f.resources), ...asList(block.all).map((f) => f.resources)];
}

/** CanAutoGen: whether the policy's rules can be applied to Pod controllers. */
export function canAutogen(rules: Json[]): boolean {
  const needed = { v: false };
  for (const rule of rules) {
    if (rule.generate != null) return false;
    const mutate = rule.mutate;
    if (isMap(mutate)) {
      if (typeof mutate.patchesJson6902 === 'string' && mutate.patchesJson6902 !== '') return false;
      if (asList(mutate.foreach).some((f) => typeof f.patchesJson6902 === 'string' && f.patchesJson6902 !== '')) return false;
    }
    for (const desc of [...blockDescriptions(rule.match), ...blockDescriptions(rule.exclude)]) {
      if (!supportsAutogen(desc, needed)) return false;
    }
  }
  return needed.v;
}

function blockKinds(block: unknown): string[] {
  return blockDescriptions(block).flatMap(kindsOf);
}

type FilterRewrite = (filters: Json[], kinds: string[]) => Json[];

function setKinds(filter: Json, kinds: string[]): Json {
  const resources = isMap(filter.resources) ? { ...filter.resources } : {};
  resources.kinds = kinds;
  return { ...filter, resources };
}

function withValidation(validate: Json, extra: Json): Json {
  const out: Json = {};
  if (validate.message !== undefined) out.message = validate.message;
  for (const k of ['failureAction', 'failureActionOverrides', 'allowExistingViolations']) if (validate[k] !== undefined) out[k] = validate[k];
  return { ...out, ...extra };
}

/** generateRule: the rule for `kinds` with its pattern nested under `spec.<tplKey>`. */
function generateRule(name: string, src: Json | undefined, tplKey: string, kinds: string[], rewrite: FilterRewrite): Json | undefined {
  if (!src) return undefined;
  const rule = clone(src);
  rule.name = name;
  const match: Json = isMap(rule.match) ? rule.match : {};
  rule.match = match;
  if (asList(match.any).length > 0) match.any = rewrite(asList(match.any), kinds);
  else if (asList(match.all).length > 0) match.all = rewrite(asList(match.all), kinds);
  else match.resources = { ...(isMap(match.resources) ? match.resources : {}), kinds };
  if (isMap(rule.exclude)) {
    const ex = rule.exclude;
    if (asList(ex.any).length > 0) ex.any = rewrite(asList(ex.any), kinds);
    else if (asList(ex.all).length > 0) ex.all = rewrite(asList(ex.all), kinds);
    else if (kindsOf(ex.resources).length > 0) ex.resources = { ...(ex.resources as Json), kinds };
  }
  const v = rule.validate;
  if (isMap(v)) {
    if (v.pattern !== undefined && v.pattern !== null) {
      rule.validate = withValidation(v, { pattern: { spec: { [tplKey]: v.pattern } } });
      return rule;
    }
    if (v.deny !== undefined && v.deny !== null) {
      rule.validate = withValidation(v, { deny: v.deny });
      return rule;
    }
    if (v.podSecurity !== undefined && v.podSecurity !== null) {
      rule.validate = withValidation(v, { podSecurity: v.podSecurity });
      return rule;
    }
    if (Array.isArray(v.anyPattern)) {
      rule.validate = withValidation(v, { anyPattern: v.anyPattern.map((p) => ({ spec: { [tplKey]: p } })) });
      return rule;
    }
    if (Array.isArray(v.foreach) && v.foreach.length > 0) {
      rule.validate = withValidation(v, { foreach: v.foreach });
      return rule;
    }
    if (v.cel !== undefined || v.assert !== undefined) return rule;
  }
  if (rule.verifyImages != null) return rule;
  // Mutate rules are not evaluated by this engine; no validate response would come of them.
  return undefined;
}

function autogenName(prefix: string, name: string): string {
  const n = `${prefix}-${name}`;
  return n.length > 63 ? n.slice(0, 63) : n;
}

function splitKinds(controllers: string): string[] {
  return controllers.split(',').sort();
}

function stripCronJob(controllers: string): string {
  return splitKinds(controllers)
    .filter((c) => c !== 'CronJob')
    .join(',');
}

/** generateRuleForControllers. */
function ruleForControllers(rule: Json, controllersIn: string): Json | undefined {
  const name = typeof rule.name === 'string' ? rule.name : '';
  if (name.startsWith('autogen-') || controllersIn === '') return undefined;
  const matchKinds = blockKinds(rule.match);
  const excludeKinds = blockKinds(rule.exclude);
  if (!containsKind(matchKinds, 'Pod') || (excludeKinds.length > 0 && !containsKind(excludeKinds, 'Pod'))) return undefined;
  let controllers = controllersIn;
  if (controllers === 'all') controllers = NON_CRON.join(',');
  else if (controllers !== 'none') {
    const valid = splitKinds(controllers).filter((c) => NON_CRON.includes(c));
    if (valid.length > 0) controllers = valid.join(',');
  }
  return generateRule(autogenName('autogen', name), rule, 'template', splitKinds(controllers), (filters, kinds) =>
    filters.map((f) => (containsKind(kindsOf(f.resources), 'Pod') ? setKinds(f, kinds) : f)),
  );
}

function cronJobRule(rule: Json, controllers: string): Json | undefined {
  if (!controllers.includes('CronJob') && !controllers.includes('all')) return undefined;
  const name = typeof rule.name === 'string' ? rule.name : '';
  return generateRule(autogenName('autogen-cronjob', name), ruleForControllers(rule, controllers), 'jobTemplate', ['CronJob'], (filters, kinds) =>
    filters.map((f) => setKinds(f, kinds)),
  );
}

const POD_REPLACEMENTS: Array<[string, string]> = [
  ['request.object.spec', 'request.object.spec.template.spec'],
  ['request.oldObject.spec', 'request.oldObject.spec.template.spec'],
  ['request.object.metadata', 'request.object.spec.template.metadata'],
  ['request.oldObject.metadata', 'request.oldObject.spec.template.metadata'],
];
const CRONJOB_REPLACEMENTS: Array<[string, string]> = [
  ['request.object.spec', 'request.object.spec.jobTemplate.spec.template.spec'],
  ['request.oldObject.spec', 'request.oldObject.spec.jobTemplate.spec.template.spec'],
  ['request.object.metadata', 'request.object.spec.jobTemplate.spec.template.metadata'],
  ['request.oldObject.metadata', 'request.oldObject.spec.jobTemplate.spec.template.metadata'],
];

/** convertRule/updateFields: a textual rewrite of the whole rule document, as Kyverno does on its JSON. */
function rewritePaths(rule: Json, replacements: Array<[string, string]>): Json {
  let text = JSON.stringify(rule);
  for (const [from, to] of replacements) text = text.split(from).join(to);
  return JSON.parse(text) as Json;
}

/**
 * computeRules: the policy's own rules (minus any named `autogen-*`) followed by the generated
 * ones, or the rules unchanged when autogen does not apply. `annotation` is the value of
 * pod-policies.kyverno.io/autogen-controllers, if set.
 */
export function computeRules(rules: Json[], annotation: string | undefined): { rules: Json[]; generated: number } {
  const apply = canAutogen(rules);
  if (!apply) return { rules, generated: 0 };
  const controllers = annotation !== undefined ? [...new Set(annotation.split(','))].join(',') : POD_CONTROLLERS.join(',');
  if (controllers === 'none') return { rules, generated: 0 };
  const generated: Json[] = [];
  for (const rule of rules) {
    const g = ruleForControllers(rule, stripCronJob(controllers));
    if (g) generated.push(rewritePaths(g, POD_REPLACEMENTS));
    const c = cronJobRule(rule, controllers);
    if (c) generated.push(rewritePaths(c, CRONJOB_REPLACEMENTS));
  }
  if (generated.length === 0) return { rules, generated: 0 };
  return { rules: [...rules.filter((r) => !(typeof r.name === 'string' && r.name.startsWith('autogen-'))), ...generated], generated: generated.length };
}
