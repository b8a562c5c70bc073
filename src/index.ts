// The library face of Portcullis: what the CLI uses is public here too.
export * from './errors/index.js';
export * from './oci/index.js';
export * from './layers/index.js';
export * from './inventory/index.js';
export * from './sbom/index.js';
export * from './report/index.js';
export * from './assemble/index.js';
