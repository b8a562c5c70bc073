// `portcullis install`: every Kubernetes object the admission webhook needs, as one
// multi-document YAML stream for `kubectl apply -f -`. Pure and deterministic: the same
// options give the same bytes (no timestamps, no generated keys; the CLI reads the files).
import { Document, isSeq } from 'yaml';
import { CLUSTER_POLICY_REPORT_CRD, POLICY_REPORT_CRD } from './crds.js';
import { CLUSTER_RULES, clusterRoleBindingObject, clusterRoleObject, clusterRules, LEASE_RULES, leaseRoleBindingObject, leaseRoleObject, namespaceObject, serviceAccountObject } from './install-rbac.js';
import { resolveSettings, TLS_SECRET, type InstallOptions, type Settings } from './install-settings.js';
import { mutatingWebhookObject, validatingWebhookObject } from './install-webhook.js';
import { certManagerObjects, deploymentObject, podDisruptionBudgetObject, policiesConfigMapObject, serviceObject } from './install-workload.js';

export type { InstallOptions } from './install-settings.js';

function header(s: Settings): string {
  const lines = [
    `Portcullis admission webhook: namespace ${s.namespace}, image ${s.image}, ${s.replicas} replica(s),`,
    `failurePolicy ${s.failurePolicy}, timeoutSeconds ${s.timeoutSeconds}. Rendered by \`portcullis install\`.`,
    'Apply: portcullis install … | kubectl apply --server-side -f -   (docs/deployment.md)',
  ];
  if (s.certManager) {
    lines.push(`TLS: cert-manager issues Secret ${TLS_SECRET} and injects the caBundle.`);
  } else {
    lines.push(`TLS: the Deployment mounts Secret ${TLS_SECRET} (tls.crt, tls.key); create it before the Pods can start.`);
    if (!s.caBundle) {
      lines.push('No caBundle given (--ca-bundle): until one is set the API server cannot verify the webhook,');
      lines.push(`and with failurePolicy ${s.failurePolicy} every review ${s.failurePolicy === 'Ignore' ? 'is skipped (nothing is checked)' : 'fails (requests are refused)'}.`);
    }
  }
  if (!s.policies) lines.push(`Policies: from ConfigMap ${s.policiesConfigMap}, which this stream does not create (--policies DIR does).`);
  return lines.map((l) => `# ${l}`).join('\n') + '\n';
}

function toYaml(obj: Record<string, unknown>, rules: readonly { why: string }[] = CLUSTER_RULES): string {
  // Shared arrays (the read verbs) are written out each time: no YAML anchors in manifests.
  const doc = new Document(obj, { aliasDuplicateObjects: false });
  if (obj.kind === 'ClusterRole' || obj.kind === 'Role') {
    // Each rule is preceded by the reason Portcullis needs it.
    const seq = doc.get('rules', true);
    if (isSeq(seq)) seq.items.forEach((item, i) => ((item as { commentBefore?: string }).commentBefore = ` ${rules[i]!.why}`));
  }
  // No line folding: CEL expressions and image references stay on one line.
  return doc.toString({ lineWidth: 0 });
}

/** The CRD text without its leading document marker (the stream adds its own). */
function crdBody(text: string): string {
  return text.replace(/^---\n/, '');
}

/**
 * The manifests, in apply order: Namespace, CRDs, identity and RBAC, policies, TLS (with
 * cert-manager), Service, Deployment, PodDisruptionBudget, and last the webhook configurations,
 * so the API server starts calling only once the rest exists. Throws InstallError.
 */
export function renderInstallManifests(opts: InstallOptions = {}): string {
  const s = resolveSettings(opts);
  const docs: string[] = [toYaml(namespaceObject(s))];
  if (s.crds) docs.push(crdBody(POLICY_REPORT_CRD), crdBody(CLUSTER_POLICY_REPORT_CRD));
  docs.push(toYaml(serviceAccountObject(s)), toYaml(clusterRoleObject(s), clusterRules(s)), toYaml(clusterRoleBindingObject(s)));
  const leaseRole = leaseRoleObject(s);
  const leaseBinding = leaseRoleBindingObject(s);
  if (leaseRole && leaseBinding) docs.push(toYaml(leaseRole, LEASE_RULES), toYaml(leaseBinding));
  const objects = [
    policiesConfigMapObject(s),
    ...certManagerObjects(s),
    serviceObject(s),
    deploymentObject(s),
    podDisruptionBudgetObject(s),
    validatingWebhookObject(s),
    mutatingWebhookObject(s),
  ];
  for (const o of objects) if (o) docs.push(toYaml(o));
  return header(s) + docs.map((d) => `---\n${d}`).join('');
}
