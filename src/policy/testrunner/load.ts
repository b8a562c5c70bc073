import { dirname, isAbsolute, resolve } from 'node:path';
import type { Operation } from '../types.js';
import { PolicyError } from '../types.js';
import { parseValues, parseUserInfo } from './values.js';
import type { ReportResult, ResourceSpec, TestResultRow, TestSuite } from './types.js';
import { describe, isRecord, parseYamlObject, readSuiteFile } from './yaml.js';

const RESULTS: readonly ReportResult[] = ['pass', 'fail', 'warn', 'error', 'skip'];
const OPERATIONS: readonly Operation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'];

/** Top-level Test fields this runner reads. */
const READ_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'name', 'policies', 'resources', 'variables', 'values', 'userinfo', 'results']);
/** Documented Test fields for what this runner does not evaluate: reported, not fatal. */
const UNEVALUATED_FIELDS = new Set([
  'exceptions',
  'targetResources',
  'paramResources',
  'context',
  'clusterResources',
  'jsonPayload',
  'jsonPayloads',
  'httpPayloads',
  'envoyPayloads',
  'apiCallResponses',
  'globalContextEntries',
  'checks',
]);
const ROW_FIELDS = new Set(['policy', 'rule', 'resources', 'resource', 'resourceSpecs', 'kind', 'result', 'status', 'operation', 'namespace']);
/** Row fields for mutate/generate checks and the new policy types: such rows cannot be checked here. */
const ROW_UNEVALUATED = new Set([
  'patchedResource',
  'patchedResources',
  'generatedResource',
  'generatedResources',
  'cloneSourceResource',
  'failOnMissingResources',
  'isValidatingPolicy',
  'isMutatingPolicy',
  'isGeneratingPolicy',
  'isDeletingPolicy',
  'isImageValidatingPolicy',
  'isValidatingAdmissionPolicy',
  'isMutatingAdmissionPolicy',
]);

/**
 * Load a kyverno-test.yaml (`cli.kyverno.io/v1alpha1` Test, or the older unversioned form):
 * paths resolve against the file's folder; the values and userinfo files it names are read
 * too. A malformed suite is PolicyError INVALID_TEST naming the file and the field.
 */
export function loadTestSuite(file: string): TestSuite {
  const path = resolve(file);
  const doc = parseYamlObject(readSuiteFile(path, 'test file'), path, 'a kyverno test');
  return toTestSuite(doc, path);
}

/** Build a suite from an already parsed Test document (`file` names it and anchors its paths). */
export function toTestSuite(doc: Record<string, unknown>, file: string): TestSuite {
  const dir = dirname(file);
  const bad = (field: string, why: string): never => {
    throw new PolicyError('INVALID_TEST', `${field}: ${why}`, { input: file });
  };
  if (doc.apiVersion !== undefined && doc.apiVersion !== 'cli.kyverno.io/v1alpha1') bad('apiVersion', `want cli.kyverno.io/v1alpha1, got ${describe(doc.apiVersion)}`);
  if (doc.kind !== undefined && doc.kind !== 'Test') bad('kind', `want Test, got ${describe(doc.kind)}`);

  const unsupported: string[] = [];
  for (const [k, v] of Object.entries(doc)) {
    if (READ_FIELDS.has(k) || v === null || v === undefined) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    unsupported.push(UNEVALUATED_FIELDS.has(k) ? k : `unknown field ${k}`);
  }

  const meta = doc.metadata;
  if (meta !== undefined && !isRecord(meta)) bad('metadata', `want a mapping, got ${describe(meta)}`);
  const name = (isRecord(meta) && typeof meta.name === 'string' && meta.name) || (typeof doc.name === 'string' && doc.name) || '';

  const paths = (field: string, required: boolean): string[] => {
    const v = doc[field];
    if (v === undefined || v === null) {
      if (required) bad(field, 'missing');
      return [];
    }
    if (!Array.isArray(v)) return bad(field, `want a list of paths, got ${describe(v)}`);
    return v.map((p, i) => toPath(p, `${field}[${i}]`));
  };
  const toPath = (p: unknown, field: string): string => {
    if (typeof p !== 'string' || p === '') return bad(field, `want a path, got ${describe(p)}`);
    // The runner is offline: kyverno's http(s) sources are refused, not fetched.
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(p)) return bad(field, `remote sources are not supported: ${p}`);
    return isAbsolute(p) ? p : resolve(dir, p);
  };

  const policies = paths('policies', true);
  if (policies.length === 0) bad('policies', 'empty');
  const resources = paths('resources', false);

  // Inline values win and the file is then not read, as in kyverno (variables.New).
  let values;
  if (doc.values !== undefined && doc.values !== null) {
    if (!isRecord(doc.values)) bad('values', `want a mapping, got ${describe(doc.values)}`);
    values = parseValues(doc.values as Record<string, unknown>, file, 'values.');
  } else if (doc.variables !== undefined && doc.variables !== null) {
    const vfile = toPath(doc.variables, 'variables');
    values = parseValues(parseYamlObject(readSuiteFile(vfile, 'values file'), vfile, 'a values file'), vfile, '');
  }

  let userInfo;
  if (doc.userinfo !== undefined && doc.userinfo !== null) {
    const ufile = toPath(doc.userinfo, 'userinfo');
    userInfo = parseUserInfo(parseYamlObject(readSuiteFile(ufile, 'userinfo file'), ufile, 'a userinfo file'), ufile);
  }

  if (!Array.isArray(doc.results)) bad('results', doc.results === undefined ? 'missing' : `want a list, got ${describe(doc.results)}`);
  const results = (doc.results as unknown[]).map((r, i) => toRow(r, i, bad, unsupported));

  return { file, dir, name, policies, resources, values, userInfo, results, unsupported };
}

