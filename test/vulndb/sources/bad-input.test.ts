// Untrusted input: the wrong format throws IMPORT_UNKNOWN_FORMAT; one bad entry in good data
// is skipped with a warning, or throws IMPORT_INVALID_RECORD under `strict`.
import { describe, expect, it } from 'vitest';
import { convertAlpineSecdb } from '../../../src/vulndb/sources/alpine-secdb.js';
import { convertDebianTrackerJson } from '../../../src/vulndb/sources/debian-tracker-json.js';
import { convertDebianTrackerLists } from '../../../src/vulndb/sources/debian-tracker-list.js';
import { VulnDbError } from '../../../src/vulndb/types.js';
import { json, listFiles, text } from './fixtures.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof VulnDbError) return e.code;
    throw e;
  }
  return undefined;
}

const feed = json('debian-security-tracker-json/debian.json') as Record<string, unknown>;
const RANDOM = Buffer.from(Array.from({ length: 2048 }, (_, i) => (i * 2654435761) % 251)).toString('latin1');

describe('tracker JSON: bad input', () => {
  it('not the tracker format → IMPORT_UNKNOWN_FORMAT', () => {
    for (const bad of [null, 42, 'text', [], [feed], { id: 'DSA-1-1', modified: '2020-01-01T00:00:00Z', affected: [], database_specific: { source: 'x' } }]) {
      expect(codeOf(() => convertDebianTrackerJson(bad)), JSON.stringify(bad).slice(0, 40)).toBe('IMPORT_UNKNOWN_FORMAT');
      expect(codeOf(() => convertDebianTrackerJson(bad, { strict: true }))).toBe('IMPORT_UNKNOWN_FORMAT');
    }
    expect(convertDebianTrackerJson({})).toEqual([]);
  });

  it('bad entries in good data are skipped with one warning each; strict throws IMPORT_INVALID_RECORD', () => {
    const good = convertDebianTrackerJson(feed);
    const polluted = {
      ...feed,
      'Bad Name': {},
      zzz: 'not an object',
      yyy: { 'not-a-cve': { releases: {} }, 'CVE-2020-0003': { releases: { bookworm: { status: 'resolved', fixed_version: '1.0 ; rm -rf' } } } },
      xxx: { 'CVE-2020-0004': { releases: { bookworm: { status: 'weird' }, trixie: { status: 'open', urgency: 7 }, sid: 'x' } } },
      www: { 'CVE-2020-0005': { releases: 'none' } },
    };
    const warnings: string[] = [];
    expect(convertDebianTrackerJson(polluted, { warn: (m) => warnings.push(m) })).toEqual(good);
    expect(warnings).toHaveLength(8);
    for (const w of warnings) expect(w).toMatch(/^debian-tracker-json: skipped /);
    expect(codeOf(() => convertDebianTrackerJson(polluted, { strict: true }))).toBe('IMPORT_INVALID_RECORD');
  });

  it('__proto__ keys are data, not prototype changes', () => {
    const input = JSON.parse('{"__proto__": {"CVE-2020-0006": {"releases": {"bookworm": {"status": "open"}}}}, "foo": {"__proto__": {"releases": {}}}}') as unknown;
    const warnings: string[] = [];
    convertDebianTrackerJson(input, { warn: (m) => warnings.push(m) });
    expect(({} as Record<string, unknown>)['CVE-2020-0006']).toBeUndefined();
    expect(warnings.length).toBe(2); // "__proto__" is no package name; "__proto__" is no CVE id
  });

  it('bad options', () => {
    expect(codeOf(() => convertDebianTrackerJson(feed, { modified: 'yesterday' }))).toBe('IMPORT_INVALID_RECORD');
    expect(codeOf(() => convertDebianTrackerJson(feed, { releases: { bookworm: '12; DROP' } }))).toBe('IMPORT_UNKNOWN_ECOSYSTEM');
    expect(codeOf(() => convertDebianTrackerJson(feed, { releases: { 'Not A Codename': '1' } }))).toBe('IMPORT_UNKNOWN_ECOSYSTEM');
  });
});

