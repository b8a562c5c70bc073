// The security tracker's text files (data/CVE/list, data/DSA/list, data/DLA/list) → OSV
// records. The rules are Trivy's (aquasecurity/trivy-db pkg/vulnsrc/debian/debian.go),
// without its Sources-file step, which needs each release's current package versions:
//
// For each (CVE, source package, release), the first of these that applies decides:
// 1. a DSA/DLA line `[release] - pkg V` for an advisory naming the CVE → fixed at V (if the
//    CVE list's own release line also has a version, the greater one: a later advisory
//    fixes what an earlier one missed);
// 2. a DSA/DLA line `[release] - pkg <not-affected>` → nothing;
// 3. the CVE list's own `[release] - pkg …` line;
// 4. for a tracked release (DEFAULT_TRACKED_RELEASES, plus opts.releases) with no line of
//    its own, the unstable line `- pkg …`: its fix version applies (a release already at or
//    past it is fixed, below it affected: introduced 0 → fixed V), `<unfixed>` is affected.
// `Debian:sid` comes from the unstable line alone.
//
// Line kind → status (Trivy's newStatus): version V → fixed; <unfixed>, <no-dsa> →
// affected; <ignored> → will_not_fix; <postponed> → fix_deferred; <end-of-life> →
// end_of_life (urgency "end-of-life", as the tracker itself sets it); <removed> → affected,
// since Trivy notes removal from unstable must not be read as not-affected
// (https://security-team.debian.org/security_tracker.html#removed-packages): older
// releases still ship the package. Emitted as nothing: <not-affected>, version "0",
// <undetermined> (Trivy's skipStatuses), and <itp> (the package is not in Debian yet).
//
// Urgency: the line's own `(low)`…, else the unstable line's, else "not yet assigned" (the
// tracker's default). Records: `DEBIAN-<CVE>` (or `DEBIAN-TEMP-…` for CVE-YYYY-XXXX
// entries) with one affected entry per (package, release); and one record per DSA/DLA
// (`DSA-5673-1`, aliases: its CVEs, like osv.dev's DSA records) with its fixed versions.

import { debComparator } from '../../versions/index.js';
import type { OsvAffected, OsvRecord, VulnStatus } from '../osv-types.js';
import { VulnDbError } from '../types.js';
import { EPOCH, isPlainObject, ProblemLog, resolveModified, sortRecords, uniqSorted } from './common.js';
import { DEB_PACKAGE, DEB_VERSION, debianAffected, debianReleases, TRACKER_URL, type DebianConvertOptions, type DebianReleases } from './debian-common.js';
import { parseDebianTrackerList, type ListEntry, type ListKind, type PackageAnnotation } from './debian-tracker-list-parse.js';
import { trackerReferences } from './debian-tracker-json.js';

export interface DebianTrackerListFiles {
  /** Text of data/CVE/list. */
  cve?: string;
  /** Text of data/DSA/list. */
  dsa?: string;
  /** Text of data/DLA/list. */
  dla?: string;
}

const FILE_NAMES: Record<ListKind, string> = { CVE: 'data/CVE/list', DSA: 'data/DSA/list', DLA: 'data/DLA/list' };
const CVE_ID = /^CVE-[0-9]{4}-[0-9]{4,9}$/;

/** CVE → source package → codename → versions the DSAs/DLAs naming that CVE fixed it in. */
type Fixes = Map<string, Map<string, Map<string, string[]>>>;

function addFix(fixes: Fixes, cve: string, pkg: string, release: string, version: string): void {
  const byPkg = fixes.get(cve) ?? new Map<string, Map<string, string[]>>();
  fixes.set(cve, byPkg);
  const byRelease = byPkg.get(pkg) ?? new Map<string, string[]>();
  byPkg.set(pkg, byRelease);
  byRelease.set(release, [...(byRelease.get(release) ?? []), version]);
}

/** Per package of one CVE entry: its unstable line and its release lines. */
interface PackageLines {
  sid?: PackageAnnotation;
  releases: Map<string, PackageAnnotation>;
}

