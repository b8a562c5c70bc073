import { describe, expect, it } from 'vitest';
import { goModCataloger, parseGoMod, type GoMod } from '../../src/inventory/catalogers/lock-go.js';
import { byPurl, expectWellFormed, fixture, purls, runFixture } from './lock-helpers.js';

const AT = 'cmd/server/go.mod';

interface GoJson {
  Module?: { Path: string };
  Require?: Array<{ Path: string; Version: string; Indirect?: boolean }>;
  Replace?: Array<{ Old: { Path: string; Version?: string }; New: { Path: string; Version?: string } }>;
  Exclude?: Array<{ Path: string; Version: string }>;
}

/** `go mod edit -json` output in our shape. */
function fromGoJson(j: GoJson): GoMod {
  return {
    module: j.Module?.Path,
    require: (j.Require ?? []).map((r) => ({ path: r.Path, version: r.Version, indirect: r.Indirect === true })),
    replace: (j.Replace ?? []).map((r) => ({ old: { path: r.Old.Path, version: r.Old.Version }, new: { path: r.New.Path, version: r.New.Version } })),
    exclude: (j.Exclude ?? []).map((e) => ({ path: e.Path, version: e.Version })),
  };
}

describe('go-mod', () => {
  // The Go tool's own parse of each fixture (go mod edit -json, see SOURCE.md).
  for (const dir of ['edit', 'cmd', 'replaced', 'replaced-local', 'replaced-mismatch']) {
    it(`parses go/${dir}/go.mod as the Go tool does`, () => {
      const { mod, bad } = parseGoMod(fixture(`go/${dir}/go.mod`).toString('utf8'));
      expect(bad).toBe(0);
      expect(mod).toEqual(fromGoJson(JSON.parse(fixture(`go/${dir}/go-mod-edit.json`).toString('utf8')) as GoJson));
    });
  }

  it('applies replace directives: module-wide, version-specific, local; marks indirect', () => {
    const { packages, warnings } = runFixture(goModCataloger, 'go/edit/go.mod', AT);
    expect(warnings).toEqual([]);
    expectWellFormed(packages, AT, 'go-mod');
    expect(purls(packages)).toEqual([
      'pkg:golang/github.com/Masterminds/semver/v3@v3.2.0',
      // golang.org/x/net => github.com/golang/net v0.8.0 (every version)
      'pkg:golang/github.com/golang/net@v0.8.0',
      'pkg:golang/github.com/google/go-cmp@v0.5.9',
      'pkg:golang/github.com/pkg/errors@v0.9.1',
      // golang.org/x/text v0.7.0 => v0.3.8 (that version)
      'pkg:golang/golang.org/x/text@v0.3.8',
      // the replace names v3.0.0, the requirement is v3.0.1: not replaced
      'pkg:golang/gopkg.in/yaml.v3@v3.0.1',
    ]);
    // example.com/local/helper => ../helper is the project's own code: not recorded.
    expect(packages.some((p) => p.name.startsWith('example.com/'))).toBe(false);
    expect(byPurl(packages, 'pkg:golang/github.com/google/go-cmp@v0.5.9').metadata).toEqual({ indirect: 'true' });
    // `// indirect; pinned by net` is indirect too, as cmd/go reads it.
    expect(byPurl(packages, 'pkg:golang/golang.org/x/text@v0.3.8').metadata).toEqual({ indirect: 'true' });
    expect(byPurl(packages, 'pkg:golang/github.com/golang/net@v0.8.0').metadata).toBeUndefined();
    expect(byPurl(packages, 'pkg:golang/github.com/golang/net@v0.8.0').name).toBe('github.com/golang/net');
    expect(packages.every((p) => p.dependsOn === undefined)).toBe(true);
  });

  it("reads Go's own cmd/go.mod", () => {
    const { packages } = runFixture(goModCataloger, 'go/cmd/go.mod', AT);
    expect(packages).toHaveLength(9);
    expect(packages.filter((p) => p.metadata?.indirect === 'true').map((p) => p.name)).toEqual(['github.com/ianlancetaylor/demangle', 'golang.org/x/crypto']);
    expect(purls(packages)).toContain('pkg:golang/golang.org/x/mod@v0.6.0-dev.0.20220419223038-86c51ed26bb4');
  });

  it('reads a newer go.mod (toolchain directive) the Go 1.19 tool cannot', () => {
    const { packages, warnings } = runFixture(goModCataloger, 'go/normal/go.mod', AT);
    expect(warnings).toEqual([]);
    expect(packages).toHaveLength(5);
    expect(byPurl(packages, 'pkg:golang/github.com/aquasecurity/go-version@v0.0.0-20240603093900-cf8a8d29271d').metadata).toBeUndefined();
    expect(packages.filter((p) => p.metadata?.indirect === 'true')).toHaveLength(4);
  });

  it('replaces, skips local replacements, ignores replacements of other versions', () => {
    const replaced = runFixture(goModCataloger, 'go/replaced/go.mod', AT).packages;
    expect(purls(replaced)).toEqual([
      'pkg:golang/github.com/aquasecurity/go-dep-parser@v0.0.0-20220406074731-71021a481237',
      'pkg:golang/golang.org/x/xerrors@v0.0.0-20200804184101-5ec99f83aff1',
    ]);
    const local = runFixture(goModCataloger, 'go/replaced-local/go.mod', AT).packages;
    expect(purls(local)).toEqual([
      'pkg:golang/github.com/aquasecurity/go-dep-parser@v0.0.0-20211224170007-df43bca6b6ff',
      'pkg:golang/gopkg.in/yaml.v3@v3.0.0-20210107192922-496545a6307b',
    ]);
    const mismatch = runFixture(goModCataloger, 'go/replaced-mismatch/go.mod', AT).packages;
    expect(purls(mismatch)).toContain('pkg:golang/github.com/aquasecurity/go-dep-parser@v0.0.0-20211224170007-df43bca6b6ff');
    expect(mismatch).toHaveLength(3);
  });

  it('wants go.mod outside vendor/ and node_modules/', () => {
    const w = (path: string): boolean => Boolean(goModCataloger.want({ path, size: 10, mode: 0o644 }));
    expect(w('go.mod')).toBe(true);
    expect(w('svc/go.mod')).toBe(true);
    expect(w('svc/vendor/github.com/x/y/go.mod')).toBe(false);
    expect(w('web/node_modules/z/go.mod')).toBe(false);
    expect(w('svc/go.sum')).toBe(false);
  });
});
