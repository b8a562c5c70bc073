// Byte-for-byte checks of encodeCycloneDx against golden files written by the earlier
// library-based encoder (see test/fixtures/sbom/SOURCE.md): the encoder now builds the
// JSON itself, so these pin that nothing changed, down to key order and escaping.
import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import type { Inventory } from '../../src/inventory/types.js';
import { encodeCycloneDx } from '../../src/sbom/index.js';

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