export function convertDebianTrackerLists(files: DebianTrackerListFiles, opts: DebianConvertOptions = {}): OsvRecord[] {
  if (!isPlainObject(files)) throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', 'expected { cve?, dsa?, dla? } list texts', { input: 'debian-tracker-list' });
  const releases = debianReleases('debian-tracker-list', opts);
  const modified = resolveModified('debian-tracker-list', opts);
  const logs: ProblemLog[] = [];
  const parsed = new Map<ListKind, ListEntry[]>();
  for (const kind of ['CVE', 'DSA', 'DLA'] as const) {
    const text = files[kind.toLowerCase() as 'cve' | 'dsa' | 'dla'];
    if (text === undefined) continue;
    if (typeof text !== 'string') throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', 'expected the list file as text', { input: FILE_NAMES[kind] });
    const log = new ProblemLog(FILE_NAMES[kind], opts);
    const { entries, problems } = parseDebianTrackerList(text, kind);
    for (const p of problems) log.invalid(`line ${p.line}`, p.message);
    log.failIfNothingUsable(entries.length, `a tracker ${kind} list`);
    parsed.set(kind, entries);
    logs.push(log);
  }
  const unmapped = new Set<string>();
  const ctx = { releases, unmapped };
  const cveLog = logs.find((l) => l.source === FILE_NAMES.CVE) ?? new ProblemLog(FILE_NAMES.CVE, opts);

  // Advisories first: their fixes override the CVE list.
  const fixes: Fixes = new Map();
  const notAffected = new Set<string>();
  const records: OsvRecord[] = [];
  for (const kind of ['DSA', 'DLA'] as const) {
    const log = logs.find((l) => l.source === FILE_NAMES[kind]);
    const seen = new Set<string>();
    for (const e of parsed.get(kind) ?? []) {
      if (seen.has(e.id)) {
        log?.invalid(`line ${e.line}`, `${e.id} appears twice`);
        continue;
      }
      seen.add(e.id);
      const r = convertAdvisory(e, ctx, fixes, notAffected, modified, log!);
      if (r) records.push(r);
    }
  }

  // CVE list entries, with the advisories' fixes folded in.
  const handled = new Set<string>();
  for (const e of parsed.get('CVE') ?? []) {
    if (handled.has(e.id)) {
      cveLog.invalid(`line ${e.line}`, `${e.id} appears twice`);
      continue;
    }
    handled.add(e.id);
    if (e.notForUs || e.rejected) continue;
    const r = convertCveEntry(e, ctx, fixes, notAffected, modified, cveLog);
    if (r) records.push(r);
  }
  // CVEs only the advisories know about (Trivy stores those too).
  for (const [cve, byPkg] of fixes) {
    if (handled.has(cve)) continue;
    const affected: OsvAffected[] = [];
    for (const pkg of byPkg.keys()) affected.push(...packageAffected(cve, pkg, { releases: new Map() }, ctx, fixes, notAffected));
    if (affected.length > 0) records.push({ id: `DEBIAN-${cve}`, modified: modified ?? EPOCH, upstream: [cve], affected, references: trackerReferences(cve, []) });
  }

  const notes = new ProblemLog('debian-tracker-list', opts);
  if (unmapped.size > 0) notes.note(`releases with no Debian version mapping were skipped (add them with opts.releases): ${uniqSorted(unmapped).join(', ')}`);
  if (!logs.includes(cveLog)) logs.push(cveLog);
  for (const log of [...logs, notes]) log.flush();
  return sortRecords(records);
}

interface Ctx {
  releases: DebianReleases;
  unmapped: Set<string>;
}

const key = (cve: string, pkg: string, release: string): string => `${cve}\0${pkg}\0${release}`;

function greater(a: string, b: string): string {
  return debComparator.compare(a, b) >= 0 ? a : b;
}

function validPackageLine(a: PackageAnnotation, where: string, log: ProblemLog): boolean {
  if (!DEB_PACKAGE.test(a.package)) {
    log.invalid(where, `${JSON.stringify(a.package)} is not a Debian source package name`);
    return false;
  }
  if (a.version !== undefined && !DEB_VERSION.test(a.version)) {
    log.invalid(where, `${JSON.stringify(a.version)} is not a Debian version`);
    return false;
  }
  return true;
}

function convertAdvisory(
  e: ListEntry,
  ctx: Ctx,
  fixes: Fixes,
  notAffected: Set<string>,
  modified: string | undefined,
  log: ProblemLog,
): OsvRecord | undefined {
  const cves = uniqSorted(e.xrefs.filter((x) => CVE_ID.test(x)));
  const own = new Map<string, { ecosystem: string; name: string; fixed: string }>();
  for (const a of e.packages) {
    const where = `line ${a.line}`;
    if (!validPackageLine(a, where, log)) continue;
    if (a.release === undefined) {
      log.invalid(where, `${e.id} package line without a [release]`);
      continue;
    }
    if (a.kind === 'not-affected') {
      for (const cve of cves) notAffected.add(key(cve, a.package, a.release));
      continue;
    }
    // Other pseudo versions in an advisory say nothing the CVE list does not.
    if (a.kind !== 'fixed' || a.version === undefined || a.version === '0') continue;
    for (const cve of cves) addFix(fixes, cve, a.package, a.release, a.version);
    const ecosystem = ctx.releases.ecosystems.get(a.release);
    if (ecosystem === undefined) continue; // stale releases (woody…) are most of the DSA list
    const k = `${ecosystem}\0${a.package}`;
    const prev = own.get(k);
    own.set(k, { ecosystem, name: a.package, fixed: prev ? greater(prev.fixed, a.version) : a.version });
  }
  // Advisories with nothing for a release we map are left out, as osv.dev does.
  if (own.size === 0) return undefined;
  const published = `${e.date}T00:00:00Z`;
  const record: OsvRecord = { id: e.id, modified: modified ?? published, published };
  if (cves.length > 0) record.aliases = cves;
  if (e.description !== '') record.summary = e.description;
  record.affected = [...own.values()].map((a) => debianAffected({ ...a, status: 'fixed' }));
  record.references = [{ type: 'ADVISORY', url: TRACKER_URL + e.id }];
  return record;
}

