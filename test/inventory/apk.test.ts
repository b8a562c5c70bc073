import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { apkCataloger } from '../../src/inventory/catalogers/apk.js';
import { detectOs } from '../../src/inventory/os.js';
import { packageId, parsePurl } from '../../src/inventory/purl.js';
import type { Package } from '../../src/inventory/types.js';
import { collected, runCataloger } from '../helpers/catalog.js';

const DB_FILE = fileURLToPath(new URL('../fixtures/inventory/apk/trivy/installed', import.meta.url));
const OS_RELEASE = fileURLToPath(new URL('../fixtures/inventory/os/alpine-3.15-os-release', import.meta.url));
const DB = 'lib/apk/db/installed';
const db = readFileSync(DB_FILE);
const os = detectOs((p) => (p === 'etc/os-release' ? collected(p, readFileSync(OS_RELEASE)) : undefined))!;

/** awk's reading of the database (records split on blank lines): the independent reference. */
function awk(program: string): string[] {
  return execFileSync('awk', [program, DB_FILE], { encoding: 'utf8' }).split('\n').filter(Boolean);
}

describe('apk cataloger on a real installed database', () => {
  const { packages, warnings } = runCataloger(apkCataloger, { [DB]: db }, os);
  const byName = new Map(packages.map((p) => [p.name, p]));
  const idName = new Map(packages.map((p) => [p.id, p.name]));
  const deps = (n: string) => (byName.get(n)!.dependsOn ?? []).map((id) => idName.get(id)).sort();

  it('lists every record with a name and version, as awk reads them', () => {
    const expected = awk(
      'BEGIN{RS="";FS="\\n"} {p=v=a=o=""; for(i=1;i<=NF;i++){k=substr($i,1,2); x=substr($i,3); if(k=="P:")p=x; if(k=="V:")v=x; if(k=="A:")a=x; if(k=="o:")o=x} if(p!=""&&v!="") print p"\\t"v"\\t"a"\\t"o}',
    ).sort();
    expect(expected.length).toBeGreaterThan(10);
    const got = packages.map((p) => [p.name, p.version, p.arch ?? '', p.source?.name ?? ''].join('\t')).sort();
    expect(got).toEqual(expected);
    // The record without a version is reported, not fatal.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('invalidPackageWithoutAVersion');
  });

  it('lists installed files from F:/R: lines', () => {
    const expected = awk('BEGIN{RS="";FS="\\n"} {p="";d=""; for(i=1;i<=NF;i++){k=substr($i,1,2); x=substr($i,3); if(k=="P:")p=x; if(k=="F:")d=x; if(k=="R:") print p"\\t"(d==""?x:d"/"x)}}');
    const got = packages.flatMap((p) => (p.files ?? []).map((f) => `${p.name}\t${f}`));
    expect(got.sort()).toEqual([...new Set(expected)].sort());
    expect(byName.get('busybox')!.files).toContain('bin/busybox');
    expect(byName.get('libc-utils')!.files).toBeUndefined();
  });

  it('builds purls as syft does and ids from purl + database path', () => {
    const ssl = byName.get('libssl1.0')!;
    expect(ssl.purl).toBe('pkg:apk/alpine/libssl1.0@1.0.2h-r1?arch=x86_64&distro=alpine-3.15.4&upstream=openssl');
    expect(parsePurl(ssl.purl)).toMatchObject({ type: 'apk', namespace: 'alpine', name: 'libssl1.0', version: '1.0.2h-r1' });
    expect(ssl.id).toBe(packageId(ssl.purl, DB));
    expect(ssl.source).toEqual({ name: 'openssl', version: '1.0.2h-r1' });
    expect(ssl.locations).toEqual([{ path: DB }]);
    // origin == name: no upstream qualifier.
    expect(parsePurl(byName.get('zlib')!.purl).qualifiers).toEqual({ arch: 'x86_64', distro: 'alpine-3.15.4' });
    expect(byName.get('musl')!.metadata).toEqual({ maintainer: 'Timo Teräs <timo.teras@iki.fi>' });
  });

  it('normalizes licences: SPDX expressions whole, old space-separated lists split', () => {
    expect(byName.get('ada-libs')!.licenses).toEqual(['( Apache-2.0 OR MIT ) AND MPL-2.0']);
    expect(byName.get('musl-utils')!.licenses).toEqual(['BSD-3-Clause', 'GPL-2.0-or-later', 'MIT']);
    expect(byName.get('busybox')!.licenses).toEqual(['GPL-2.0-only']);
    expect(byName.get('zlib')!.licenses).toEqual(['Zlib']);
    expect(byName.get('sqlite-libs')!.licenses).toEqual(['LicenseRef-public-domain']);
  });

  it('resolves D: through names and p: provides (so:, pc:, plain), skipping !conflicts', () => {
    // D:busybox so:libc.musl-x86_64.so.1
    expect(deps('alpine-baselayout')).toEqual(['busybox', 'musl']);
    // D:!uclibc-utils scanelf musl=1.1.14-r10 so:libc.musl-x86_64.so.1
    expect(deps('musl-utils')).toEqual(['musl', 'scanelf']);
    // D:pkgconfig sqlite-libs=3.26.0-r3 — pkgconfig is provided by pkgconf (p:pkgconfig=1)
    expect(deps('test')).toEqual(['pkgconf', 'sqlite-libs']);
    // D:so:libc.musl-x86_64.so.1 so:libcrypto.so.1.0.0 so:libssl.so.1.0.0 so:libz.so.1
    expect(deps('apk-tools')).toEqual(['libcrypto1.0', 'libssl1.0', 'musl', 'zlib']);
    expect(byName.get('musl')!.dependsOn).toBeUndefined();
  });

  it('is sorted with unique ids', () => {
    const keys = packages.map((p) => p.name);
    expect(keys).toEqual([...keys].sort());
    expect(new Set(packages.map((p) => p.id)).size).toBe(packages.length);
  });
});

