// Our reading of the tracker's list text must agree with aquasecurity/vuln-list-update's
// (vuln-list-debian stores its parse of the same entries as JSON): same package lines, in
// the same order, with the same kind, release, package, version and urgency, and the same
// cross references.
import { describe, expect, it } from 'vitest';
import { parseDebianTrackerList, type ListEntry } from '../../../src/vulndb/sources/debian-tracker-list-parse.js';
import { text, vulnListBugs, type VlBug } from './fixtures.js';

function theirs(bug: VlBug) {
  return {
    packages: bug.Annotations.filter((a) => a.Type === 'package').map((a) => ({
      release: a.Release,
      package: a.Package,
      kind: a.Kind,
      version: a.Version,
      urgency: a.Severity,
      bugs: a.BugNo ? [a.BugNo] : [],
    })),
    xrefs: bug.Annotations.filter((a) => a.Type === 'xref').flatMap((a) => a.Bugs ?? []),
  };
}

function ours(e: ListEntry) {
  return {
    packages: e.packages.map((p) => ({ release: p.release, package: p.package, kind: p.kind, version: p.version, urgency: p.urgency, bugs: p.bugs })),
    xrefs: e.xrefs,
  };
}

describe('list parser cross-check with vuln-list-update', () => {
  for (const [dir, file, kind] of [
    ['CVE', 'CVE-list-bookworm-excerpt', 'CVE'],
    ['DSA', 'DSA-list-bookworm-excerpt', 'DSA'],
  ] as const) {
    it(`${file}: every entry vuln-list-debian has agrees`, () => {
      const { entries, problems } = parseDebianTrackerList(text(`debian-tracker-list/${file}`), kind);
      expect(problems).toEqual([]);
      const bugs = vulnListBugs(dir);
      let compared = 0;
      for (const bug of bugs) {
        const mine = entries.find((e) => e.id === bug.Header.ID);
        if (!mine) continue;
        expect(ours(mine), bug.Header.ID).toEqual(theirs(bug));
        // Header text: theirs keeps the brackets; ours strips them (and says which they were).
        const desc = bug.Header.Description ?? '';
        const wrapped = mine.descriptionStyle === 'nvd' ? `(${mine.description})` : mine.descriptionStyle === 'title' ? `[${mine.description}]` : mine.description;
        expect(wrapped).toBe(desc);
        compared++;
      }
      // Every stored vuln-list-debian file is one of the excerpt's entries.
      expect(compared).toBe(bugs.length);
    });
  }
});
