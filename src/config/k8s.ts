// The Kubernetes half of the config scan: the library compiled once by the policy engine,
// each object evaluated as an admission CREATE, RuleResults mapped to findings through
// the check metadata in the policies' annotations.
import { compilePolicy, evaluatePolicy, loadPolicies, type CompiledPolicy } from '../policy/engine/index.js';
import type { RuleResult } from '../policy/types.js';
import { checkFromAnnotations, LIBRARY, REGISTRY_POLICY, REGISTRY_VARIABLE } from './library/index.js';
import { resourceLabel, type ManifestObject } from './manifests.js';
import { ConfigError, type CheckMeta, type ConfigFinding } from './types.js';

export interface CompiledLibrary {
  policies: Array<{ policy: CompiledPolicy; check: CheckMeta }>;
}

/**
 * Compile the library. The registry policy is compiled only when `allowedRegistries` is
 * given, with the patterns as its context variable's value (the YAML default allows all).
 * Throws ConfigError ENGINE when the engine rejects a library policy.
 */
export function compileLibrary(opts: { allowedRegistries?: readonly string[] } = {}): CompiledLibrary {
  const policies: CompiledLibrary['policies'] = [];
  for (const file of LIBRARY) {
    let docs;
    try {
      docs = loadPolicies(file.yaml, `library/${file.name}`);
    } catch (e) {
      throw new ConfigError('ENGINE', `the policy engine cannot read the library: ${(e as Error).message}`, { input: `library/${file.name}`, cause: e });
    }
    for (const doc of docs) {
      const name = String((doc.metadata as { name?: unknown } | undefined)?.name ?? '');
      if (name === REGISTRY_POLICY) {
        if (!opts.allowedRegistries) continue;
        setContextValue(doc, REGISTRY_VARIABLE, [...opts.allowedRegistries]);
      }
      let policy: CompiledPolicy;
      try {
        policy = compilePolicy(doc, `library/${file.name}`);
      } catch (e) {
        throw new ConfigError('ENGINE', `the policy engine rejects ${name}: ${(e as Error).message}`, { input: `library/${file.name}`, cause: e });
      }
      policies.push({ policy, check: checkFromAnnotations(name, policy.annotations) });
    }
  }
  return { policies };
}

/** Set `variable.value` of the rule context entry `name` in every rule of a policy document. */
function setContextValue(doc: Record<string, unknown>, name: string, value: unknown): void {
  const rules = ((doc.spec as { rules?: unknown } | undefined)?.rules ?? []) as Array<{ context?: Array<{ name?: string; variable?: Record<string, unknown> }> }>;
  for (const rule of rules) for (const entry of rule.context ?? []) if (entry.name === name && entry.variable) entry.variable.value = value;
}

export interface ObjectResult {
  findings: ConfigFinding[];
  passed: number;
}

/** Evaluate one object against the library (admission CREATE, as `kubectl apply` of a new object). */
export function checkObject(lib: CompiledLibrary, obj: ManifestObject, file: string, wanted: (c: CheckMeta) => boolean): ObjectResult {
  const out: ObjectResult = { findings: [], passed: 0 };
  const resource = resourceLabel(obj.resource);
  for (const { policy, check } of lib.policies) {
    if (!wanted(check)) continue;
    let results: RuleResult[];
    try {
      results = evaluatePolicy(policy, { resource: obj.resource, admission: { operation: 'CREATE' } });
    } catch (e) {
      // An engine failure on one object is reported against it; the scan goes on.
      results = [{ policy: policy.name, rule: '-', status: 'error', message: (e as Error).message, action: 'Audit', resource: { apiVersion: '', kind: '', name: '' }, scored: true }];
    }
    for (const r of results) {
      if (r.status === 'pass') out.passed++;
      if (r.status !== 'fail' && r.status !== 'warn' && r.status !== 'error') continue;
      out.findings.push({
        checkId: check.id,
        severity: check.severity,
        title: check.title,
        remediation: check.remediation,
        file,
        ...(obj.line !== undefined ? { line: obj.line } : {}),
        resource,
        message: r.message,
        status: r.status,
        policy: policy.name,
        rule: r.rule,
      });
    }
  }
  return out;
}
