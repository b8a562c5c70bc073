// How packages are grouped into targets, on inventories from real files: installed Python
// metadata, a Java archive and a Go executable read by the catalogers, and SBOMs written by
// Trivy and syft read by the decoder.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCatalogers, inventoryDirectory } from '../../src/inventory/index.js';
import type { Inventory } from '../../src/inventory/types.js';
import { groupByTarget } from '../../src/report/index.js';
import { oneLine, truncate, webUrl } from '../../src/report/vuln-targets.js';
import { decodeSbom } from '../../src/sbom/index.js';
import type { ScanResult } from '../../src/scan/types.js';

const fx = (p: string) => new URL(`../fixtures/${p}`, import.meta.url).pathname;
const scanOf = (inventory: Inventory): ScanResult => ({ inventory, findings: [], suppressed: [], sources: [] });
const summary = (inv: Inventory) => groupByTarget(scanOf(inv)).map((t) => [t.target, t.class, t.type, t.path ?? null, t.packages.length]);

let dir: string;
let inv: Inventory;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-targets-'));
  cpSync(fx('inventory/python/usr/local'), join(dir, 'usr/local'), { recursive: true });
  mkdirSync(join(dir, 'opt/app/lib'), { recursive: true });
  cpSync(fx('inventory/java/usr/share/java/slf4j-api.jar'), join(dir, 'opt/app/lib/slf4j-api.jar'));
  mkdirSync(join(dir, 'usr/local/bin'), { recursive: true });
  // A real Go executable (Debian's umoci build).
  cpSync('/usr/bin/umoci', join(dir, 'usr/local/bin/umoci'));
  inv = await inventoryDirectory(dir, { catalogers: [...defaultCatalogers] });
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('groupByTarget', () => {
  it('groups installed packages by language and a Go binary by its path, as Trivy does', () => {
    const groups = summary(inv);
    const types = groups.map((g) => g[2]);
    expect(types).toEqual(expect.arrayContaining(['gobinary', 'jar', 'python-pkg']));
    const go = groups.find((g) => g[2] === 'gobinary');
    expect(go?.slice(0, 4)).toEqual(['usr/local/bin/umoci', 'lang-pkgs', 'gobinary', 'usr/local/bin/umoci']);
    expect(groups.find((g) => g[2] === 'jar')?.slice(0, 4)).toEqual(['Java', 'lang-pkgs', 'jar', null]);
    expect(groups.find((g) => g[2] === 'python-pkg')?.slice(0, 4)).toEqual(['Python', 'lang-pkgs', 'python-pkg', null]);
    // Every package in exactly one target; targets in byte order (no OS here).
    expect(groups.reduce((n, g) => n + (g[4] as number), 0)).toBe(inv.packages.length);
    const names = groups.map((g) => g[0] as string);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  it('names the OS target after the artifact and the OS, from a Trivy SBOM', () => {
    const trivy = decodeSbom(readFileSync(fx('sbom/trivy-centos-7.cdx.json'), 'utf8'), 'trivy-centos-7.cdx.json');
    expect(summary(trivy)).toEqual([[`${trivy.target.name} (centos 7.6.1810)`, 'os-pkgs', 'centos', null, trivy.packages.length]]);
  });

  it('groups an SBOM’s packages by their file when the cataloger is not ours', () => {
    const syft = decodeSbom(readFileSync(fx('sbom/syft-go-module.spdx.json'), 'utf8'), 'syft-go-module.spdx.json');
    expect(summary(syft)).toEqual([['go.mod', 'lang-pkgs', 'golang', 'go.mod', 1]]);
  });

  it('puts the OS target first even when another target sorts before it', () => {
    const syft = decodeSbom(readFileSync(fx('sbom/syft-image-encoder.cdx.json'), 'utf8'), 'syft-image-encoder.cdx.json');
    const groups = summary(syft);
    expect(groups[0][1]).toBe('os-pkgs');
    expect(groups.map((g) => g[0])).toEqual(['user-image-input (debian 1.2.3)', 'somefile-1.txt']);
  });
});

describe('text helpers', () => {
  it('oneLine removes terminal controls and bidi overrides, collapsing whitespace', () => {
    expect(oneLine('a\u001b]8;;http://x\u0007b\tc\r\nd\u202ee\u2066f\u0085g')).toBe('a ]8;;http://x b c d e f g');
    expect(oneLine(undefined)).toBe('');
  });

  it('truncate counts code points and never splits a surrogate pair', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcd', 3)).toBe('ab…');
    const emoji = '😀😀😀😀';
    expect(truncate(emoji, 3)).toBe('😀😀…');
    expect(Array.from(truncate(emoji, 3)).length).toBe(3);
  });

  it('webUrl keeps http(s) URLs in canonical form and refuses anything else', () => {
    expect(webUrl('https://nvd.nist.gov/vuln/detail/CVE-2021-44906')).toBe('https://nvd.nist.gov/vuln/detail/CVE-2021-44906');
    expect(webUrl(' https://example.com/a b ')).toBe('https://example.com/a%20b');
    expect(webUrl('https://bücher.example/x')).toBe('https://xn--bcher-kva.example/x');
    for (const bad of ['javascript:alert(1)', 'file:///etc/passwd', 'not a url', '', undefined, `https://x/${'a'.repeat(3000)}`]) expect(webUrl(bad)).toBeUndefined();
  });
});
