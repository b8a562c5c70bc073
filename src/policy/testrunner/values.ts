import type { UserInfo } from '../types.js';
import { PolicyError } from '../types.js';
import type { GroupVersionKind, PolicyValues, SubresourceSpec, UserInfoSpec, ValuesSpec } from './types.js';
import { describe, isRecord, parseYamlObject, readSuiteFile } from './yaml.js';

type Bad = (field: string, why: string) => never;

function badIn(file: string): Bad {
  return (field, why) => {
    throw new PolicyError('INVALID_TEST', `${field}: ${why}`, { input: file });
  };
}

function map(v: unknown, field: string, bad: Bad): Record<string, unknown> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) return bad(field, `want a mapping, got ${describe(v)}`);
  return v;
}

function list(v: unknown, field: string, bad: Bad): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) return bad(field, `want a list, got ${describe(v)}`);
  return v;
}

function name(v: unknown, field: string, bad: Bad): string {
  if (typeof v !== 'string' || v === '') return bad(field, `want a name, got ${describe(v)}`);
  return v;
}

function labels(v: unknown, field: string, bad: Bad): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(map(v, field, bad))) {
    // Label values are strings in Kubernetes; YAML may have typed `true` or `1` unquoted.
    if (x !== null && typeof x === 'object') bad(`${field}.${k}`, `want a string, got ${describe(x)}`);
    out[k] = x === null ? '' : String(x);
  }
  return out;
}

function gvk(v: unknown, field: string, bad: Bad): GroupVersionKind & { name: string } {
  const m = map(v, field, bad);
  const str = (k: string) => {
    const x = m[k];
    if (x === undefined || x === null) return '';
    if (typeof x !== 'string') return bad(`${field}.${k}`, `want a string, got ${describe(x)}`);
    return x;
  };
  return { name: str('name'), group: str('group'), version: str('version'), kind: name(m.kind, `${field}.kind`, bad) };
}

/**
 * Read a `kind: Values` document (or a test's inline `values:`): globalValues, per-policy
 * resource and rule values, foreachValues, namespace labels and subresources. `prefix` is
 * prepended to field names in errors (`values.` for inline values).
 */
export function parseValues(doc: Record<string, unknown>, file: string, prefix: string): ValuesSpec {
  const bad = badIn(file);
  if (doc.kind !== undefined && doc.kind !== 'Values' && prefix === '') bad('kind', `want Values, got ${describe(doc.kind)}`);
  const globalValues = { ...map(doc.globalValues, `${prefix}globalValues`, bad) };

  const policies: PolicyValues[] = list(doc.policies, `${prefix}policies`, bad).map((p, i) => {
    const f = `${prefix}policies[${i}]`;
    const pm = map(p, f, bad);
    return {
      name: name(pm.name, `${f}.name`, bad),
      resources: list(pm.resources, `${f}.resources`, bad).map((r, j) => {
        const rm = map(r, `${f}.resources[${j}]`, bad);
        return { name: name(rm.name, `${f}.resources[${j}].name`, bad), values: { ...map(rm.values, `${f}.resources[${j}].values`, bad) } };
      }),
      rules: list(pm.rules, `${f}.rules`, bad).map((r, j) => {
        const g = `${f}.rules[${j}]`;
        const rm = map(r, g, bad);
        const foreachValues: Record<string, unknown[]> = {};
        for (const [k, v] of Object.entries(map(rm.foreachValues, `${g}.foreachValues`, bad))) {
          foreachValues[k] = list(v, `${g}.foreachValues.${k}`, bad);
        }
        return { name: name(rm.name, `${g}.name`, bad), values: { ...map(rm.values, `${g}.values`, bad) }, foreachValues };
      }),
    };
  });

  // Full Namespace objects take precedence over namespaceSelector entries (kyverno's NamespaceSelectors()).
  const namespaceLabels: Record<string, Record<string, string>> = {};
  list(doc.namespaceSelector, `${prefix}namespaceSelector`, bad).forEach((n, i) => {
    const f = `${prefix}namespaceSelector[${i}]`;
    const nm = map(n, f, bad);
    namespaceLabels[name(nm.name, `${f}.name`, bad)] = labels(nm.labels, `${f}.labels`, bad);
  });
  list(doc.namespaces, `${prefix}namespaces`, bad).forEach((n, i) => {
    const f = `${prefix}namespaces[${i}]`;
    const meta = map(map(n, f, bad).metadata, `${f}.metadata`, bad);
    namespaceLabels[name(meta.name, `${f}.metadata.name`, bad)] = labels(meta.labels, `${f}.metadata.labels`, bad);
  });

  const subresources: SubresourceSpec[] = list(doc.subresources, `${prefix}subresources`, bad).map((s, i) => {
    const f = `${prefix}subresources[${i}]`;
    const sm = map(s, f, bad);
    const sub = gvk(sm.subresource, `${f}.subresource`, bad);
    const parent = gvk(sm.parentResource, `${f}.parentResource`, bad);
    if (!sub.name.includes('/')) bad(`${f}.subresource.name`, `want parent/subresource (e.g. deployments/scale), got "${sub.name}"`);
    return {
      name: sub.name,
      subresource: { group: sub.group, version: sub.version, kind: sub.kind },
      parent: { group: parent.group, version: parent.version, kind: parent.kind },
    };
  });

  return { globalValues, policies, namespaceLabels, subresources };
}

/** Read a `kind: UserInfo` file (or the older bare RequestInfo): userInfo, roles, clusterRoles. */
export function parseUserInfo(doc: Record<string, unknown>, file: string): UserInfoSpec {
  const bad = badIn(file);
  if (doc.kind !== undefined && doc.kind !== 'UserInfo') bad('kind', `want UserInfo, got ${describe(doc.kind)}`);
  const strings = (v: unknown, field: string): string[] =>
    list(v, field, bad).map((x, i) => (typeof x === 'string' ? x : bad(`${field}[${i}]`, `want a string, got ${describe(x)}`)));
  const out: UserInfoSpec = { roles: strings(doc.roles, 'roles'), clusterRoles: strings(doc.clusterRoles, 'clusterRoles') };
  if (doc.userInfo !== undefined && doc.userInfo !== null) {
    const u = map(doc.userInfo, 'userInfo', bad);
    const info: UserInfo = {};
    for (const k of ['username', 'uid'] as const) {
      if (u[k] === undefined || u[k] === null) continue;
      if (typeof u[k] !== 'string') bad(`userInfo.${k}`, `want a string, got ${describe(u[k])}`);
      info[k] = u[k] as string;
    }
    if (u.groups !== undefined && u.groups !== null) info.groups = strings(u.groups, 'userInfo.groups');
    if (u.extra !== undefined && u.extra !== null) {
      info.extra = {};
      for (const [k, v] of Object.entries(map(u.extra, 'userInfo.extra', bad))) info.extra[k] = strings(v, `userInfo.extra.${k}`);
    }
    out.userInfo = info;
  }
  return out;
}

/** Read and parse a `kind: Values` file (the CLI's `--values`). */
export function loadValuesFile(file: string): ValuesSpec {
  return parseValues(parseYamlObject(readSuiteFile(file, 'values file'), file, 'a values file'), file, '');
}
