// Conformance of range evaluation on every published OSV record we hold (test/fixtures/scan/osv,
// copied from ../shared/fixtures/osv; SOURCES.tsv names each upstream). For every affected
// range, in every ecosystem present, isAffected is asked about the versions just below, at and
// just above every event (derivations in probes.ts), and compared with the truth computed
// from the event semantics: the sorted events are paired into intervals
// [introduced, fixed) / [introduced, last_affected] / [introduced, ∞), and a probe's position
// relative to the events follows from how it was built (checked with the comparator, and for
// Debian versions with dpkg itself). Entries' `versions` lists are checked by membership;
// GIT ranges must never match through the range (only through `versions`).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convertAlpineSecdb, convertDebianTrackerJson, convertDebianTrackerLists } from '../../src/vulndb/sources/index.js';
import { isAffected, sortEvents } from '../../src/scan/evaluate.js';
import { comparatorFor, schemeForEcosystem, type Comparator, type VersionScheme } from '../../src/versions/index.js';
import type { OsvAffected, OsvRange } from '../../src/vulndb/osv-types.js';
import { dpkgCompare, loadRecords } from './helpers.js';
import { probeAbove, probeBelow } from './probes.js';

interface Event {
  kind: string;
  version: string;
}

const ZERO = Number.NEGATIVE_INFINITY;

/** Distinct event versions in order → rank 2i (so a probe below is 2i-1, above 2i+1). */
function ranks(events: Event[], cmp: Comparator): Map<string, number> {
  const distinct: string[] = [];
  for (const e of events) {
    if (e.kind === 'introduced' && e.version === '0') continue;
    if (!distinct.some((d) => cmp.compare(d, e.version) === 0)) distinct.push(e.version);
  }
  distinct.sort((a, b) => cmp.compare(a, b));
  const out = new Map<string, number>();
  for (const e of events) {
    if (e.kind === 'introduced' && e.version === '0') continue;
    out.set(e.version, 2 * distinct.findIndex((d) => cmp.compare(d, e.version) === 0));
  }
  return out;
}

/** Truth at a position: inside some interval built from the sorted events. */
function truth(sorted: Event[], rank: Map<string, number>, p: number): boolean {
  const intervals: Array<[number, number, boolean]> = [];
  let open: number | undefined;
  for (const e of sorted) {
    const r = e.kind === 'introduced' && e.version === '0' ? ZERO : rank.get(e.version)!;
    if (e.kind === 'introduced') open ??= r;
    else if ((e.kind === 'fixed' || e.kind === 'last_affected') && open !== undefined) {
      intervals.push([open, r, e.kind === 'last_affected']);
      open = undefined;
    }
  }
  if (open !== undefined) intervals.push([open, Number.POSITIVE_INFINITY, false]);
  return intervals.some(([a, b, inclusive]) => a <= p && (inclusive ? p <= b : p < b));
}

/** A comparator for ecosystems without a version order (OSS-Fuzz): it must never be asked. */
const refusing: Comparator = {
  scheme: 'semver',
  compare: () => {
    throw new Error('comparator consulted');
  },
  isValid: () => false,
};

function counting(cmp: Comparator): { cmp: Comparator; calls: () => number } {
  let n = 0;
  return {
    cmp: { scheme: cmp.scheme, compare: (a, b) => (n++, cmp.compare(a, b)), isValid: (v) => cmp.isValid(v) },
    calls: () => n,
  };
}

function schemeOf(ecosystem: string): VersionScheme | undefined {
  try {
    return schemeForEcosystem(ecosystem);
  } catch {
    return undefined;
  }
}