function toRow(r: unknown, index: number, bad: (field: string, why: string) => never, unsupported: string[]): TestResultRow {
  const at = `results[${index}]`;
  if (!isRecord(r)) return bad(at, `want a mapping, got ${describe(r)}`);
  const str = (k: string, required: boolean): string | undefined => {
    const v = r[k];
    if (v === undefined || v === null || v === '') {
      if (required) bad(`${at}.${k}`, 'missing');
      return undefined;
    }
    if (typeof v !== 'string') return bad(`${at}.${k}`, `want a string, got ${describe(v)}`);
    return v;
  };
  const rowUnsupported: string[] = [];
  for (const [k, v] of Object.entries(r)) {
    if (ROW_FIELDS.has(k)) continue;
    // A false flag (isValidatingPolicy: false) or an empty list asks for nothing.
    if (v === false || v === null || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    if (ROW_UNEVALUATED.has(k)) rowUnsupported.push(k);
    unsupported.push(ROW_UNEVALUATED.has(k) ? `${at}.${k}` : `unknown field ${at}.${k}`);
  }
  const policy = str('policy', true)!;
  const kind = str('kind', true)!;
  const rule = str('rule', true)!;
  // `status` is the deprecated spelling of `result`.
  const resultField = r.result !== undefined ? 'result' : 'status';
  const result = str(resultField, true)!;
  if (!(RESULTS as readonly string[]).includes(result)) bad(`${at}.${resultField}`, `want one of ${RESULTS.join(', ')}, got "${result}"`);
  const operation = str('operation', false);
  if (operation !== undefined && !(OPERATIONS as readonly string[]).includes(operation)) {
    bad(`${at}.operation`, `want one of ${OPERATIONS.join(', ')}, got "${operation}"`);
  }

  const resources: string[] = [];
  if (r.resources !== undefined && r.resources !== null) {
    if (!Array.isArray(r.resources)) bad(`${at}.resources`, `want a list of names, got ${describe(r.resources)}`);
    (r.resources as unknown[]).forEach((n, i) => {
      if (typeof n !== 'string' || n === '') bad(`${at}.resources[${i}]`, `want a name or ns/name, got ${describe(n)}`);
      resources.push(n as string);
    });
  }
  const single = str('resource', false);
  if (single !== undefined && resources.length === 0) resources.push(single);

  const resourceSpecs: ResourceSpec[] = [];
  if (r.resourceSpecs !== undefined && r.resourceSpecs !== null) {
    if (!Array.isArray(r.resourceSpecs)) bad(`${at}.resourceSpecs`, `want a list, got ${describe(r.resourceSpecs)}`);
    (r.resourceSpecs as unknown[]).forEach((s, i) => {
      const f = `${at}.resourceSpecs[${i}]`;
      if (!isRecord(s)) return bad(f, `want a mapping, got ${describe(s)}`);
      const spec: ResourceSpec = { name: '' };
      for (const k of ['group', 'version', 'kind', 'namespace', 'subresource', 'name'] as const) {
        const v = s[k];
        if (v === undefined || v === null) continue;
        if (typeof v !== 'string') bad(`${f}.${k}`, `want a string, got ${describe(v)}`);
        spec[k] = v as string;
      }
      if (!spec.name) bad(`${f}.name`, 'missing');
      resourceSpecs.push(spec);
    });
  }
  // A row naming no resource checks every resource of the suite (kyverno's printTestResult).

  const row: TestResultRow = { index, policy, rule, kind, resources, resourceSpecs, result: result as ReportResult };
  if (operation) row.operation = operation as Operation;
  if (rowUnsupported.length > 0) row.unsupported = rowUnsupported;
  const ns = str('namespace', false);
  if (ns) row.namespace = ns;
  return row;
}
