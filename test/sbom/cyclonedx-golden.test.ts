// Byte-for-byte checks of encodeCycloneDx against golden files written by the earlier
// library-based encoder (see test/fixtures/sbom/SOURCE.md): the encoder now builds the
// JSON itself, so these pin that nothing changed, down to key order and escaping.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { SPDX, Spec, Validation } from '@cyclonedx/cyclonedx-library';
import type { Inventory } from '../../src/inventory/types.js';
import { encodeCycloneDx } from '../../src/sbom/index.js';
import { cycloneDxSpdxIds, isCycloneDxSpdxId } from '../../src/sbom/cyclonedx-spdx-ids.js';

const DIR = new URL('../fixtures/sbom/golden/', import.meta.url);

interface GoldenInput {
  options: { toolVersion?: string; now?: string };
  inventory: Inventory;
}

const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => f.slice(0, -'.input.json'.length))
  .sort();

function read(name: string): { input: GoldenInput; expected: string } {
  return {
    input: JSON.parse(readFileSync(new URL(`${name}.input.json`, DIR), 'utf8')) as GoldenInput,
    expected: readFileSync(new URL(`${name}.cdx.json`, DIR), 'utf8'),
  };
}

function encode(input: GoldenInput): string {
  const { toolVersion, now } = input.options;
  return encodeCycloneDx(input.inventory, { toolVersion, now: now ? new Date(now) : undefined });
}

describe('CycloneDX golden files', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('has every case of the generated set, each with its output', () => {
    expect(cases.length).toBe(12);
    for (const name of cases) expect(() => read(name)).not.toThrow();
  });

  it.each(cases)('%s: same bytes as the library-based encoder', (name) => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    const { input, expected } = read(name);
    expect(encode(input)).toBe(expected);
  });

  it('a changed input changes the bytes (the comparison above can fail)', () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    const { input, expected } = read('debian-image');
    input.inventory.packages[0].licenses = ['MIT'];
    expect(encode(input)).not.toBe(expected);
  });

  describe('are valid CycloneDX 1.6 (strict schema)', () => {
    let validator: Validation.JsonStrictValidator;
    beforeAll(() => {
      validator = new Validation.JsonStrictValidator(Spec.Version.v1dot6);
    });
    it.each(cases)('%s', async (name) => {
      expect(await validator.validate(read(name).expected)).toBeNull();
    });
  });
});

describe('references that would clash', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  // Hand-made inventories can hold ids our catalogers never make: one equal to the OS's
  // reference, one empty. The library replaced such refs with random values (so no golden
  // file can pin them); the encoder now numbers them, so the output is still reproducible.
  it('are renamed BomRef.N, uniquely and reproducibly, and dependencies follow', async () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    const { input } = read('image-oci-layout');
    const inv = input.inventory;
    const musl = inv.packages[0];
    inv.packages = [
      { ...musl, id: 'os:debian@', name: 'clash' },
      { ...musl, id: '', name: 'empty', dependsOn: ['os:debian@'] },
      { ...musl, id: 'BomRef.1', name: 'taken' },
    ];
    const text = encode(input);
    expect(encode(input)).toBe(text);
    const bom = JSON.parse(text) as {
      components: Array<{ name: string; 'bom-ref': string }>;
      dependencies: Array<{ ref: string; dependsOn?: string[] }>;
    };
    const refOf = (name: string) => bom.components.find((c) => c.name === name)?.['bom-ref'];
    // Sorted by the original refs: '' < 'BomRef.1' < 'os:debian@' (package) < 'os:debian@' (OS).
    expect(bom.components.map((c) => c.name)).toEqual(['empty', 'taken', 'clash', 'debian']);
    expect(refOf('empty')).toBe('BomRef.2');
    expect(refOf('taken')).toBe('BomRef.1');
    expect(refOf('clash')).toBe('os:debian@');
    expect(refOf('debian')).toBe('BomRef.3');
    const refs = bom.dependencies.map((d) => d.ref);
    expect(new Set(refs).size).toBe(refs.length);
    expect(bom.dependencies.find((d) => d.ref === 'BomRef.2')?.dependsOn).toEqual(['os:debian@']);
    // The root's list keeps the order of the original refs ('', 'BomRef.1', the OS's), as the library's did.
    expect(bom.dependencies[0].dependsOn).toEqual(['BomRef.2', 'BomRef.1', 'BomRef.3']);
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text)).toBeNull();
  });
});

describe('our copy of CycloneDX\'s SPDX id list', () => {
  // The library's own list, read from the schema it ships (not an exported path).
  const require = createRequire(import.meta.url);
  const libDir = dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json'));
  const schema = JSON.parse(readFileSync(join(libDir, 'res/schema/spdx.SNAPSHOT.schema.json'), 'utf8')) as { enum: string[] };

  it('is exactly the installed library\'s list', () => {
    expect(schema.enum.length).toBeGreaterThan(800);
    expect(cycloneDxSpdxIds()).toEqual(schema.enum);
  });

  it('answers as the library\'s isSupportedSpdxId does, ids and non-ids alike', () => {
    const probes = [...schema.enum, 'mit', 'MIT ', 'GPL-2.0+ ', 'LicenseRef-x', 'Apache-2.0 OR MIT', '', 'constructor', '__proto__'];
    for (const id of probes) expect(isCycloneDxSpdxId(id), id).toBe(SPDX.isSupportedSpdxId(id));
  });
});

describe('the encoder at run time', () => {
  // What the encoder imports, followed through relative imports (type-only ones skipped):
  // the CycloneDX library must not be among them, since loading it costs ~80 ms of start-up.
  function runtimeImports(entry: URL): Set<string> {
    const seen = new Set<string>();
    const bare = new Set<string>();
    const stack = [entry.href];
    while (stack.length) {
      const href = stack.pop() as string;
      if (seen.has(href)) continue;
      seen.add(href);
      const text = readFileSync(new URL(href), 'utf8');
      for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^;'"]*?from\s+)?['"]([^'"]+)['"]/gm)) {
        if (m[1].startsWith('.')) stack.push(new URL(m[1].replace(/\.js$/, '.ts'), href).href);
        else bare.add(m[1]);
      }
    }
    return bare;
  }

  it('loads nothing of @cyclonedx/cyclonedx-library', () => {
    const bare = runtimeImports(new URL('../../src/sbom/cyclonedx-encode.ts', import.meta.url));
    // The walk did reach the files below the encoder (determinism.ts, license.ts).
    expect(bare).toContain('node:crypto');
    expect(bare).toContain('spdx-expression-parse');
    expect([...bare].filter((s) => s.startsWith('@cyclonedx/'))).toEqual([]);
  });
});
