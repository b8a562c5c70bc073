// Untrusted-input behaviour of every lockfile cataloger: broken syntax, invalid UTF-8,
// absurd nesting, a YAML alias bomb and random bytes. The answer is always a warning
// naming the file and whatever could be read; never a throw, a hang or a memory blow-up.
import { describe, expect, it } from 'vitest';
import type { Cataloger } from '../../src/inventory/types.js';
import {
  cargoLockCataloger,
  composerLockCataloger,
  gemfileLockCataloger,
  goModCataloger,
  npmLockCataloger,
  pipfileLockCataloger,
  pnpmLockCataloger,
  poetryLockCataloger,
  pythonRequirementsCataloger,
  yarnLockCataloger,
} from '../../src/inventory/catalogers/lockfiles.js';
import { runCataloger } from '../helpers/catalog.js';
import { fixture } from './lock-helpers.js';

interface Case {
  c: Cataloger;
  at: string;
  fixture: string;
  /** A spot inside a string or comment: bytes inserted after it do not change the syntax. */
  marker: string;
  /** A syntax error that stops the parser partway (or ruins the whole document). */
  broken: string;
  /** What can still be read from `broken` (a JSON document is all or nothing). */
  partial: string[];
  /** Deeply nested input in the format's own syntax. */
  deep: () => string;
}

const DEPTH = 100_000;

const CASES: Case[] = [
  {
    c: npmLockCataloger,
    at: 'a/package-lock.json',
    fixture: 'npm/v3/package-lock.json',
    marker: '"integrity": "sha512-',
    broken: '{"lockfileVersion": 3, "packages": {"node_modules/x": {"version": "1.0.0"',
    partial: [],
    deep: () => '{"lockfileVersion":1,"dependencies":' + '{"a":{"version":"1.0.0","dependencies":'.repeat(DEPTH) + '{}' + '}}'.repeat(DEPTH) + '}',
  },
  {
    c: yarnLockCataloger,
    at: 'a/yarn.lock',
    fixture: 'yarn/v1/yarn.lock',
    marker: 'integrity sha512-',
    broken: '# yarn lockfile v1\n\nms@^1.0.0:\n  version "1.0.0"\n\n"unterminated@^1:\n  version "2.0.0"\n',
    partial: ['pkg:npm/ms@1.0.0'],
    deep: () => '__metadata:\n  version: 8\n"x@npm:1": ' + '['.repeat(DEPTH),
  },
  {
    c: pnpmLockCataloger,
    at: 'a/pnpm-lock.yaml',
    fixture: 'pnpm/v9/pnpm-lock.yaml',
    marker: 'integrity: sha512-',
    broken: "lockfileVersion: '9.0'\npackages:\n  ms@1.0.0:\n    resolution: {integrity: sha512-x}\n  bad@1.0.0: [unclosed\n",
    partial: ['pkg:npm/ms@1.0.0'],
    deep: () => "lockfileVersion: '9.0'\npackages: " + '['.repeat(DEPTH),
  },
  {
    c: pythonRequirementsCataloger,
    at: 'a/requirements.txt',
    fixture: 'python/requirements/sigstore-requirements.txt',
    marker: '--hash=sha256:',
    broken: 'requests==2.31.0\n\u0000\u0001garbage ((\nidna==3.6\n',
    partial: ['pkg:pypi/idna@3.6', 'pkg:pypi/requests@2.31.0'],
    deep: () => '('.repeat(DEPTH) + '\nidna==3.6\n',
  },
  {
    c: poetryLockCataloger,
    at: 'a/poetry.lock',
    fixture: 'python/poetry-v2/poetry.lock',
    marker: 'hash = "sha256:',
    broken: '[[package]]\nname = "click"\nversion = "8.1.8"\n\n[[package]]\nname = "broken\nversion = "1"\n',
    partial: ['pkg:pypi/click@8.1.8'],
    deep: () => '[[package]]\nname = "x"\nversion = "1"\ndeps = ' + '['.repeat(DEPTH),
  },
  {
    c: pipfileLockCataloger,
    at: 'a/Pipfile.lock',
    fixture: 'python/pipenv/Pipfile.lock',
    marker: '"sha256:',
    broken: '{"default": {"requests": {"version": "==2.31.0"}',
    partial: [],
    deep: () => '{"default":' + '['.repeat(DEPTH) + ']'.repeat(DEPTH) + '}',
  },
  {
    c: goModCataloger,
    at: 'a/go.mod',
    fixture: 'go/edit/go.mod',
    marker: '// Fixture',
    broken: 'module example.com/m\n\nrequire (\n\tgolang.org/x/net v0.7.0\n\t"unterminated v1.0.0\n\tgolang.org/x/text\n',
    partial: ['pkg:golang/golang.org/x/net@v0.7.0'],
    deep: () => 'module m\nrequire (\n'.repeat(DEPTH),
  },
  {
    c: cargoLockCataloger,
    at: 'a/Cargo.lock',
    fixture: 'cargo/v3/Cargo.lock',
    marker: 'checksum = "',
    broken: 'version = 3\n\n[[package]]\nname = "libc"\nversion = "0.2.140"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n\n[[package]]\nname = libc\n',
    partial: ['pkg:cargo/libc@0.2.140'],
    deep: () => 'version = 3\n[[package]]\nname = "x"\nversion = "1"\ndependencies = ' + '['.repeat(DEPTH),
  },
  {
    c: gemfileLockCataloger,
    at: 'a/Gemfile.lock',
    fixture: 'ruby/trivy/Gemfile.lock',
    marker: 'remote: ',
    broken: 'GEM\n  remote: https://rubygems.org/\n  specs:\n    rack (2.2.3)\n    broken spec line\n',
    partial: ['pkg:gem/rack@2.2.3'],
    deep: () => 'GEM\n  specs:\n' + ' '.repeat(DEPTH) + 'rack (2.2.3)\n',
  },
  {
    c: composerLockCataloger,
    at: 'a/composer.lock',
    fixture: 'php/composer.lock',
    marker: '"shasum": "',
    broken: '{"packages": [{"name": "a/b", "version": "1.0.0"}, {"name": ',
    partial: [],
    deep: () => '{"packages":' + '['.repeat(DEPTH) + ']'.repeat(DEPTH) + '}',
  },
];

