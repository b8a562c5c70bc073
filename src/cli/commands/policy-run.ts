import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { UsageError, isPortcullisError } from '../../errors/index.js';
import { compilePolicy, evaluatePolicy, hasVerifyImages, loadPolicies, loadResources, type CompiledPolicy } from '../../policy/engine/index.js';
import { findTestFiles, isRuleOrAutogen, loadTestSuite, loadValuesFile, planInputs, runTestSuite, type RowOutcome, type SuiteResult, type ValuesSpec } from '../../policy/testrunner/index.js';
import { PolicyError, type Resource, type RuleResult } from '../../policy/types.js';
import { renderTable } from '../../report/table.js';
import { compareStrings } from '../../util/sort.js';
import { writeOutput } from '../output.js';
import { POLICY_APPLY_FORMATS, type PolicyApplyFlags, type PolicyTestFlags } from './policy.js';

const MAX_INPUT_BYTES = 64 * 1024 * 1024;
const MANIFEST_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/** Kinds that live outside namespaces: a manifest of these without a namespace stays cluster-scoped. */
const CLUSTER_SCOPED = new Set([
  'APIService',
  'CSIDriver',
  'CSINode',
  'CertificateSigningRequest',
  'ClusterIssuer',
  'ClusterPolicy',
  'ClusterPolicyReport',
  'ClusterRole',
  'ClusterRoleBinding',
  'ComponentStatus',
  'CustomResourceDefinition',
  'FlowSchema',
  'IngressClass',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PodSecurityPolicy',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'RuntimeClass',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
]);

/** Files under the paths: a directory is walked recursively for .yaml/.yml/.json (symlinked folders not followed). */
function collectFiles(paths: string[], flag: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    const entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => compareStrings(a.name, b.name));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && MANIFEST_EXTENSIONS.has(extname(e.name).toLowerCase())) out.push(p);
    }
  };
  for (const p of paths) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new UsageError('USAGE', 'no such file or directory', { input: flag ? `${flag} ${p}` : p });
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}

