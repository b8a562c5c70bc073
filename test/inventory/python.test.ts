import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseCoreMetadata, pythonPackageCataloger } from '../../src/inventory/catalogers/python.js';
import { packageId } from '../../src/inventory/purl.js';
import type { Package } from '../../src/inventory/types.js';
import { runCataloger } from '../helpers/catalog.js';

const FIX = join(import.meta.dirname, '../fixtures/inventory/python');

function tree(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || e.parentPath === dir) continue; // skip SOURCE.md, expected.json, the generator
    const full = join(e.parentPath, e.name);
    out[relative(dir, full)] = readFileSync(full);
  }
  return out;
}

type Expected = Record<string, { name: string; version: string; requires: string[] }>;

function at(packages: Package[], path: string): Package {
  const p = packages.find((x) => x.locations[0].path === path);
  if (!p) throw new Error(`no package at ${path}`);
  return p;
}

const SP = 'usr/local/lib/python3.11/site-packages';

describe('python cataloger on real installed distributions', () => {
  const files = tree(FIX);
  const expected = JSON.parse(readFileSync(join(FIX, 'expected.json'), 'utf8')) as Expected;
  const { packages, warnings } = runCataloger(pythonPackageCataloger, files);

  it('finds every dist-info, egg-info (dir and file) and EGG-INFO, as Python reads them', () => {
    expect(warnings).toEqual([]);
    expect(packages.map((p) => p.locations[0].path).sort()).toEqual(Object.keys(expected).sort());
    for (const p of packages) {
      const e = expected[p.locations[0].path];
      expect(p.name).toBe(e.name);
      expect(p.version).toBe(e.version);
      // PEP 503: lower case, runs of -_. collapse to '-'.
      expect(p.purl).toBe(`pkg:pypi/${e.name.toLowerCase().replace(/[-_.]+/g, '-')}@${e.version}`);
      expect(p.id).toBe(packageId(p.purl, p.locations[0].path));
      expect(p.type).toBe('pypi');
      expect(p.foundBy).toBe('python');
    }
    expect(at(packages, `${SP}/markupsafe-3.0.3.dist-info/METADATA`).purl).toBe('pkg:pypi/markupsafe@3.0.3');
    expect(at(packages, `${SP}/python_dotenv-1.2.2.dist-info/METADATA`).purl).toBe('pkg:pypi/python-dotenv@1.2.2');
    const keys = packages.map((p) => `${p.purl}\0${p.locations[0].path}`);
    expect(keys).toEqual([...keys].sort());
  });

  it('dependsOn: Requires-Dist resolved in the same site-packages, extras left out', () => {
    const norm = (n: string): string => n.toLowerCase().replace(/[-_.]+/g, '-');
    for (const p of packages) {
      const e = expected[p.locations[0].path];
      const site = p.locations[0].path.split('/').slice(0, -2).join('/');
      const wanted = e.requires
        .filter((r) => !/extra\s*==/.test(r.split(';')[1] ?? ''))
        .map((r) => norm(/^[A-Za-z0-9._-]+/.exec(r)![0]));
      const ids = packages
        .filter((q) => wanted.includes(norm(q.name)) && q.locations[0].path.startsWith(site + '/'))
        .map((q) => q.id)
        .sort();
      expect(p.dependsOn ?? [], p.name).toEqual(ids);
    }
    // Flask needs six of its seven unconditional requirements here (importlib-metadata
    // is absent); python-dotenv is present but only an extra of Flask.
    const flask = at(packages, `${SP}/flask-3.1.3.dist-info/METADATA`);
    expect(flask.dependsOn).toHaveLength(6);
    expect(flask.dependsOn).not.toContain(at(packages, `${SP}/python_dotenv-1.2.2.dist-info/METADATA`).id);
    expect(at(packages, `${SP}/jinja2-3.1.6.dist-info/METADATA`).dependsOn).toEqual([at(packages, `${SP}/markupsafe-3.0.3.dist-info/METADATA`).id]);
  });

  it('licences: License-Expression, else a License name, else classifiers', () => {
    const lic = (path: string): string[] => at(packages, path).licenses;
    expect(lic(`${SP}/flask-3.1.3.dist-info/METADATA`)).toEqual(['BSD-3-Clause']); // License-Expression
    expect(lic(`${SP}/pip-23.2.1.dist-info/METADATA`)).toEqual(['MIT']); // License: MIT
    expect(lic(`${SP}/blinker-1.9.0.dist-info/METADATA`)).toEqual(['MIT']); // classifier MIT License
    expect(lic(`${SP}/jinja2-3.1.6.dist-info/METADATA`)).toEqual(['BSD-3-Clause']); // classifier BSD License
    // License holds the whole licence text: its classifier names it.
    expect(lic(`${SP}/traitlets-5.15.0.dist-info/METADATA`)).toEqual(['BSD-3-Clause']);
    expect(lic('usr/lib/python3/dist-packages/certifi-2022.9.24.egg-info/PKG-INFO')).toEqual(['MPL-2.0']);
    expect(lic('usr/lib/python2.7/wsgiref.egg-info')).toEqual(['PSF or ZPL']); // not SPDX: kept raw
    expect(lic('usr/lib/python3/dist-packages/my_test_package-1.0-py3.7.egg/EGG-INFO/PKG-INFO')).toEqual([]); // UNKNOWN
  });

  it('RECORD lists installed files relative to the root, scripts included', () => {
    const flask = at(packages, `${SP}/flask-3.1.3.dist-info/METADATA`);
    const record = files[`${SP}/flask-3.1.3.dist-info/RECORD`].toString('utf8').trim().split('\n');
    expect(flask.files).toHaveLength(new Set(record.map((l) => l.split(',')[0])).size);
    expect(flask.files).toContain('usr/local/bin/flask'); // ../../../bin/flask
    expect(flask.files).toContain(`${SP}/flask/app.py`);
    expect(at(packages, `${SP}/pip-23.2.1.dist-info/METADATA`).files).toBeUndefined();
  });

  it('metadata keeps author and homepage', () => {
    const six = at(packages, 'usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO');
    expect(six.metadata).toEqual({ author: 'Benjamin Peterson', homepage: 'https://github.com/benjaminp/six' });
    expect(at(packages, 'usr/lib/python3/dist-packages/my_test_package-1.0-py3.7.egg/EGG-INFO/PKG-INFO').metadata).toBeUndefined();
  });
});

