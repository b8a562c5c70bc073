import { describe, expect, it } from 'vitest';
import { pnpmLockCataloger } from '../../src/inventory/catalogers/lock-pnpm.js';
import { depPurls, devPurls, edges, expectWellFormed, purls, runFixture } from './lock-helpers.js';

const AT = 'monorepo/pnpm-lock.yaml';

// Same project as the npm fixtures (see SOURCE.md), locked by pnpm 7, 8 and 9.
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

describe('pnpm-lock', () => {
  for (const v of ['v5', 'v6', 'v9']) {
    it(`reads the generated ${v} lockfile: same packages, edges and dev flags`, () => {
      const { packages, warnings } = runFixture(pnpmLockCataloger, `pnpm/${v}/pnpm-lock.yaml`, AT);
      expect(warnings).toEqual([]);
      expectWellFormed(packages, AT, 'pnpm-lock');
      expect(purls(packages)).toEqual(GENERATED);
      expect(edges(packages)).toEqual(GENERATED_EDGES);
      // is-number@7 is a root devDependency but also a prod dependency of the workspace
      // member local-a, so only @types/ms is development-only (v5/v6 say so with `dev:`,
      // v9 is derived from the importers).
      expect(devPurls(packages)).toEqual(['pkg:npm/%40types/ms@0.7.34']);
      expect(packages.some((p) => p.name === 'local-a' || p.name === 'is-num-alias')).toBe(false);
    });
  }

  it('reads a 5.3 lockfile without importers', () => {
    const { packages, warnings } = runFixture(pnpmLockCataloger, 'pnpm/trivy-v5/pnpm-lock.yaml', AT);
    expect(warnings).toEqual([]);
    expect(purls(packages)).toEqual(['pkg:npm/asap@2.0.6', 'pkg:npm/jquery@3.6.0', 'pkg:npm/promise@8.1.0']);
    expect(edges(packages)).toEqual(['pkg:npm/promise@8.1.0 -> pkg:npm/asap@2.0.6']);
    expect(devPurls(packages)).toEqual([]);
  });

  it('reads a v9 lockfile with tarball, file: and peer-suffixed snapshots', () => {
    const { packages, warnings } = runFixture(pnpmLockCataloger, 'pnpm/trivy-v9/pnpm-lock.yaml', AT);
    expect(warnings).toEqual([]);
    expectWellFormed(packages, AT, 'pnpm-lock');
    // 22 package keys minus the two local ones (package1@file:…, lodash@file:…tgz).
    expect(packages).toHaveLength(20);
    expect(packages.some((p) => p.name === 'package1' || p.name === 'lodash')).toBe(false);
    // Tarball-resolved packages keep the version the lockfile gives them.
    expect(purls(packages)).toContain('pkg:npm/debug@4.3.5');
    expect(purls(packages)).toContain('pkg:npm/is-negative@2.0.1');
    expect(depPurls(packages, 'pkg:npm/debug@4.3.5')).toEqual(['pkg:npm/ms@2.1.2']);
    // `debug: 4.3.4(supports-color@8.1.1)` is the snapshot of debug@4.3.4.
    expect(depPurls(packages, 'pkg:npm/finalhandler@1.1.1')).toEqual([
      'pkg:npm/debug@4.3.4',
      'pkg:npm/encodeurl@1.0.2',
      'pkg:npm/escape-html@1.0.3',
      'pkg:npm/on-finished@2.3.0',
      'pkg:npm/parseurl@1.3.3',
      'pkg:npm/statuses@1.4.0',
      'pkg:npm/unpipe@1.0.0',
    ]);
    expect(depPurls(packages, 'pkg:npm/debug@4.3.4')).toEqual(['pkg:npm/ms@2.0.0']);
    // ms@2.0.0 is a devDependency of the root but also reached through finalhandler.
    expect(devPurls(packages)).toEqual(['pkg:npm/await-sleep@0.0.1', 'pkg:npm/jquery@3.6.0']);
  });

  it('wants pnpm-lock.yaml outside node_modules only', () => {
    const w = (path: string): boolean => Boolean(pnpmLockCataloger.want({ path, size: 10, mode: 0o644 }));
    expect(w('pnpm-lock.yaml')).toBe(true);
    expect(w('x/node_modules/.pnpm/lock.yaml')).toBe(false);
    expect(w('x/node_modules/y/pnpm-lock.yaml')).toBe(false);
  });
});
