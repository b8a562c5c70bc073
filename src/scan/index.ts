// scan/: Inventory × advisories → findings; severities, alias folding; the filters
// (severity, status, unimportant, ignore files, VEX) that decide what counts.
export * from './types.js';
export { isAffected, fixedVersionsFor, rangeContains, sortEvents } from './evaluate.js';
export { toOsvQuery, debianEcosystem, ubuntuEcosystem, goStdlibVersion, type OsvQuery, type QueryPlan } from './ecosystem.js';
export { matchInventory, planQueries, compareFindings, type MatchOptions, type SkippedPackage } from './match.js';
export { groupByVulnerability, type VulnGroup } from './fold.js';
export { severityFromScore, scoreCvss, severityFromUrgency, severityFromUbuntuPriority } from './severity.js';
export { applyFilters, type FilterOptions } from './filter.js';
export { dropByOptions, parseSeverities, parseStatuses, VULN_STATUSES, UNFIXED_STATUSES } from './filter-basic.js';
export { parseIgnoreFile, type IgnoreRule, type IgnoreRules } from './ignore.js';
export { parseVex, type VexStatements, type VexStatement, type VexStatus, type VexProduct, type VexComponent } from './vex.js';
export { purlMatches } from './purl-match.js';
export { createMemoryLookup, type MemoryLookupOptions } from './memory-lookup.js';
