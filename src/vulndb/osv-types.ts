// The OSV record shape (ossf/osv-schema 1.7), as far as we read it. Every source we import
// (OSV exports, the Debian security tracker, Alpine secdb) is converted to this shape, so
// the matcher in scan/ understands exactly one format.

export type OsvEvent = { introduced: string } | { fixed: string } | { last_affected: string } | { limit: string };

export interface OsvRange {
  type: 'SEMVER' | 'ECOSYSTEM' | 'GIT';
  repo?: string;
  events: OsvEvent[];
  database_specific?: Record<string, unknown>;
}

export interface OsvSeverity {
  type: 'CVSS_V2' | 'CVSS_V3' | 'CVSS_V4' | 'Ubuntu' | string;
  score: string;
}

export interface OsvAffected {
  package?: { ecosystem: string; name: string; purl?: string };
  severity?: OsvSeverity[];
  ranges?: OsvRange[];
  versions?: string[];
  ecosystem_specific?: Record<string, unknown>;
  database_specific?: Record<string, unknown>;
}

export interface OsvReference {
  type: string;
  url: string;
}

export interface OsvRecord {
  schema_version?: string;
  id: string;
  modified: string;
  published?: string;
  withdrawn?: string;
  aliases?: string[];
  upstream?: string[];
  related?: string[];
  summary?: string;
  details?: string;
  severity?: OsvSeverity[];
  affected?: OsvAffected[];
  references?: OsvReference[];
  credits?: unknown[];
  database_specific?: Record<string, unknown>;
}

/**
 * Statuses a converted record can carry in `affected[].database_specific.status`, in
 * Trivy's vocabulary. OSV itself only says "affected in this range"; the Debian tracker
 * and Alpine secdb converters set these so `--ignore-status` works as Trivy users expect.
 * A record with a `fixed` event and no status is `fixed`; without one, `affected`.
 */
export type VulnStatus = 'fixed' | 'affected' | 'will_not_fix' | 'fix_deferred' | 'end_of_life' | 'not_affected' | 'unknown';

/** Keys we set in `affected[].database_specific` of converted records (all optional). */
export interface PortcullisAffectedSpecific {
  /** Overrides the default fixed/affected status. */
  status?: VulnStatus;
  /** Vendor severity already mapped (Debian urgency → LOW/MEDIUM/HIGH/UNKNOWN). */
  severity?: 'UNKNOWN' | 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL';
  /** Where the severity came from: `debian`, `alpine`, `ghsa`, `nvd`… */
  severity_source?: string;
  /** Debian's urgency word as the tracker wrote it (`unimportant`, `low`, `high**`). */
  urgency?: string;
}
