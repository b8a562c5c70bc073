import { describe, expect, it } from 'vitest';
import { composerLockCataloger } from '../../src/inventory/catalogers/lock-php.js';
import { byPurl, depPurls, devPurls, expectWellFormed, purls, runFixture } from './lock-helpers.js';

const AT = 'site/composer.lock';

describe('composer-lock', () => {
  it('reads packages and packages-dev, the require graph and licences', () => {
    const { packages, warnings } = runFixture(composerLockCataloger, 'php/composer.lock', AT);
    expect(warnings).toEqual([]);
    expectWellFormed(packages, AT, 'composer-lock');
    // The version keeps Composer's leading v, as syft and Trivy report it.
    expect(purls(packages)).toEqual([
      'pkg:composer/adoy/fastcgi-client@1.0.2',
      'pkg:composer/alcaeus/mongo-php-adapter@1.1.11',
      'pkg:composer/behat/gherkin@v4.6.2',
      'pkg:composer/codeception/codeception@4.1.6',
    ]);
    expect(devPurls(packages)).toEqual(['pkg:composer/behat/gherkin@v4.6.2', 'pkg:composer/codeception/codeception@4.1.6']);
    // php and ext-* are platform requirements; the other requires not in the lock have no edge.
    expect(depPurls(packages, 'pkg:composer/codeception/codeception@4.1.6')).toEqual(['pkg:composer/behat/gherkin@v4.6.2']);
    expect(depPurls(packages, 'pkg:composer/alcaeus/mongo-php-adapter@1.1.11')).toEqual([]);
    expect(byPurl(packages, 'pkg:composer/adoy/fastcgi-client@1.0.2').licenses).toEqual(['MIT']);
  });

  it('wants composer.lock outside vendor/', () => {
    const w = (path: string): boolean => Boolean(composerLockCataloger.want({ path, size: 10, mode: 0o644 }));
    expect(w('composer.lock')).toBe(true);
    expect(w('site/vendor/symfony/x/composer.lock')).toBe(false);
    expect(w('site/composer.json')).toBe(false);
  });
});
