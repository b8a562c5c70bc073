// How the API server calls Portcullis: the ValidatingWebhookConfiguration. Fail-open
// (Ignore) by default, bounded in time, no side effects, and scoped away from the control
// plane and from Portcullis itself so that neither can be locked out by it.
import type { Settings } from './install-settings.js';
import { labels, MUTATING_WEBHOOK_NAME, NAME, WEBHOOK_NAME } from './install-settings.js';

const OPERATIONS = ['CREATE', 'UPDATE'];

/**
 * Pods and the Pod controllers, the kinds the built-in policies and the Kyverno policy
 * library match (autogen rules check controllers' Pod templates). `pods/ephemeralcontainers`
 * is there so `kubectl debug` cannot add a container the Pod rules would refuse.
 */
export const WEBHOOK_RULES = [
  { apiGroups: [''], apiVersions: ['v1'], operations: OPERATIONS, resources: ['pods', 'pods/ephemeralcontainers', 'replicationcontrollers'], scope: 'Namespaced' },
  { apiGroups: ['apps'], apiVersions: ['v1'], operations: OPERATIONS, resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'], scope: 'Namespaced' },
  { apiGroups: ['batch'], apiVersions: ['v1'], operations: OPERATIONS, resources: ['cronjobs', 'jobs'], scope: 'Namespaced' },
] as const;

/**
 * CEL match conditions (admissionregistration.k8s.io/v1, GA in Kubernetes 1.30, beta and on
 * by default since 1.28), in the form of the Kubernetes documentation's examples. A request
 * that fails any condition is not sent to the webhook at all.
 */
export function matchConditions(s: Settings): Array<{ name: string; expression: string }> {
  return [
    // Its own service account: nothing Portcullis does should wait on itself.
    { name: 'exclude-portcullis', expression: `request.userInfo.username != "system:serviceaccount:${s.namespace}:${NAME}"` },
    // Kubelets: mirror Pods of static Pods are created by nodes, which cannot be told no.
    { name: 'exclude-nodes', expression: '!("system:nodes" in request.userInfo.groups)' },
    // Leader-election and heartbeat traffic (Leases) never reaches the webhook: the rules above match none.
  ];
}

function webhookConfiguration(s: Settings, kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration', name: string, path: string, extra: Record<string, unknown>): Record<string, unknown> {
  const clientConfig: Record<string, unknown> = { service: { name: NAME, namespace: s.namespace, path, port: 443 } };
  if (s.caBundle) clientConfig.caBundle = s.caBundle;
  const metadata: Record<string, unknown> = { name: NAME, labels: labels() };
  if (s.certManager) metadata.annotations = { 'cert-manager.io/inject-ca-from': `${s.namespace}/${NAME}` };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind,
    metadata,
    webhooks: [
      {
        name,
        admissionReviewVersions: ['v1'],
        clientConfig,
        failurePolicy: s.failurePolicy,
        matchPolicy: 'Equivalent',
        sideEffects: 'None',
        timeoutSeconds: s.timeoutSeconds,
        namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: s.excludedNamespaces }] },
        rules: WEBHOOK_RULES.map((r) => ({ ...r, apiGroups: [...r.apiGroups], apiVersions: [...r.apiVersions], operations: [...r.operations], resources: [...r.resources] })),
        matchConditions: matchConditions(s),
        ...extra,
      },
    ],
  };
}

export function validatingWebhookObject(s: Settings): Record<string, unknown> {
  return webhookConfiguration(s, 'ValidatingWebhookConfiguration', WEBHOOK_NAME, '/validate', {});
}

/**
 * Image pinning at admission (`mutation`): always fail-open (Ignore), since /mutate only adds
 * digests and validation still decides; IfNeeded so a later mutating webhook's new image is pinned too.
 */
export function mutatingWebhookObject(s: Settings): Record<string, unknown> | undefined {
  if (!s.mutation) return undefined;
  return webhookConfiguration(s, 'MutatingWebhookConfiguration', MUTATING_WEBHOOK_NAME, '/mutate', { failurePolicy: 'Ignore', reinvocationPolicy: 'IfNeeded' });
}
