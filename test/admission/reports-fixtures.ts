// Shared inputs for the lifecycle tests: the Bookstore manifests and chapter policy, the
// recorded kind cluster objects, and Pods derived from Deployments the way the ReplicaSet
// controller makes them (template metadata + spec, owner references, pod-template-hash).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadOfflineInput, loadPolicyFiles } from '../../src/admission/background.js';
import type { CompiledPolicy } from '../../src/policy/index.js';
import type { Resource } from '../../src/policy/types.js';
import { sha256Hex } from '../../src/util/digest.js';

export const root = join(import.meta.dirname, '..', '..');
export const bookstoreDir = join(root, 'examples/bookstore/raw-manifests');
export const chapterPolicyFile = join(bookstoreDir, '70-kyverno-policy.yaml');
export const lifecycleDir = join(root, 'test/fixtures/admission/lifecycle');
export const k8sApiDir = join(root, 'test/fixtures/admission/k8s-api');

export const SERVICES = ['catalog', 'orders', 'payments', 'storefront'] as const;

export function policies(...files: string[]): CompiledPolicy[] {
  return loadPolicyFiles(files);
}

export function bookstoreResources(): Resource[] {
  return loadOfflineInput({ paths: [bookstoreDir] }).resources;
}

/** A recorded API response body (JSON) under test/fixtures/admission/k8s-api. */
export function recorded(path: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(k8sApiDir, path), 'utf8')) as Record<string, unknown>;
}

interface Workload {
  metadata: { name: string; namespace?: string; uid?: string };
  spec: { template: { metadata?: { labels?: Record<string, string> }; spec: Record<string, unknown> } };
}

/** The ReplicaSet a Deployment controller would create, and `count` of its Pods. */
export function replicaSetAndPods(deployment: Resource, count: number, namespace?: string): { replicaSet: Resource; pods: Resource[] } {
  const d = deployment as unknown as Workload;
  const ns = namespace ?? d.metadata.namespace ?? 'default';
  const hash = sha256Hex(`${ns}/${d.metadata.name}`).slice(0, 10);
  const rsName = `${d.metadata.name}-${hash}`;
  const rsUid = `rs-${sha256Hex(rsName + ns).slice(0, 12)}`;
  const labels = { ...(d.spec.template.metadata?.labels ?? {}), 'pod-template-hash': hash };
  const replicaSet: Resource = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: rsName,
      namespace: ns,
      uid: rsUid,
      labels,
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: d.metadata.name, uid: d.metadata.uid ?? `dep-${d.metadata.name}`, controller: true }],
    },
    spec: { replicas: count, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: d.spec.template.spec } },
  };
  const pods: Resource[] = [];
  for (let i = 0; i < count; i++) {
    pods.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${rsName}-${sha256Hex(`${rsName}/${i}`).slice(0, 5)}`,
        namespace: ns,
        uid: `pod-${sha256Hex(`${rsName}/${i}`).slice(0, 12)}`,
        labels,
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rsName, uid: rsUid, controller: true, blockOwnerDeletion: true }],
      },
      spec: structuredClone(d.spec.template.spec),
    });
  }
  return { replicaSet, pods };
}
