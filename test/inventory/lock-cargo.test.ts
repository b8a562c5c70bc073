import { describe, expect, it } from 'vitest';
import { cargoLockCataloger } from '../../src/inventory/catalogers/lock-cargo.js';
import { depPurls, devPurls, edges, expectWellFormed, purls, runFixture } from './lock-helpers.js';

const AT = 'crates/tool/Cargo.lock';

describe('cargo-lock', () => {
  it('reads a v3 lockfile: workspace crate skipped, `name version` disambiguates', () => {
    const { packages, warnings } = runFixture(cargoLockCataloger, 'cargo/v3/Cargo.lock', AT);
    expect(warnings).toEqual([]);
    expectWellFormed(packages, AT, 'cargo-lock');
    expect(purls(packages)).toEqual([
      'pkg:cargo/aho-corasick@0.7.20',
      'pkg:cargo/libc@0.2.140',
      'pkg:cargo/memchr@1.0.2',
      'pkg:cargo/memchr@2.5.0',
      'pkg:cargo/regex-syntax@0.5.6',
      'pkg:cargo/regex-syntax@0.6.29',
      'pkg:cargo/regex@1.7.3',
      'pkg:cargo/ucd-util@0.1.10',
    ]);
    // `app` has no source: it is the workspace's own crate.
    expect(packages.some((p) => p.name === 'app')).toBe(false);
    expect(depPurls(packages, 'pkg:cargo/regex@1.7.3')).toEqual(['pkg:cargo/aho-corasick@0.7.20', 'pkg:cargo/memchr@2.5.0', 'pkg:cargo/regex-syntax@0.6.29']);
    expect(depPurls(packages, 'pkg:cargo/memchr@1.0.2')).toEqual(['pkg:cargo/libc@0.2.140']);
    expect(depPurls(packages, 'pkg:cargo/aho-corasick@0.7.20')).toEqual(['pkg:cargo/memchr@2.5.0']);
    expect(edges(packages)).toHaveLength(6);
    expect(devPurls(packages)).toEqual([]);
  });

  it('reads a v1 lockfile: `name version (source)` dependencies, [metadata] ignored', () => {
    const { packages, warnings } = runFixture(cargoLockCataloger, 'cargo/v1/Cargo.lock', AT);
    expect(warnings).toEqual([]);
    expect(packages).toHaveLength(7);
    expect(depPurls(packages, 'pkg:cargo/url@1.7.2')).toEqual(['pkg:cargo/idna@0.1.5', 'pkg:cargo/matches@0.1.8', 'pkg:cargo/percent-encoding@1.0.1']);
    expect(depPurls(packages, 'pkg:cargo/typemap@0.3.3')).toEqual(['pkg:cargo/unsafe-any@0.4.2']);
  });

  it('wants Cargo.lock outside node_modules', () => {
    const w = (path: string): boolean => Boolean(cargoLockCataloger.want({ path, size: 10, mode: 0o644 }));
    expect(w('Cargo.lock')).toBe(true);
    expect(w('a/b/Cargo.lock')).toBe(true);
    expect(w('a/node_modules/b/Cargo.lock')).toBe(false);
    expect(w('a/Cargo.toml')).toBe(false);
  });
});
