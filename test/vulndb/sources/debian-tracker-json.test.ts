import { describe, expect, it } from 'vitest';
import { convertDebianTrackerJson } from '../../../src/vulndb/sources/debian-tracker-json.js';
import { convertDebianTrackerLists } from '../../../src/vulndb/sources/debian-tracker-list.js';
import { severityFromUrgency } from '../../../src/vulndb/sources/debian-common.js';
import { distributions, fixedOf, json, listFiles, oneAffected, statusOf } from './fixtures.js';

type Release = { status: string; fixed_version?: string; urgency?: string; nodsa?: string; nodsa_reason?: string };
type Feed = Record<string, Record<string, { releases: Record<string, Release> | [] }>>;

const feed = json('debian-security-tracker-json/debian.json') as Feed;
const dists = distributions();

/** Every (package, CVE, codename, release) of the feed, for codenames distributions.json numbers. */
function feedEntries(f: Feed): Array<{ pkg: string; cve: string; eco: string; rel: Release }> {
  const out: Array<{ pkg: string; cve: string; eco: string; rel: Release }> = [];
  for (const [pkg, issues] of Object.entries(f))
    for (const [cve, issue] of Object.entries(issues))
      for (const [codename, rel] of Object.entries(issue.releases)) {
        const v = dists.get(codename);
        if (v) out.push({ pkg, cve, eco: `Debian:${v}`, rel });
      }
  return out;
}

describe('Debian tracker JSON (vunnel copy of the live feed)', () => {
  const warnings: string[] = [];
  const records = convertDebianTrackerJson(feed, { warn: (m) => warnings.push(m) });
  const entries = feedEntries(feed);

  it('has the cases this test relies on', () => {
    expect(entries.filter((e) => e.rel.status === 'resolved' && e.rel.fixed_version !== '0').length).toBeGreaterThan(10);
    expect(entries.some((e) => e.rel.fixed_version === '0')).toBe(true);
    expect(entries.some((e) => e.rel.status === 'open' && e.rel.urgency === 'end-of-life')).toBe(true);
  });

  it('resolved releases are fixed at fixed_version, with the urgency mapped to a severity', () => {
    for (const e of entries.filter((x) => x.rel.status === 'resolved' && x.rel.fixed_version !== '0')) {
      const a = oneAffected(records, `DEBIAN-${e.cve}`, e.eco, e.pkg);
      expect(a, `${e.pkg} ${e.cve} ${e.eco}`).toBeDefined();
      expect(a!.ranges).toEqual([{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: e.rel.fixed_version }] }]);
      expect(a!.database_specific).toMatchObject({ status: 'fixed', urgency: e.rel.urgency, severity_source: 'debian' });
      expect(a!.ecosystem_specific).toEqual({ urgency: e.rel.urgency });
      expect(a!.package!.purl).toBe(`pkg:deb/debian/${e.pkg}?arch=source`);
    }
  });

  it('fixed_version "0" (not affected) emits nothing: CVE-2007-2383 has no record at all', () => {
    const notAffected = entries.filter((e) => e.rel.fixed_version === '0');
    for (const e of notAffected) expect(oneAffected(records, `DEBIAN-${e.cve}`, e.eco, e.pkg)).toBeUndefined();
    // Every release of this CVE is "0" in the feed, so no record should exist.
    const cve = 'CVE-2007-2383';
    expect(Object.values(feed.prototypejs[cve].releases as Record<string, Release>).every((r) => r.fixed_version === '0')).toBe(true);
    expect(records.find((r) => r.id === `DEBIAN-${cve}`)).toBeUndefined();
  });

  it('open with urgency end-of-life → end_of_life, introduced 0 only, severity UNKNOWN', () => {
    const eol = entries.filter((e) => e.rel.status === 'open' && e.rel.urgency === 'end-of-life');
    for (const e of eol) {
      const a = oneAffected(records, `DEBIAN-${e.cve}`, e.eco, e.pkg);
      expect(a!.ranges).toEqual([{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }]);
      expect(a!.database_specific).toMatchObject({ status: 'end_of_life', severity: 'UNKNOWN', urgency: 'end-of-life' });
    }
  });

  it('urgency → severity: low**/medium/high**/not yet assigned as Trivy maps them', () => {
    const seen = new Map<string, unknown>();
    for (const r of records) for (const a of r.affected!) seen.set(String(a.database_specific!.urgency), a.database_specific!.severity);
    expect(Object.fromEntries(seen)).toEqual({
      'high**': 'HIGH',
      'low**': 'LOW',
      medium: 'MEDIUM',
      'not yet assigned': 'UNKNOWN',
      'end-of-life': 'UNKNOWN',
    });
    expect(severityFromUrgency('unimportant')).toBe('LOW');
    expect(severityFromUrgency('medium*')).toBe('MEDIUM');
    expect(severityFromUrgency(undefined)).toBe('UNKNOWN');
  });

  it('one record per CVE, upstream = the CVE, one affected entry per (package, release), sorted', () => {
    const cves = new Set(entries.filter((e) => e.rel.fixed_version !== '0').map((e) => e.cve));
    expect(records.map((r) => r.id)).toEqual([...cves].map((c) => `DEBIAN-${c}`).sort());
    for (const r of records) {
      expect(r.upstream).toEqual([r.id.slice('DEBIAN-'.length)]);
      const keys = r.affected!.map((a) => `${a.package!.ecosystem} ${a.package!.name}`);
      expect(new Set(keys).size).toBe(keys.length);
      expect(r.references![0]).toEqual({ type: 'ADVISORY', url: `https://security-tracker.debian.org/tracker/${r.upstream![0]}` });
    }
  });

  it('warns about nothing but the empty releases list it accepts', () => {
    expect(warnings).toEqual([]);
  });
});

