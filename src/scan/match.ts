// Inventory × advisories → findings. One lookup per distinct (ecosystem, name); every
// affected entry is evaluated against the package's version; the hits are folded into one
// finding per vulnerability and package.
import type { Inventory, Package } from '../inventory/types.js';
import { compareStrings } from '../util/sort.js';
import { comparatorFor, type Comparator } from '../versions/index.js';
import type { OsvReference, VulnStatus } from '../vulndb/osv-types.js';
import type { AdvisoryLookup, AdvisoryMatch } from '../vulndb/types.js';
import { toOsvQuery, type OsvQuery } from './ecosystem.js';
import { fixedVersionsFor, isAffected, uniqueSorted } from './evaluate.js';
import { dropByOptions } from './filter-basic.js';
import { comparePrimary, groupByVulnerability } from './fold.js';
import { cvssScores, decideSeverity, isUnimportant, severityRank, vendorSeverities } from './severity.js';
import type { CvssScore, Finding, ScanOptions } from './types.js';

export interface MatchOptions extends ScanOptions {
  /** Told about packages that cannot be matched (no ecosystem, unknown version scheme). */
  warn?: (message: string) => void;
}

export interface SkippedPackage {
  pkg: Package;
  reason: string;
}

interface Hit {
  match: AdvisoryMatch;
  fixes: string[];
  status: VulnStatus;
}

/** Schemes whose reference implementations order any string (dpkg, apk-tools, rpm). */
const LENIENT_SCHEMES = new Set(['deb', 'apk', 'rpm']);

const STATUSES: readonly VulnStatus[] = ['fixed', 'affected', 'will_not_fix', 'fix_deferred', 'end_of_life', 'not_affected', 'unknown'];

function explicitStatus(m: AdvisoryMatch): VulnStatus | undefined {
  const s = m.affected.database_specific?.status;
  return typeof s === 'string' && (STATUSES as readonly string[]).includes(s) ? (s as VulnStatus) : undefined;
}

// When records disagree: a fix anywhere wins (a DSA's fixed version overrides the tracker's
// no-dsa), then the most specific reason it is unfixed.
const STATUS_ORDER: readonly VulnStatus[] = ['fixed', 'will_not_fix', 'fix_deferred', 'end_of_life', 'affected', 'unknown'];

function combineStatus(hits: readonly Hit[]): VulnStatus {
  for (const s of STATUS_ORDER) if (hits.some((h) => h.status === s)) return s;
  return 'affected';
}

