import { describe, expect, it } from 'vitest';
import { yarnLockCataloger } from '../../src/inventory/catalogers/lock-yarn.js';
import { byPurl, depPurls, devPurls, edges, expectWellFormed, purls, runFixture } from './lock-helpers.js';

const AT = 'web/yarn.lock';

// Same project as the npm fixtures (see SOURCE.md), plus a file: dependency local-b.
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

describe('yarn-lock', () => {
  for (const v of ['v1', 'berry']) {
    it(`reads the generated ${v} lockfile: alias resolved, workspace and file: entries skipped`, () => {
      const { packages, warnings } = runFixture(yarnLockCataloger, `yarn/${v}/yarn.lock`, AT);
      expect(warnings).toEqual([]);
      expectWellFormed(packages, AT, 'yarn-lock');
      expect(purls(packages)).toEqual(GENERATED);
      expect(edges(packages)).toEqual(GENERATED_EDGES);
      expect(packages.some((p) => ['local-a', 'local-b', 'lockfixture', 'is-num-alias'].includes(p.name))).toBe(false);
      // yarn.lock does not record which dependencies are for development.
      expect(devPurls(packages)).toEqual([]);
    });
  }

  it('reads a classic lockfile with multi-descriptor and quoted headers', () => {
    const { packages, warnings } = runFixture(yarnLockCataloger, 'yarn/trivy-v1/yarn.lock', AT);
    expect(warnings).toEqual([]);
    expectWellFormed(packages, AT, 'yarn-lock');
    expect(packages).toHaveLength(18);
    expect(purls(packages)).toContain('pkg:npm/%40babel/helper-regex@7.4.4');
    expect(depPurls(packages, 'pkg:npm/%40babel/helper-regex@7.4.4')).toEqual(['pkg:npm/lodash@4.17.11']);
    // `string-width "^1.0.2 || 2"` resolves through the quoted header descriptor.
    expect(depPurls(packages, 'pkg:npm/wide-align@1.1.3')).toEqual(['pkg:npm/string-width@2.1.1']);
    expect(depPurls(packages, 'pkg:npm/string-width@2.1.1')).toEqual(['pkg:npm/is-fullwidth-code-point@2.0.0', 'pkg:npm/strip-ansi@4.0.0']);
    expect(depPurls(packages, 'pkg:npm/strip-ansi@3.0.1')).toEqual(['pkg:npm/ansi-regex@2.1.1']);
    expect(depPurls(packages, 'pkg:npm/strip-ansi@4.0.0')).toEqual(['pkg:npm/ansi-regex@3.0.0']);
  });

  it('reads a Berry v4-metadata lockfile: npm: descriptors, patch entries, workspace root skipped', () => {
    const { packages, warnings } = runFixture(yarnLockCataloger, 'yarn/trivy-berry/yarn.lock', AT);
    expect(warnings).toEqual([]);
    expectWellFormed(packages, AT, 'yarn-lock');
    expect(packages).toHaveLength(17);
    expect(packages.some((p) => p.name === 'code')).toBe(false);
    // `color-convert: ^1.9.0` is the descriptor `color-convert@npm:^1.9.0`.
    expect(depPurls(packages, 'pkg:npm/ansi-styles@3.2.1')).toEqual(['pkg:npm/color-convert@1.9.3']);
    expect(depPurls(packages, 'pkg:npm/ansi-styles@4.2.1')).toEqual(['pkg:npm/%40types/color-name@1.1.1', 'pkg:npm/color-convert@2.0.1']);
    // The patched fsevents is still fsevents 2.1.3, and its `node-gyp: latest` resolves.
    expect(depPurls(packages, 'pkg:npm/fsevents@2.1.3')).toEqual(['pkg:npm/node-gyp@7.1.0']);
    expect(depPurls(packages, 'pkg:npm/once@1.4.0')).toEqual(['pkg:npm/wrappy@1.0.2']);
    // Versions stay strings: `version: 1.9.3` is not read as a number.
    expect(byPurl(packages, 'pkg:npm/color-name@1.1.3').version).toBe('1.1.3');
  });

  it('keeps a git-resolved package with its version', () => {
    const { packages, warnings } = runFixture(yarnLockCataloger, 'yarn/trivy-git/yarn.lock', AT);
    expect(warnings).toEqual([]);
    expect(purls(packages)).toEqual(['pkg:npm/mapbox-gl-feature-drag-and-drop@1.1.1']);
  });

  it('wants yarn.lock outside node_modules only', () => {
    const w = (path: string): boolean => Boolean(yarnLockCataloger.want({ path, size: 10, mode: 0o644 }));
    expect(w('yarn.lock')).toBe(true);
    expect(w('a/b/yarn.lock')).toBe(true);
    expect(w('a/node_modules/b/yarn.lock')).toBe(false);
    expect(w('a/yarn.lock.orig')).toBe(false);
  });
});
