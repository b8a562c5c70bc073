import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { convertAlpineSecdb } from '../../../src/vulndb/sources/alpine-secdb.js';
import type { OsvRecord } from '../../../src/vulndb/osv-types.js';
import { fixedOf, oneAffected, text } from './fixtures.js';

type Secdb = { distroversion: string; reponame: string; packages: Array<{ pkg: { name: string; secfixes?: Record<string, unknown> } }> };

const FILES = ['v3.15-main.yaml', 'v3.15-community.yaml', 'vuln-list-update-311-main.json', 'vuln-list-update-312-main.json', 'vuln-list-update-edge-main.json'];
const texts = FILES.map((f) => text('alpine-secdb/' + f));
const docs = texts.map((t) => parseYaml(t) as Secdb);

/** (id, ecosystem, package, fixed) for every listed fix, read straight from the documents. */
function listedFixes(ds: Secdb[]): Array<[string, string, string, string]> {
  const out: Array<[string, string, string, string]> = [];
  for (const d of ds)
    for (const { pkg } of d.packages)
      for (const [version, ids] of Object.entries(pkg.secfixes ?? {}))
        if (version !== '0' && Array.isArray(ids)) for (const id of ids as string[]) out.push([id, `Alpine:${d.distroversion}`, pkg.name, version]);
  return out;
}

describe('Alpine secdb (vunnel and vuln-list-update copies)', () => {
  const warnings: string[] = [];
  const records = convertAlpineSecdb(texts, { warn: (m) => warnings.push(m) });

  it('every listed fix becomes ALPINE-<id>: introduced 0 → fixed <version>, status fixed', () => {
    const fixes = listedFixes(docs);
    expect(fixes.length).toBeGreaterThan(20);
    for (const [id, eco, name, version] of fixes) {
      const a = oneAffected(records, `ALPINE-${id}`, eco, name);
      expect(a, `${id} ${eco} ${name}`).toBeDefined();
      expect(a!.ranges).toEqual([{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: version }] }]);
      expect(a!.database_specific).toEqual({ status: 'fixed' });
      expect(a!.package!.purl).toBe(`pkg:apk/alpine/${name}?arch=source`);
    }
    expect(records.map((r) => r.id)).toEqual([...new Set(fixes.map((f) => `ALPINE-${f[0]}`))].sort());
    for (const r of records) expect(r.upstream).toEqual([r.id.slice('ALPINE-'.length)]);
  });

  it('the release comes from distroversion (v3.15 → Alpine:v3.15; edge kept as Alpine:edge)', () => {
    const ecosystems = new Set(records.flatMap((r) => r.affected!.map((a) => a.package!.ecosystem)));
    expect([...ecosystems].sort()).toEqual([...new Set(docs.map((d) => `Alpine:${d.distroversion}`))].sort());
  });

  it('an entry that is not a list (vuln-list-update 3.12 "2.8.0-r0": {}) is skipped with a warning', () => {
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ansible');
    expect(warnings[0]).toContain('2.8.0-r0');
  });

  it('text (YAML or JSON) and parsed documents give the same records', () => {
    expect(convertAlpineSecdb(docs)).toEqual(records);
    expect(convertAlpineSecdb(texts[0])).toEqual(convertAlpineSecdb(docs[0]));
  });

  it('ids with extra text ("CVE-… (ghsa)", "cve-…", several ids) and non-CVE ids (XSA-…)', () => {
    const d = structuredClone(docs[0]);
    const zsh = d.packages.find((p) => p.pkg.name === 'zsh')!.pkg.secfixes!;
    const [v, ids] = Object.entries(zsh)[0] as [string, string[]];
    zsh[v] = [`${ids[0]} (ghsa)`, `${ids[1].toLowerCase()} XSA-123`];
    const r = convertAlpineSecdb(d);
    const before = convertAlpineSecdb(docs[0]);
    for (const id of ids) expect(r.find((x) => x.id === `ALPINE-${id}`)).toEqual(before.find((x) => x.id === `ALPINE-${id}`));
    expect(fixedOf(oneAffected(r, 'ALPINE-XSA-123', 'Alpine:v3.15', 'zsh'))).toBe(v);
  });

  it('"0" lists never-affected ids: nothing is emitted for them', () => {
    const d = structuredClone(docs[0]);
    const xz = d.packages.find((p) => p.pkg.name === 'xz')!.pkg;
    const [[v, ids]] = Object.entries(xz.secfixes!) as Array<[string, string[]]>;
    xz.secfixes = { '0': ids };
    const r: OsvRecord[] = convertAlpineSecdb(d);
    for (const id of ids) expect(r.find((x) => x.id === `ALPINE-${id}`)).toBeUndefined();
    expect(convertAlpineSecdb(docs[0]).find((x) => x.id === `ALPINE-${ids[0]}`)!.affected![0].ranges![0].events[1]).toEqual({ fixed: v });
  });

  it('an id under two versions of one package gets the greater version', () => {
    const d = structuredClone(docs[0]);
    const zlib = d.packages.find((p) => p.pkg.name === 'zlib')!.pkg.secfixes as Record<string, string[]>;
    const [[v1, ids1], [v2]] = Object.entries(zlib);
    zlib[v2] = [...zlib[v2], ids1[0]];
    const r = convertAlpineSecdb(d);
    expect(fixedOf(oneAffected(r, `ALPINE-${ids1[0]}`, 'Alpine:v3.15', 'zlib'))).toBe(v2);
    expect(v1 < v2).toBe(true);
  });
});