/** Group inventory packages by the OSV query they need; list the ones that cannot be matched. */
export function planQueries(inv: Inventory): { groups: Map<string, { query: Omit<OsvQuery, 'version'>; packages: Array<{ pkg: Package; version: string }> }>; skipped: SkippedPackage[] } {
  const groups = new Map<string, { query: Omit<OsvQuery, 'version'>; packages: Array<{ pkg: Package; version: string }> }>();
  const skipped: SkippedPackage[] = [];
  for (const pkg of inv.packages) {
    const plan = toOsvQuery(pkg, inv.os);
    if ('skip' in plan) {
      skipped.push({ pkg, reason: plan.skip });
      continue;
    }
    const { ecosystem, name, version } = plan.query;
    const key = `${ecosystem}\0${name}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { query: { ecosystem, name }, packages: [] }));
    g.packages.push({ pkg, version });
  }
  return { groups, skipped };
}

function pickPackage(p: Package): Finding['pkg'] {
  const out: Finding['pkg'] = { id: p.id, name: p.name, version: p.version, type: p.type, purl: p.purl, locations: p.locations };
  if (p.source) out.source = p.source;
  return out;
}

/** The record whose words we show: the one named by the finding's id, else GHSA, else by id. */
function bestHit(hits: readonly Hit[], id: string): Hit {
  const score = (h: Hit) => (h.match.record.id === id ? 0 : h.match.record.summary ? 1 : 2);
  return [...hits].sort((a, b) => score(a) - score(b) || comparePrimary(a.match.record.id, b.match.record.id))[0];
}

function referencesOf(hits: readonly Hit[]): { urls: string[]; primary?: string } {
  const refs: OsvReference[] = hits.flatMap((h) => (Array.isArray(h.match.record.references) ? h.match.record.references : [])).filter((r) => typeof r?.url === 'string');
  const urls = [...new Set(refs.map((r) => r.url))];
  const primary = refs.find((r) => r.type === 'ADVISORY')?.url ?? urls[0];
  return { urls, primary };
}

function buildFinding(pkg: Package, query: OsvQuery, id: string, aliases: string[], hits: Hit[], cmp: Comparator): Finding {
  const best = bestHit(hits, id);
  const ordered = [best, ...hits.filter((h) => h !== best)];
  const cvss: CvssScore[] = [];
  for (const h of ordered) for (const c of cvssScores(h.match)) if (!cvss.some((x) => x.vector === c.vector)) cvss.push(c);
  cvss.sort((a, b) => compareStrings(b.version, a.version) || compareStrings(a.source, b.source) || compareStrings(a.vector, b.vector));
  const { severity, source } = decideSeverity(
    hits.flatMap((h) => vendorSeverities(h.match)),
    cvss,
  );
  const refs = referencesOf(ordered);
  const rec = best.match.record;
  const finding: Finding = {
    id,
    aliases,
    pkg: pickPackage(pkg),
    installedVersion: query.version,
    fixedVersions: uniqueSorted(
      hits.flatMap((h) => h.fixes),
      cmp,
    ),
    status: combineStatus(hits),
    severity,
    cvss,
    references: refs.urls,
    ecosystem: query.ecosystem,
    dataSource: best.match.source,
  };
  if (source) finding.severitySource = source;
  const title = rec.summary ?? ordered.find((h) => h.match.record.summary)?.match.record.summary;
  if (title) finding.title = title;
  const description = rec.details ?? ordered.find((h) => h.match.record.details)?.match.record.details;
  if (description) finding.description = description;
  if (refs.primary) finding.primaryUrl = refs.primary;
  const published = hits.map((h) => h.match.record.published).filter((p): p is string => typeof p === 'string').sort(compareStrings)[0];
  if (published) finding.published = published;
  const modified = hits.map((h) => h.match.record.modified).filter((p): p is string => typeof p === 'string').sort(compareStrings).pop();
  if (modified) finding.modified = modified;
  if (hits.some((h) => isUnimportant(h.match))) finding.unimportant = true;
  return finding;
}

/** Severity first (CRITICAL down), then package, then id: the order reports show. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    compareStrings(a.pkg.name, b.pkg.name) ||
    compareStrings(a.id, b.id) ||
    compareStrings(a.pkg.version, b.pkg.version) ||
    compareStrings(a.pkg.id, b.pkg.id)
  );
}

function sortMatches(matches: readonly AdvisoryMatch[]): AdvisoryMatch[] {
  return [...matches].sort((a, b) => compareStrings(a.record.id, b.record.id) || compareStrings(a.source, b.source));
}

/**
 * Every vulnerability affecting the inventory's packages, one finding per vulnerability
 * and package, sorted. Packages the database cannot describe are skipped (told to `warn`).
 * With no options nothing is filtered; given ScanOptions (severities, ignoreStatuses, all)
 * those drops are applied too. Ignore files and VEX are `applyFilters`' job.
 */
export function matchInventory(inv: Inventory, db: AdvisoryLookup, opts: MatchOptions = {}): Finding[] {
  const { groups, skipped } = planQueries(inv);
  for (const s of skipped) opts.warn?.(`${s.pkg.name}@${s.pkg.version}: skipped: ${s.reason}`);
  const findings: Finding[] = [];
  for (const { query, packages } of groups.values()) {
    let cmp: Comparator;
    try {
      cmp = comparatorFor(query.ecosystem);
    } catch {
      opts.warn?.(`${query.ecosystem} ${query.name}: skipped: no version ordering known for this ecosystem`);
      continue;
    }
    const matches = sortMatches(db.lookup(query.ecosystem, query.name));
    if (!matches.length) continue;
    // Binaries of one source share a version: evaluate each distinct version once.
    const hitsByVersion = new Map<string, Hit[]>();
    for (const { pkg, version } of packages) {
      // `(devel)`, `file:../x`, `dev-main`: not versions of a strict scheme, and comparing
      // them anyway would put them below every fix. Distro schemes order anything.
      if (!LENIENT_SCHEMES.has(cmp.scheme) && !cmp.isValid(version)) {
        opts.warn?.(`${pkg.name}@${pkg.version}: skipped: "${version}" is not a valid ${cmp.scheme} version`);
        continue;
      }
      let hits = hitsByVersion.get(version);
      if (!hits) {
        hits = [];
        for (const match of matches) {
          const explicit = explicitStatus(match);
          if (explicit === 'not_affected') continue;
          if (!isAffected(version, match.affected, cmp)) continue;
          const fixes = fixedVersionsFor(match.affected, version, cmp);
          hits.push({ match, fixes, status: explicit ?? (fixes.length ? 'fixed' : 'affected') });
        }
        hitsByVersion.set(version, hits);
      }
      if (!hits.length) continue;
      const q: OsvQuery = { ...query, version };
      for (const g of groupByVulnerability(hits, (h) => h.match.record)) {
        findings.push(buildFinding(pkg, q, g.id, g.aliases, g.items, cmp));
      }
    }
  }
  const kept = opts.severities !== undefined || opts.ignoreStatuses !== undefined || opts.all !== undefined ? dropByOptions(findings, opts) : findings;
  return kept.sort(compareFindings);
}