// The raw Debian tracker and Alpine secdb data (test/fixtures/vulndb/sources, SOURCE.md
// names each upstream) go through our converters and are probed the same way.
const raw = join(import.meta.dirname, '..', 'fixtures', 'vulndb', 'sources');
const readRaw = (p: string) => readFileSync(join(raw, p), 'utf8');
const converted = [
  ...convertDebianTrackerJson(JSON.parse(readRaw('debian-security-tracker-json/debian.json'))),
  ...convertDebianTrackerLists({ cve: readRaw('debian-tracker-list/CVE-list-bookworm-excerpt'), dsa: readRaw('debian-tracker-list/DSA-list-bookworm-excerpt') }),
  ...convertDebianTrackerLists({ cve: readRaw('debian-tracker-list/CVE-list-excerpt'), dsa: readRaw('debian-tracker-list/DSA-list-excerpt'), dla: readRaw('debian-tracker-list/DLA-list-excerpt') }, { warn: () => undefined }),
  ...['v3.15-main.yaml', 'v3.15-community.yaml', 'vuln-list-update-311-main.json', 'vuln-list-update-312-main.json', 'vuln-list-update-edge-main.json'].flatMap((f) => convertAlpineSecdb(readRaw(`alpine-secdb/${f}`))),
].map((record, i) => ({ path: `converted[${i}] ${record.id}`, record }));

const records = [...loadRecords(), ...converted];

it('probes the converted tracker and secdb records too', () => {
  const ecosystems = new Set(converted.flatMap((c) => (c.record.affected ?? []).map((a) => a.package?.ecosystem.split(':')[0])));
  expect([...ecosystems].sort()).toEqual(['Alpine', 'Debian']);
  expect(converted.length).toBeGreaterThan(10);
});

describe('OSV range evaluation on every fixture record', () => {
  const probed = new Map<string, number>();
  const listed = new Map<string, number>();
  const failures: string[] = [];
  let gitChecks = 0;

  for (const { path, record } of records) {
    for (const [ai, affected] of (record.affected ?? []).entries()) {
      const eco = affected.package?.ecosystem ?? '(none)';
      const scheme = schemeOf(eco);
      const real = scheme ? comparatorFor(eco) : refusing;
      const where = `${path} affected[${ai}] ${eco} ${affected.package?.name ?? ''}`;

      for (const [ri, range] of (affected.ranges ?? []).entries()) {
        const only: OsvAffected = { package: affected.package, ranges: [range] };
        if (range.type === 'GIT') {
          // Commits are not versions: no event, nor anything else, is inside a GIT range.
          const spy = counting(real);
          for (const e of range.events) {
            for (const v of Object.values(e)) {
              gitChecks++;
              if (isAffected(v, only, spy.cmp)) failures.push(`${where} range[${ri}] GIT matched ${v}`);
            }
          }
          if (spy.calls()) failures.push(`${where} range[${ri}] GIT consulted the comparator`);
          continue;
        }
        if (!scheme) {
          failures.push(`${where}: ${range.type} range in an ecosystem with no version order`);
          continue;
        }
        const cmp = real;
        const sorted = sortEvents(range as OsvRange, cmp);
        const rank = ranks(sorted, cmp);
        const distinctSorted = [...new Set(rank.values())].sort((a, b) => a - b);
        const versionAt = (r: number) => [...rank].find(([, x]) => x === r)![0];
        if (scheme === 'deb') {
          // The comparator's event order must be dpkg's.
          for (let i = 1; i < distinctSorted.length; i++) {
            const a = versionAt(distinctSorted[i - 1]);
            const b = versionAt(distinctSorted[i]);
            if (dpkgCompare(a, b) !== -1) failures.push(`${where}: dpkg does not order ${a} < ${b}`);
          }
        }
        for (const e of sorted) {
          if (e.kind === 'introduced' && e.version === '0') continue;
          if (e.kind === 'limit') continue;
          const r = rank.get(e.version)!;
          const idx = distinctSorted.indexOf(r);
          const prev = idx > 0 ? versionAt(distinctSorted[idx - 1]) : undefined;
          const next = idx < distinctSorted.length - 1 ? versionAt(distinctSorted[idx + 1]) : undefined;
          const probes: Array<[string | undefined, number, string]> = [
            [probeBelow(e.version, scheme), r - 1, 'below'],
            [e.version, r, 'at'],
            [probeAbove(e.version, scheme), r + 1, 'above'],
          ];
          for (const [v, pos, label] of probes) {
            if (v === undefined) continue;
            // The probe must sit where it was built to: on its side of e, not past a neighbour.
            const side = Math.sign(pos - r);
            if (Math.sign(cmp.compare(v, e.version)) !== side) failures.push(`${where}: probe ${label} ${v} not ${label} ${e.version}`);
            if (side < 0 && prev !== undefined && cmp.compare(v, prev) <= 0) failures.push(`${where}: probe ${v} not above the previous event ${prev}`);
            if (side > 0 && next !== undefined && cmp.compare(v, next) >= 0) failures.push(`${where}: probe ${v} not below the next event ${next}`);
            if (scheme === 'deb' && Math.sign(dpkgCompare(v, e.version)) !== side) failures.push(`${where}: dpkg disagrees that ${v} is ${label} ${e.version}`);
            const expected = truth(sorted, rank, pos);
            const got = isAffected(v, only, cmp);
            if (got !== expected) failures.push(`${where} range[${ri}] ${JSON.stringify(range.events)}: ${v} (${label} ${e.kind} ${e.version}) expected ${expected}, got ${got}`);
            // In the whole entry (any GIT range first, as PYSEC records have it) a probe the
            // range holds stays affected: a GIT range is skipped, not the end of evaluation.
            if (expected && !isAffected(v, { ...affected, versions: [] }, cmp)) failures.push(`${where}: ${v} in range[${ri}] but not affected by the entry`);
            probed.set(eco, (probed.get(eco) ?? 0) + 1);
          }
        }
      }
      for (const v of affected.versions ?? []) {
        if (!isAffected(v, affected, real)) failures.push(`${where}: listed version ${v} not affected`);
        listed.set(eco, (listed.get(eco) ?? 0) + 1);
      }
    }
  }

  it('holds for every probe and listed version', () => {
    expect(failures).toEqual([]);
  });

  it('covered every ecosystem and range shape in the fixtures', () => {
    const ecosystems = new Set(records.flatMap(({ record }) => (record.affected ?? []).map((a) => a.package?.ecosystem ?? '(none)')));
    for (const eco of ecosystems) expect((probed.get(eco) ?? 0) + (listed.get(eco) ?? 0), eco).toBeGreaterThan(0);
    // Numbers from the fixtures: enough probes that a broken evaluator cannot pass by luck.
    expect([...probed.values()].reduce((a, b) => a + b, 0)).toBeGreaterThan(300);
    expect(gitChecks).toBeGreaterThan(20);
  });
});