describe('Debian tracker JSON: nodsa encodings (constructed from the list excerpt, see SOURCE.md)', () => {
  const constructed = json('debian-tracker-json-constructed.json') as Feed;
  const fromJson = convertDebianTrackerJson(constructed);
  const fromList = convertDebianTrackerLists({ cve: listFiles().cve });

  it('nodsa_reason ignored → will_not_fix (CVE-2016-2781 coreutils bookworm)', () => {
    const a = oneAffected(fromJson, 'DEBIAN-CVE-2016-2781', 'Debian:12', 'coreutils');
    expect(statusOf(a)).toBe('will_not_fix');
    expect(a!.ranges![0].events).toEqual([{ introduced: '0' }]);
  });

  it('nodsa with an empty reason (no-dsa) → affected (CVE-2023-4641 shadow bookworm)', () => {
    expect(statusOf(oneAffected(fromJson, 'DEBIAN-CVE-2023-4641', 'Debian:12', 'shadow'))).toBe('affected');
  });

  it('nodsa_reason postponed → fix_deferred; undetermined → affected (osv.dev)', () => {
    const r = convertDebianTrackerJson({
      pkg: {
        'CVE-2020-0001': {
          releases: {
            bookworm: { status: 'open', nodsa: 'Minor issue', nodsa_reason: 'postponed', urgency: 'low' },
            trixie: { status: 'undetermined', urgency: 'not yet assigned' },
          },
        },
      },
    });
    expect(statusOf(oneAffected(r, 'DEBIAN-CVE-2020-0001', 'Debian:12', 'pkg'))).toBe('fix_deferred');
    expect(statusOf(oneAffected(r, 'DEBIAN-CVE-2020-0001', 'Debian:13', 'pkg'))).toBe('affected');
  });

  it('agrees with the list converter on every (package, release) both describe', () => {
    let compared = 0;
    for (const r of fromJson)
      for (const a of r.affected!) {
        const b = oneAffected(fromList, r.id, a.package!.ecosystem, a.package!.name);
        expect(b, `${r.id} ${a.package!.ecosystem} ${a.package!.name}`).toBeDefined();
        expect([statusOf(b), fixedOf(b)]).toEqual([statusOf(a), fixedOf(a)]);
        expect(b!.database_specific!.severity).toBe(a.database_specific!.severity);
        compared++;
      }
    expect(compared).toBe(feedEntries(constructed).filter((e) => e.rel.fixed_version !== '0').length);
    // The not-affected release (fixed_version "0") is absent from both.
    expect(oneAffected(fromJson, 'DEBIAN-CVE-2023-4911', 'Debian:10', 'glibc')).toBeUndefined();
    expect(oneAffected(fromList, 'DEBIAN-CVE-2023-4911', 'Debian:10', 'glibc')).toBeUndefined();
  });

  it('the unimportant apt issue keeps its urgency where osv-scanner looks for it', () => {
    const a = oneAffected(fromJson, 'DEBIAN-CVE-2011-3374', 'Debian:12', 'apt');
    expect(a!.ecosystem_specific).toEqual({ urgency: 'unimportant' });
    expect(a!.database_specific).toMatchObject({ status: 'affected', severity: 'LOW', urgency: 'unimportant' });
  });
});

describe('Debian tracker JSON options', () => {
  it('opts.releases adds codenames; modified is applied and normalised', () => {
    const input = { pkg: { 'CVE-2020-0002': { releases: { duke: { status: 'resolved', fixed_version: '1.0-1' }, zzz: { status: 'resolved', fixed_version: '1.0-1' } } } } };
    const warned: string[] = [];
    const plain = convertDebianTrackerJson(input, { warn: (m) => warned.push(m) });
    expect(plain[0].affected!.map((a) => a.package!.ecosystem)).toEqual(['Debian:15']);
    expect(plain[0].modified).toBe('1970-01-01T00:00:00Z');
    expect(warned).toHaveLength(1);
    expect(warned[0]).toContain('zzz');
    const extended = convertDebianTrackerJson(input, { releases: { zzz: '99' }, modified: '2024-05-01T10:00:00+02:00' });
    expect(extended[0].affected!.map((a) => a.package!.ecosystem)).toEqual(['Debian:15', 'Debian:99']);
    expect(extended[0].modified).toBe('2024-05-01T08:00:00Z');
  });
});
