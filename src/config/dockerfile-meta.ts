// The Dockerfile checks' metadata (docs/config-checks.md has one row per check). Written for
// Portcullis; related rules elsewhere: hadolint DL3006/DL3007/DL3002/DL3020/DL3009/DL3019/
// DL3032/DL3042, Trivy DS001/DS002/DS005/DS026, BuildKit's SecretsUsedInArgOrEnv.
import type { CheckMeta } from './types.js';

const df = (id: string, severity: CheckMeta['severity'], title: string, remediation: string, category: string, inspiredBy: string): CheckMeta => ({
  id,
  target: 'dockerfile',
  severity,
  title,
  remediation,
  category,
  inspiredBy,
});

export const DOCKERFILE_CHECKS: readonly CheckMeta[] = [
  df('PCL-DF-001', 'MEDIUM', 'Base image not pinned by digest', 'Pin every FROM (and COPY --from image) as name:tag@sha256:<digest>; let a bot such as Renovate update the digest.', 'Supply Chain', 'the supply-chain chapter (pin by digest); hadolint DL3006'),
  df('PCL-DF-002', 'MEDIUM', 'Base image uses :latest or no tag', 'Name a version tag (and a digest) on every FROM: a bare name is :latest, which moves with every push.', 'Supply Chain', 'hadolint DL3006/DL3007; Trivy DS001'),
  df('PCL-DF-003', 'HIGH', 'Image runs as root', 'End the final stage with USER <non-root user or UID> (for distroless, USER nonroot or 65532), after the steps that need root.', 'Least Privilege', 'hadolint DL3002; Trivy DS002'),
  df('PCL-DF-004', 'MEDIUM', 'ADD fetches a URL without a checksum', 'Use ADD --checksum=sha256:<hex> <url>, or RUN curl -fsSLO <url> && echo "<sha256>  <file>" | sha256sum -c, or COPY a vendored file.', 'Supply Chain', 'hadolint DL3020; Trivy DS005'),
  df('PCL-DF-005', 'LOW', 'apt lists left in the image', 'In the RUN that calls apt-get install, finish with rm -rf /var/lib/apt/lists/* (or mount a cache at /var/lib/apt/lists).', 'Image Hygiene', 'hadolint DL3009'),
  df('PCL-DF-006', 'LOW', 'apk cache left in the image', 'Use apk add --no-cache (or mount a cache at /var/cache/apk).', 'Image Hygiene', 'hadolint DL3019'),
  df('PCL-DF-007', 'LOW', 'yum/dnf cache left in the image', 'In the RUN that installs, finish with yum clean all / dnf clean all (or rm -rf /var/cache/yum /var/cache/dnf).', 'Image Hygiene', 'hadolint DL3032/DL3040'),
  df('PCL-DF-008', 'LOW', 'pip cache left in the image', 'Use pip install --no-cache-dir (or ENV PIP_NO_CACHE_DIR=1, or mount a cache at /root/.cache/pip).', 'Image Hygiene', 'hadolint DL3042'),
  df('PCL-DF-009', 'CRITICAL', 'Secret in ENV or ARG', 'Never put credentials in ENV or ARG: they are stored in the image config and build history. Use RUN --mount=type=secret (docker build --secret) and read the secret at run time.', 'Secrets', "BuildKit's SecretsUsedInArgOrEnv check; Trivy DS031"),
  df('PCL-DF-010', 'LOW', 'No HEALTHCHECK', 'Add HEALTHCHECK CMD <probe> to the final stage (or HEALTHCHECK NONE to say none is wanted); on Kubernetes, define probes in the Pod spec.', 'Best Practices', 'Trivy DS026'),
  df('PCL-DF-011', 'HIGH', 'Base image from a registry not allowed', 'Pull base images only from the allowed registries (mirror them there), or extend --allowed-registries.', 'Supply Chain', 'the supply-chain chapter (registries allow-listed); runs only with --allowed-registries'),
];

export function dockerfileCheck(id: string): CheckMeta {
  const c = DOCKERFILE_CHECKS.find((x) => x.id === id);
  if (!c) throw new Error(`unknown Dockerfile check ${id}`);
  return c;
}
