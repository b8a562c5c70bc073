import { describe, expect, it } from 'vitest';
import { DEFAULT_TRACKED_RELEASES } from '../../../src/vulndb/sources/debian-common.js';
import { convertDebianTrackerLists } from '../../../src/vulndb/sources/debian-tracker-list.js';
import { distributions, findAffected, fixedOf, listFiles, oneAffected, statusOf, text, vulnListBugs, type VlAnnotation } from './fixtures.js';

const files = listFiles();
const dists = distributions();
const eco = (codename: string) => `Debian:${dists.get(codename)}`;
const KIND_STATUS: Record<string, string | undefined> = {
  fixed: 'fixed',
  unfixed: 'affected',
  'no-dsa': 'affected',
  removed: 'affected',
  ignored: 'will_not_fix',
  postponed: 'fix_deferred',
  'end-of-life': 'end_of_life',
  'not-affected': undefined,
};

describe('Debian tracker lists: the Debian 12 minbase excerpts, checked against vuln-list-debian', () => {
  const warnings: string[] = [];
  const records = convertDebianTrackerLists(files, { warn: (m) => warnings.push(m) });
  const cves = vulnListBugs('CVE');
  const dsa = vulnListBugs('DSA');
  const pkgAnns = (anns: VlAnnotation[]) => anns.filter((a) => a.Type === 'package');

  it('covers every annotation kind the brief names', () => {
    const kinds = new Set(cves.flatMap((b) => pkgAnns(b.Annotations).map((a) => a.Kind)));
    for (const k of ['fixed', 'unfixed', 'no-dsa', 'ignored', 'not-affected', 'removed']) expect(kinds).toContain(k);
  });

  it('a release line decides its release: ignored → will_not_fix, no-dsa → affected, not-affected → nothing', () => {
    let checked = 0;
    for (const bug of cves)
      for (const a of pkgAnns(bug.Annotations).filter((x) => x.Release && dists.has(x.Release))) {
        const got = oneAffected(records, `DEBIAN-${bug.Header.ID}`, eco(a.Release!), a.Package!);
        expect(statusOf(got), a.Original).toBe(KIND_STATUS[a.Kind!]);
        if (a.Kind === 'fixed') expect(fixedOf(got)).toBe(a.Version);
        else if (got) expect(got.ranges![0].events, a.Original).toEqual([{ introduced: '0' }]);
        checked++;
      }
    expect(checked).toBeGreaterThan(5); // not vacuous
  });

  it('the unstable line gives Debian:sid and every tracked release with no line of its own', () => {
    const dsaFix = new Map<string, string>(); // "CVE release pkg" → version, from vuln-list's DSA parse
    for (const d of dsa) {
      const targets = d.Annotations.find((a) => a.Type === 'xref')!.Bugs!;
      for (const a of pkgAnns(d.Annotations)) for (const c of targets) dsaFix.set(`${c} ${a.Release} ${a.Package}`, a.Version!);
    }
    let checked = 0;
    for (const bug of cves)
      for (const sid of pkgAnns(bug.Annotations).filter((x) => !x.Release)) {
        const own = new Set(pkgAnns(bug.Annotations).filter((x) => x.Release && x.Package === sid.Package).map((x) => x.Release!));
        for (const codename of [...DEFAULT_TRACKED_RELEASES].filter((c) => !own.has(c))) {
          const got = oneAffected(records, `DEBIAN-${bug.Header.ID}`, eco(codename), sid.Package!);
          const fromDsa = dsaFix.get(`${bug.Header.ID} ${codename} ${sid.Package}`);
          const where = `${bug.Header.ID} ${codename} ${sid.Original}`;
          expect(statusOf(got), where).toBe(fromDsa ? 'fixed' : KIND_STATUS[sid.Kind!]);
          expect(fixedOf(got), where).toBe(fromDsa ?? sid.Version);
          expect(got!.database_specific!.urgency, where).toBe(sid.Severity ?? 'not yet assigned');
          checked++;
        }
      }
    expect(checked).toBeGreaterThan(40);
  });

  it('CVE-2016-2781 coreutils: <ignored> in bookworm → will_not_fix; trixie takes the unstable fix 9.4-1 (low)', () => {
    const bookworm = oneAffected(records, 'DEBIAN-CVE-2016-2781', 'Debian:12', 'coreutils');
    expect(bookworm!.database_specific).toMatchObject({ status: 'will_not_fix', severity: 'LOW', urgency: 'low' });
    expect(fixedOf(oneAffected(records, 'DEBIAN-CVE-2016-2781', 'Debian:13', 'coreutils'))).toBe('9.4-1');
  });

  it('CVE-2023-4641 shadow: <no-dsa> in bookworm → affected, no fix', () => {
    const a = oneAffected(records, 'DEBIAN-CVE-2023-4641', 'Debian:12', 'shadow');
    expect(statusOf(a)).toBe('affected');
    expect(fixedOf(a)).toBeUndefined();
  });

  it('CVE-2011-3374 apt: unfixed and unimportant everywhere, marked for hiding', () => {
    const all = records.find((r) => r.id === 'DEBIAN-CVE-2011-3374')!.affected!;
    expect(all.map((a) => a.package!.ecosystem).sort()).toEqual(DEFAULT_TRACKED_RELEASES.map(eco).sort());
    for (const a of all) {
      expect(a.ecosystem_specific).toEqual({ urgency: 'unimportant' });
      expect(a.database_specific).toMatchObject({ status: 'affected', severity: 'LOW' });
    }
  });

  it('DSA-5673-1: glibc bookworm fixed 2.36-9+deb12u6 in its own record and in DEBIAN-CVE-2024-2961', () => {
    const d = dsa.find((x) => x.Header.ID === 'DSA-5673-1')!;
    const bookworm = pkgAnns(d.Annotations).find((a) => a.Release === 'bookworm')!;
    expect(bookworm.Version).toBe('2.36-9+deb12u6');
    const rec = records.find((r) => r.id === 'DSA-5673-1')!;
    expect(rec.aliases).toEqual(d.Annotations.find((a) => a.Type === 'xref')!.Bugs);
    expect(rec.summary).toBe(d.Header.Description);
    expect(rec.published).toBe('2024-04-23T00:00:00Z');
    expect(fixedOf(oneAffected([rec], 'DSA-5673-1', 'Debian:12', 'glibc'))).toBe(bookworm.Version);
    for (const a of pkgAnns(d.Annotations)) {
      expect(fixedOf(oneAffected(records, 'DEBIAN-CVE-2024-2961', eco(a.Release!), a.Package!))).toBe(a.Version);
    }
    // sid keeps the unstable fix, which the DSA does not touch.
    expect(fixedOf(oneAffected(records, 'DEBIAN-CVE-2024-2961', 'Debian:sid', 'glibc'))).toBe('2.37-18');
  });

  it('<removed> (minizip) stays affected, not not-affected', () => {
    const a = findAffected(records, 'DEBIAN-CVE-2023-45853', 'Debian:12', 'minizip');
    expect(a.map(statusOf)).toEqual(['affected']);
  });

  it('CVE-YYYY-XXXX entries get the tracker TEMP names vuln-list-update computes for them', () => {
    // vuln-list-update debian/tracker/debian_test.go expects these for the same CVE-list-excerpt.
    const ids = records.map((r) => r.id);
    expect(ids).toContain('DEBIAN-TEMP-1053115-9454E3');
    expect(ids).toContain('DEBIAN-TEMP-0000000-556898');
    const foot = records.find((r) => r.id === 'DEBIAN-TEMP-1053115-9454E3')!;
    expect(foot.upstream).toBeUndefined();
    expect(fixedOf(oneAffected([foot], foot.id, 'Debian:12', 'foot'))).toBe('1.13.1-2+deb12u1');
  });

  it('TODO and NOT-FOR-US entries emit nothing; the malformed DLA header is skipped with a warning', () => {
    expect(records.find((r) => r.id.includes('CVE-2021-36980'))).toBeUndefined();
    expect(records.find((r) => r.id.includes('CVE-2021-36383'))).toBeUndefined();
    const dlaLines = text('debian-tracker-list/DLA-list-excerpt').split('\n');
    const bad = dlaLines.findIndex((l) => l.includes('MALFORMED HEADER')) + 1;
    expect(warnings.filter((w) => w.startsWith('data/DLA/list'))).toEqual([`data/DLA/list: skipped line ${bad}: malformed DLA header "${dlaLines[bad - 1]}"`]);
    // …while the well-formed DLA before it converted.
    expect(fixedOf(oneAffected(records, 'DLA-2711-1', 'Debian:9', 'thunderbird'))).toBe('1:78.12.0-1~deb9u1');
  });

  it('advisories with nothing for a mapped release (woody, key changes) are left out', () => {
    for (const id of ['DSA-141', 'DSA-140', 'DSA-2819-1', 'DSA-3281-1', 'DSA-4205-1']) expect(records.find((r) => r.id === id)).toBeUndefined();
    expect(warnings.some((w) => w.includes('no Debian version mapping') && w.includes('woody'))).toBe(true);
  });
});

