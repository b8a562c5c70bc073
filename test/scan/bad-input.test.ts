// Bad ignore files and VEX documents: each is a ScanError with the right code, naming the
// file (`input`), never a crash or a silently empty rule set.
import { describe, expect, it } from 'vitest';
import { parseIgnoreFile, parseVex } from '../../src/scan/index.js';
import { ScanError } from '../../src/scan/types.js';

function failure(fn: () => unknown): ScanError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ScanError) return e;
    throw new Error(`not a ScanError: ${String(e)}`, { cause: e });
  }
  throw new Error('no error thrown');
}

const billionLaughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
for (let i = 0; i < 9; i++) billionLaughs.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`);
billionLaughs.push('vulnerabilities: *j');

describe('bad ignore files → BAD_IGNOREFILE', () => {
  it.each([
    ['invalid YAML', 'vulnerabilities:\n  - id: CVE-1\n   paths: [a'],
    ['a YAML alias bomb', billionLaughs.join('\n')],
    ['deep nesting', 'vulnerabilities: ' + '['.repeat(20000) + ']'.repeat(20000)],
    ['a list at the top', '- id: CVE-2021-44228'],
    ['vulnerabilities not a list', 'vulnerabilities: CVE-2021-44228'],
    ['an entry without id', 'vulnerabilities:\n  - statement: no id here'],
    ['an entry that is a string', 'vulnerabilities:\n  - CVE-2021-44228'],
    ['paths not a list', 'vulnerabilities:\n  - id: CVE-2021-44228\n    paths: usr/lib'],
    ['an unterminated glob class', 'vulnerabilities:\n  - id: CVE-2021-44228\n    paths: ["usr/[lib"]'],
    ['an invalid purl', 'vulnerabilities:\n  - id: CVE-2021-44228\n    purls: ["log4j-core"]'],
    ['a date that does not exist', 'vulnerabilities:\n  - id: CVE-2021-44228\n    expired_at: 2023-02-30'],
    ['a date in the wrong form', 'vulnerabilities:\n  - id: CVE-2021-44228\n    expired_at: 01/09/2023'],
    ['a statement that is a list', 'vulnerabilities:\n  - id: CVE-2021-44228\n    statement: [a, b]'],
    ['a duplicated key', 'vulnerabilities:\n  - id: CVE-1\n    id: CVE-2'],
    ['licenses not a list', 'licenses: GPL-3.0'],
  ])('YAML: %s', (_what, text) => {
    const e = failure(() => parseIgnoreFile(text, 'ignore.yaml'));
    expect(e.code).toBe('BAD_IGNOREFILE');
    expect(e.input).toBe('ignore.yaml');
    expect(e.message).not.toContain('\n');
  });

  it('plain form: binary content is refused; a bad expiry only warns', () => {
    expect(failure(() => parseIgnoreFile('CVE-1\0\x01\x02', '.portcullisignore')).code).toBe('BAD_IGNOREFILE');
    const r = parseIgnoreFile('CVE-2021-44228 exp:tomorrow\nCVE-2021-44906\n', '.portcullisignore');
    expect(r.rules.map((x) => x.id)).toEqual(['CVE-2021-44906']);
    expect(r.warnings).toHaveLength(1);
  });

  it('an empty YAML file or one with no vulnerabilities holds no rules (not an error)', () => {
    expect(parseIgnoreFile('', 'i.yml').rules).toEqual([]);
    expect(parseIgnoreFile('misconfigurations:\n  - id: AVD-DS-0002\n', 'i.yml').rules).toEqual([]);
  });
});

describe('bad VEX documents → BAD_VEX', () => {
  const openvex = (statements: unknown) => JSON.stringify({ '@context': 'https://openvex.dev/ns/v0.2.0', '@id': 'x', author: 'a', timestamp: '2024-01-01T00:00:00Z', version: 1, statements });
  const cdx = (vulnerabilities: unknown) => JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', version: 1, vulnerabilities });

  it.each([
    ['not JSON', '{"@context": "https://openvex.dev/ns",'],
    ['a JSON array', '[]'],
    ['deep nesting', '['.repeat(200000) + ']'.repeat(200000)],
    ['neither OpenVEX nor CycloneDX', '{"hello": "world"}'],
    ['CSAF', JSON.stringify({ document: { category: 'csaf_vex', csaf_version: '2.0' }, vulnerabilities: [] })],
    ['OpenVEX statements not a list', openvex({})],
    ['OpenVEX statement without a vulnerability', openvex([{ products: [{ '@id': 'pkg:npm/a' }], status: 'fixed' }])],
    ['OpenVEX statement with an unknown status', openvex([{ vulnerability: { name: 'CVE-1' }, products: [{ '@id': 'pkg:npm/a' }], status: 'wontfix' }])],
    ['OpenVEX products not a list', openvex([{ vulnerability: { name: 'CVE-1' }, products: 'pkg:npm/a', status: 'fixed' }])],
    ['OpenVEX product that is a number', openvex([{ vulnerability: { name: 'CVE-1' }, products: [42], status: 'fixed' }])],
    ['OpenVEX identifiers not strings', openvex([{ vulnerability: { name: 'CVE-1' }, products: [{ identifiers: { purl: 1 } }], status: 'fixed' }])],
    ['OpenVEX justification not a string', openvex([{ vulnerability: { name: 'CVE-1' }, products: [{ '@id': 'pkg:npm/a' }], status: 'not_affected', justification: 3 }])],
    ['CycloneDX without vulnerabilities', JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [] })],
    ['CycloneDX vulnerabilities not a list', cdx({})],
    ['CycloneDX vulnerability without id', cdx([{ analysis: { state: 'not_affected' }, affects: [{ ref: 'pkg:npm/a' }] }])],
    ['CycloneDX unknown analysis state', cdx([{ id: 'CVE-1', analysis: { state: 'maybe' }, affects: [{ ref: 'pkg:npm/a' }] }])],
    ['CycloneDX affects entry without ref', cdx([{ id: 'CVE-1', analysis: { state: 'not_affected' }, affects: [{}] }])],
  ])('%s', (_what, text) => {
    const e = failure(() => parseVex(text, 'doc.vex.json'));
    expect(e.code).toBe('BAD_VEX');
    expect(e.input).toBe('doc.vex.json');
    expect(e.message).not.toContain('\n');
  });

  it('statements with nothing to say are kept out with a warning, not an error', () => {
    const a = parseVex(openvex([{ vulnerability: { name: 'CVE-1' }, status: 'fixed' }]), 'a.json');
    expect([a.statements[0].products, a.warnings.length]).toEqual([[], 1]);
    const b = parseVex(cdx([{ id: 'CVE-1', affects: [{ ref: 'pkg:npm/a' }] }]), 'b.json');
    expect([b.statements, b.warnings.length]).toEqual([[], 1]);
  });
});
