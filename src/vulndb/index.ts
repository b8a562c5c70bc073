// The vulndb folder's face: the SQLite vulnerability database (the only module that opens
// it), importing sources into it, and moving it around as one file or an OCI artifact.
export * from './osv-types.js';
export * from './types.js';
export { VulnDb, bareEcosystem, packageKey } from './db.js';
export { SCHEMA_VERSION } from './sqlite.js';
export { importSources, importSourcesDetailed, type ImportInput, type ImportOptions, type ImportResult, type ImportFailure, type SourceMeta } from './import.js';
export { importLocations, toImportInput, type InputOptions, type LocationOptions, type LocationResult, type LocationFailure } from './inputs.js';
export { detectSource, osvSourceName, classifyDocument, readDocument, readOsvZip, readOsvDir, listJsonFiles, DEFAULT_LIMITS, type DetectedSource, type SourceFormat, type TrackerLists, type DetectOptions } from './osv-source.js';
export { createOsvChecker, isKnownEcosystem, OSV_ECOSYSTEMS, type OsvChecker } from './osv-validate.js';
export { readZipMembers, zipEntryCount, type ZipMember, type ZipLimits } from './zip.js';
export { downloadToTemp, isUrl, type FetchOptions } from './fetch.js';
export { exportDb, replaceDbWithFile, validateDbFile } from './transport.js';
export { pushDb, pullDb, VULNDB_ARTIFACT_TYPE, VULNDB_LAYER_TYPE, type PushOptions, type PullOptions } from './oci-artifact.js';
export { updateDb, formatAge, DEFAULT_SOURCES, DEFAULT_OSV_ECOSYSTEMS, type UpdateOptions, type UpdateResult } from './update.js';
