import { describe, expect, it } from 'vitest';
import { comparatorFor, cranComparator, hackageComparator, nugetComparator, packagistComparator } from '../../src/versions/index.js';
import { checkFacts, readOrderingList, reportCounts } from './vectors.js';

/**
 * osv-scalibr's hand-written packagist lines that PHP's version_compare (the reference;
 * PHP 8.2 checked by hand: `php -r 'echo version_compare("1.2.3.#", "1.2.3");'` gives -1)
 * does not agree with: PHP turns `#` into a separator, so "1.2.3.#" is "1.2.3." and the
 * trailing empty part is an unknown special form, lower than a number or nothing.
 */
const PACKAGIST_EXCEPTIONS = new Map([
  ['other/packagist-versions.txt:94', 'PHP version_compare("1.2.3.#", "1.2.3") is -1, not 0'],
  ['other/packagist-versions.txt:96', 'PHP version_compare("1.2.3.#", "1.2.3.1") is -1, not 0'],
]);

describe('nuget comparator', () => {
  it('holds every nuget-versions.txt line (four parts, case-insensitive labels, build ignored)', () => {
    reportCounts('nuget', 'other/nuget-versions.txt', checkFacts(nugetComparator, readOrderingList('other/nuget-versions.txt')));
  });

  it('puts an unparsable version first and is what comparatorFor gives NuGet', () => {
    expect(nugetComparator.isValid('1.0.0.0.0')).toBe(false);
    expect(nugetComparator.compare('1.0.0.0.0', '0.0.0-a')).toBeLessThan(0);
    expect(comparatorFor('NuGet')).toBe(nugetComparator);
  });
});

describe('packagist comparator', () => {
  it('holds packagist-versions.txt except the two PHP disagrees with', () => {
    reportCounts('packagist', 'other/packagist-versions.txt', checkFacts(packagistComparator, readOrderingList('other/packagist-versions.txt'), PACKAGIST_EXCEPTIONS));
  });

  it('holds every line of packagist-versions-generated.txt (PHP over real OSV versions)', () => {
    reportCounts('packagist', 'other/packagist-versions-generated.txt', checkFacts(packagistComparator, readOrderingList('other/packagist-versions-generated.txt')));
  });

  it('is what comparatorFor gives Packagist, with or without a repository suffix', () => {
    expect(comparatorFor('Packagist')).toBe(packagistComparator);
    expect(comparatorFor('Packagist:https://repo.packagist.org')).toBe(packagistComparator);
  });
});

describe('cran and hackage comparators (numeric lists)', () => {
  it('holds every cran-versions.txt and cran-versions-generated.txt line', () => {
    reportCounts('cran', 'other/cran-versions.txt', checkFacts(cranComparator, readOrderingList('other/cran-versions.txt')));
    reportCounts('cran', 'other/cran-versions-generated.txt', checkFacts(cranComparator, readOrderingList('other/cran-versions-generated.txt')));
  });

  it('holds every hackage-versions.txt line', () => {
    reportCounts('hackage', 'other/hackage-versions.txt', checkFacts(hackageComparator, readOrderingList('other/hackage-versions.txt')));
  });

  it('is what comparatorFor gives CRAN, Bioconductor, Hackage and GHC', () => {
    expect(comparatorFor('CRAN')).toBe(cranComparator);
    expect(comparatorFor('Bioconductor')).toBe(cranComparator);
    expect(comparatorFor('Hackage')).toBe(hackageComparator);
    expect(comparatorFor('GHC')).toBe(hackageComparator);
  });
});
