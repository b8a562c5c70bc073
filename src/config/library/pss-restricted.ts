// Pod Security Standards, restricted profile (on top of baseline). Written for Portcullis
// after the kyverno/policies pod-security/restricted set (Apache-2.0, b9c4317c); see
// pss-baseline.ts for the annotation scheme. PCL-K8S-022 is also the supply-chain
// chapter's "production variant" of require-run-as-non-root: runAsNonRoot at Pod level, or
// on every container.
export const PSS_RESTRICTED = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-restrict-volume-types
  annotations:
    policies.kyverno.io/title: Restrict volume types
    policies.kyverno.io/category: Pod Security Standards (Restricted)
    policies.kyverno.io/severity: low
    policies.kyverno.io/subject: Pod,Volume
    policies.kyverno.io/description: >-
      The restricted profile allows only volume types that cannot reach the node or a
      network filesystem directly: configMap, csi, downwardAPI, emptyDir, ephemeral,
      persistentVolumeClaim, projected and secret.
    portcullis.dev/check-id: PCL-K8S-020
    portcullis.dev/remediation: Use only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected or secret volumes; reach other storage through a PersistentVolumeClaim.
    portcullis.dev/inspired-by: kyverno/policies pod-security/restricted/restrict-volume-types
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: restricted-volumes
      match:
        any:
          - resources:
              kinds: [Pod]
      preconditions:
        all:
          - key: "{{ request.operation || 'BACKGROUND' }}"
            operator: NotEquals
            value: DELETE
      validate:
        message: >-
          Only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim,
          projected and secret volumes are allowed.
        deny:
          conditions:
            all:
              - key: "{{ request.object.spec.volumes[].keys(@)[] || '' }}"
                operator: AnyNotIn
                value:
                  - name
                  - configMap
                  - csi
                  - downwardAPI
                  - emptyDir
                  - ephemeral
                  - persistentVolumeClaim
                  - projected
                  - secret
                  - ''
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-disallow-privilege-escalation
  annotations:
    policies.kyverno.io/title: Disallow privilege escalation
    policies.kyverno.io/category: Pod Security Standards (Restricted)
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      Unless allowPrivilegeEscalation is false, a process can gain privileges through
      setuid binaries or file capabilities (no_new_privs is not set).
    portcullis.dev/check-id: PCL-K8S-021
    portcullis.dev/remediation: Set securityContext.allowPrivilegeEscalation to false in every container.
    portcullis.dev/inspired-by: kyverno/policies pod-security/restricted/disallow-privilege-escalation
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: privilege-escalation
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: securityContext.allowPrivilegeEscalation must be false in every container.
        pattern:
          spec:
            =(ephemeralContainers):
              - securityContext:
                  allowPrivilegeEscalation: false
            =(initContainers):
              - securityContext:
                  allowPrivilegeEscalation: false
            containers:
              - securityContext:
                  allowPrivilegeEscalation: false
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-require-run-as-nonroot
  annotations:
    policies.kyverno.io/title: Require runAsNonRoot
    policies.kyverno.io/category: Pod Security Standards (Restricted)
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      runAsNonRoot makes the kubelet refuse to start a container whose user is root. It
      may be set once for the Pod (and not overridden to false by a container), or on
      every container; a Pod that sets it nowhere fails.
    portcullis.dev/check-id: PCL-K8S-022
    portcullis.dev/remediation: Set spec.securityContext.runAsNonRoot to true (or securityContext.runAsNonRoot on every container) and run the image as a non-root user.
    portcullis.dev/inspired-by: kyverno/policies pod-security/restricted/require-run-as-nonroot; the supply-chain chapter's production variant of require-run-as-non-root
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: run-as-non-root
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: >-
          Running as root is not allowed: set spec.securityContext.runAsNonRoot to true, or
          securityContext.runAsNonRoot to true on every container, initContainer and
          ephemeralContainer.
        anyPattern:
          - spec:
              securityContext:
                runAsNonRoot: true
              =(ephemeralContainers):
                - =(securityContext):
                    =(runAsNonRoot): true
              =(initContainers):
                - =(securityContext):
                    =(runAsNonRoot): true
              containers:
                - =(securityContext):
                    =(runAsNonRoot): true
          - spec:
              =(ephemeralContainers):
                - securityContext:
                    runAsNonRoot: true
              =(initContainers):
                - securityContext:
                    runAsNonRoot: true
              containers:
                - securityContext:
                    runAsNonRoot: true
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-require-run-as-non-root-user
  annotations:
    policies.kyverno.io/title: Disallow runAsUser 0
    policies.kyverno.io/category: Pod Security Standards (Restricted)
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      runAsUser 0 runs the container as root whatever the image says.
    portcullis.dev/check-id: PCL-K8S-023
    portcullis.dev/remediation: Remove runAsUser 0 from the Pod and its containers, or set a non-zero UID.
    portcullis.dev/inspired-by: kyverno/policies pod-security/restricted/require-run-as-non-root-user
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: run-as-non-root-user
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: runAsUser must be unset or greater than 0, at Pod and container level.
        pattern:
          spec:
            =(securityContext):
              =(runAsUser): ">0"
            =(ephemeralContainers):
              - =(securityContext):
                  =(runAsUser): ">0"
            =(initContainers):
              - =(securityContext):
                  =(runAsUser): ">0"
            containers:
              - =(securityContext):
                  =(runAsUser): ">0"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-restrict-seccomp-strict
  annotations:
    policies.kyverno.io/title: Require a seccomp profile
    policies.kyverno.io/category: Pod Security Standards (Restricted)
    policies.kyverno.io/severity: low
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      The restricted profile requires seccomp RuntimeDefault or Localhost to be set
      explicitly, at Pod level or on every container.
    portcullis.dev/check-id: PCL-K8S-024
    portcullis.dev/remediation: Set spec.securityContext.seccompProfile.type to RuntimeDefault (or Localhost with a profile), or set it on every container.
    portcullis.dev/inspired-by: kyverno/policies pod-security/restricted/restrict-seccomp-strict
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: check-seccomp-strict
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: >-
          seccompProfile.type must be RuntimeDefault or Localhost, set for the Pod or for
          every container.
        anyPattern:
          - spec:
              securityContext:
                seccompProfile:
                  type: "RuntimeDefault | Localhost"
              =(ephemeralContainers):
                - =(securityContext):
                    =(seccompProfile):
                      =(type): "RuntimeDefault | Localhost"
              =(initContainers):
                - =(securityContext):
                    =(seccompProfile):
                      =(type): "RuntimeDefault | Localhost"
              containers:
                - =(securityContext):
                    =(seccompProfile):
                      =(type): "RuntimeDefault | Localhost"
          - spec:
              =(ephemeralContainers):
                - securityContext:
                    seccompProfile:
                      type: "RuntimeDefault | Localhost"
              =(initContainers):
                - securityContext:
                    seccompProfile:
                      type: "RuntimeDefault | Localhost"
              containers:
                - securityContext:
                    seccompProfile:
                      type: "RuntimeDefault | Localhost"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-require-drop-all-capabilities
  annotations:
    policies.kyverno.io/title: Require dropping ALL capabilities
    policies.kyverno.io/category: Pod Security Standards (Restricted)
    policies.kyverno.io/severity: low
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      Containers start with the runtime's default capabilities (CHOWN, NET_RAW, SETUID…);
      the restricted profile requires dropping them all and adding back only what is used.
    portcullis.dev/check-id: PCL-K8S-025
    portcullis.dev/remediation: 'Add securityContext.capabilities.drop: ["ALL"] to every container.'
    portcullis.dev/inspired-by: kyverno/policies pod-security/restricted/disallow-capabilities-strict (require-drop-all)
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: require-drop-all
      match:
        any:
          - resources:
              kinds: [Pod]
      preconditions:
        all:
          - key: "{{ request.operation || 'BACKGROUND' }}"
            operator: NotEquals
            value: DELETE
      validate:
        message: Containers must drop ALL capabilities.
        foreach:
          - list: request.object.spec.[ephemeralContainers, initContainers, containers][]
            deny:
              conditions:
                all:
                  - key: ALL
                    operator: AnyNotIn
                    value: "{{ element.securityContext.capabilities.drop[] || \`[]\` }}"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-restrict-adding-capabilities
  annotations:
    policies.kyverno.io/title: Add no capability but NET_BIND_SERVICE
    policies.kyverno.io/category: Pod Security Standards (Restricted)
    policies.kyverno.io/severity: low
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      The restricted profile allows adding back only NET_BIND_SERVICE (binding ports below
      1024) after dropping ALL.
    portcullis.dev/check-id: PCL-K8S-026
    portcullis.dev/remediation: Remove every entry of securityContext.capabilities.add other than NET_BIND_SERVICE.
    portcullis.dev/inspired-by: kyverno/policies pod-security/restricted/disallow-capabilities-strict (adding-capabilities-strict), psp-migration/restrict-adding-capabilities
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: adding-capabilities-strict
      match:
        any:
          - resources:
              kinds: [Pod]
      preconditions:
        all:
          - key: "{{ request.operation || 'BACKGROUND' }}"
            operator: NotEquals
            value: DELETE
      validate:
        message: Any capability added other than NET_BIND_SERVICE is disallowed.
        foreach:
          - list: request.object.spec.[ephemeralContainers, initContainers, containers][]
            deny:
              conditions:
                all:
                  - key: "{{ element.securityContext.capabilities.add[] || \`[]\` }}"
                    operator: AnyNotIn
                    value:
                      - NET_BIND_SERVICE
                      - ''
`;