describe('Debian tracker lists: rules on small inputs', () => {
  const cve = (body: string) => `CVE-2024-0001 [test]\n${body}\n`;

  it('an unstable fix applies to tracked releases only; opts.releases adds one', () => {
    const r = convertDebianTrackerLists({ cve: cve('\t- foo 1.2-1 (medium)\n\t[buster] - foo <postponed> (Minor issue)') });
    const ecos = r[0].affected!.map((a) => `${a.package!.ecosystem}=${String(statusOf(a))}`);
    expect(ecos.sort()).toEqual(['Debian:10=fix_deferred', 'Debian:11=fixed', 'Debian:12=fixed', 'Debian:13=fixed', 'Debian:14=fixed', 'Debian:sid=fixed']);
    const withStretch = convertDebianTrackerLists({ cve: cve('\t- foo 1.2-1') }, { releases: { stretch: '9' } });
    expect(withStretch[0].affected!.map((a) => a.package!.ecosystem)).toContain('Debian:9');
  });

  it('<end-of-life> → end_of_life with urgency end-of-life; <undetermined> and <itp> emit nothing', () => {
    const r = convertDebianTrackerLists({ cve: cve('\t- foo <unfixed> (low)\n\t[bullseye] - foo <end-of-life> (EOL in LTS)\n\t- bar <undetermined>\n\t- baz <itp> (bug #123)') });
    const a = oneAffected(r, 'DEBIAN-CVE-2024-0001', 'Debian:11', 'foo');
    expect(a!.database_specific).toMatchObject({ status: 'end_of_life', urgency: 'end-of-life', severity: 'UNKNOWN' });
    expect(r[0].affected!.some((x) => x.package!.name !== 'foo')).toBe(false);
  });

  it('the greater of two advisory fixes wins, and beats a smaller release-line fix', () => {
    const r = convertDebianTrackerLists({
      cve: cve('\t- foo 2.0-1\n\t[bookworm] - foo 1.0-1+deb12u1'),
      dsa: '[01 Jan 2024] DSA-9000-1 foo - security update\n\t{CVE-2024-0001}\n\t[bookworm] - foo 1.0-1+deb12u3\n[02 Jan 2024] DSA-9000-2 foo - regression update\n\t{CVE-2024-0001}\n\t[bookworm] - foo 1.0-1+deb12u2\n',
    });
    expect(fixedOf(oneAffected(r, 'DEBIAN-CVE-2024-0001', 'Debian:12', 'foo'))).toBe('1.0-1+deb12u3');
    expect(r.find((x) => x.id === 'DSA-9000-2')!.modified).toBe('2024-01-02T00:00:00Z');
  });

  it('a DSA <not-affected> line removes the unstable fallback for that release', () => {
    const r = convertDebianTrackerLists({
      cve: cve('\t- foo <unfixed>'),
      dsa: '[01 Jan 2024] DSA-9001-1 foo - security update\n\t{CVE-2024-0001}\n\t[bookworm] - foo <not-affected> (Vulnerable code not present)\n\t[bullseye] - foo 1.0-1+deb11u1\n',
    });
    expect(oneAffected(r, 'DEBIAN-CVE-2024-0001', 'Debian:12', 'foo')).toBeUndefined();
    expect(statusOf(oneAffected(r, 'DEBIAN-CVE-2024-0001', 'Debian:13', 'foo'))).toBe('affected');
  });
});
