// Converters from distribution security data to OSV records (pure, synchronous).
export { convertDebianTrackerJson } from './debian-tracker-json.js';
export { convertDebianTrackerLists, type DebianTrackerListFiles } from './debian-tracker-list.js';
export { parseDebianTrackerList, tempBugName, type AnnotationKind, type ListEntry, type ListKind, type ListProblem, type PackageAnnotation } from './debian-tracker-list-parse.js';
export { convertAlpineSecdb } from './alpine-secdb.js';
export { DEFAULT_DEBIAN_RELEASES, DEFAULT_TRACKED_RELEASES, severityFromUrgency, type DebianConvertOptions } from './debian-common.js';
export type { SourceOptions } from './common.js';