function insertAfter(data: Buffer, marker: string, bytes: number[]): Buffer {
  const i = data.indexOf(marker);
  if (i < 0) throw new Error(`marker ${marker} not in fixture`);
  const at = i + Buffer.byteLength(marker);
  return Buffer.concat([data.subarray(0, at), Buffer.from(bytes), data.subarray(at)]);
}

/** Deterministic pseudo-random bytes (xorshift), so a failure reproduces. */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

describe('lockfile catalogers on bad input', () => {
  for (const k of CASES) {
    describe(k.c.name, () => {
      it('warns about broken syntax, naming the file, and keeps what it could read', () => {
        const { packages, warnings } = runCataloger(k.c, { [k.at]: k.broken });
        expect(warnings.length).toBeGreaterThan(0);
        for (const w of warnings) expect(w.startsWith(`${k.at}: `)).toBe(true);
        expect(packages.map((p) => p.purl)).toEqual(k.partial);
        for (const p of packages) expect(p.locations[0].path).toBe(k.at);
      });

      it('reports invalid UTF-8 and still reads every package', () => {
        const clean = runCataloger(k.c, { [k.at]: fixture(k.fixture) });
        const { packages, warnings } = runCataloger(k.c, { [k.at]: insertAfter(fixture(k.fixture), k.marker, [0xc3, 0x28, 0xff]) });
        expect(warnings).toContain(`${k.at}: invalid UTF-8; undecodable bytes replaced`);
        expect(packages.map((p) => p.purl)).toEqual(clean.packages.map((p) => p.purl));
        expect(packages.length).toBeGreaterThan(0);
      });

      it('survives absurd nesting', () => {
        const start = Date.now();
        expect(() => runCataloger(k.c, { [k.at]: k.deep() })).not.toThrow();
        expect(Date.now() - start).toBeLessThan(10_000);
      });

      it('survives random bytes', () => {
        for (const seed of [1, 7, 42]) {
          const { packages } = runCataloger(k.c, { [k.at]: noise(4096, seed) });
          expect(Array.isArray(packages)).toBe(true);
        }
      });

      it('survives an empty file', () => {
        expect(() => runCataloger(k.c, { [k.at]: '' })).not.toThrow();
      });
    });
  }

  it('pnpm: a YAML alias bomb is refused, quickly and without blowing up memory', () => {
    const levels = ['lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    const names = 'abcdefghi';
    for (let i = 1; i < names.length; i++) {
      levels.push(`l${names[i]}: &${names[i]} [${Array(9).fill(`*${names[i - 1]}`).join(',')}]`);
    }
    const bomb = `lockfileVersion: '9.0'\n${levels.join('\n')}\npackages:\n  ms@1.0.0: *i\n`;
    const before = process.memoryUsage().heapUsed;
    const start = Date.now();
    const { packages, warnings } = runCataloger(pnpmLockCataloger, { 'a/pnpm-lock.yaml': bomb });
    expect(Date.now() - start).toBeLessThan(5_000);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
    expect(packages).toEqual([]);
    expect(warnings.some((w) => w.startsWith('a/pnpm-lock.yaml: ') && /alias/i.test(w))).toBe(true);
  });

  it('yarn Berry: a YAML alias bomb is refused too', () => {
    const levels = ['x: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 9; i++) levels.push(`y${i}: &${'abcdefghi'[i]} [${Array(9).fill(`*${'abcdefghi'[i - 1]}`).join(',')}]`);
    const bomb = `__metadata:\n  version: 8\n${levels.join('\n')}\n"ms@npm:1": *i\n`;
    const start = Date.now();
    const { warnings } = runCataloger(yarnLockCataloger, { 'a/yarn.lock': bomb });
    expect(Date.now() - start).toBeLessThan(5_000);
    expect(warnings.some((w) => /alias/i.test(w))).toBe(true);
  });

  it('wrong shapes: valid JSON that is not a lockfile', () => {
    for (const [c, at] of [
      [npmLockCataloger, 'package-lock.json'],
      [pipfileLockCataloger, 'Pipfile.lock'],
      [composerLockCataloger, 'composer.lock'],
    ] as const) {
      for (const text of ['[]', '"x"', 'null', '{"packages": "x", "dependencies": 7, "default": [], "packages-dev": {}}']) {
        const r = runCataloger(c, { [at]: text });
        expect(r.packages).toEqual([]);
        expect(r.warnings.length).toBeGreaterThan(0);
      }
    }
  });
});
