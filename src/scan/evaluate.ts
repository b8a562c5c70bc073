// Range evaluation, as the OSV schema's "Evaluation" pseudocode and osv-scalibr's
// `IsAffected` do it: a version is affected when it is listed in `versions` or falls inside
// any SEMVER/ECOSYSTEM range. GIT ranges name commits, not versions: they are skipped (not
// a reason to stop, which is osv-scalibr's pitfall on PYSEC records that list GIT first).
import type { Comparator } from '../versions/index.js';
import type { OsvAffected, OsvEvent, OsvRange } from '../vulndb/osv-types.js';

type EventKind = 'introduced' | 'fixed' | 'last_affected' | 'limit';

export interface RangeEvent {
  kind: EventKind;
  version: string;
}

/** The one field an event carries; undefined for a malformed event (none or not a string). */
export function eventOf(e: OsvEvent): RangeEvent | undefined {
  const o = e as Record<string, unknown>;
  for (const kind of ['introduced', 'fixed', 'last_affected', 'limit'] as const) {
    const v = o[kind];
    if (typeof v === 'string') return { kind, version: v };
  }
  return undefined;
}

/** `introduced: "0"` is "before every version", not a version to compare. */
function isZero(e: RangeEvent): boolean {
  return e.kind === 'introduced' && e.version === '0';
}

/** Events in the ecosystem's order, `introduced: "0"` first; stable for equal versions. */
export function sortEvents(range: OsvRange, cmp: Comparator): RangeEvent[] {
  const events = (Array.isArray(range.events) ? range.events : []).map(eventOf).filter((e): e is RangeEvent => e !== undefined);
  return events
    .map((e, i) => ({ e, i }))
    .sort((a, b) => {
      const za = isZero(a.e);
      const zb = isZero(b.e);
      if (za || zb) return za === zb ? a.i - b.i : za ? -1 : 1;
      return cmp.compare(a.e.version, b.e.version) || a.i - b.i;
    })
    .map((x) => x.e);
}

/** Ranges whose events are versions of the package's ecosystem. */
export function isVersionRange(range: OsvRange): boolean {
  return range.type === 'SEMVER' || range.type === 'ECOSYSTEM';
}

/** The spec's BeforeLimits: no `limit` events, or the version is below one (`*` = infinity). */
function beforeLimits(version: string, events: RangeEvent[], cmp: Comparator): boolean {
  const limits = events.filter((e) => e.kind === 'limit');
  if (!limits.length) return true;
  return limits.some((l) => l.version === '*' || cmp.compare(version, l.version) < 0);
}

/** Whether a SEMVER/ECOSYSTEM range contains the version (osv-scalibr's walk over sorted events). */
export function rangeContains(version: string, range: OsvRange, cmp: Comparator): boolean {
  if (!isVersionRange(range)) return false;
  const events = sortEvents(range, cmp);
  if (!beforeLimits(version, events, cmp)) return false;
  let affected = false;
  for (const e of events) {
    if (!affected && e.kind === 'introduced') {
      affected = isZero(e) || cmp.compare(version, e.version) >= 0;
    } else if (affected && e.kind === 'fixed') {
      affected = cmp.compare(version, e.version) < 0;
    } else if (affected && e.kind === 'last_affected') {
      affected = cmp.compare(version, e.version) <= 0;
    }
  }
  return affected;
}

/**
 * Whether `version` is affected by one `affected[]` entry: listed in `versions` (exact
 * string), or inside any SEMVER/ECOSYSTEM range. An empty version is affected, as in
 * osv-scalibr (the matcher skips version-less packages before asking).
 */
export function isAffected(version: string, affected: OsvAffected, cmp: Comparator): boolean {
  if (version === '') return true;
  if (Array.isArray(affected.versions) && affected.versions.includes(version)) return true;
  const ranges = Array.isArray(affected.ranges) ? affected.ranges : [];
  return ranges.some((r) => rangeContains(version, r, cmp));
}

/**
 * The fixes that matter for an installed version: for each range holding it, the `fixed`
 * event that closes the interval it lies in. A version affected only through `versions`
 * gets the lowest fix above it in any range. Sorted in ecosystem order, unique.
 */
export function fixedVersionsFor(affected: OsvAffected, version: string, cmp: Comparator): string[] {
  const ranges = (Array.isArray(affected.ranges) ? affected.ranges : []).filter(isVersionRange);
  const out: string[] = [];
  let inRange = false;
  for (const range of ranges) {
    if (!rangeContains(version, range, cmp)) continue;
    inRange = true;
    const events = sortEvents(range, cmp);
    // Walk as rangeContains does; the fix we want ends the interval that is open at `version`.
    let open = false;
    for (const e of events) {
      if (!open && e.kind === 'introduced') {
        open = isZero(e) || cmp.compare(version, e.version) >= 0;
      } else if (open && (e.kind === 'fixed' || e.kind === 'last_affected')) {
        const past = e.kind === 'fixed' ? cmp.compare(version, e.version) >= 0 : cmp.compare(version, e.version) > 0;
        if (!past) {
          if (e.kind === 'fixed') out.push(e.version);
          break;
        }
        open = false;
      }
    }
  }
  if (!inRange && Array.isArray(affected.versions) && affected.versions.includes(version)) {
    const above = ranges
      .flatMap((r) => sortEvents(r, cmp))
      .filter((e) => e.kind === 'fixed' && cmp.compare(e.version, version) > 0)
      .map((e) => e.version)
      .sort((a, b) => cmp.compare(a, b));
    if (above.length) out.push(above[0]);
  }
  return uniqueSorted(out, cmp);
}

/** Sorted by the comparator, versions comparing equal kept once (the first spelling). */
export function uniqueSorted(versions: readonly string[], cmp: Comparator): string[] {
  const sorted = [...new Set(versions)].sort((a, b) => cmp.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0));
  return sorted.filter((v, i) => i === 0 || cmp.compare(sorted[i - 1], v) !== 0);
}