describe('evaluation details', () => {
  const find = (id: string) => records.find((r) => r.record.id === id)!.record;

  it('last_affected is inclusive (log4j-core 3.0.0-beta3)', () => {
    const rec = find('GHSA-3pxv-7cmr-fjr4');
    const entry = rec.affected!.find((a) => a.ranges!.some((r) => r.events.some((e) => 'last_affected' in e)))!;
    const cmp = comparatorFor('Maven');
    const bare = { package: entry.package, ranges: entry.ranges };
    expect(isAffected('3.0.0-beta3', bare, cmp)).toBe(true);
    expect(isAffected('3.0.0-beta2', bare, cmp)).toBe(true);
    expect(isAffected('3.0.0', bare, cmp)).toBe(false);
    expect(isAffected('3.0.0-alpha1', bare, cmp)).toBe(true);
  });

  it('a GIT range listed first does not end the evaluation (PYSEC-2023-74, requests)', () => {
    const rec = find('PYSEC-2023-74');
    const entry = rec.affected![0];
    expect(entry.ranges![0].type).toBe('GIT');
    // 2.30.0 is inside the ECOSYSTEM range; dropping `versions` leaves only the ranges to say so.
    expect(isAffected('2.30.0', { ...entry, versions: [] }, comparatorFor('PyPI'))).toBe(true);
    expect(isAffected('2.31.0', { ...entry, versions: [] }, comparatorFor('PyPI'))).toBe(false);
  });

  it('limit bounds a range (spec BeforeLimits), `*` is infinity', () => {
    const cmp = comparatorFor('npm');
    const entry = (limit: string): OsvAffected => ({ ranges: [{ type: 'SEMVER', events: [{ introduced: '1.0.0' }, { limit }] }] });
    expect(isAffected('1.5.0', entry('2.0.0'), cmp)).toBe(true);
    expect(isAffected('2.0.0', entry('2.0.0'), cmp)).toBe(false);
    expect(isAffected('9.0.0', entry('*'), cmp)).toBe(true);
  });
});
