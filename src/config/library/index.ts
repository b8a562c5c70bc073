// The built-in Kubernetes check library: Kyverno ClusterPolicy YAML shipped as TypeScript
// strings, so the bundled CLI reads no data files. Check metadata lives in the policies'
// annotations (docs/config-checks.md describes the scheme); this module reads it back.
import { parseAllDocuments } from 'yaml';
import { CONFIG_SEVERITIES, ConfigError, type CheckMeta, type ConfigSeverity } from '../types.js';
import { BEST_PRACTICES } from './best-practices.js';
import { PSS_BASELINE } from './pss-baseline.js';
import { PSS_RESTRICTED } from './pss-restricted.js';
import { SUPPLY_CHAIN } from './supply-chain.js';

export { REGISTRY_POLICY, REGISTRY_VARIABLE } from './supply-chain.js';

/** The library's policy files, by name: each a multi-document YAML stream of ClusterPolicies. */
export const LIBRARY: ReadonlyArray<{ name: string; yaml: string }> = [
  { name: 'pss-baseline', yaml: PSS_BASELINE },
  { name: 'pss-restricted', yaml: PSS_RESTRICTED },
  { name: 'supply-chain', yaml: SUPPLY_CHAIN },
  { name: 'best-practices', yaml: BEST_PRACTICES },
];

/** Our annotations on each library policy. */
export const ANNOTATION = {
  checkId: 'portcullis.dev/check-id',
  remediation: 'portcullis.dev/remediation',
  inspiredBy: 'portcullis.dev/inspired-by',
  title: 'policies.kyverno.io/title',
  category: 'policies.kyverno.io/category',
  severity: 'policies.kyverno.io/severity',
} as const;

/** A check's metadata from a policy's annotations; throws ConfigError ENGINE when one is missing. */
export function checkFromAnnotations(policy: string, annotations: Record<string, string>): CheckMeta {
  const need = (key: string): string => {
    const v = annotations[key];
    if (typeof v !== 'string' || v.trim() === '') throw new ConfigError('ENGINE', `library policy lacks annotation ${key}`, { input: policy });
    return v.trim();
  };
  const severity = need(ANNOTATION.severity).toUpperCase();
  if (!(CONFIG_SEVERITIES as readonly string[]).includes(severity)) {
    throw new ConfigError('ENGINE', `library policy has severity "${severity}"`, { input: policy });
  }
  const inspiredBy = annotations[ANNOTATION.inspiredBy]?.trim();
  return {
    id: need(ANNOTATION.checkId),
    target: 'kubernetes',
    severity: severity as ConfigSeverity,
    title: need(ANNOTATION.title),
    remediation: need(ANNOTATION.remediation),
    category: need(ANNOTATION.category),
    policy,
    ...(inspiredBy ? { inspiredBy } : {}),
  };
}

let cached: CheckMeta[] | undefined;

/** Every Kubernetes check of the library, sorted by ID (parsed once). */
export function kubernetesChecks(): CheckMeta[] {
  if (cached) return cached;
  const out: CheckMeta[] = [];
  for (const file of LIBRARY) {
    for (const doc of parseAllDocuments(file.yaml)) {
      const policy = doc.toJS() as { metadata?: { name?: string; annotations?: Record<string, string> } } | null;
      if (!policy?.metadata?.name) continue;
      out.push(checkFromAnnotations(policy.metadata.name, policy.metadata.annotations ?? {}));
    }
  }
  cached = out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return cached;
}
