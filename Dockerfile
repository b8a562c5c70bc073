# The Portcullis admission webhook image:  docker build -t portcullis:0.1.0 .
# Runs `portcullis serve`; the manifests come from `portcullis install` or deploy/portcullis
# (docs/deployment.md). Checked by our own `portcullis config Dockerfile` in the tests.
#
# Both bases are pinned by digest (PCL-DF-001); let a bot (Renovate, Dependabot) move the
# digests. No `# syntax=` line: it would pull a BuildKit frontend image by tag, unpinned.

# Build: Node 20 on Debian 12 (bookworm), the same glibc as the runtime below, so the
# better-sqlite3 addon built or fetched here loads there. The full image, not -slim, because
# node-gyp needs python3, make and g++ when no prebuilt addon matches.
# Digest of node:20-bookworm as resolved by BuildKit in public build logs (docker.io/library).
FROM node:20-bookworm@sha256:8f693eaa7e0a8e71560c9a82b55fd54c2ae920a2ba5d2cde28bac7d1c01c9ba5 AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY bin ./bin
COPY src ./src
# tsc, then the one-file CLI bundle (scripts/bundle.mjs); then drop the dev dependencies.
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

# Runtime: distroless Node 20 (no shell, no package manager), its nonroot variant (UID 65532).
# Digest of gcr.io/distroless/nodejs20-debian12:nonroot as pinned in public Dockerfiles
# (e.g. no42-org/twiki, bumped there by Dependabot); not checked against the registry here.
FROM gcr.io/distroless/nodejs20-debian12:nonroot@sha256:2cd820156cf039c8b54ae2d2a97e424b6729070714de8707a6b79f20d56f6a9a AS runtime
WORKDIR /app
ENV NODE_ENV=production
# Only what runs: package.json (ESM "type" and the version the CLI reports), the bin script,
# dist/ and the production node_modules (better-sqlite3's addon is loaded from there).
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/bin ./bin
COPY --from=build /src/dist ./dist
COPY --from=build /src/node_modules ./node_modules
USER 65532:65532
EXPOSE 8443
# Kubernetes ignores HEALTHCHECK and probes /healthz and /readyz over HTTPS instead (the
# Deployment's livenessProbe and readinessProbe); distroless has no curl to run one anyway.
HEALTHCHECK NONE
ENTRYPOINT ["/nodejs/bin/node", "/app/bin/portcullis.js", "serve"]
