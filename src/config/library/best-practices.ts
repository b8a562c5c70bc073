// Workload hygiene beyond the Pod Security Standards: a read-only root filesystem,
// resource requests and a memory limit, liveness and readiness probes. Written for
// Portcullis after kyverno/policies best-practices (require-ro-rootfs,
// require-pod-requests-limits, require-probes; Apache-2.0). Probes are checked only on
// long-running controllers and bare Pods: a Job's Pod that finishes has nothing to probe.
export const BEST_PRACTICES = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-require-ro-rootfs
  annotations:
    policies.kyverno.io/title: Require a read-only root filesystem
    policies.kyverno.io/category: Best Practices
    policies.kyverno.io/severity: low
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      A writable root filesystem lets an intruder drop tools and persist changes in the
      container; mount an emptyDir where the application must write.
    portcullis.dev/check-id: PCL-K8S-050
    portcullis.dev/remediation: Set securityContext.readOnlyRootFilesystem to true on every container and initContainer; mount emptyDir volumes for the paths that need writes (/tmp, caches).
    portcullis.dev/inspired-by: kyverno/policies best-practices/require-ro-rootfs
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: validate-readOnlyRootFilesystem
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: securityContext.readOnlyRootFilesystem must be true on every container and initContainer.
        pattern:
          spec:
            =(initContainers):
              - securityContext:
                  readOnlyRootFilesystem: true
            containers:
              - securityContext:
                  readOnlyRootFilesystem: true
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-require-requests
  annotations:
    policies.kyverno.io/title: Require CPU and memory requests
    policies.kyverno.io/category: Best Practices
    policies.kyverno.io/severity: low
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      Without requests the scheduler places the Pod blind and the Pod is first to be
      evicted under pressure (BestEffort).
    portcullis.dev/check-id: PCL-K8S-051
    portcullis.dev/remediation: Set resources.requests.cpu and resources.requests.memory on every container.
    portcullis.dev/inspired-by: kyverno/policies best-practices/require-pod-requests-limits (requests)
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: validate-resource-requests
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: resources.requests.cpu and resources.requests.memory are required on every container.
        pattern:
          spec:
            containers:
              - resources:
                  requests:
                    cpu: "?*"
                    memory: "?*"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-require-memory-limit
  annotations:
    policies.kyverno.io/title: Require a memory limit
    policies.kyverno.io/category: Best Practices
    policies.kyverno.io/severity: low
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      A container without a memory limit can exhaust the node's memory and take its
      neighbours down with it. A CPU limit is not required: it throttles without
      protecting anyone, and requests already share CPU fairly.
    portcullis.dev/check-id: PCL-K8S-052
    portcullis.dev/remediation: Set resources.limits.memory on every container (usually equal to the memory request).
    portcullis.dev/inspired-by: kyverno/policies best-practices/require-pod-requests-limits (limits)
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: validate-memory-limit
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: resources.limits.memory is required on every container.
        pattern:
          spec:
            containers:
              - resources:
                  limits:
                    memory: "?*"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-require-liveness-probe
  annotations:
    policies.kyverno.io/title: Require a liveness probe
    policies.kyverno.io/category: Best Practices
    policies.kyverno.io/severity: low
    policies.kyverno.io/subject: Pod
    pod-policies.kyverno.io/autogen-controllers: Deployment,StatefulSet,DaemonSet,ReplicaSet,ReplicationController
    policies.kyverno.io/description: >-
      Without a liveness probe a hung process keeps its Pod Running and is never
      restarted.
    portcullis.dev/check-id: PCL-K8S-053
    portcullis.dev/remediation: Add a livenessProbe (httpGet, tcpSocket, grpc or exec) to every container.
    portcullis.dev/inspired-by: kyverno/policies best-practices/require-probes
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: validate-liveness-probe
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: Every container needs a livenessProbe.
        pattern:
          spec:
            containers:
              - livenessProbe: "*"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-require-readiness-probe
  annotations:
    policies.kyverno.io/title: Require a readiness probe
    policies.kyverno.io/category: Best Practices
    policies.kyverno.io/severity: low
    policies.kyverno.io/subject: Pod
    pod-policies.kyverno.io/autogen-controllers: Deployment,StatefulSet,DaemonSet,ReplicaSet,ReplicationController
    policies.kyverno.io/description: >-
      Without a readiness probe a Pod receives traffic the moment its process starts,
      before it can answer, and keeps receiving it when it cannot.
    portcullis.dev/check-id: PCL-K8S-054
    portcullis.dev/remediation: Add a readinessProbe to every container that serves traffic.
    portcullis.dev/inspired-by: kyverno/policies best-practices/require-probes
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: validate-readiness-probe
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: Every container needs a readinessProbe.
        pattern:
          spec:
            containers:
              - readinessProbe: "*"
`;