describe('tracker lists: bad input', () => {
  const files = listFiles();

  it('not a list file → IMPORT_UNKNOWN_FORMAT (random bytes, JSON, a DSA list given as the CVE list)', () => {
    for (const bad of [RANDOM, JSON.stringify(feed), files.dsa]) {
      expect(codeOf(() => convertDebianTrackerLists({ cve: bad }))).toBe('IMPORT_UNKNOWN_FORMAT');
    }
    expect(codeOf(() => convertDebianTrackerLists({ dla: files.cve }))).toBe('IMPORT_UNKNOWN_FORMAT');
    expect(codeOf(() => convertDebianTrackerLists({ cve: 42 as unknown as string }))).toBe('IMPORT_UNKNOWN_FORMAT');
    expect(codeOf(() => convertDebianTrackerLists(null as unknown as { cve: string }))).toBe('IMPORT_UNKNOWN_FORMAT');
    expect(convertDebianTrackerLists({ cve: '', dsa: '\n\n' })).toEqual([]);
  });

  it('bad lines in a good file are skipped with a warning; strict throws IMPORT_INVALID_RECORD', () => {
    const good = convertDebianTrackerLists({ cve: files.cve });
    const bad = [
      'CVE-2024-9999 [bad lines]',
      '\t- foo <no-dsa> (no release)',
      '\t- foo <sometimes>',
      '\t[bookworm] - foo 1.0 2.0 3.0',
      '\t{CVE-2024-1 not-an-id}',
      '\tWHATEVER: text',
      '\t- caf\u00e9 1.0-1',
      `\t- foo ${'9'.repeat(9000)}`,
      'not a header at all',
      '\t- foo 1.0-1',
    ].join('\n');
    const warnings: string[] = [];
    const got = convertDebianTrackerLists({ cve: files.cve + bad + '\n' }, { warn: (m) => warnings.push(m) });
    expect(got).toEqual(good);
    expect(warnings).toHaveLength(8);
    for (const w of warnings) expect(w).toMatch(/^data\/CVE\/list: skipped line \d+: /);
    expect(codeOf(() => convertDebianTrackerLists({ cve: files.cve + bad }, { strict: true }))).toBe('IMPORT_INVALID_RECORD');
  });

  it('a bad version or package name is skipped, not passed on', () => {
    const warnings: string[] = [];
    const r = convertDebianTrackerLists({ cve: 'CVE-2024-9998 [x]\n\t- Foo 1.0-1\n\t- bar 0\n' }, { warn: (m) => warnings.push(m) });
    expect(r).toEqual([]); // "Foo" is no Debian source name; version "0" means not affected
    expect(warnings).toHaveLength(1);
  });
});

describe('Alpine secdb: bad input', () => {
  it('not secdb → IMPORT_UNKNOWN_FORMAT; a bad release → IMPORT_UNKNOWN_ECOSYSTEM', () => {
    for (const bad of [null, 42, {}, { packages: [] }, { distroversion: 'v3.15', packages: 'x' }, 'key: [unclosed', ': : :\n\t- x', RANDOM]) {
      expect(codeOf(() => convertAlpineSecdb(bad)), String(bad).slice(0, 30)).toBe('IMPORT_UNKNOWN_FORMAT');
    }
    expect(codeOf(() => convertAlpineSecdb({ distroversion: '3.15-beta', packages: [] }))).toBe('IMPORT_UNKNOWN_ECOSYSTEM');
    expect(convertAlpineSecdb({ distroversion: 'v3.15', packages: [] })).toEqual([]);
  });

  it('a YAML alias bomb is refused, not expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 0; i < 12; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill('*' + String.fromCharCode(97 + i)).join(', ')}]`);
    lines.push('distroversion: v3.15', 'packages: []');
    expect(codeOf(() => convertAlpineSecdb(lines.join('\n')))).toBe('IMPORT_UNKNOWN_FORMAT');
  });

  it('bad packages and entries are skipped with warnings; strict throws IMPORT_INVALID_RECORD', () => {
    const good = text('alpine-secdb/v3.15-main.yaml');
    const bad = [
      '- pkg: {name: "bad name!", secfixes: {1.0-r0: [CVE-2020-1]}}',
      '- notpkg: {}',
      '- pkg: {name: ok, secfixes: {"1.0 r0": [CVE-2020-0002]}}',
      '- pkg: {name: ok2, secfixes: {1.0-r0: [just words]}}',
      '- pkg: {name: ok3, secfixes: [CVE-2020-0003]}',
    ].join('\n');
    const warnings: string[] = [];
    const got = convertAlpineSecdb(good + bad + '\n', { warn: (m) => warnings.push(m) });
    expect(got).toEqual(convertAlpineSecdb(good));
    expect(warnings).toHaveLength(5);
    expect(codeOf(() => convertAlpineSecdb(good + bad + '\n', { strict: true }))).toBe('IMPORT_INVALID_RECORD');
  });
});
