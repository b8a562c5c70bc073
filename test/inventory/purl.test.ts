import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parsePurl } from '../../src/inventory/purl.js';

// Entries of the purl spec's own test suite (see test/fixtures/purl/SOURCE.md).
interface SpecCase {
  description: string;
  purl: string;
  type: string | null;
  namespace: string | null;
  name: string | null;
  version: string | null;
  qualifiers: Record<string, string> | null;
  subpath: string | null;
  is_invalid: boolean;
}

const cases = JSON.parse(
  readFileSync(new URL('../fixtures/purl/test-suite-data.subset.json', import.meta.url), 'utf8'),
) as SpecCase[];

const require = createRequire(import.meta.url);
const packageUrlLoaded = () => Object.keys(require.cache).some((k) => k.includes('/node_modules/packageurl-js/'));

describe('parsePurl', () => {
  // First in the file on purpose: vitest gives each test file a fresh process, and only the
  // module import above has run so far. packageurl-js (a CommonJS package) lands in
  // require.cache when loaded, whether by import or by require.
  it('loads packageurl-js on the first parse, not when the module is imported', () => {
    expect(packageUrlLoaded()).toBe(false);
    expect(parsePurl('pkg:deb/debian/libc6@2.36-9%2Bdeb12u7?arch=amd64').version).toBe('2.36-9+deb12u7');
    expect(packageUrlLoaded()).toBe(true);
  });

  it('has the spec cases to check, valid and invalid', () => {
    expect(cases.filter((c) => !c.is_invalid).length).toBeGreaterThanOrEqual(10);
    expect(cases.filter((c) => c.is_invalid).length).toBeGreaterThanOrEqual(4);
  });

  it.each(cases.filter((c) => !c.is_invalid).map((c) => [c.description, c] as const))('valid: %s', (_, c) => {
    const p = parsePurl(c.purl);
    expect({
      type: p.type,
      namespace: p.namespace ?? null,
      name: p.name,
      version: p.version ?? null,
      qualifiers: p.qualifiers && Object.keys(p.qualifiers).length ? p.qualifiers : null,
      subpath: p.subpath ?? null,
    }).toEqual({ type: c.type, namespace: c.namespace, name: c.name, version: c.version, qualifiers: c.qualifiers, subpath: c.subpath });
  });

  it.each(cases.filter((c) => c.is_invalid).map((c) => [c.description, c] as const))('invalid: %s', (_, c) => {
    expect(() => parsePurl(c.purl)).toThrow();
  });

  it('reads the oci purls our encoder writes (digest version, percent-encoded ":")', () => {
    const digest = 'sha256:' + '5e'.repeat(32);
    const p = parsePurl(`pkg:oci/debian@sha256%3A${'5e'.repeat(32)}?arch=amd64&repository_url=docker.io%2Flibrary%2Fdebian&tag=12`);
    expect(p).toEqual({
      type: 'oci',
      namespace: undefined,
      name: 'debian',
      version: digest,
      qualifiers: { arch: 'amd64', repository_url: 'docker.io/library/debian', tag: '12' },
      subpath: undefined,
    });
  });
});
