// Debian security tracker JSON (https://security-tracker.debian.org/tracker/data/json) →
// OSV records, the way osv.dev's converter reads it, with Trivy's statuses.
//
// How the JSON encodes the tracker's states (read from the tracker's own code: salsa
// security-tracker-team/security-tracker lib/python/bugs.py and bin/tracker_service.py
// `_get_json`; and seen in anchore/vunnel's test copy of the feed):
// - `status` is `resolved` (not vulnerable), `open` (vulnerable) or `undetermined`.
// - `resolved` carries `fixed_version`; `"0"` is how `<not-affected>` lands (bugs.py turns
//   it into a note with fixed version 0).
// - `<no-dsa>`, `<ignored>`, `<postponed>` lines become one "nodsa" note: the JSON's
//   `nodsa` is the line's comment ("Minor issue") and `nodsa_reason` is `""` for no-dsa,
//   `"ignored"` or `"postponed"`.
// - `<end-of-life>` is a note with urgency `end-of-life` and no fix: `status: open,
//   urgency: "end-of-life"` (vunnel's fixture: chromium CVE-2022-0456 in buster).
//
// Mapping (Trivy's newStatus + osv.dev's ranges):
//   resolved, fixed_version V ≠ "0" → fixed, introduced 0 → fixed V
//   resolved, fixed_version "0"     → not affected: nothing emitted
//   open, urgency end-of-life       → end_of_life  (introduced 0 only)
//   open, nodsa_reason ignored      → will_not_fix
//   open, nodsa_reason postponed    → fix_deferred
//   open (no-dsa or plain)          → affected
//   undetermined                    → affected, as osv.dev's converter does. Note the
//                                     list converter skips the same `<undetermined>`
//                                     lines, as Trivy does: the two readings differ there
//                                     on purpose (each follows its reference converter).
//
// One record per issue: id `DEBIAN-<CVE>` (or `DEBIAN-TEMP-…` for the tracker's temporary
// names), `upstream: [CVE]`, one affected entry per (source package, release).

import type { OsvAffected, OsvRecord, OsvReference, VulnStatus } from '../osv-types.js';
import { VulnDbError } from '../types.js';
import { EPOCH, isPlainObject, ProblemLog, resolveModified, show, sortRecords, uniqSorted } from './common.js';
import { DEB_PACKAGE, DEB_VERSION, debianAffected, debianReleases, isCodename, isUrgency, TRACKER_URL, type DebianConvertOptions } from './debian-common.js';

const SOURCE = 'debian-tracker-json';
/** Issue names the tracker JSON uses: CVE ids and its TEMP-<bug>-<hash> names. */
export const TRACKER_BUG_NAME = /^(?:CVE-[0-9]{4}-[0-9]{4,9}|TEMP-[0-9]{7,9}-[0-9A-F]{6})$/;

interface Issue {
  descriptions: Map<string, string>;
  bugs: Set<number>;
  affected: OsvAffected[];
}

