// What runs: the Deployment (restricted Pod Security, non-root, read-only root filesystem,
// probes over HTTPS), its PodDisruptionBudget and Service, the policies ConfigMap, and the
// optional cert-manager Issuer and Certificate for the serving certificate.
import type { Settings } from './install-settings.js';
import { CONTAINER_PORT, labels, NAME, POLICY_DIR, selectorLabels, TLS_DIR, TLS_SECRET } from './install-settings.js';

/** Distroless `nonroot`: the UID and GID the image runs as (Dockerfile USER 65532). */
export const RUN_AS = 65532;

/** Requests sized for a few hundred policies; a memory limit but no CPU limit (a CPU limit throttles a latency-bound webhook, see PCL-K8S-052). */
export const DEFAULT_RESOURCES = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { memory: '512Mi' },
} as const;

/** The container's arguments: the image's ENTRYPOINT is `portcullis serve`. */
export function serveArgs(s: Settings): string[] {
  return [
    `--policies=${POLICY_DIR}`,
    `--addr=:${CONTAINER_PORT}`,
    `--tls-cert=${TLS_DIR}/tls.crt`,
    `--tls-key=${TLS_DIR}/tls.key`,
    `--timeout=${s.serverTimeoutSeconds}s`,
    ...(s.mutation ? ['--pin-images'] : []),
    ...(s.pullSecrets ? ['--pull-secrets'] : []),
    // The report Lease lives in its own namespace, where the Role grants it.
    ...(s.reports ? ['--reports-cluster', `--namespace=${s.namespace}`] : []),
  ];
}

export function policiesConfigMapObject(s: Settings): Record<string, unknown> | undefined {
  if (!s.policies) return undefined;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: s.policiesConfigMap, namespace: s.namespace, labels: labels() },
    data: Object.fromEntries(s.policies.map((p) => [p.name, p.text])),
  };
}

export function serviceObject(s: Settings): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: NAME, namespace: s.namespace, labels: labels() },
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(),
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 'https' }],
    },
  };
}

function probe(path: string, periodSeconds: number, failureThreshold: number): Record<string, unknown> {
  return { httpGet: { path, port: 'https', scheme: 'HTTPS' }, periodSeconds, timeoutSeconds: 2, failureThreshold };
}

export function deploymentObject(s: Settings): Record<string, unknown> {
  const podLabels = labels();
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace: s.namespace, labels: labels() },
    spec: {
      replicas: s.replicas,
      selector: { matchLabels: selectorLabels() },
      // Surge first, never drop below the replicas serving: the webhook stays reachable through a rollout.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: podLabels },
        spec: {
          serviceAccountName: NAME,
          // The token is used: cluster mode and the background scan read the API, reports are written to it.
          automountServiceAccountToken: true,
          enableServiceLinks: false,
          securityContext: {
            runAsNonRoot: true,
            runAsUser: RUN_AS,
            runAsGroup: RUN_AS,
            // Secret and ConfigMap files get this group, so mode 0440 lets the server read its key.
            fsGroup: RUN_AS,
            seccompProfile: { type: 'RuntimeDefault' },
          },
          // Replicas on different nodes (and zones, where there are zones), so one node's loss leaves one serving.
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selectorLabels() } } },
              ],
            },
          },
          topologySpreadConstraints: [
            { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: selectorLabels() } },
          ],
          containers: [
            {
              name: NAME,
              image: s.image,
              imagePullPolicy: 'IfNotPresent',
              args: serveArgs(s),
              ports: [{ name: 'https', containerPort: CONTAINER_PORT, protocol: 'TCP' }],
              env: [{ name: 'NODE_ENV', value: 'production' }],
              resources: { requests: { ...DEFAULT_RESOURCES.requests }, limits: { ...DEFAULT_RESOURCES.limits } },
              livenessProbe: probe('/healthz', 10, 3),
              readinessProbe: probe('/readyz', 5, 2),
              securityContext: {
                allowPrivilegeEscalation: false,
                capabilities: { drop: ['ALL'] },
                privileged: false,
                readOnlyRootFilesystem: true,
                runAsNonRoot: true,
                runAsUser: RUN_AS,
                runAsGroup: RUN_AS,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              volumeMounts: [
                { name: 'policies', mountPath: POLICY_DIR, readOnly: true },
                { name: 'tls', mountPath: TLS_DIR, readOnly: true },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'policies', configMap: { name: s.policiesConfigMap } },
            { name: 'tls', secret: { secretName: TLS_SECRET, defaultMode: 0o440 } },
            // Node writes nothing but temporary files; the root filesystem stays read-only.
            { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
          ],
        },
      },
    },
  };
}

/** Only with two or more replicas: with one, minAvailable 1 would block every node drain. */
export function podDisruptionBudgetObject(s: Settings): Record<string, unknown> | undefined {
  if (s.replicas < 2) return undefined;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: NAME, namespace: s.namespace, labels: labels() },
    spec: { minAvailable: 1, selector: { matchLabels: selectorLabels() } },
  };
}

/** cert-manager: a self-signed Issuer and the serving Certificate; cainjector copies its CA into the webhook. */
export function certManagerObjects(s: Settings): Array<Record<string, unknown>> {
  if (!s.certManager) return [];
  const issuer = `${NAME}-selfsigned`;
  return [
    { apiVersion: 'cert-manager.io/v1', kind: 'Issuer', metadata: { name: issuer, namespace: s.namespace, labels: labels() }, spec: { selfSigned: {} } },
    {
      apiVersion: 'cert-manager.io/v1',
      kind: 'Certificate',
      metadata: { name: NAME, namespace: s.namespace, labels: labels() },
      spec: {
        secretName: TLS_SECRET,
        dnsNames: serviceDnsNames(s),
        issuerRef: { kind: 'Issuer', name: issuer },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      },
    },
  ];
}

/** The names the API server dials the Service by: the serving certificate must hold them. */
export function serviceDnsNames(s: Settings): string[] {
  return [`${NAME}.${s.namespace}.svc`, `${NAME}.${s.namespace}.svc.cluster.local`];
}
