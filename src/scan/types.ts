import { PortcullisError } from '../errors/index.js';
import type { Inventory, Package } from '../inventory/types.js';
import type { VulnStatus } from '../vulndb/osv-types.js';

export type ScanErrorCode = 'BAD_IGNOREFILE' | 'BAD_VEX' | 'BAD_SEVERITY' | 'BAD_STATUS';
export class ScanError extends PortcullisError<ScanErrorCode> {}

export const SEVERITIES = ['UNKNOWN', 'LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface CvssScore {
  /** `nvd`, `ghsa`, `osv`… where the vector came from. */
  source: string;
  version: '2.0' | '3.0' | '3.1' | '4.0';
  vector: string;
  score: number;
}

/** Why a finding is not counted: an ignore-file entry or a VEX statement. */
export interface Suppression {
  kind: 'ignore' | 'vex';
  /** The ignore file or VEX document. */
  source: string;
  /** VEX status (`not_affected`, …) or the ignore entry's statement. */
  statement?: string;
  justification?: string;
}

/** One vulnerability in one package (aliases folded: a CVE seen as GHSA and PYSEC is one finding). */
export interface Finding {
  /** The primary id: the CVE when one is known, else the record id (GHSA-…, GO-…). */
  id: string;
  /** Every other id the same vulnerability goes by (record ids, aliases, upstream), sorted. */
  aliases: string[];
  /** The package as inventoried (binary package for OS packages). */
  pkg: Pick<Package, 'id' | 'name' | 'version' | 'type' | 'purl' | 'locations' | 'source'>;
  /** The version compared (the source version for Debian, as Trivy does). */
  installedVersion: string;
  /** Versions that fix it, in ecosystem order (empty when unfixed). */
  fixedVersions: string[];
  status: VulnStatus;
  severity: Severity;
  /** Where the severity came from: `debian`, `ghsa`, `nvd`, `cvss`… */
  severitySource?: string;
  cvss: CvssScore[];
  title?: string;
  description?: string;
  primaryUrl?: string;
  references: string[];
  /** The OSV ecosystem and database source that produced the match. */
  ecosystem: string;
  dataSource: string;
  published?: string;
  modified?: string;
  /** Debian urgency `unimportant` and Ubuntu `negligible`: hidden unless --all. */
  unimportant?: boolean;
  /** Set when an ignore rule or VEX statement suppresses it. */
  suppressed?: Suppression;
}

export interface ScanOptions {
  /** Severities to keep (default all). */
  severities?: Severity[];
  /** Statuses to drop (`--ignore-status`; `--ignore-unfixed` = every status but fixed). */
  ignoreStatuses?: VulnStatus[];
  /** Show Debian-unimportant findings (osv-scanner hides them by default). */
  all?: boolean;
}

export interface ScanResult {
  inventory: Inventory;
  /** Findings that count: after severity, status, ignore and VEX filters. Sorted. */
  findings: Finding[];
  /** Findings removed by ignore rules or VEX, with the reason (reported, not counted). */
  suppressed: Finding[];
  /** Database sources used, for the report header. */
  sources: Array<{ name: string; newestModified?: string; importedAt: string }>;
}
