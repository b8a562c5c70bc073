// The admission folder's face: each engineer's exports, one block each (additive).

// install (portcullis install: manifests, CRDs)
export { renderInstallManifests } from './install.js';
export { InstallError, INSTALL_DEFAULTS, MAX_POLICIES_BYTES, toCaBundle, type InstallErrorCode, type InstallOptions } from './install-settings.js';
export { POLICY_REPORT_CRD, CLUSTER_POLICY_REPORT_CRD } from './crds.js';