function convertCveEntry(
  e: ListEntry,
  ctx: Ctx,
  fixes: Fixes,
  notAffected: Set<string>,
  modified: string | undefined,
  log: ProblemLog,
): OsvRecord | undefined {
  const byPackage = new Map<string, PackageLines>();
  const bugs: number[] = [];
  for (const a of e.packages) {
    const where = `line ${a.line}`;
    if (!validPackageLine(a, where, log)) continue;
    bugs.push(...a.bugs);
    const lines: PackageLines = byPackage.get(a.package) ?? { releases: new Map() };
    byPackage.set(a.package, lines);
    const release = a.release === undefined || ctx.releases.ecosystems.get(a.release) === 'Debian:sid' ? undefined : a.release;
    const prev = release === undefined ? lines.sid : lines.releases.get(release);
    if (prev) {
      // The tracker merges repeated lines (bugs.py mergeNotes); keep the greater fix.
      if (prev.kind === 'fixed' && a.kind === 'fixed') prev.version = greater(prev.version!, a.version!);
      else log.note(`line ${a.line}: second line for ${a.package} ${a.release ?? 'unstable'} in ${e.id} ignored`);
      continue;
    }
    if (release === undefined) lines.sid = a;
    else lines.releases.set(release, a);
  }
  for (const pkg of fixes.get(e.id)?.keys() ?? []) if (!byPackage.has(pkg)) byPackage.set(pkg, { releases: new Map() });
  const affected: OsvAffected[] = [];
  for (const [pkg, lines] of byPackage) affected.push(...packageAffected(e.id, pkg, lines, ctx, fixes, notAffected));
  if (affected.length === 0) return undefined;
  const record: OsvRecord = { id: `DEBIAN-${e.id}`, modified: modified ?? EPOCH };
  if (CVE_ID.test(e.id)) record.upstream = [e.id];
  if (e.description !== '') {
    if (e.descriptionStyle === 'title') record.summary = e.description;
    else record.details = e.description;
  }
  record.affected = affected;
  record.references = trackerReferences(e.id, bugs);
  return record;
}

/** What one line says: a status and maybe a fix, or undefined for "not affected / skip". */
function lineState(a: PackageAnnotation): { status: VulnStatus; fixed?: string } | undefined {
  switch (a.kind) {
    case 'fixed':
      return a.version === '0' ? undefined : { status: 'fixed', fixed: a.version };
    case 'unfixed':
    case 'no-dsa':
    case 'removed':
      return { status: 'affected' };
    case 'ignored':
      return { status: 'will_not_fix' };
    case 'postponed':
      return { status: 'fix_deferred' };
    case 'end-of-life':
      return { status: 'end_of_life' };
    default: // not-affected, undetermined, itp
      return undefined;
  }
}

function urgencyOf(a: PackageAnnotation, sid: PackageAnnotation | undefined): string {
  if (a.kind === 'end-of-life') return 'end-of-life';
  return a.urgency ?? sid?.urgency ?? 'not yet assigned';
}

function packageAffected(
  cve: string,
  pkg: string,
  lines: PackageLines,
  ctx: Ctx,
  fixes: Fixes,
  notAffected: Set<string>,
): OsvAffected[] {
  const out: OsvAffected[] = [];
  const { ecosystems, tracked } = ctx.releases;
  const codenames = new Set<string>(lines.releases.keys());
  if (lines.sid) for (const c of tracked) if (ecosystems.get(c) !== 'Debian:sid') codenames.add(c);
  const pkgFixes = fixes.get(cve)?.get(pkg);
  for (const release of pkgFixes?.keys() ?? []) codenames.add(release);
  const seen = new Set<string>();
  for (const release of codenames) {
    const ecosystem = ecosystems.get(release);
    if (ecosystem === undefined) {
      ctx.unmapped.add(release);
      continue;
    }
    if (ecosystem === 'Debian:sid' || seen.has(ecosystem)) continue;
    seen.add(ecosystem);
    const own = lines.releases.get(release);
    const line = own ?? (tracked.has(release) ? lines.sid : undefined);
    const urgency = line ? urgencyOf(line, lines.sid) : (lines.sid?.urgency ?? 'not yet assigned');
    const advisoryFixes = pkgFixes?.get(release);
    if (advisoryFixes) {
      let fixed = advisoryFixes.reduce(greater);
      if (own?.kind === 'fixed' && own.version !== '0') fixed = greater(fixed, own.version!);
      out.push(debianAffected({ ecosystem, name: pkg, status: 'fixed', fixed, urgency }));
      continue;
    }
    if (notAffected.has(key(cve, pkg, release)) || !line) continue;
    const state = lineState(line);
    if (state) out.push(debianAffected({ ecosystem, name: pkg, ...state, urgency }));
  }
  const sidEcosystem = ecosystems.get('sid');
  if (lines.sid && sidEcosystem !== undefined) {
    const state = lineState(lines.sid);
    if (state) out.push(debianAffected({ ecosystem: sidEcosystem, name: pkg, ...state, urgency: urgencyOf(lines.sid, undefined) }));
  }
  return out;
}
