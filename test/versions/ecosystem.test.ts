import { describe, expect, it } from 'vitest';
import { comparatorFor, comparatorForScheme, knownEcosystems, schemeForEcosystem, VersionError, type VersionScheme } from '../../src/versions/index.js';
import { isPortcullisError } from '../../src/errors/index.js';
import { readOrderingList } from './vectors.js';

const SCHEMES: VersionScheme[] = ['deb', 'apk', 'rpm', 'maven', 'semver', 'pep440', 'rubygems', 'go', 'nuget', 'packagist', 'cran', 'hackage'];

describe('comparatorFor', () => {
  it('maps OSV ecosystem strings, with or without a :suffix, as the brief and the OSV schema say', () => {
    const expected: Array<[string, VersionScheme]> = [
      ['Debian', 'deb'],
      ['Debian:12', 'deb'],
      ['Ubuntu:22.04:LTS', 'deb'],
      ['Ubuntu:Pro:14.04:LTS', 'deb'],
      ['Alpine:v3.19', 'apk'],
      ['Chainguard', 'apk'],
      ['Wolfi', 'apk'],
      ['MinimOS', 'apk'],
      ['Red Hat:enterprise_linux:9::appstream', 'rpm'],
      ['AlmaLinux:9', 'rpm'],
      ['Rocky Linux:9', 'rpm'],
      ['SUSE:Linux Enterprise Server 15 SP5', 'rpm'],
      ['openSUSE:Leap 15.5', 'rpm'],
      ['Mageia:9', 'rpm'],
      ['openEuler:22.03-LTS-SP3', 'rpm'],
      ['Photon OS:5.0', 'rpm'],
      ['npm', 'semver'],
      ['crates.io', 'semver'],
      ['Hex', 'semver'],
      ['Pub', 'semver'],
      ['SwiftURL', 'semver'],
      ['PyPI', 'pep440'],
      ['RubyGems', 'rubygems'],
      ['Go', 'go'],
      ['Maven', 'maven'],
      ['Maven:https://maven.google.com', 'maven'],
      ['NuGet', 'nuget'],
      ['Packagist', 'packagist'],
      ['Packagist:https://packages.drupal.org/8', 'packagist'],
    ];
    for (const [eco, scheme] of expected) {
      expect(schemeForEcosystem(eco), eco).toBe(scheme);
      expect(comparatorFor(eco).scheme, eco).toBe(scheme);
      expect(comparatorFor(eco)).toBe(comparatorForScheme(scheme));
    }
  });

  it('throws VersionError UNKNOWN_ECOSYSTEM for an ecosystem without an ordering', () => {
    for (const eco of ['', 'GIT', 'Linux', 'OSS-Fuzz', 'debian', 'Maven2', ':Debian']) {
      let caught: unknown;
      try {
        comparatorFor(eco);
      } catch (e) {
        caught = e;
      }
      expect(caught, eco).toBeInstanceOf(VersionError);
      expect(isPortcullisError(caught) && caught.code).toBe('UNKNOWN_ECOSYSTEM');
    }
  });

  it('lists its ecosystems sorted, each resolving to a comparator', () => {
    const names = knownEcosystems();
    expect(names).toEqual([...names].sort());
    for (const n of names) expect(SCHEMES).toContain(comparatorFor(n).scheme);
  });

  it('gives every scheme a comparator that names that scheme', () => {
    for (const s of SCHEMES) expect(comparatorForScheme(s).scheme).toBe(s);
  });
});

/** A small deterministic generator (mulberry32), so failures reproduce. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('every comparator on hostile input', () => {
  const rnd = random(20240601);
  const alphabet = '0123456789.-_~^+:!#abcprvzAZ ' + 'é\u0000';
  const junk = Array.from({ length: 300 }, () => Array.from({ length: Math.floor(rnd() * 12) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(''));
  // Real versions of every kind, so junk meets real ones too.
  const real = ['debian/debian-versions.txt', 'alpine/alpine-versions.txt', 'rpm/redhat-versions.txt', 'maven/maven-versions.txt', 'pep440/pypi-versions.txt', 'rubygems/rubygems-versions.txt', 'other/packagist-versions.txt'].flatMap((f) =>
    readOrderingList(f).flatMap((x) => [x.a, x.b]),
  );
  const inputs = [...new Set([...junk, ...real])];

  it.each(SCHEMES)('%s: never throws, is reflexive and antisymmetric', (scheme) => {
    const cmp = comparatorForScheme(scheme);
    const bad: string[] = [];
    for (let i = 0; i < 4000; i++) {
      const a = inputs[Math.floor(rnd() * inputs.length)];
      const b = inputs[Math.floor(rnd() * inputs.length)];
      const ab = Math.sign(cmp.compare(a, b));
      const ba = Math.sign(cmp.compare(b, a));
      if (ab !== -ba || Number.isNaN(ab)) bad.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: ${ab}/${ba}`);
      if (cmp.compare(a, a) !== 0) bad.push(`${JSON.stringify(a)} vs itself`);
      cmp.isValid(a);
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  it.each(SCHEMES)('%s: a 100 kB version compares quickly', (scheme) => {
    const cmp = comparatorForScheme(scheme);
    const huge = [`1${'.1'.repeat(50_000)}`, `1${'-a1'.repeat(33_000)}`, `${'9'.repeat(100_000)}`, `1.0${'_'.repeat(100_000)}!`, `1-${'-'.repeat(100_000)}!`];
    const start = performance.now();
    for (const h of huge) {
      expect(Number.isNaN(cmp.compare(h, `${h}1`))).toBe(false);
      cmp.isValid(h);
    }
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
