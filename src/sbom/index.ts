// Inventory ⇄ SBOM documents: CycloneDX 1.6 JSON and SPDX 2.3 JSON out; CycloneDX
// 1.2–1.7 and SPDX 2.2/2.3 JSON (ours, syft's, Trivy's, …) in.
export { encodeCycloneDx } from './cyclonedx-encode.js';
export { encodeSpdx } from './spdx-encode.js';
export { decodeSbom, type DecodeOptions } from './decode.js';
export type { DecodeLimits } from './document.js';
export type { EncodeOptions } from './options.js';
export { SbomError, type SbomErrorCode } from './errors.js';
export { encodeCycloneDxWithVulns } from './cyclonedx-vulns.js';
