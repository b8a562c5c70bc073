// decodeSbom on hostile or broken input: every failure is an SbomError with a code and
// the file named; a damaged entry is skipped, never fatal.
import { describe, expect, it } from 'vitest';
import { isPortcullisError } from '../../src/errors/index.js';
import { decodeSbom, encodeCycloneDx, SbomError } from '../../src/sbom/index.js';
import { sampleInventory } from './sample.js';

function failure(text: string, opts?: Parameters<typeof decodeSbom>[2]): SbomError {
  try {
    decodeSbom(text, 'input.json', opts);
  } catch (e) {
    expect(e).toBeInstanceOf(SbomError);
    expect(isPortcullisError(e)).toBe(true);
    const err = e as SbomError;
    expect(err.input).toBe('input.json');
    expect(err.message).not.toContain('\n');
    return err;
  }
  throw new Error('decodeSbom did not fail');
}

const cdx = (components: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.6', version: 1, components, ...extra });

describe('documents that are not SBOMs we read', () => {
  it('not JSON', () => {
    expect(failure('{"bomFormat": "CycloneDX", ').code).toBe('INVALID_SBOM');
    expect(failure('').code).toBe('INVALID_SBOM');
    expect(failure('   \n').code).toBe('INVALID_SBOM');
  });

  it('JSON that is neither format', () => {
    expect(failure('{"name": "x", "packages": []}').code).toBe('UNSUPPORTED_FORMAT');
    expect(failure('[1, 2, 3]').code).toBe('UNSUPPORTED_FORMAT');
    expect(failure('null').code).toBe('UNSUPPORTED_FORMAT');
    expect(failure('"CycloneDX"').code).toBe('UNSUPPORTED_FORMAT');
  });

  it('formats and versions we do not read', () => {
    expect(failure('<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.6"/>').code).toBe('UNSUPPORTED_FORMAT');
    expect(failure('SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\n').code).toBe('UNSUPPORTED_FORMAT');
    expect(failure('{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld", "@graph": []}').code).toBe('UNSUPPORTED_FORMAT');
    expect(failure(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.1' })).code).toBe('UNSUPPORTED_FORMAT');
    expect(failure(JSON.stringify({ bomFormat: 'CycloneDX', specVersion: 16 })).code).toBe('UNSUPPORTED_FORMAT');
    expect(failure(JSON.stringify({ spdxVersion: 'SPDX-3.0' })).code).toBe('UNSUPPORTED_FORMAT');
  });

  it('wrong shapes where the document structure is', () => {
    expect(failure(cdx({ name: 'not-a-list' })).code).toBe('INVALID_SBOM');
    expect(failure(JSON.stringify({ spdxVersion: 'SPDX-2.3', packages: 'none' })).code).toBe('INVALID_SBOM');
  });
});

describe('limits', () => {
  it('components nested 50 levels deep are refused (the limit is 32), not a stack overflow', () => {
    let c: Record<string, unknown> = { type: 'library', name: 'leaf', version: '1', purl: 'pkg:npm/leaf@1' };
    for (let i = 0; i < 50; i++) c = { type: 'library', name: `n${i}`, version: '1', components: [c] };
    expect(failure(cdx([c])).code).toBe('INVALID_SBOM');
  });

  it('nesting within the limit is read, every level a package', () => {
    let c: Record<string, unknown> = { type: 'library', name: 'leaf', version: '1', purl: 'pkg:npm/leaf@1' };
    for (let i = 0; i < 20; i++) c = { type: 'library', name: `n${i}`, version: '1', components: [c] };
    const inv = decodeSbom(cdx([c]), 'nested.json');
    expect(inv.packages).toHaveLength(21);
    expect(inv.packages.find((p) => p.name === 'leaf')?.type).toBe('npm');
  });

  it('a 1,000,000-deep JSON array (not components) does not crash the reader', () => {
    const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
    const inv = decodeSbom(`{"bomFormat":"CycloneDX","specVersion":"1.6","metadata":{"x":${deep}},"components":[]}`, 'deep.json');
    expect(inv.packages).toEqual([]);
  });

  it('documents over the size and count limits are refused', () => {
    const text = cdx([{ type: 'library', name: 'a', version: '1' }, { type: 'library', name: 'b', version: '1' }]);
    expect(failure(text, { limits: { maxChars: 50 } }).code).toBe('INVALID_SBOM');
    expect(failure(text, { limits: { maxPackages: 1 } }).code).toBe('INVALID_SBOM');
    expect(decodeSbom(text, 'ok.json', { limits: { maxPackages: 2 } }).packages).toHaveLength(2);
  });

  it(
    'a 10,000-component document with a dependency chain is read quickly',
    () => {
      const components = [];
      const dependencies = [];
      for (let i = 0; i < 10_000; i++) {
        components.push({ type: 'library', 'bom-ref': `r${i}`, name: `p${i}`, version: '1.0.0', purl: `pkg:npm/p${i}@1.0.0` });
        if (i > 0) dependencies.push({ ref: `r${i}`, dependsOn: [`r${i - 1}`] });
      }
      const inv = decodeSbom(cdx(components, { dependencies }), 'big.json');
      expect(inv.packages).toHaveLength(10_000);
      const byName = new Map(inv.packages.map((p) => [p.name, p]));
      expect(byName.get('p9999')?.dependsOn).toEqual([byName.get('p9998')?.id]);
      expect(byName.get('p0')?.dependsOn).toBeUndefined();
    },
    15_000,
  );
});

describe('damaged entries are skipped, the rest is read', () => {
  it('components with missing or mistyped fields', () => {
    const inv = decodeSbom(
      cdx([
        null,
        'a string',
        42,
        {},
        { type: 'library' },
        { type: 'library', name: 'no-version-no-purl' },
        { type: 'library', name: 7, version: '1' },
        { type: 'library', purl: 'pkg:npm/only-purl@2.0.0' },
        { type: 'library', name: 'bad-purl', version: '1.0', purl: 'not a purl' },
        { type: 'library', name: 'odd', version: '3', licenses: [null, { license: 5 }, { license: { id: 'MIT' } }, { expression: 42 }], properties: [null, { name: 1 }, { name: 'x', value: {} }] },
        { type: 'operating-system' },
        { type: 'library', name: 'deps', version: '1', 'bom-ref': 'deps' },
      ], { dependencies: [null, { ref: 5 }, { ref: 'deps', dependsOn: 'not-a-list' }, { ref: 'deps', dependsOn: [1, null, 'missing-ref'] }], metadata: { tools: 'x', component: [] } }),
      'damaged.json',
    );
    expect(inv.packages.map((p) => p.name).sort()).toEqual(['bad-purl', 'deps', 'odd', 'only-purl']);
    expect(inv.packages.find((p) => p.name === 'only-purl')).toMatchObject({ type: 'npm', version: '2.0.0', purl: 'pkg:npm/only-purl@2.0.0' });
    expect(inv.packages.find((p) => p.name === 'bad-purl')).toMatchObject({ type: 'generic', purl: 'pkg:generic/bad-purl@1.0' });
    expect(inv.packages.find((p) => p.name === 'odd')?.licenses).toEqual(['MIT']);
    expect(inv.packages.find((p) => p.name === 'deps')?.dependsOn).toBeUndefined();
    expect(inv.os).toBeUndefined();
    expect(inv.target).toEqual({ kind: 'sbom', name: 'damaged.json' });
  });

  it('SPDX packages and relationships with missing fields', () => {
    const inv = decodeSbom(
      JSON.stringify({
        spdxVersion: 'SPDX-2.3',
        creationInfo: { creators: 'nobody' },
        packages: [
          null,
          { SPDXID: 'SPDXRef-a' },
          { SPDXID: 'SPDXRef-b', name: 'b', versionInfo: '1', externalRefs: [null, { referenceType: 'purl' }], licenseDeclared: 7 },
          { SPDXID: 'SPDXRef-c', name: 'c', externalRefs: [{ referenceCategory: 'PACKAGE_MANAGER', referenceType: 'purl', referenceLocator: 'pkg:pypi/c@0.1' }], annotations: [null, { comment: 3 }] },
        ],
        relationships: [null, { spdxElementId: 'SPDXRef-c' }, { spdxElementId: 'SPDXRef-c', relationshipType: 'DEPENDS_ON', relatedSpdxElement: 'SPDXRef-b' }],
        hasExtractedLicensingInfos: [null, { licenseId: 3 }],
      }),
      'damaged.spdx.json',
    );
    expect(inv.packages.map((p) => p.name)).toEqual(['b', 'c']);
    const b = inv.packages.find((p) => p.name === 'b');
    expect(inv.packages.find((p) => p.name === 'c')).toMatchObject({ type: 'pypi', version: '0.1', dependsOn: [b?.id] });
    expect(inv.producer).toBeUndefined();
  });

  it('a hostile metadata key cannot reach Object.prototype', () => {
    const inv = decodeSbom(
      cdx([{ type: 'library', name: 'p', version: '1', properties: [{ name: 'syft:metadata:__proto__', value: 'polluted' }, { name: 'syft:metadata:ok', value: 'yes' }] }]),
      'proto.json',
    );
    const meta = inv.packages[0].metadata ?? {};
    expect(Object.keys(meta).sort()).toEqual(['__proto__', 'ok']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(meta)).toBe(Object.prototype);
  });

  it('a byte-order mark before the JSON is accepted', () => {
    const text = encodeCycloneDx(sampleInventory(), { now: new Date(0) });
    expect(decodeSbom('\ufeff' + text, 'bom.json').packages).toHaveLength(sampleInventory().packages.length);
  });
});

describe('CycloneDX 1.5+ evidence', () => {
  it('occurrence locations become package locations when no tool property names one', () => {
    const inv = decodeSbom(
      cdx([{ type: 'library', name: 'lodash', version: '4.17.21', purl: 'pkg:npm/lodash@4.17.21', evidence: { occurrences: [{ location: '/app/node_modules/lodash/package.json' }, { line: 3 }] } }]),
      'e.json',
    );
    expect(inv.packages[0].locations).toEqual([{ path: 'app/node_modules/lodash/package.json' }]);
  });
});

describe('OS from purl distro qualifiers when the document has no OS element', () => {
  it('debian-12 → debian 12; a codename beside the vendor namespace → codename', () => {
    const inv = decodeSbom(cdx([{ type: 'library', name: 'libc6', version: '2.36-9', purl: 'pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12' }]), 'd.json');
    expect(inv.os).toEqual({ id: 'debian', versionId: '12' });
    const inv2 = decodeSbom(cdx([{ type: 'library', name: 'libc6', version: '2.36-9', purl: 'pkg:deb/debian/libc6@2.36-9?distro=bookworm' }]), 'd.json');
    expect(inv2.os).toEqual({ id: 'debian', versionCodename: 'bookworm' });
  });
});