function readInput(file: string): string {
  const st = statSync(file);
  if (st.size > MAX_INPUT_BYTES) throw new UsageError('USAGE', `larger than ${MAX_INPUT_BYTES} bytes`, { input: file });
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError('USAGE', `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { input: file });
  }
}

/** A policy error from the engine, named after the file when the engine did not name it. */
function withInput(e: unknown, file: string): unknown {
  if (e instanceof PolicyError && !e.input) return new PolicyError(e.code, e.message, { input: file, cause: e });
  return e;
}

function metaOf(r: Resource): Record<string, unknown> {
  const m = r.metadata;
  return m !== null && typeof m === 'object' && !Array.isArray(m) ? (m as Record<string, unknown>) : {};
}

function loadAllPolicies(paths: string[]): Array<{ policy: CompiledPolicy; name: string }> {
  const out: Array<{ policy: CompiledPolicy; name: string }> = [];
  for (const file of collectFiles(paths, '')) {
    try {
      for (const doc of loadPolicies(readInput(file), file)) {
        const name = metaOf(doc).name;
        out.push({ policy: compilePolicy(doc, file), name: typeof name === 'string' ? name : '' });
      }
    } catch (e) {
      throw withInput(e, file);
    }
  }
  if (out.length === 0) throw new UsageError('USAGE', 'no ClusterPolicy or Policy found', { input: paths.join(' ') });
  return out.sort((a, b) => compareStrings(a.policy.name, b.policy.name));
}

/** Resources as `kubectl apply` would see them: a namespaced kind without a namespace is in `default`. */
function loadAllResources(paths: string[]): Resource[] {
  const out: Resource[] = [];
  for (const file of collectFiles(paths, '--resource')) {
    let docs: Resource[];
    try {
      docs = loadResources(readInput(file), file);
    } catch (e) {
      throw withInput(e, file);
    }
    for (const d of docs) {
      const r = structuredClone(d);
      const meta = (r.metadata ??= {}) as Record<string, unknown>;
      if ((typeof meta.namespace !== 'string' || meta.namespace === '') && !CLUSTER_SCOPED.has(String(r.kind))) meta.namespace = 'default';
      out.push(r);
    }
  }
  if (out.length === 0) throw new UsageError('USAGE', 'no resources found', { input: `--resource ${paths.join(' ')}` });
  return out;
}

/**
 * Flags for verifyImages rules. Until policy.ts declares them (`--registry-credentials FILE`,
 * `--trusted-root FILE`, `--plain-http`), callers may pass them in the flags object.
 */
export interface PolicyVerifyFlags {
  /** A docker config.json (dockerconfigjson) tried after the resources' pull secrets. */
  registryCredentials?: string;
  /** trusted_root.json for keyless and Rekor checks (default: the cached Sigstore root, offline). */
  trustedRoot?: string;
  plainHttp?: boolean;
}

/**
 * applyPolicies for policies with verifyImages rules: signatures are verified (once per image,
 * through one cache for the whole run), with pull secrets from the Secrets and ServiceAccounts
 * among the resources, then the --registry-credentials file.
 */
export async function applyPoliciesWithVerification(
  policies: Array<{ policy: CompiledPolicy; name: string }>,
  resources: Resource[],
  values: ValuesSpec | undefined,
  flags: PolicyVerifyFlags,
): Promise<RuleResult[]> {
  const verify = await import('../../policy/verify/index.js');
  const trust = await import('../../trust/index.js');
  const verifier = new verify.ImageVerifier({
    registry: flags.plainHttp ? { plainHttp: true } : {},
    credentials: verify.createPullSecretCredentials(verify.resourceSecretReader(resources), flags.registryCredentials ? { fallback: verify.readDockerConfigFile(flags.registryCredentials) } : {}),
    ...(flags.trustedRoot ? { trustedRoot: trust.readTrustedRootFile(flags.trustedRoot) } : { loadTrustedRoot: () => trust.loadTrustedRoot({ offline: true }) }),
  });
  const results: RuleResult[] = [];
  for (const { policy, name } of policies) {
    for (const resource of resources) {
      for (const plan of planInputs(resource, name, { values })) {
        const { results: rs } = await verify.evaluatePoliciesWithVerification([policy], plan.input, verifier);
        for (const r of rs) {
          if (plan.only !== undefined ? isRuleOrAutogen(r.rule, plan.only) : !plan.except.some((x) => isRuleOrAutogen(r.rule, x))) results.push(r);
        }
      }
    }
  }
  return sortResults(results);
}

function sortResults(results: RuleResult[]): RuleResult[] {
  const key = (r: RuleResult) => [r.policy, r.rule, r.resource.namespace ?? '', r.resource.kind, r.resource.name].join('\u0000');
  return results.sort((a, b) => compareStrings(key(a), key(b)));
}

/** Evaluate every policy on every resource with the values' operation and variables. */
export function applyPolicies(policies: Array<{ policy: CompiledPolicy; name: string }>, resources: Resource[], values?: ValuesSpec): RuleResult[] {
  const results: RuleResult[] = [];
  for (const { policy, name } of policies) {
    for (const resource of resources) {
      for (const plan of planInputs(resource, name, { values })) {
        for (const r of evaluatePolicy(policy, plan.input)) {
          if (plan.only !== undefined ? isRuleOrAutogen(r.rule, plan.only) : !plan.except.some((x) => isRuleOrAutogen(r.rule, x))) results.push(r);
        }
      }
    }
  }
  const key = (r: RuleResult) => [r.policy, r.rule, r.resource.namespace ?? '', r.resource.kind, r.resource.name].join('\u0000');
  return results.sort((a, b) => compareStrings(key(a), key(b)));
}

function resourceLabel(r: RuleResult): string {
  return [r.resource.kind, r.resource.namespace, r.resource.name].filter(Boolean).join('/');
}

/** Admission would refuse: a failing (or erroring, with the default failurePolicy Fail) rule whose action is Enforce. */
function blocks(r: RuleResult): boolean {
  return r.action === 'Enforce' && (r.status === 'fail' || r.status === 'error');
}

/** SOURCE_DATE_EPOCH (seconds) fixes report timestamps; otherwise now. */
function reportTime(): Date {
  const s = process.env.SOURCE_DATE_EPOCH;
  if (s !== undefined && /^\d+$/.test(s.trim())) return new Date(Number(s.trim()) * 1000);
  return new Date();
}

async function renderApply(results: RuleResult[], format: string): Promise<string> {
  const { reportResultOf, renderPolicyReports } = await import('../../report/policyreport.js');
  if (format === 'policyreport') return renderPolicyReports(results, { timestamp: reportTime(), properties: { process: 'policy apply' } });
  const summary = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
  for (const r of results) summary[reportResultOf(r)]++;
  if (format === 'json') {
    const rows = results.map((r) => ({
      policy: r.policy,
      rule: r.rule,
      resource: r.resource,
      result: reportResultOf(r),
      action: r.action,
      message: r.message,
      scored: r.scored,
      ...(r.category ? { category: r.category } : {}),
      ...(r.severity ? { severity: r.severity } : {}),
    }));
    return JSON.stringify({ summary, results: rows }, null, 2);
  }
  const table = renderTable(
    ['POLICY', 'RULE', 'RESOURCE', 'RESULT', 'ACTION', 'MESSAGE'],
    results.map((r) => [r.policy, r.rule, resourceLabel(r), reportResultOf(r), r.action, r.message.replace(/\s*\n\s*/g, ' ')]),
  );
  const counts = Object.entries(summary).map(([k, v]) => `${v} ${k}`).join(', ');
  return `${table}\n\n${results.length} results: ${counts}`;
}

export async function runPolicyApply(policyPaths: string[], flags: PolicyApplyFlags): Promise<void> {
  if (!(POLICY_APPLY_FORMATS as readonly string[]).includes(flags.format)) {
    throw new UsageError('BAD_FLAG', `unknown format "${flags.format}": want one of ${POLICY_APPLY_FORMATS.join(', ')}`, { input: '--format' });
  }
  const values = flags.values ? loadValuesFile(flags.values) : undefined;
  const policies = loadAllPolicies(policyPaths);
  const resources = loadAllResources(flags.resource ?? []);
  const verifying = policies.some((p) => hasVerifyImages(p.policy));
  const results = verifying ? await applyPoliciesWithVerification(policies, resources, values, flags as PolicyApplyFlags & PolicyVerifyFlags) : applyPolicies(policies, resources, values);
  writeOutput(await renderApply(results, flags.format), flags.output);
  let blocked = 0;
  for (const r of results) {
    const one = `${r.policy}/${r.rule} on ${resourceLabel(r)}: ${r.message.replace(/\s*\n\s*/g, ' ')}`;
    if (blocks(r)) {
      blocked++;
      process.stderr.write(`error: Enforce ${r.status}: ${one}\n`);
    } else if (r.status === 'fail' || r.status === 'error') {
      process.stderr.write(`warning: Audit ${r.status}: ${one}\n`);
    }
  }
  if (blocked > 0) process.exitCode = 1;
}

function outcomeRows(outcomes: RowOutcome[], detailed: boolean): string[][] {
  return outcomes.map((o, i) => {
    const row = [String(i + 1), o.row.policy, o.rule ?? o.row.rule, o.matched ?? `${o.row.kind}/${o.resource}`, o.status === 'fail' ? 'Fail' : o.status === 'skip' ? 'Skip' : 'Pass', o.reason];
    if (detailed) row.push(o.message.replace(/\s*\n\s*/g, ' '));
    return row;
  });
}

export async function runPolicyTest(paths: string[], flags: PolicyTestFlags): Promise<void> {
  for (const p of paths) {
    if (!statSync(p, { throwIfNoEntry: false })) throw new UsageError('USAGE', 'no such file or directory', { input: p });
  }
  const files = findTestFiles(paths, flags.fileName);
  if (files.length === 0) throw new UsageError('USAGE', `no ${flags.fileName} found`, { input: paths.join(' ') });
  const out: string[] = [];
  const totals = { pass: 0, fail: 0, skip: 0 };
  const failedSuites: string[] = [];
  let malformed = 0;
  for (const file of files) {
    const shown = relative(process.cwd(), file) || resolve(file);
    let result: SuiteResult;
    try {
      result = runTestSuite(loadTestSuite(file));
    } catch (e) {
      if (!isPortcullisError(e)) throw e;
      malformed++;
      failedSuites.push(shown);
      out.push(`${shown}: error: ${e.toLine()}`, '');
      continue;
    }
    for (const [policy, why] of Object.entries(result.skippedPolicies)) process.stderr.write(`warning: ${shown}: policy ${policy} skipped: ${why}\n`);
    if (result.suite.unsupported.length > 0) process.stderr.write(`warning: ${shown}: not evaluated: ${result.suite.unsupported.join(', ')}\n`);
    totals.pass += result.counts.pass;
    totals.fail += result.counts.fail;
    totals.skip += result.counts.skip;
    if (!result.passed) failedSuites.push(shown);
    const shownRows = flags.failOnly ? result.outcomes.filter((o) => o.status === 'fail') : result.outcomes;
    if (flags.failOnly && shownRows.length === 0) continue;
    const headers = ['ID', 'POLICY', 'RULE', 'RESOURCE', 'RESULT', 'REASON', ...(flags.detailedResults ? ['MESSAGE'] : [])];
    out.push(`${result.suite.name || shown} (${shown}): ${result.passed ? 'pass' : 'FAIL'}`, renderTable(headers, outcomeRows(shownRows, flags.detailedResults === true)), '');
  }
  out.push(`Test Summary: ${totals.pass + totals.skip} tests passed and ${totals.fail} tests failed (${totals.skip} skipped or excluded); ${files.length - failedSuites.length} of ${files.length} suites passed`);
  if (failedSuites.length > 0) out.push(`Failed suites: ${failedSuites.join(', ')}`);
  writeOutput(out.join('\n'));
  // A suite that cannot be read is bad input (2), reported after the others ran; a mismatch is 1.
  if (malformed > 0) process.exitCode = 2;
  else if (failedSuites.length > 0) process.exitCode = 1;
}
