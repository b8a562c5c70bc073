import { describe, expect, it } from 'vitest';
import { npmLockCataloger } from '../../src/inventory/catalogers/lock-npm.js';
import { runCataloger } from '../helpers/catalog.js';
import { byPurl, depPurls, devPurls, edges, expectWellFormed, purls, runFixture } from './lock-helpers.js';

const AT = 'srv/app/package-lock.json';

// The generated fixtures lock the same project three times (see SOURCE.md): debug@^4 with
// its own ms@2 nested under it, ms@^1 at the top, an alias is-num-alias → is-number@6,
// optional kind-of → is-buffer, dev @types/ms and is-number@7, and a workspace local-a.
const GENERATED = [
  'pkg:npm/%40types/ms@0.7.34',
  'pkg:npm/debug@4.4.3',
  'pkg:npm/is-buffer@1.1.6',
  'pkg:npm/is-number@6.0.0',
  'pkg:npm/is-number@7.0.0',
  'pkg:npm/kind-of@3.2.2',
  'pkg:npm/ms@1.0.0',
  'pkg:npm/ms@2.1.3',
];
const GENERATED_EDGES = ['pkg:npm/debug@4.4.3 -> pkg:npm/ms@2.1.3', 'pkg:npm/kind-of@3.2.2 -> pkg:npm/is-buffer@1.1.6'];

describe('npm-lock', () => {
  for (const v of ['v1', 'v2', 'v3']) {
    it(`reads the generated lockfile ${v}: packages, nested resolution, alias, dev, workspace skipped`, () => {
      const { packages, warnings } = runFixture(npmLockCataloger, `npm/${v}/package-lock.json`, AT);
      expect(warnings).toEqual([]);
      expectWellFormed(packages, AT, 'npm-lock');
      expect(purls(packages)).toEqual(GENERATED);
      // debug's `ms@^2.1.3` resolves to the copy nested under it, not the top-level ms@1.
      expect(edges(packages)).toEqual(GENERATED_EDGES);
      expect(devPurls(packages)).toEqual(['pkg:npm/%40types/ms@0.7.34']);
      // The alias is recorded under the real package name; the workspace link is not a package.
      expect(byPurl(packages, 'pkg:npm/is-number@6.0.0').name).toBe('is-number');
      expect(packages.some((p) => p.name === 'local-a' || p.name === 'lockfixture')).toBe(false);
      // Leaves carry an empty graph (known: no dependencies), not an unknown one.
      expect(byPurl(packages, 'pkg:npm/ms@1.0.0').dependsOn).toEqual([]);
    });
  }

  it('keeps the v2/v3 declared licences', () => {
    const { packages } = runFixture(npmLockCataloger, 'npm/v3/package-lock.json', AT);
    expect(byPurl(packages, 'pkg:npm/debug@4.4.3').licenses).toEqual(['MIT']);
    const v1 = runFixture(npmLockCataloger, 'npm/v1/package-lock.json', AT).packages;
    expect(byPurl(v1, 'pkg:npm/debug@4.4.3').licenses).toEqual([]);
  });

  it('reads an npm 6 lockfile v1: nested copies merged, requires resolved up the nesting', () => {
    const { packages, warnings } = runFixture(npmLockCataloger, 'npm/npm6-v1/package-lock.json', AT);
    expect(warnings).toEqual([]);
    expectWellFormed(packages, AT, 'npm-lock');
    // 28 top-level entries plus debug@2.6.9 and ms@2.0.0 (nested twice, one package each) and ms@0.7.2.
    expect(packages).toHaveLength(31);
    expect(purls(packages)).toContain('pkg:npm/%40babel/helper-string-parser@7.19.4');
    expect(depPurls(packages, 'pkg:npm/body-parser@1.18.3')).toEqual([
      'pkg:npm/bytes@3.0.0',
      'pkg:npm/content-type@1.0.5',
      'pkg:npm/debug@2.6.9',
      'pkg:npm/depd@1.1.2',
      'pkg:npm/http-errors@1.6.3',
      'pkg:npm/iconv-lite@0.4.23',
      'pkg:npm/on-finished@2.3.0',
      'pkg:npm/qs@6.5.2',
      'pkg:npm/raw-body@2.3.3',
      'pkg:npm/type-is@1.6.18',
    ]);
    // Nested debug@2.6.9 requires ms: its sibling ms@2.0.0, not the top-level ms@1.0.0.
    expect(depPurls(packages, 'pkg:npm/debug@2.6.9')).toEqual(['pkg:npm/ms@2.0.0']);
    expect(depPurls(packages, 'pkg:npm/debug@2.5.2')).toEqual(['pkg:npm/ms@0.7.2']);
    expect(depPurls(packages, 'pkg:npm/finalhandler@1.1.1')).toContain('pkg:npm/debug@2.6.9');
    expect(devPurls(packages)).toEqual(['pkg:npm/debug@2.5.2', 'pkg:npm/ms@0.7.2']);
  });

  it('wants package-lock.json and npm-shrinkwrap.json anywhere but inside node_modules', () => {
    const w = (path: string): boolean => Boolean(npmLockCataloger.want({ path, size: 10, mode: 0o644 }));
    expect(w('package-lock.json')).toBe(true);
    expect(w('srv/app/npm-shrinkwrap.json')).toBe(true);
    expect(w('srv/app/node_modules/x/package-lock.json')).toBe(false);
    expect(w('srv/app/node_modules/.package-lock.json')).toBe(false);
    expect(w('srv/app/package-lock.json.bak')).toBe(false);
  });

  // No git host is reachable here to generate one, so this entry shape is written by hand
  // after npm's documented format (resolved `file:` for local tarballs, git URLs for git deps).
  it('skips file: entries, keeps git-resolved ones with their version', () => {
    const lock = JSON.stringify({
      name: 'p',
      lockfileVersion: 3,
      packages: {
        '': { name: 'p', dependencies: { a: 'file:../a.tgz', g: 'github:o/g' } },
        'node_modules/a': { version: '1.0.0', resolved: 'file:../a.tgz' },
        'node_modules/g': { version: '2.0.0', resolved: 'git+ssh://git@github.com/o/g.git#0123abcd' },
      },
    });
    const { packages } = runCataloger(npmLockCataloger, { [AT]: lock });
    expect(purls(packages)).toEqual(['pkg:npm/g@2.0.0']);
  });
});
