// What the two Debian converters (tracker JSON, tracker list files) share: the codename →
// OSV ecosystem map, urgency → severity, and the shape of one affected entry.

import { toPurl } from '../../inventory/purl.js';
import type { OsvAffected, PortcullisAffectedSpecific, VulnStatus } from '../osv-types.js';
import { VulnDbError } from '../types.js';
import type { SourceOptions } from './common.js';

export interface DebianConvertOptions extends SourceOptions {
  /**
   * Extra or overriding codename → release number (`{ duke: '15' }`, or `'sid'` for an
   * unnumbered release). Every codename given here also counts as tracked (see
   * DEFAULT_TRACKED_RELEASES).
   */
  releases?: Record<string, string>;
}

/**
 * Codename → the suffix of `Debian:<suffix>` (numbers from distro-info-data, as osv.dev's
 * converter uses them). Older codenames (squeeze, woody…) are left out on purpose, as
 * Trivy does ("stale codename"): nobody scans those, and the DSA list is full of them.
 */
export const DEFAULT_DEBIAN_RELEASES: Readonly<Record<string, string>> = Object.freeze({
  wheezy: '7',
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  duke: '15',
  sid: 'sid',
  unstable: 'sid',
});

/**
 * Releases the tracker list files' unstable-only lines (`- pkg 1.2-3`, no `[release]`) are
 * applied to: the releases the security tracker still tracks — bullseye (LTS), bookworm,
 * trixie, forky (testing) — plus sid. buster and older moved to Freexian's ELTS and have
 * no unstable fallback here; pass them in `opts.releases` to include them.
 */
export const DEFAULT_TRACKED_RELEASES: readonly string[] = Object.freeze(['bullseye', 'bookworm', 'trixie', 'forky', 'sid']);

const CODENAME = /^[a-z][a-z0-9-]{0,30}$/;
const RELEASE_SUFFIX = /^(?:[0-9]{1,3}(?:\.[0-9]{1,3})?|[a-z]{1,30})$/;

/** Debian source package names: policy §5.6.7 (lowercase alnum, `+ - .`), bounded. */
export const DEB_PACKAGE = /^[a-z0-9][a-z0-9+.-]{0,199}$/;
/** Debian versions, as the tracker's own parser accepts them (`[A-Za-z0-9:.+~-]+`), bounded. */
export const DEB_VERSION = /^[A-Za-z0-9.+~:-]{1,200}$/;
/** Urgency words, with the tracker JSON's `*`/`**` markers (NVD-derived). */
const URGENCY = /^[a-z][a-z -]{0,30}\**$/;

export interface DebianReleases {
  /** codename → OSV ecosystem (`Debian:12`). */
  ecosystems: Map<string, string>;
  /** Codenames the unstable line applies to when they have no line of their own. */
  tracked: Set<string>;
}

export function debianReleases(source: string, opts: DebianConvertOptions): DebianReleases {
  const ecosystems = new Map<string, string>();
  for (const [c, v] of Object.entries(DEFAULT_DEBIAN_RELEASES)) ecosystems.set(c, `Debian:${v}`);
  const tracked = new Set(DEFAULT_TRACKED_RELEASES);
  if (opts.releases !== undefined) {
    if (typeof opts.releases !== 'object' || opts.releases === null || Array.isArray(opts.releases)) {
      throw new VulnDbError('IMPORT_UNKNOWN_ECOSYSTEM', 'option releases must map codenames to release numbers', { input: source });
    }
    for (const [c, v] of Object.entries(opts.releases)) {
      if (!CODENAME.test(c) || typeof v !== 'string' || !RELEASE_SUFFIX.test(v)) {
        throw new VulnDbError('IMPORT_UNKNOWN_ECOSYSTEM', `option releases: ${JSON.stringify(c)} → ${JSON.stringify(v)} is not a codename → release number`, { input: source });
      }
      ecosystems.set(c, `Debian:${v}`);
      tracked.add(c);
    }
  }
  return { ecosystems, tracked };
}

export function isCodename(s: string): boolean {
  return CODENAME.test(s);
}

export function isUrgency(s: string): boolean {
  return URGENCY.test(s);
}

/**
 * Debian urgency → severity, as Trivy's severityFromUrgency
 * (aquasecurity/trivy-db pkg/vulnsrc/debian/debian.go): unimportant and low → LOW, medium
 * → MEDIUM, high → HIGH, with or without the `*`/`**` markers; `not yet assigned`,
 * `end-of-life` and anything else → UNKNOWN.
 */
export function severityFromUrgency(urgency: string | undefined): 'LOW' | 'MEDIUM' | 'HIGH' | 'UNKNOWN' {
  switch ((urgency ?? '').replace(/\*+$/, '')) {
    case 'unimportant':
    case 'low':
      return 'LOW';
    case 'medium':
      return 'MEDIUM';
    case 'high':
      return 'HIGH';
    default:
      return 'UNKNOWN';
  }
}

export const TRACKER_URL = 'https://security-tracker.debian.org/tracker/';

const purls = new Map<string, string>();

export function debianPurl(name: string): string {
  let p = purls.get(name);
  if (p === undefined) {
    p = toPurl({ type: 'deb', namespace: 'debian', name, qualifiers: { arch: 'source' } });
    if (purls.size < 100_000) purls.set(name, p);
  }
  return p;
}

/**
 * One affected entry: `introduced 0` → `fixed <fixed>` when fixed, else `introduced 0`
 * alone. The urgency goes both to `ecosystem_specific.urgency` (where osv.dev puts it and
 * osv-scanner looks for "unimportant" to hide) and to our `database_specific`.
 */
export function debianAffected(a: { ecosystem: string; name: string; status: VulnStatus; fixed?: string; urgency?: string }): OsvAffected {
  const events = a.fixed === undefined ? [{ introduced: '0' }] : [{ introduced: '0' }, { fixed: a.fixed }];
  const specific: PortcullisAffectedSpecific =
    a.urgency === undefined ? { status: a.status } : { status: a.status, severity: severityFromUrgency(a.urgency), severity_source: 'debian', urgency: a.urgency };
  const out: OsvAffected = {
    package: { ecosystem: a.ecosystem, name: a.name, purl: debianPurl(a.name) },
    ranges: [{ type: 'ECOSYSTEM', events }],
  };
  if (a.urgency !== undefined) out.ecosystem_specific = { urgency: a.urgency };
  out.database_specific = specific as Record<string, unknown>;
  return out;
}