/** Convert the tracker's JSON feed (already parsed) to OSV records, sorted by id. */
export function convertDebianTrackerJson(json: unknown, opts: DebianConvertOptions = {}): OsvRecord[] {
  if (!isPlainObject(json)) {
    throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', 'expected the tracker JSON object {<source package>: {<CVE>: {releases…}}}', { input: SOURCE });
  }
  const { ecosystems } = debianReleases(SOURCE, opts);
  const modified = resolveModified(SOURCE, opts) ?? EPOCH;
  const log = new ProblemLog(SOURCE, opts);
  const issues = new Map<string, Issue>();
  const unmapped = new Set<string>();
  let usablePackages = 0;

  for (const [pkg, pkgIssues] of Object.entries(json)) {
    if (!DEB_PACKAGE.test(pkg)) {
      log.invalid(`package ${show(pkg)}`, 'not a Debian source package name');
      continue;
    }
    if (!isPlainObject(pkgIssues)) {
      log.invalid(`package ${pkg}`, 'expected an object of issues');
      continue;
    }
    usablePackages++;
    for (const [bug, issue] of Object.entries(pkgIssues)) {
      // Built only when something is wrong: this loop runs for every issue of the feed.
      const where = (): string => `${pkg} ${show(bug)}`;
      if (!TRACKER_BUG_NAME.test(bug)) {
        log.invalid(where(), 'not a CVE id or tracker TEMP name');
        continue;
      }
      if (!isPlainObject(issue)) {
        log.invalid(where(), 'expected an object');
        continue;
      }
      const { description, debianbug } = issue;
      if (description !== undefined && description !== null && typeof description !== 'string') {
        log.invalid(where(), 'description is not a string');
        continue;
      }
      if (debianbug !== undefined && debianbug !== null && !(Number.isSafeInteger(debianbug) && (debianbug as number) > 0)) {
        log.invalid(where(), 'debianbug is not a bug number');
        continue;
      }
      let releases = issue.releases;
      // An empty list stands for an empty map (PHP/Python encoders; vunnel's fixture has one).
      if (Array.isArray(releases) && releases.length === 0) releases = {};
      if (!isPlainObject(releases)) {
        log.invalid(where(), 'releases is not an object');
        continue;
      }
      const entry: Issue = issues.get(bug) ?? { descriptions: new Map(), bugs: new Set(), affected: [] };
      issues.set(bug, entry);
      if (typeof description === 'string' && description.trim() !== '') entry.descriptions.set(pkg, description.trim());
      if (typeof debianbug === 'number') entry.bugs.add(debianbug);
      for (const [codename, rel] of Object.entries(releases)) {
        const a = convertRelease(pkg, codename, rel, () => `${where()} ${show(codename)}`, ecosystems, unmapped, log);
        if (a) entry.affected.push(a);
      }
    }
  }

  log.failIfNothingUsable(usablePackages, 'Debian security tracker JSON');
  if (unmapped.size > 0) log.note(`releases with no Debian version mapping were skipped (add them with opts.releases): ${uniqSorted(unmapped).join(', ')}`);
  log.flush();

  const records: OsvRecord[] = [];
  for (const [bug, issue] of issues) {
    if (issue.affected.length === 0) continue;
    const record: OsvRecord = { id: `DEBIAN-${bug}`, modified };
    if (bug.startsWith('CVE-')) record.upstream = [bug];
    // The description is the CVE's (NVD) text, the same under every package; take the
    // alphabetically first package's so key order does not matter.
    const firstPkg = uniqSorted(issue.descriptions.keys())[0];
    if (firstPkg !== undefined) record.details = issue.descriptions.get(firstPkg);
    record.affected = issue.affected;
    record.references = trackerReferences(bug, issue.bugs);
    records.push(record);
  }
  return sortRecords(records);
}

function convertRelease(
  pkg: string,
  codename: string,
  rel: unknown,
  whereOf: () => string,
  ecosystems: Map<string, string>,
  unmapped: Set<string>,
  log: ProblemLog,
): OsvAffected | undefined {
  if (!isCodename(codename)) {
    log.invalid(whereOf(), 'not a release codename');
    return undefined;
  }
  if (!isPlainObject(rel)) {
    log.invalid(whereOf(), 'expected an object');
    return undefined;
  }
  const { status, fixed_version: fixed, urgency, nodsa, nodsa_reason: reason } = rel;
  for (const [k, v] of [['status', status], ['fixed_version', fixed], ['urgency', urgency], ['nodsa', nodsa], ['nodsa_reason', reason]] as const) {
    if (v !== undefined && v !== null && typeof v !== 'string') {
      log.invalid(whereOf(), `${k} is not a string`);
      return undefined;
    }
  }
  if (typeof urgency === 'string' && !isUrgency(urgency)) {
    log.invalid(whereOf(), `urgency ${show(urgency)} is not an urgency`);
    return undefined;
  }
  const ecosystem = ecosystems.get(codename);
  if (ecosystem === undefined) {
    unmapped.add(codename);
    return undefined;
  }
  const u = typeof urgency === 'string' ? urgency : undefined;
  switch (status) {
    case 'resolved': {
      if (typeof fixed !== 'string') {
        log.invalid(whereOf(), 'resolved without a fixed_version');
        return undefined;
      }
      if (fixed === '0') return undefined; // not affected
      if (!DEB_VERSION.test(fixed)) {
        log.invalid(whereOf(), `fixed_version ${show(fixed)} is not a Debian version`);
        return undefined;
      }
      return debianAffected({ ecosystem, name: pkg, status: 'fixed', fixed, urgency: u });
    }
    case 'open':
    case 'undetermined': {
      let s: VulnStatus = 'affected';
      if (status === 'open') {
        if (u === 'end-of-life') s = 'end_of_life';
        else if (reason === 'ignored') s = 'will_not_fix';
        else if (reason === 'postponed') s = 'fix_deferred';
      }
      return debianAffected({ ecosystem, name: pkg, status: s, urgency: u });
    }
    default:
      log.invalid(whereOf(), typeof status === 'string' ? `unknown status ${show(status)}` : 'no status');
      return undefined;
  }
}

/** The tracker page (ADVISORY) and the Debian bug reports (REPORT), sorted. */
export function trackerReferences(bug: string, bugs: Iterable<number>): OsvReference[] {
  const refs: OsvReference[] = [{ type: 'ADVISORY', url: TRACKER_URL + bug }];
  for (const n of [...new Set(bugs)].sort((a, b) => a - b)) refs.push({ type: 'REPORT', url: `https://bugs.debian.org/${n}` });
  return refs;
}
