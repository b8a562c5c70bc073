// Our JSON report (docs/json-report.md, schema docs/json-report.schema.json). The shape is
// built key by key here, so the key order is the documented one and optional keys are
// left out rather than written as null.
import type { Location, OsInfo, Package, Target } from '../inventory/types.js';
import type { CvssScore, Finding, ScanResult, Severity, Suppression } from '../scan/types.js';
import type { VulnStatus } from '../vulndb/osv-types.js';
import { countBySeverity, groupByTarget, isoSeconds, reportTime, type ResultClass, type SeverityCounts } from './vuln-targets.js';

/** Bumped on any change that could break a consumer (a field removed, renamed or retyped). */
export const JSON_REPORT_SCHEMA_VERSION = 1;

export interface JsonReportOptions {
  /** Fixes `createdAt`; else SOURCE_DATE_EPOCH, else now. */
  now?: Date;
  /** Version written into `tool.version`; the CLI passes its own. */
  toolVersion?: string;
}

export interface JsonLocation {
  path: string;
  layerDigest?: string;
  layerDiffId?: string;
}

export interface JsonPackage {
  id: string;
  name: string;
  version: string;
  type: string;
  purl: string;
  arch?: string;
  source?: { name: string; version?: string };
  licenses: string[];
  foundBy: string;
  locations: JsonLocation[];
  dependsOn?: string[];
}

export interface JsonFinding {
  id: string;
  aliases: string[];
  pkg: {
    id: string;
    name: string;
    version: string;
    type: string;
    purl: string;
    source?: { name: string; version?: string };
    path?: string;
    layerDigest?: string;
    layerDiffId?: string;
  };
  installedVersion: string;
  fixedVersions: string[];
  status: VulnStatus;
  severity: Severity;
  severitySource?: string;
  cvss: CvssScore[];
  title?: string;
  description?: string;
  primaryUrl?: string;
  references: string[];
  ecosystem: string;
  dataSource: string;
  published?: string;
  modified?: string;
  unimportant?: boolean;
  suppression?: Suppression;
}

export interface JsonResult {
  target: string;
  class: ResultClass;
  type: string;
  path?: string;
  severities: SeverityCounts;
  packages: JsonPackage[];
  findings: JsonFinding[];
  suppressed: JsonFinding[];
}

export interface JsonReport {
  schemaVersion: number;
  tool: { name: 'portcullis'; version: string };
  createdAt: string;
  artifact: {
    name: string;
    kind: Target['kind'];
    digest?: string;
    imageId?: string;
    repoDigests: string[];
    purl?: string;
    platform?: { os: string; architecture: string; variant?: string };
    layers?: Array<{ digest: string; diffId: string; mediaType?: string; size?: number }>;
    os?: { family: string; version?: string; codename?: string; name?: string; prettyName?: string };
    producer?: string;
  };
  summary: { findings: number; suppressed: number; severities: SeverityCounts };
  results: JsonResult[];
  sources: Array<{ name: string; newestModified?: string; importedAt: string }>;
}

function location(l: Location): JsonLocation {
  return { path: l.path, layerDigest: l.layerDigest, layerDiffId: l.layerDiffId };
}

function source(s: Package['source']): JsonPackage['source'] {
  return s ? { name: s.name, version: s.version } : undefined;
}

function jsonPackage(p: Package): JsonPackage {
  return {
    id: p.id,
    name: p.name,
    version: p.version,
    type: p.type,
    purl: p.purl,
    arch: p.arch,
    source: source(p.source),
    licenses: [...p.licenses],
    foundBy: p.foundBy,
    locations: p.locations.map(location),
    dependsOn: p.dependsOn?.length ? [...p.dependsOn] : undefined,
  };
}

function jsonFinding(f: Finding): JsonFinding {
  const loc = f.pkg.locations[0];
  return {
    id: f.id,
    aliases: [...f.aliases],
    pkg: {
      id: f.pkg.id,
      name: f.pkg.name,
      version: f.pkg.version,
      type: f.pkg.type,
      purl: f.pkg.purl,
      source: source(f.pkg.source),
      path: loc?.path,
      layerDigest: loc?.layerDigest,
      layerDiffId: loc?.layerDiffId,
    },
    installedVersion: f.installedVersion,
    fixedVersions: [...f.fixedVersions],
    status: f.status,
    severity: f.severity,
    severitySource: f.severitySource,
    cvss: f.cvss.map((c) => ({ source: c.source, version: c.version, vector: c.vector, score: c.score })),
    title: f.title,
    description: f.description,
    primaryUrl: f.primaryUrl,
    references: [...f.references],
    ecosystem: f.ecosystem,
    dataSource: f.dataSource,
    published: f.published,
    modified: f.modified,
    unimportant: f.unimportant ? true : undefined,
    suppression: f.suppressed
      ? { kind: f.suppressed.kind, source: f.suppressed.source, statement: f.suppressed.statement, justification: f.suppressed.justification }
      : undefined,
  };
}

function osOf(os: OsInfo | undefined): JsonReport['artifact']['os'] {
  if (!os) return undefined;
  return { family: os.id, version: os.versionId, codename: os.versionCodename, name: os.name, prettyName: os.prettyName };
}

/** The report as a plain object (what renderVulnJson serializes). */
export function toJsonReport(result: ScanResult, opts: JsonReportOptions = {}): JsonReport {
  const inv = result.inventory;
  const t = inv.target;
  const results: JsonResult[] = groupByTarget(result).map((g) => ({
    target: g.target,
    class: g.class,
    type: g.type,
    path: g.path,
    severities: countBySeverity(g.findings),
    packages: g.packages.map(jsonPackage),
    findings: g.findings.map(jsonFinding),
    suppressed: g.suppressed.map(jsonFinding),
  }));
  const all = results.flatMap((r) => r.findings);
  return {
    schemaVersion: JSON_REPORT_SCHEMA_VERSION,
    tool: { name: 'portcullis', version: opts.toolVersion ?? 'dev' },
    createdAt: isoSeconds(reportTime(opts.now)),
    artifact: {
      name: t.name,
      kind: t.kind,
      digest: t.digest,
      imageId: t.imageId,
      repoDigests: [...(t.repoDigests ?? [])],
      purl: t.purl,
      platform: t.platform ? { os: t.platform.os, architecture: t.platform.architecture, variant: t.platform.variant } : undefined,
      layers: t.layers?.map((l) => ({ digest: l.digest, diffId: l.diffId, mediaType: l.mediaType, size: l.size })),
      os: osOf(inv.os),
      producer: inv.producer,
    },
    summary: {
      findings: all.length,
      suppressed: results.reduce((n, r) => n + r.suppressed.length, 0),
      severities: countBySeverity(all),
    },
    results,
    sources: result.sources.map((s) => ({ name: s.name, newestModified: s.newestModified, importedAt: s.importedAt })),
  };
}

/**
 * A scan as our JSON report: 2-space indent, newline-terminated, keys in documented order,
 * targets and findings sorted, so the same scan at the same time gives the same bytes.
 */
export function renderVulnJson(result: ScanResult, opts: JsonReportOptions = {}): string {
  return JSON.stringify(toJsonReport(result, opts), null, 2) + '\n';
}
