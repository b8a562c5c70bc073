// Misconfiguration checks of Kubernetes manifests (a built-in Kyverno policy library run
// through src/policy) and Dockerfiles (our own parser and checks): `portcullis config`.
import { DOCKERFILE_CHECKS } from './dockerfile-meta.js';
import { kubernetesChecks } from './library/index.js';
import type { CheckMeta } from './types.js';

export * from './types.js';
export { scanConfig, readText, MAX_FILE_BYTES } from './scan.js';
export { LIBRARY, ANNOTATION, kubernetesChecks, checkFromAnnotations, REGISTRY_POLICY, REGISTRY_VARIABLE } from './library/index.js';
export { DOCKERFILE_CHECKS } from './dockerfile-meta.js';
export { parseDockerfile, type DockerfileAst, type Instruction, type Heredoc } from './dockerfile.js';
export { buildStages, finalChain, type DockerfileModel, type Stage, type StageBase } from './dockerfile-stages.js';
export { checkDockerfile, isSecretName, type DockerfileScan } from './dockerfile-checks.js';
export { loadManifests, resourceLabel, type ManifestObject, type ManifestFile } from './manifests.js';
export { compileLibrary, checkObject, type CompiledLibrary } from './k8s.js';
export { registryPatterns, parseRegistryList, imageAllowed } from './registries.js';
export { collectTargets, isDockerfileName, type ScanTarget } from './walk.js';
export { renderConfigTable } from './report-table.js';
export { renderConfigJson, toConfigJson, CONFIG_JSON_SCHEMA_VERSION, type ConfigJson } from './report-json.js';
export { renderConfigSarif } from './report-sarif.js';

/** Every check of the built-in library, Kubernetes then Dockerfile, sorted by ID. */
export function allChecks(): CheckMeta[] {
  return [...kubernetesChecks(), ...DOCKERFILE_CHECKS].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
