import { describe, expect, it } from 'vitest';
import { pipfileLockCataloger, poetryLockCataloger, pythonRequirementsCataloger } from '../../src/inventory/catalogers/lock-python.js';
import { runCataloger } from '../helpers/catalog.js';
import { byPurl, depPurls, devPurls, edges, expectWellFormed, purls, runFixture } from './lock-helpers.js';

describe('python-requirements', () => {
  const AT = 'svc/requirements.txt';
  const run = (rel: string) => runFixture(pythonRequirementsCataloger, `python/requirements/${rel}`, AT);

  it('keeps only == / === pins: extras, markers, hashes, comments, continuations handled', () => {
    const { packages, warnings } = run('syft-requirements.txt');
    // `==2.3.4` (no name) is not a requirement pip could read.
    expect(warnings).toEqual([`${AT}: 1 unreadable line(s) skipped`]);
    expectWellFormed(packages, AT, 'python-requirements');
    // Ranges (>=, ~=, !=), a wildcard pin (2.8.*), a URL pin (@ git+…), a bare `==2.3.4`,
    // -e/-r/--requirements lines and commented-out pins produce nothing.
    expect(purls(packages)).toEqual([
      'pkg:pypi/argh@0.26.2',
      'pkg:pypi/argh@0.26.3',
      'pkg:pypi/celery@4.4.7',
      'pkg:pypi/dots-allowed@1.0.0',
      'pkg:pypi/flask@4.0.0',
      'pkg:pypi/foo@1.0.0',
      'pkg:pypi/someproject@5.4',
    ]);
    // The name as written is kept; the purl carries the PEP 503 form.
    expect(byPurl(packages, 'pkg:pypi/someproject@5.4').name).toBe('SomeProject');
    // No graph in a requirements file.
    expect(packages.every((p) => p.dependsOn === undefined)).toBe(true);
  });

  it('reads pip-compile output with hashes and `# via` comments', () => {
    const { packages } = run('sigstore-requirements.txt');
    expect(purls(packages)).toEqual(['pkg:pypi/annotated-types@0.7.0', 'pkg:pypi/betterproto@2.0.0b6', 'pkg:pypi/certifi@2025.8.3']);
  });

  it('reads markers without spaces and keeps each pinned alternative', () => {
    const { packages } = run('httplib2-requirements-test.txt');
    expect(packages).toHaveLength(13);
    expect(purls(packages)).toContain('pkg:pypi/cryptography@35.0.0');
    expect(purls(packages).filter((p) => p.startsWith('pkg:pypi/pytest@'))).toEqual([
      'pkg:pypi/pytest@4.6.11',
      'pkg:pypi/pytest@6.1.2',
      'pkg:pypi/pytest@6.2.5',
    ]);
  });

  it('skips unpinned requirements', () => {
    expect(purls(run('boto-requirements.txt').packages)).toEqual(['pkg:pypi/argparse@1.2.1', 'pkg:pypi/simplejson@3.6.5']);
  });

  it('reads a UTF-16 requirements file with BOM (as Windows tools write it)', () => {
    const text = 'requests==2.31.0\r\nidna==3.6\r\n';
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const { packages, warnings } = runCataloger(pythonRequirementsCataloger, { [AT]: utf16 });
    expect(warnings).toEqual([]);
    expect(purls(packages)).toEqual(['pkg:pypi/idna@3.6', 'pkg:pypi/requests@2.31.0']);
  });

  it('wants requirement files outside virtualenvs and node_modules', () => {
    const w = (path: string): boolean => Boolean(pythonRequirementsCataloger.want({ path, size: 10, mode: 0o644 }));
    expect(w('requirements.txt')).toBe(true);
    expect(w('app/requirements-dev.txt')).toBe(true);
    expect(w('app/dev-requirements.txt')).toBe(true);
    expect(w('app/.venv/lib/python3.11/site-packages/x/requirements.txt')).toBe(false);
    expect(w('app/requirements.in')).toBe(false);
  });
});

describe('poetry-lock', () => {
  const AT = 'api/poetry.lock';
  const DEV = [
    'pkg:pypi/atomicwrites@1.4.1',
    'pkg:pypi/attrs@25.1.0',
    'pkg:pypi/more-itertools@10.6.0',
    'pkg:pypi/packaging@24.2',
    'pkg:pypi/py@1.11.0',
    'pkg:pypi/pytest@5.4.3',
    'pkg:pypi/wcwidth@0.2.13',
  ];

  it('reads a Poetry 1.x lockfile: dev by category, graph by [package.dependencies]', () => {
    const { packages, warnings } = runFixture(poetryLockCataloger, 'python/poetry-v1/poetry.lock', AT);
    expect(warnings).toEqual([]);
    expectWellFormed(packages, AT, 'poetry-lock');
    expect(packages).toHaveLength(15);
    expect(devPurls(packages)).toEqual(DEV);
    // Dependency names are matched normalized: `Jinja2`, `Werkzeug`, `MarkupSafe`.
    expect(depPurls(packages, 'pkg:pypi/flask@1.0.3')).toEqual([
      'pkg:pypi/click@8.1.8',
      'pkg:pypi/itsdangerous@2.2.0',
      'pkg:pypi/jinja2@3.1.5',
      'pkg:pypi/werkzeug@3.1.3',
    ]);
    expect(depPurls(packages, 'pkg:pypi/pytest@5.4.3')).toHaveLength(8);
    expect(depPurls(packages, 'pkg:pypi/werkzeug@3.1.3')).toEqual(['pkg:pypi/markupsafe@3.0.2']);
  });

  it('reads a Poetry 2 lockfile (groups) to the same packages, graph and dev flags', () => {
    const v1 = runFixture(poetryLockCataloger, 'python/poetry-v1/poetry.lock', AT).packages;
    const { packages, warnings } = runFixture(poetryLockCataloger, 'python/poetry-v2/poetry.lock', AT);
    expect(warnings).toEqual([]);
    expect(purls(packages)).toEqual(purls(v1));
    expect(edges(packages)).toEqual(edges(v1));
    // colorama and pluggy are in both "main" and "dev": not development-only.
    expect(devPurls(packages)).toEqual(DEV);
  });

  it('keeps packages from another index and marks old-style dev entries', () => {
    const { packages } = runFixture(poetryLockCataloger, 'python/poetry-syft/poetry.lock', AT);
    expect(purls(packages)).toEqual(['pkg:pypi/added-value@0.14.2', 'pkg:pypi/alabaster@0.7.12', 'pkg:pypi/appnope@0.1.0', 'pkg:pypi/asciitree@0.3.3']);
    expect(devPurls(packages)).toHaveLength(4);
    // Its dependencies are not in this lockfile: no dangling edges.
    expect(byPurl(packages, 'pkg:pypi/added-value@0.14.2').dependsOn).toEqual([]);
  });
});

describe('pipfile-lock', () => {
  const AT = 'rsa/Pipfile.lock';

  it('reads default and develop sections, develop marked dev', () => {
    const { packages, warnings } = runFixture(pipfileLockCataloger, 'python/pipenv/Pipfile.lock', AT);
    expect(warnings).toEqual([]);
    expectWellFormed(packages, AT, 'pipfile-lock');
    expect(packages).toHaveLength(42);
    expect(byPurl(packages, 'pkg:pypi/pyasn1@0.4.4').metadata).toBeUndefined();
    expect(devPurls(packages)).toHaveLength(41);
    expect(devPurls(packages)).toContain('pkg:pypi/importlib-metadata@1.6.0');
    expect(packages.every((p) => p.dependsOn === undefined)).toBe(true);
  });
});
