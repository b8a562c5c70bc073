// Pod Security Standards, baseline profile (https://kubernetes.io/docs/concepts/security/pod-security-standards/),
// as Kyverno ClusterPolicies the engine in src/policy evaluates. One policy per check; the
// check's ID, title and remediation are `portcullis.dev/*` annotations beside Kyverno's own
// title/category/severity (docs/config-checks.md). Written for Portcullis after reading the
// kyverno/policies pod-security/baseline set (Apache-2.0, b9c4317c), which each names in
// `portcullis.dev/inspired-by`. Rules match Pod only: autogen carries them to controllers.
export const PSS_BASELINE = `
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-disallow-host-namespaces
  annotations:
    policies.kyverno.io/title: Disallow host namespaces
    policies.kyverno.io/category: Pod Security Standards (Baseline)
    policies.kyverno.io/severity: high
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      A Pod that shares the node's network, PID or IPC namespace can see and reach the
      node's processes and interfaces, and talk to services bound to localhost.
    portcullis.dev/check-id: PCL-K8S-001
    portcullis.dev/remediation: Remove hostNetwork, hostPID and hostIPC from the Pod spec, or set them to false.
    portcullis.dev/inspired-by: kyverno/policies pod-security/baseline/disallow-host-namespaces
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: host-namespaces
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: >-
          Sharing the host namespaces is disallowed: spec.hostNetwork, spec.hostPID and
          spec.hostIPC must be unset or false.
        pattern:
          spec:
            =(hostNetwork): false
            =(hostPID): false
            =(hostIPC): false
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-disallow-privileged-containers
  annotations:
    policies.kyverno.io/title: Disallow privileged containers
    policies.kyverno.io/category: Pod Security Standards (Baseline)
    policies.kyverno.io/severity: high
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      A privileged container has every capability and every device of the node: it is root
      on the host in all but name.
    portcullis.dev/check-id: PCL-K8S-002
    portcullis.dev/remediation: Remove securityContext.privileged from every container, or set it to false; grant the one capability the workload needs instead.
    portcullis.dev/inspired-by: kyverno/policies pod-security/baseline/disallow-privileged-containers
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: privileged-containers
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: >-
          Privileged mode is disallowed: securityContext.privileged must be unset or false in
          containers, initContainers and ephemeralContainers.
        pattern:
          spec:
            =(ephemeralContainers):
              - =(securityContext):
                  =(privileged): false
            =(initContainers):
              - =(securityContext):
                  =(privileged): false
            containers:
              - =(securityContext):
                  =(privileged): false
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-disallow-capabilities
  annotations:
    policies.kyverno.io/title: Disallow capabilities beyond the baseline set
    policies.kyverno.io/category: Pod Security Standards (Baseline)
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      Capabilities such as SYS_ADMIN, NET_ADMIN or SYS_PTRACE let a container escape or
      reconfigure the node. The baseline profile allows adding only the runtime's defaults.
    portcullis.dev/check-id: PCL-K8S-003
    portcullis.dev/remediation: "Add only capabilities from the baseline set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT)."
    portcullis.dev/inspired-by: kyverno/policies pod-security/baseline/disallow-capabilities
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: adding-capabilities
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
          Capabilities beyond the baseline set (AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER,
          FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT)
          are disallowed.
        deny:
          conditions:
            all:
              - key: "{{ request.object.spec.[ephemeralContainers, initContainers, containers][].securityContext.capabilities.add[] }}"
                operator: AnyNotIn
                value:
                  - AUDIT_WRITE
                  - CHOWN
                  - DAC_OVERRIDE
                  - FOWNER
                  - FSETID
                  - KILL
                  - MKNOD
                  - NET_BIND_SERVICE
                  - SETFCAP
                  - SETGID
                  - SETPCAP
                  - SETUID
                  - SYS_CHROOT
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-disallow-host-path
  annotations:
    policies.kyverno.io/title: Disallow hostPath volumes
    policies.kyverno.io/category: Pod Security Standards (Baseline)
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod,Volume
    policies.kyverno.io/description: >-
      A hostPath volume mounts a directory of the node into the container: the container
      runtime socket, kubelet credentials or /etc are one path away.
    portcullis.dev/check-id: PCL-K8S-004
    portcullis.dev/remediation: Replace hostPath volumes with emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret.
    portcullis.dev/inspired-by: kyverno/policies pod-security/baseline/disallow-host-path
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: host-path
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: HostPath volumes are forbidden; spec.volumes[*].hostPath must be unset.
        pattern:
          spec:
            =(volumes):
              - X(hostPath): "null"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-disallow-host-ports
  annotations:
    policies.kyverno.io/title: Disallow host ports
    policies.kyverno.io/category: Pod Security Standards (Baseline)
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      A hostPort binds a port on the node's own interfaces, bypassing Services and
      NetworkPolicies, and pins the Pod to nodes where the port is free.
    portcullis.dev/check-id: PCL-K8S-005
    portcullis.dev/remediation: Remove ports[*].hostPort (or set it to 0) and expose the container through a Service.
    portcullis.dev/inspired-by: kyverno/policies pod-security/baseline/disallow-host-ports
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: host-ports-none
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: >-
          Host ports are disallowed: ports[*].hostPort must be unset or 0 in containers,
          initContainers and ephemeralContainers.
        pattern:
          spec:
            =(ephemeralContainers):
              - =(ports):
                  - =(hostPort): 0
            =(initContainers):
              - =(ports):
                  - =(hostPort): 0
            containers:
              - =(ports):
                  - =(hostPort): 0
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-restrict-apparmor-profiles
  annotations:
    policies.kyverno.io/title: Restrict AppArmor profiles
    policies.kyverno.io/category: Pod Security Standards (Baseline)
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod,Annotation
    policies.kyverno.io/description: >-
      An unconfined AppArmor profile removes a layer of mandatory access control; only the
      runtime default or a profile loaded on the node (localhost) are allowed.
    portcullis.dev/check-id: PCL-K8S-006
    portcullis.dev/remediation: Leave the AppArmor profile unset, or use RuntimeDefault / Localhost (annotation values runtime/default or localhost/NAME).
    portcullis.dev/inspired-by: kyverno/policies pod-security/baseline/restrict-apparmor-profiles
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: app-armor
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: >-
          AppArmor profiles other than the runtime default or a localhost profile are
          disallowed (securityContext.appArmorProfile.type and the
          container.apparmor.security.beta.kubernetes.io annotations).
        pattern:
          =(metadata):
            =(annotations):
              =(container.apparmor.security.beta.kubernetes.io/*): "runtime/default | localhost/*"
          spec:
            =(securityContext):
              =(appArmorProfile):
                =(type): "RuntimeDefault | Localhost"
            =(ephemeralContainers):
              - =(securityContext):
                  =(appArmorProfile):
                    =(type): "RuntimeDefault | Localhost"
            =(initContainers):
              - =(securityContext):
                  =(appArmorProfile):
                    =(type): "RuntimeDefault | Localhost"
            containers:
              - =(securityContext):
                  =(appArmorProfile):
                    =(type): "RuntimeDefault | Localhost"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-disallow-selinux
  annotations:
    policies.kyverno.io/title: Restrict SELinux options
    policies.kyverno.io/category: Pod Security Standards (Baseline)
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      A custom SELinux user, role or type can lift the confinement the container type gives.
      Only the container_t, container_init_t and container_kvm_t types are allowed.
    portcullis.dev/check-id: PCL-K8S-007
    portcullis.dev/remediation: Remove seLinuxOptions.user and .role, and leave seLinuxOptions.type unset or one of container_t, container_init_t, container_kvm_t.
    portcullis.dev/inspired-by: kyverno/policies pod-security/baseline/disallow-selinux
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: selinux-type
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: >-
          seLinuxOptions.type must be unset or one of container_t, container_init_t,
          container_kvm_t.
        pattern:
          spec:
            =(securityContext):
              =(seLinuxOptions):
                =(type): "container_t | container_init_t | container_kvm_t"
            =(ephemeralContainers):
              - =(securityContext):
                  =(seLinuxOptions):
                    =(type): "container_t | container_init_t | container_kvm_t"
            =(initContainers):
              - =(securityContext):
                  =(seLinuxOptions):
                    =(type): "container_t | container_init_t | container_kvm_t"
            containers:
              - =(securityContext):
                  =(seLinuxOptions):
                    =(type): "container_t | container_init_t | container_kvm_t"
    - name: selinux-user-role
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: seLinuxOptions.user and seLinuxOptions.role must be unset.
        pattern:
          spec:
            =(securityContext):
              =(seLinuxOptions):
                X(user): "null"
                X(role): "null"
            =(ephemeralContainers):
              - =(securityContext):
                  =(seLinuxOptions):
                    X(user): "null"
                    X(role): "null"
            =(initContainers):
              - =(securityContext):
                  =(seLinuxOptions):
                    X(user): "null"
                    X(role): "null"
            containers:
              - =(securityContext):
                  =(seLinuxOptions):
                    X(user): "null"
                    X(role): "null"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-disallow-proc-mount
  annotations:
    policies.kyverno.io/title: Disallow unmasked /proc mounts
    policies.kyverno.io/category: Pod Security Standards (Baseline)
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      procMount Unmasked exposes the parts of /proc the runtime masks (kcore, sysrq-trigger,
      keys), which leak host information and allow host-level actions.
    portcullis.dev/check-id: PCL-K8S-008
    portcullis.dev/remediation: Remove securityContext.procMount, or set it to Default.
    portcullis.dev/inspired-by: kyverno/policies pod-security/baseline/disallow-proc-mount
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: check-proc-mount
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: securityContext.procMount must be unset or Default in every container.
        pattern:
          spec:
            =(ephemeralContainers):
              - =(securityContext):
                  =(procMount): Default
            =(initContainers):
              - =(securityContext):
                  =(procMount): Default
            containers:
              - =(securityContext):
                  =(procMount): Default
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-restrict-seccomp
  annotations:
    policies.kyverno.io/title: Disallow an unconfined seccomp profile
    policies.kyverno.io/category: Pod Security Standards (Baseline)
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      seccomp type Unconfined lets the container make every system call, including the
      ones most kernel exploits go through.
    portcullis.dev/check-id: PCL-K8S-009
    portcullis.dev/remediation: Set seccompProfile.type to RuntimeDefault (or Localhost with a profile), or leave it unset; never Unconfined.
    portcullis.dev/inspired-by: kyverno/policies pod-security/baseline/restrict-seccomp
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: check-seccomp
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: seccompProfile.type must be unset, RuntimeDefault or Localhost.
        pattern:
          spec:
            =(securityContext):
              =(seccompProfile):
                =(type): "RuntimeDefault | Localhost"
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
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-restrict-sysctls
  annotations:
    policies.kyverno.io/title: Restrict sysctls to the safe set
    policies.kyverno.io/category: Pod Security Standards (Baseline)
    policies.kyverno.io/severity: medium
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      Sysctls outside the namespaced safe set change kernel settings for every Pod on the
      node.
    portcullis.dev/check-id: PCL-K8S-010
    portcullis.dev/remediation: "Set only the safe sysctls: kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.ip_unprivileged_port_start, net.ipv4.tcp_syncookies, net.ipv4.ping_group_range, net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_keepalive_time, net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, net.ipv4.tcp_keepalive_probes."
    portcullis.dev/inspired-by: kyverno/policies pod-security/baseline/restrict-sysctls (safe set as of Kubernetes 1.29)
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: check-sysctls
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: spec.securityContext.sysctls may only name sysctls of the safe set.
        pattern:
          spec:
            =(securityContext):
              =(sysctls):
                - =(name): "kernel.shm_rmid_forced | net.ipv4.ip_local_port_range | net.ipv4.ip_unprivileged_port_start | net.ipv4.tcp_syncookies | net.ipv4.ping_group_range | net.ipv4.ip_local_reserved_ports | net.ipv4.tcp_keepalive_time | net.ipv4.tcp_fin_timeout | net.ipv4.tcp_keepalive_intvl | net.ipv4.tcp_keepalive_probes"
---
apiVersion: kyverno.io/v1
kind: ClusterPolicy
metadata:
  name: portcullis-disallow-host-process
  annotations:
    policies.kyverno.io/title: Disallow Windows HostProcess containers
    policies.kyverno.io/category: Pod Security Standards (Baseline)
    policies.kyverno.io/severity: high
    policies.kyverno.io/subject: Pod
    policies.kyverno.io/description: >-
      A Windows HostProcess container runs directly on the node with the host's privileges.
    portcullis.dev/check-id: PCL-K8S-011
    portcullis.dev/remediation: Remove windowsOptions.hostProcess, or set it to false, at Pod and container level.
    portcullis.dev/inspired-by: kyverno/policies pod-security/baseline/disallow-host-process
spec:
  validationFailureAction: Audit
  background: true
  rules:
    - name: host-process-containers
      match:
        any:
          - resources:
              kinds: [Pod]
      validate:
        message: windowsOptions.hostProcess must be unset or false.
        pattern:
          spec:
            =(securityContext):
              =(windowsOptions):
                =(hostProcess): false
            =(ephemeralContainers):
              - =(securityContext):
                  =(windowsOptions):
                    =(hostProcess): false
            =(initContainers):
              - =(securityContext):
                  =(windowsOptions):
                    =(hostProcess): false
            containers:
              - =(securityContext):
                  =(windowsOptions):
                    =(hostProcess): false
`;
