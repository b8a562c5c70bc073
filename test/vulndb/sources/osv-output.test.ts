// What every converter promises about its output: valid OSV (the schema src/vulndb/ ships),
// unique ids, sorted, and the same output whatever order the input came in.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml } from 'yaml';
import { convertAlpineSecdb } from '../../../src/vulndb/sources/alpine-secdb.js';
import { convertDebianTrackerJson } from '../../../src/vulndb/sources/debian-tracker-json.js';
import { convertDebianTrackerLists } from '../../../src/vulndb/sources/debian-tracker-list.js';
import type { OsvRecord } from '../../../src/vulndb/osv-types.js';
import { json, listFiles, text } from './fixtures.js';

const schema = JSON.parse(readFileSync(new URL('../../../src/vulndb/osv-schema.json', import.meta.url), 'utf8')) as object;
type AddFormats = (ajv: InstanceType<typeof Ajv2020>) => unknown;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
const validate = ajv.compile(schema);

const alpineTexts = ['v3.15-main.yaml', 'v3.15-community.yaml', 'vuln-list-update-311-main.json', 'vuln-list-update-312-main.json', 'vuln-list-update-edge-main.json'].map((f) => text('alpine-secdb/' + f));

const outputs: Record<string, OsvRecord[]> = {
  'tracker JSON': convertDebianTrackerJson(json('debian-security-tracker-json/debian.json')),
  'tracker JSON (constructed)': convertDebianTrackerJson(json('debian-tracker-json-constructed.json')),
  'tracker lists': convertDebianTrackerLists(listFiles()),
  'alpine secdb': convertAlpineSecdb(alpineTexts),
};

/** Reverse every object's key order and every array, recursively. */
function reversed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(reversed).reverse();
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversed(x)]));
  return v;
}

/** A list file's entries (header + indented lines) in reverse order. */
function reversedEntries(list: string): string {
  const entries: string[] = [];
  for (const line of list.split('\n')) {
    if (line.trim() === '') continue;
    if (/^\S/.test(line)) entries.push(line + '\n');
    else entries[entries.length - 1] += line + '\n';
  }
  return entries.reverse().join('');
}

describe('converter output', () => {
  it('the schema is strict enough to catch a bad id or ecosystem', () => {
    expect(validate({ id: 'NOPE-1', modified: '2024-01-01T00:00:00Z' })).toBe(false);
    expect(validate({ id: 'DEBIAN-CVE-2024-1', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'Debain:12', name: 'x' } }] })).toBe(false);
    expect(validate({ id: 'DEBIAN-CVE-2024-1', modified: '2024-01-01T00:00:00Z' })).toBe(true);
  });

  for (const [name, records] of Object.entries(outputs)) {
    it(`${name}: every record is valid OSV (src/vulndb/osv-schema.json)`, () => {
      expect(records.length).toBeGreaterThan(0);
      for (const r of records) {
        const ok = validate(JSON.parse(JSON.stringify(r)));
        expect(ok ? [] : validate.errors, r.id).toEqual([]);
      }
    });

    it(`${name}: ids are unique and sorted; affected entries sorted and unique per package and release`, () => {
      const ids = records.map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).toEqual([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      for (const r of records) {
        const keys = r.affected!.map((a) => `${a.package!.ecosystem}\0${a.package!.name}`);
        expect(keys).toEqual([...keys].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
        expect(new Set(keys).size, r.id).toBe(keys.length);
      }
    });
  }

  it('input order does not change the output', () => {
    expect(convertDebianTrackerJson(reversed(json('debian-security-tracker-json/debian.json')))).toEqual(outputs['tracker JSON']);
    const f = listFiles();
    expect(convertDebianTrackerLists({ cve: reversedEntries(f.cve), dsa: reversedEntries(f.dsa), dla: reversedEntries(f.dla) })).toEqual(outputs['tracker lists']);
    expect(convertAlpineSecdb(alpineTexts.map((t) => reversed(parseYaml(t))).reverse())).toEqual(outputs['alpine secdb']);
  });

  it('the same input gives byte-identical output', () => {
    expect(JSON.stringify(convertDebianTrackerLists(listFiles()))).toBe(JSON.stringify(outputs['tracker lists']));
    expect(JSON.stringify(convertAlpineSecdb(alpineTexts))).toBe(JSON.stringify(outputs['alpine secdb']));
  });
});
