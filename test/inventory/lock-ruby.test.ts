import { describe, expect, it } from 'vitest';
import { gemfileLockCataloger } from '../../src/inventory/catalogers/lock-ruby.js';
import { byPurl, depPurls, devPurls, expectWellFormed, purls, runFixture } from './lock-helpers.js';

const AT = 'rails/Gemfile.lock';

describe('gemfile-lock', () => {
  it('reads GEM specs and their indented dependencies', () => {
    const { packages, warnings } = runFixture(gemfileLockCataloger, 'ruby/trivy/Gemfile.lock', AT);
    expect(warnings).toEqual([]);
    expectWellFormed(packages, AT, 'gemfile-lock');
    expect(purls(packages)).toEqual([
      'pkg:gem/coderay@1.1.2',
      'pkg:gem/concurrent-ruby@1.1.5',
      'pkg:gem/dotenv@2.7.2',
      'pkg:gem/faker@1.9.3',
      'pkg:gem/i18n@1.6.0',
      'pkg:gem/method_source@0.9.2',
      'pkg:gem/pry@0.12.2',
    ]);
    expect(depPurls(packages, 'pkg:gem/pry@0.12.2')).toEqual(['pkg:gem/coderay@1.1.2', 'pkg:gem/method_source@0.9.2']);
    expect(depPurls(packages, 'pkg:gem/i18n@1.6.0')).toEqual(['pkg:gem/concurrent-ruby@1.1.5']);
    expect(devPurls(packages)).toEqual([]);
  });

  it('keeps GIT gems, skips PATH gems and unknown sections, splits the platform off', () => {
    const { packages, warnings } = runFixture(gemfileLockCataloger, 'ruby/syft/Gemfile.lock', AT);
    expect(warnings).toEqual([]);
    expectWellFormed(packages, AT, 'gemfile-lock');
    // 51 GEM specs and the GIT-sourced turbolinks; not the PATH gem, not BAD-SECTION's entry.
    expect(packages).toHaveLength(52);
    expect(packages.some((p) => p.name === 'google-cloud-errors' || p.name === 'bad-entry')).toBe(false);
    expect(depPurls(packages, 'pkg:gem/turbolinks@3.0.0')).toEqual(['pkg:gem/coffee-rails@4.0.1']);
    const nokogiri = byPurl(packages, 'pkg:gem/nokogiri@1.16.0?platform=x86_64-linux');
    expect(nokogiri.version).toBe('1.16.0');
    expect(nokogiri.metadata).toEqual({ platform: 'x86_64-linux' });
    // rails also depends on bundler, which is not a spec of this lockfile: no dangling edge.
    expect(depPurls(packages, 'pkg:gem/rails@4.1.1')).toHaveLength(8);
    expect(depPurls(packages, 'pkg:gem/treetop@1.4.15')).toEqual(['pkg:gem/polyglot@0.3.4']);
    expect(byPurl(packages, 'pkg:gem/arel@5.0.1.20140414130214').name).toBe('arel');
  });

  it('reads gems from several GIT sources', () => {
    const { packages } = runFixture(gemfileLockCataloger, 'ruby/git/Gemfile.lock', AT);
    expect(purls(packages)).toEqual([
      'pkg:gem/concurrent-ruby@1.1.7',
      'pkg:gem/hanami-controller@2.0.0.alpha1',
      'pkg:gem/hanami-utils@2.0.0.alpha1',
      'pkg:gem/rack@2.2.3',
      'pkg:gem/transproc@1.1.1',
    ]);
    expect(depPurls(packages, 'pkg:gem/hanami-controller@2.0.0.alpha1')).toEqual(['pkg:gem/hanami-utils@2.0.0.alpha1', 'pkg:gem/rack@2.2.3']);
  });

  it('wants Gemfile.lock and gems.locked outside vendor/ and node_modules/', () => {
    const w = (path: string): boolean => Boolean(gemfileLockCataloger.want({ path, size: 10, mode: 0o644 }));
    expect(w('Gemfile.lock')).toBe(true);
    expect(w('app/gems.locked')).toBe(true);
    expect(w('app/vendor/bundle/ruby/3.2.0/gems/x-1.0/Gemfile.lock')).toBe(false);
    expect(w('app/Gemfile')).toBe(false);
  });
});