describe('apk cataloger on bad input', () => {
  const text = db.toString('utf8');
  const run = (data: string | Buffer) => runCataloger(apkCataloger, { [DB]: data }, os);
  const names = (ps: Package[]) => ps.map((p) => p.name);
  const full = names(run(db).packages);

  it('skips a truncated last record and keeps the rest', () => {
    const cutAfterName = text.slice(0, text.indexOf('P:ada-libs\n') + 'P:ada-libs\n'.length);
    const a = run(cutAfterName);
    expect(names(a.packages)).toEqual(full.filter((n) => n !== 'ada-libs'));
    expect(a.warnings.some((w) => w.includes('no V:'))).toBe(true);
    const cutMidLine = text.slice(0, text.indexOf('P:ada-libs\n') + 'P:ada-libs\nV'.length);
    const b = run(cutMidLine);
    expect(names(b.packages)).toEqual(full.filter((n) => n !== 'ada-libs'));
    expect(b.warnings).toHaveLength(2);
  });

  it('survives garbage, invalid UTF-8, CRLF and a huge field', () => {
    const junk = Buffer.concat([Buffer.from('P:ok\nV:1.0-r0\nm:Jos'), Buffer.from([0xe9, 0xff]), Buffer.from('\n\n\x00\x01garbage\n\nnot-a-field\n\nP:huge\nV:1-r0\nT:' + 'x'.repeat(5_000_000) + '\n\n')]);
    const { packages, warnings } = run(Buffer.concat([junk, db]));
    expect(names(packages).sort()).toEqual([...full, 'huge', 'ok'].sort());
    expect(warnings).toHaveLength(3); // two garbage records + the record without a version
    expect(packages.find((p) => p.name === 'ok')!.metadata!.maintainer).toBe('Jos\ufffd\ufffd');
    const crlf = run(text.replace(/\n/g, '\r\n'));
    expect(crlf.packages).toEqual(run(db).packages);
  });

  it('rejects names and versions that are not tokens', () => {
    const { packages, warnings } = run('P:../../etc\nV:1\n\nP:good\nV:1 2\n\nP:fine\nV:1.2-r3\n');
    expect(names(packages)).toEqual(['fine']);
    expect(warnings).toHaveLength(2);
  });

  it('wants only the installed database', () => {
    expect(apkCataloger.want({ path: DB, size: 1, mode: 0o644 })).toBeTruthy();
    expect(apkCataloger.want({ path: 'lib/apk/db/scripts.tar', size: 1, mode: 0o644 })).toBeFalsy();
    expect(apkCataloger.scopes).toEqual(['image']);
  });
});
