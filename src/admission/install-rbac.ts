// Who Portcullis is in the cluster: its Namespace, ServiceAccount and the least-privilege
// ClusterRole it is bound to. Every rule carries the reason it exists; the rendered YAML
// prints that reason above the rule, so a reviewer reads it where they judge it.
import type { Settings } from './install-settings.js';
import { labels, NAME } from './install-settings.js';

/** One RBAC rule and why Portcullis needs it. */
export interface ExplainedRule {
  why: string;
  rule: { apiGroups: string[]; resources: string[]; verbs: string[] };
}

/** Read-only verbs: enough for informers (list, then watch from the list's resourceVersion) and single reads. */
const READ = ['get', 'list', 'watch'];

/**
 * The ClusterRole's rules. Nothing here may write anything but reports: the webhook answers
 * with an AdmissionReview response, it never changes objects itself (sideEffects: None).
 */
export const CLUSTER_RULES: readonly ExplainedRule[] = [
  {
    why: 'cluster mode: read Kyverno ClusterPolicies and Policies to build the policy set and reload it on change (get/list/watch only; policies are never written)',
    rule: { apiGroups: ['kyverno.io'], resources: ['clusterpolicies', 'policies'], verbs: READ },
  },
  {
    why: "namespaces: a policy's namespaceSelector is matched against the request namespace's labels; the background scan walks namespaces",
    rule: { apiGroups: [''], resources: ['namespaces'], verbs: READ },
  },
  {
    why: 'background scan: read Pods and ReplicationControllers to report on workloads admitted before a policy existed',
    rule: { apiGroups: [''], resources: ['pods', 'replicationcontrollers'], verbs: READ },
  },
  {
    why: 'background scan: the apps/v1 Pod controllers (autogen rules check their Pod templates)',
    rule: { apiGroups: ['apps'], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'], verbs: READ },
  },
  {
    why: 'background scan: the batch/v1 Pod controllers',
    rule: { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: READ },
  },
  {
    why: 'reports: create a PolicyReport per namespace and a ClusterPolicyReport, update them (PUT) as results change, delete those that became empty, get/list its own (by label) after a restart; no patch (unused) and no watch (it keeps them in memory)',
    rule: { apiGroups: ['wgpolicyk8s.io'], resources: ['clusterpolicyreports', 'policyreports'], verbs: ['create', 'delete', 'get', 'list', 'update'] },
  },
];

/**
 * The Namespace, labelled for Pod Security Admission `restricted` (enforce, audit, warn):
 * the Deployment below meets it, and nothing else should run there.
 */
export function namespaceObject(s: Settings): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: s.namespace,
      labels: {
        ...labels(),
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/audit-version': 'latest',
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'latest',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'latest',
      },
    },
  };
}

export function serviceAccountObject(s: Settings): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: NAME, namespace: s.namespace, labels: labels() } };
}

/** Opt-in (`pullSecrets`): verifyImages reads pull secrets through the API. */
export const PULL_SECRET_RULE: ExplainedRule = {
  why: "pull secrets (opt-in): verifyImages reads a Pod's imagePullSecrets and its ServiceAccount's to reach private registries; get only, never list or watch",
  rule: { apiGroups: [''], resources: ['secrets', 'serviceaccounts'], verbs: ['get'] },
};

/** The ClusterRole's rules for these settings. */
export function clusterRules(s: Pick<Settings, 'pullSecrets'>): readonly ExplainedRule[] {
  return s.pullSecrets ? [...CLUSTER_RULES, PULL_SECRET_RULE] : CLUSTER_RULES;
}

export function clusterRoleObject(s: Pick<Settings, 'pullSecrets'> = { pullSecrets: false }): Record<string, unknown> {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: NAME, labels: labels() },
    rules: clusterRules(s).map((r) => ({ ...r.rule })),
  };
}

/**
 * Opt-in (`reports`): serve --reports-cluster elects one report writer among the replicas with
 * Lease `portcullis-reports` in its own namespace, so this is a namespaced Role, not cluster-wide.
 */
export const LEASE_RULES: readonly ExplainedRule[] = [
  {
    why: 'reports (opt-in): replicas elect one PolicyReport writer with a Lease; get reads the holder and its resourceVersion, create makes the Lease the first time, update renews or takes it over (optimistic, by resourceVersion); no list, watch, patch or delete',
    rule: { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'get', 'update'] },
  },
];

/** The Role for the report Lease, in its own namespace; absent unless `reports`. */
export function leaseRoleObject(s: Pick<Settings, 'reports' | 'namespace'>): Record<string, unknown> | undefined {
  if (!s.reports) return undefined;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: NAME, namespace: s.namespace, labels: labels() },
    rules: LEASE_RULES.map((r) => ({ ...r.rule })),
  };
}

export function leaseRoleBindingObject(s: Pick<Settings, 'reports' | 'namespace'>): Record<string, unknown> | undefined {
  if (!s.reports) return undefined;
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: NAME, namespace: s.namespace, labels: labels() },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: NAME },
    subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: s.namespace }],
  };
}

export function clusterRoleBindingObject(s: Settings): Record<string, unknown> {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: NAME, labels: labels() },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: NAME },
    subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: s.namespace }],
  };
}
