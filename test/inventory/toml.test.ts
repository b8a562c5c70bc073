import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseToml, type TomlValue } from '../../src/inventory/catalogers/toml.js';

const DIR = fileURLToPath(new URL('../fixtures/inventory/toml/', import.meta.url));
const LOCKS = fileURLToPath(new URL('../fixtures/inventory/lockfiles/', import.meta.url));

function files(dir: string, ext: string): string[] {
  return readdirSync(dir)
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n), ext) : n.endsWith(ext) ? [join(dir, n)] : []))
    .sort();
}

type Tagged = { type: string; value: unknown } | Tagged[] | { [k: string]: Tagged };

/** Our value in the BurntSushi toml-test JSON encoding used by CPython's test data. */
function tag(v: TomlValue, expected: unknown): Tagged {
  if (Array.isArray(v)) {
    const exp = (expected as { value?: unknown[] })?.value ?? [];
    return { type: 'array', value: v.map((x, i) => tag(x, exp[i])) };
  }
  if (typeof v === 'object') {
    const out: { [k: string]: Tagged } = {};
    for (const [k, x] of Object.entries(v)) out[k] = tag(x, (expected as Record<string, unknown>)?.[k]);
    return out;
  }
  if (typeof v === 'boolean') return { type: 'bool', value: String(v) };
  if (typeof v === 'number') {
    const isInt = (expected as { type?: string })?.type === 'integer';
    return isInt ? { type: 'integer', value: String(v) } : { type: 'float', value: String(v) };
  }
  // Dates and times are kept as their text; CPython normalizes them (e.g. truncates
  // fractions to microseconds), so compare the text's prefix.
  const exp = expected as { type?: string; value?: string };
  if (exp?.type && /date|time/.test(exp.type)) {
    return exp.value !== undefined && v.toLowerCase().startsWith(exp.value.toLowerCase()) ? exp as Tagged : { type: 'string', value: v };
  }
  return { type: 'string', value: v };
}

describe('toml reader', () => {
  describe('CPython tomllib conformance data', () => {
    for (const f of files(join(DIR, 'cpython/valid'), '.toml')) {
      it(`accepts valid/${relative(join(DIR, 'cpython/valid'), f)}`, () => {
        const r = parseToml(readFileSync(f, 'utf8'));
        expect(r.error).toBeUndefined();
        const expected = JSON.parse(readFileSync(f.replace(/\.toml$/, '.json'), 'utf8')) as unknown;
        expect(tag(r.value, expected)).toEqual(expected);
      });
    }
    for (const f of files(join(DIR, 'cpython/invalid'), '.toml')) {
      it(`rejects invalid/${relative(join(DIR, 'cpython/invalid'), f)}`, () => {
        const r = parseToml(readFileSync(f, 'utf8'));
        expect(r.error?.code).toBe('PARSE_ERROR');
      });
    }
  });

  describe('agrees with tomllib on the lockfile fixtures', () => {
    const cases: Array<[string, string]> = [
      ['cargo-v1', 'cargo/v1/Cargo.lock'],
      ['cargo-v3', 'cargo/v3/Cargo.lock'],
      ['poetry-v1', 'python/poetry-v1/poetry.lock'],
      ['poetry-v2', 'python/poetry-v2/poetry.lock'],
      ['poetry-syft', 'python/poetry-syft/poetry.lock'],
    ];
    for (const [name, rel] of cases) {
      it(name, () => {
        const r = parseToml(readFileSync(LOCKS + rel, 'utf8'));
        expect(r.error).toBeUndefined();
        // Round-trip through JSON: our tables have no prototype, tomllib's dump is plain.
        expect(JSON.parse(JSON.stringify(r.value))).toEqual(JSON.parse(readFileSync(join(DIR, 'tomllib', `${name}.json`), 'utf8')));
      });
    }
  });

  it('stops at the first error but returns what it read before it', () => {
    const text = readFileSync(LOCKS + 'cargo/v3/Cargo.lock', 'utf8');
    const cut = text.indexOf('name = "regex"');
    const r = parseToml(text.slice(0, cut) + 'name = "regex\n');
    expect(r.error?.code).toBe('PARSE_ERROR');
    expect(r.error?.message).toMatch(/^line \d+: /);
    const pkgs = r.value.package as Array<Record<string, TomlValue>>;
    expect(pkgs.slice(0, 5).map((p) => `${String(p.name)} ${String(p.version)}`)).toEqual([
      'aho-corasick 0.7.20',
      'app 0.1.0',
      'libc 0.2.140',
      'memchr 1.0.2',
      'memchr 2.5.0',
    ]);
  });

  it('refuses duplicate keys and redefined tables', () => {
    expect(parseToml('[[package]]\nname = "a"\nname = "b"\n').error?.code).toBe('PARSE_ERROR');
    expect(parseToml('[metadata]\na = 1\n[metadata]\nb = 2\n').error?.code).toBe('PARSE_ERROR');
    expect(parseToml('package = 1\n[[package]]\n').error?.code).toBe('PARSE_ERROR');
  });

  it('survives absurd nesting and stray bytes without throwing', () => {
    expect(parseToml('a = ' + '['.repeat(100_000)).error?.code).toBe('PARSE_ERROR');
    expect(parseToml('a = ' + '{b = '.repeat(50_000)).error?.code).toBe('PARSE_ERROR');
    expect(parseToml('a = "\u0000"').error?.code).toBe('PARSE_ERROR');
    expect(parseToml('\uFFFD\uFFFD = 1').error?.code).toBe('PARSE_ERROR');
  });

  it('gives keys no prototype tricks', () => {
    const r = parseToml('__proto__ = "x"\n[constructor]\nk = 1\n');
    expect(r.error).toBeUndefined();
    expect(Object.keys(r.value)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).k).toBeUndefined();
  });
});