describe('python cataloger: edge cases', () => {
  it('wants metadata and RECORD files only', () => {
    const want = (path: string): boolean => Boolean(pythonPackageCataloger.want({ path, size: 10, mode: 0o644 }));
    expect(want('a/site-packages/x-1.dist-info/METADATA')).toBe(true);
    expect(want('a/site-packages/x-1.dist-info/RECORD')).toBe(true);
    expect(want('a/x.egg-info/PKG-INFO')).toBe(true);
    expect(want('a/x.egg-info')).toBe(true);
    expect(want('a/x.egg/EGG-INFO/PKG-INFO')).toBe(true);
    expect(want('a/x.dist-info/WHEEL')).toBe(false);
    expect(want('a/sdist/PKG-INFO')).toBe(false);
  });

  it('parses continuation lines and stops at the body', () => {
    const f = parseCoreMetadata('Name: a\nLicense: line one\n        line two\nVersion: 1\n\nName: body');
    expect(f).toEqual([['name', 'a'], ['license', 'line one\n        line two'], ['version', '1']]);
  });

  it('skips metadata without Name or Version with a warning, and survives garbage', () => {
    const { packages, warnings } = runCataloger(pythonPackageCataloger, {
      'sp/a-1.dist-info/METADATA': 'Metadata-Version: 2.1\nName: a\n',
      'sp/b-1.dist-info/METADATA': Buffer.from([0xff, 0xfe, 0x00, 0x41, 0x0a]),
      'sp/c-1.dist-info/METADATA': 'Name: c\r\nVersion: 1.0\r\nRequires-Dist: a ; extra == "x"\r\nRequires-Dist: b (>=1)\r\n',
      'sp/c-1.dist-info/RECORD': '../../../../../etc/passwd,,\n"odd,name.py",sha256=x,1\n',
      'sp/b2-1.dist-info/METADATA': 'Name: B\nVersion: 2\n',
    });
    expect(warnings).toHaveLength(2);
    const c = packages.find((p) => p.name === 'c')!;
    expect(c.dependsOn).toEqual([packages.find((p) => p.name === 'B')!.id]);
    expect(c.files).toEqual(['sp/odd,name.py']); // the escaping path is dropped
  });
});
