import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { npmPackageCataloger } from '../../src/inventory/catalogers/npm.js';
import { packageId } from '../../src/inventory/purl.js';
import type { Package } from '../../src/inventory/types.js';
import { runCataloger } from '../helpers/catalog.js';

const FIX = join(import.meta.dirname, '../fixtures/inventory/npm');

/** The fixture tree as image-root paths → contents. */
function tree(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.parentPath === dir) continue; // skip SOURCE.md, .gitignore
    const full = join(e.parentPath, e.name);
    out[relative(dir, full)] = readFileSync(full);
  }
  return out;
}

function at(packages: Package[], path: string): Package {
  const p = packages.find((x) => x.locations[0].path === path);
  if (!p) throw new Error(`no package at ${path}`);
  return p;
}

describe('npm cataloger on real installed packages', () => {
  const files = tree(FIX);
  const { packages, warnings } = runCataloger(npmPackageCataloger, files);

  it('finds every node_modules and Debian package.json, and nothing else', () => {
    expect(warnings).toEqual([]);
    const pkgJsons = Object.keys(files).filter((p) => p.includes('node_modules/') || p.startsWith('usr/share/nodejs/'));
    expect(pkgJsons).toHaveLength(8);
    expect(packages.map((p) => p.locations[0].path).sort()).toEqual(pkgJsons.sort());
    // The project's own package.json is not an installed package.
    expect(packages.some((p) => p.locations[0].path === 'usr/src/app/package.json')).toBe(false);
  });

  it('names, versions, purls, licences and ids come from each file', () => {
    for (const p of packages) {
      const json = JSON.parse(files[p.locations[0].path].toString('utf8')) as { name: string; version: string; license: string };
      expect(p.name).toBe(json.name);
      expect(p.version).toBe(json.version);
      expect(p.licenses).toEqual([json.license]);
      expect(p.type).toBe('npm');
      expect(p.foundBy).toBe('npm');
      expect(p.id).toBe(packageId(p.purl, p.locations[0].path));
      expect(p.locations).toHaveLength(1);
    }
    expect(at(packages, 'usr/src/app/node_modules/@types/ms/package.json').purl).toBe('pkg:npm/%40types/ms@2.1.0');
    expect(at(packages, 'usr/src/app/node_modules/ms/package.json').purl).toBe('pkg:npm/ms@2.0.0');
    expect(at(packages, 'usr/src/app/node_modules/debug/node_modules/ms/package.json').purl).toBe('pkg:npm/ms@2.1.3');
    // The same package (ms 2.1.3) at two paths is two packages.
    const ms213 = packages.filter((p) => p.purl === 'pkg:npm/ms@2.1.3');
    expect(ms213).toHaveLength(2);
    expect(ms213[0].id).not.toBe(ms213[1].id);
  });

  it('output is sorted by purl, then path', () => {
    const keys = packages.map((p) => `${p.purl}\0${p.locations[0].path}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('resolves dependencies as Node does: nearest node_modules first', () => {
    const debug = at(packages, 'usr/src/app/node_modules/debug/package.json');
    const nested = at(packages, 'usr/src/app/node_modules/debug/node_modules/ms/package.json');
    // debug asks for ms ^2.1.3: npm nested 2.1.3 under debug; the top-level ms is 2.0.0.
    expect(debug.dependsOn).toEqual([nested.id]);
    expect(at(packages, 'usr/src/app/node_modules/ms/package.json').dependsOn).toBeUndefined();
  });

  it('resolves Debian packages against /usr/share/nodejs, scoped names included', () => {
    const debug = at(packages, 'usr/share/nodejs/debug/package.json');
    expect(debug.dependsOn).toEqual([at(packages, 'usr/share/nodejs/ms/package.json').id]);
    const typesDebug = at(packages, 'usr/share/nodejs/@types/debug/package.json');
    expect(typesDebug.dependsOn).toEqual([at(packages, 'usr/share/nodejs/@types/ms/package.json').id]);
  });

  it('keeps author and homepage when present', () => {
    expect(at(packages, 'usr/share/nodejs/debug/package.json').metadata?.author).toBe('Josh Junon <josh.junon@protonmail.com>');
    expect(at(packages, 'usr/src/app/node_modules/@types/ms/package.json').metadata?.homepage).toBe(
      'https://github.com/DefinitelyTyped/DefinitelyTyped/tree/master/types/ms',
    );
  });
});

describe('npm cataloger: paths and edge cases', () => {
  const want = (path: string): boolean => Boolean(npmPackageCataloger.want({ path, size: 100, mode: 0o644 }));

  it('wants package.json of package directories only', () => {
    expect(want('node_modules/ms/package.json')).toBe(true);
    expect(want('app/node_modules/@scope/x/package.json')).toBe(true);
    expect(want('a/node_modules/b/node_modules/@s/c/package.json')).toBe(true);
    expect(want('usr/lib/nodejs/ms/package.json')).toBe(true);
    expect(want('usr/lib/x86_64-linux-gnu/nodejs/bufferutil/package.json')).toBe(true);
    expect(want('usr/share/nodejs/@types/node/package.json')).toBe(true);
    expect(want('app/package.json')).toBe(false);
    expect(want('node_modules/ms/test/fixtures/package.json')).toBe(false);
    expect(want('node_modules/.bin/package.json')).toBe(false);
    expect(want('node_modules/@scope/package.json')).toBe(false);
    expect(want('usr/share/nodejs/ms/lib/package.json')).toBe(false);
  });

  it('reads license objects, legacy licenses arrays and author objects (npm package.json docs)', () => {
    const { packages, warnings } = runCataloger(npmPackageCataloger, {
      'node_modules/a/package.json': JSON.stringify({ name: 'a', version: '1.0.0', license: { type: 'ISC', url: 'x' } }),
      'node_modules/b/package.json': JSON.stringify({
        name: 'b',
        version: '2.0.0',
        licenses: [{ type: 'MIT', url: 'u' }, { type: 'Apache-2.0' }, 'GPL-2.0-only'],
        author: { name: 'Ann', email: 'ann@example.org', url: 'https://example.org' },
        optionalDependencies: { a: '*' },
      }),
    });
    expect(warnings).toEqual([]);
    const [a, b] = packages;
    expect(a.licenses).toEqual(['ISC']);
    expect(b.licenses).toEqual(['Apache-2.0', 'GPL-2.0-only', 'MIT']);
    expect(b.metadata?.author).toBe('Ann <ann@example.org> (https://example.org)');
    expect(b.dependsOn).toEqual([a.id]);
  });

  it('skips files without name or version, warns on bad JSON, and does not crash', () => {
    const { packages, warnings } = runCataloger(npmPackageCataloger, {
      'node_modules/noversion/package.json': '{"name":"noversion"}',
      'node_modules/noname/package.json': '{"version":"1.0.0"}',
      'node_modules/array/package.json': '[1,2]',
      'node_modules/broken/package.json': '{"name": "broken", ',
      'node_modules/bom/package.json': '\ufeff{"name":"bom","version":"1.0.0","license":["weird"]}',
    });
    // A BOM is stripped, as Node does; a licence of an unknown shape is ignored.
    expect(packages.map((p) => [p.name, p.licenses])).toEqual([['bom', []]]);
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toContain('node_modules/broken/package.json');
  });
});
