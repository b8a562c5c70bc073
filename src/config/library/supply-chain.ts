// Image supply-chain checks, from the supply-chain chapter's bookstore-image-supply-chain
// policy and its production notes. Three checks split what the chapter's two image rules
// conflate, so its story holds: `!*:latest` (PCL-K8S-041) catches only an explicit :latest;
// a bare `nginx` passes it, fails PCL-K8S-042 (no tag at all, an implicit :latest) and
// fails PCL-K8S-040 (no digest), the rule that covers both. Non-root, privileged, hostPath,
// hostNetwork and drop-ALL are the Pod Security checks (PCL-K8S-022, 002, 004, 001, 025).
export const SUPPLY_CHAIN = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-require-image-digest
  annotations:
    policies.kyverno.io/title: Require images pinned by digest
    policies.kyverno.io/category: Supply Chain
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      A tag is a mutable pointer that anyone with push access can move; a digest names the
      image's content, and the kubelet verifies the bytes it pulls against it.
    portcullis.dev/check-id: PCL-K8S-040
    portcullis.dev/remediation: "Reference every image as name@sha256:<digest> (have CI emit the digest; portcullis pin rewrites tags to digests)."
    portcullis.dev/inspired-by: supply-chain chapter, bookstore-image-supply-chain/require-image-digest
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: require-image-digest
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: Reference images by digest (name@sha256:...).
        pattern:
          spec:
            =(ephemeralContainers):
              - image: "*@sha256:*"
            =(initContainers):
              - image: "*@sha256:*"
            containers:
              - image: "*@sha256:*"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-disallow-latest-tag
  annotations:
    policies.kyverno.io/title: Disallow the :latest tag
    policies.kyverno.io/category: Supply Chain
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      :latest moves with every push, so two nodes can run different code under one
      reference. This check sees only an explicit :latest; PCL-K8S-042 catches the bare
      name that means the same.
    portcullis.dev/check-id: PCL-K8S-041
    portcullis.dev/remediation: Replace :latest with a version tag, better a digest.
    portcullis.dev/inspired-by: supply-chain chapter, bookstore-image-supply-chain/disallow-latest-tag
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: disallow-latest-tag
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: Mutable image tag :latest is not allowed (pin a digest).
        pattern:
          spec:
            =(ephemeralContainers):
              - image: "!*:latest"
            =(initContainers):
              - image: "!*:latest"
            containers:
              - image: "!*:latest"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-require-image-tag
  annotations:
    policies.kyverno.io/title: Disallow untagged images
    policies.kyverno.io/category: Supply Chain
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      An image with neither tag nor digest (nginx, registry:5000/app) is pulled as
      :latest. A pattern such as !*:latest cannot see it, so this rule looks at the last
      path component (a registry port is not a tag).
    portcullis.dev/check-id: PCL-K8S-042
    portcullis.dev/remediation: Name a version tag, better a digest, on every image.
    portcullis.dev/inspired-by: "supply-chain chapter, correctness note on disallow-latest-tag; kyverno/policies best-practices/disallow-latest-tag (require-image-tag, whose *:* a registry port fools)"
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: require-image-tag
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
        message: An image without a tag or digest runs whatever :latest points to.
        foreach:
          - list: request.object.spec.[ephemeralContainers, initContainers, containers][]
            deny:
              conditions:
                any:
                  - key: "{{ regex_match('^([^/@]*/)*[^/:@]+$', element.image || '') }}"
                    operator: Equals
                    value: true
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-restrict-image-registries
  annotations:
    policies.kyverno.io/title: Restrict image registries
    policies.kyverno.io/category: Supply Chain
    policies.kyverno.io/severity: high
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      Images from registries you do not control (typosquats, unvetted public images)
      bypass the pipeline that scans and signs yours. The allowed list is the context
      variable allowedRegistries (glob patterns over the normalized reference); the
      default allows every registry, and portcullis config runs this check only when
      --allowed-registries is given.
    portcullis.dev/check-id: PCL-K8S-043
    portcullis.dev/remediation: Pull images only from the allowed registries (mirror or rebuild public images there), or extend --allowed-registries.
    portcullis.dev/inspired-by: kyverno/policies best-practices/restrict-image-registries; the supply-chain chapter's checklist (registries allow-listed)
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: allowed-registries
      match:
        any:
          - resources:
              kinds: [Pod]
      context:
        - name: allowedRegistries
          variable:
            value: ["*"]
      preconditions:
        all:
          - key: "{{ request.operation || 'BACKGROUND' }}"
            operator: NotEquals
            value: DELETE
      validate:
        message: Images must come from an allowed registry.
        foreach:
          - list: request.object.spec.[ephemeralContainers, initContainers, containers][]
            deny:
              conditions:
                all:
                  - key: "{{ image_normalize(element.image) }}"
                    operator: AnyNotIn
                    value: "{{ allowedRegistries }}"
`;

/** The policy and rule that --allowed-registries fills in (scan.ts sets the context value). */
export const REGISTRY_POLICY = 'portcullis-restrict-image-registries';
export const REGISTRY_VARIABLE = 'allowedRegistries';
