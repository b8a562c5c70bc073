import { afterAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dpkgCataloger } from '../../src/inventory/catalogers/dpkg.js';
import { createCopyrightReducer, licensesFromCopyright } from '../../src/inventory/catalogers/dpkg-copyright.js';
import { normalizeLicenses } from '../../src/inventory/license.js';
import { packageId, parsePurl } from '../../src/inventory/purl.js';
import type { OsInfo, Package } from '../../src/inventory/types.js';
import { runCataloger } from '../helpers/catalog.js';

const FIX = fileURLToPath(new URL('../fixtures/inventory/dpkg/', import.meta.url));
const BOOKWORM: OsInfo = { id: 'debian', versionId: '12', versionCodename: 'bookworm' };
const STATUS_PATH = 'var/lib/dpkg/status';

/** All files under a fixture root, keyed by path relative to it (as the layer reader keys them). */
function loadRoot(dir: string): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      if (statSync(join(dir, r)).isDirectory()) walk(r);
      else out[r] = readFileSync(join(dir, r));
    }
  };
  walk('');
  return out;
}

const tmpDirs: string[] = [];
afterAll(() => tmpDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A dpkg admin directory holding `status` (and optional info/*.list files). */
function adminDir(status: string | Buffer, lists: Record<string, Buffer> = {}): string {
  const d = mkdtempSync(join(tmpdir(), 'portcullis-dpkg-'));
  tmpDirs.push(d);
  writeFileSync(join(d, 'status'), status);
  mkdirSync(join(d, 'info'));
  // Multiarch database layout (pkg:arch.list names), as on the source machine.
  writeFileSync(join(d, 'info', 'format'), '1\n');
  mkdirSync(join(d, 'updates'));
  for (const [name, data] of Object.entries(lists)) writeFileSync(join(d, 'info', name), data);
  return d;
}

function dpkgQuery(admin: string, args: string[]): string {
  return execFileSync('dpkg-query', [`--admindir=${admin}`, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** dpkg-query's view of the installed packages: name, version, arch, source name, source version. */
function installedByDpkgQuery(admin: string): string[] {
  const fmt = '${Package}\\t${Version}\\t${Architecture}\\t${source:Package}\\t${source:Version}\\t${db:Status-Status}\\n';
  return dpkgQuery(admin, ['-W', '-f', fmt])
    .split('\n')
    .filter((l) => l.endsWith('\tinstalled'))
    .map((l) => l.slice(0, -'\tinstalled'.length))
    .sort();
}

const row = (p: Package) => [p.name, p.version, p.arch ?? '', p.source?.name ?? '', p.source?.version ?? ''].join('\t');

const root = loadRoot(join(FIX, 'root'));
const realStatus = root[STATUS_PATH];

describe('dpkg cataloger on a real bookworm status file', () => {
  const { packages, warnings } = runCataloger(dpkgCataloger, root, BOOKWORM);
  const byName = new Map(packages.map((p) => [p.name, p]));

  it('lists exactly the installed packages dpkg-query lists, with the same versions, archs and sources', () => {
    const expected = installedByDpkgQuery(adminDir(realStatus));
    expect(expected.length).toBeGreaterThan(500);
    expect(packages.map(row).sort()).toEqual(expected);
    expect(warnings).toEqual([]);
  });

  it('builds purls as Trivy does (arch, distro; source kept on the package) and ids from purl + database path', () => {
    const libc6 = byName.get('libc6')!;
    const v = dpkgQuery(adminDir(realStatus), ['-W', '-f', '${Version}', 'libc6']);
    expect(libc6.purl).toBe(`pkg:deb/debian/libc6@${v.replace(/\+/g, '%2B')}?arch=amd64&distro=debian-12`);
    expect(libc6.source?.name).toBe('glibc');
    expect(parsePurl(libc6.purl)).toMatchObject({ type: 'deb', namespace: 'debian', name: 'libc6', version: v });
    expect(libc6.id).toBe(packageId(libc6.purl, STATUS_PATH));
    expect(libc6.locations).toEqual([{ path: STATUS_PATH }]);
    expect(libc6.foundBy).toBe('dpkg');
    // No Source field: the source is the package itself.
    const noSource = realStatus.toString('utf8').split(/\n\n+/).find((s) => s.includes('Architecture: amd64') && !/^Source:/m.test(s))!;
    const plain = byName.get(/^Package: (.*)$/m.exec(noSource)![1])!;
    expect(parsePurl(plain.purl).qualifiers).toEqual({ arch: 'amd64', distro: 'debian-12' });
    expect(plain.source).toEqual({ name: plain.name, version: plain.version });
    // A Source field with its own version (binNMUs): the source version is kept apart.
    const withSrcVersion = packages.find((p) => p.source && p.source.version !== p.version)!;
    expect(parsePurl(withSrcVersion.purl).qualifiers?.upstream).toBeUndefined();
    expect(withSrcVersion.source!.version).not.toBe(withSrcVersion.version);
    // Unknown OS: namespace defaults to debian and there is no distro qualifier.
    const bare = runCataloger(dpkgCataloger, { [STATUS_PATH]: realStatus }).packages.find((p) => p.name === 'bash')!;
    expect(bare.purl.startsWith('pkg:deb/debian/bash@')).toBe(true);
    expect(parsePurl(bare.purl).qualifiers?.distro).toBeUndefined();
  });

  it('is sorted and has unique ids', () => {
    const names = packages.map((p) => `${p.name}\0${p.purl}`);
    expect(names).toEqual([...names].sort());
    expect(new Set(packages.map((p) => p.id)).size).toBe(packages.length);
  });

  it('keeps maintainer and installed size', () => {
    const fmt = '${Maintainer}\\t${Installed-Size}';
    const [maint, size] = dpkgQuery(adminDir(realStatus), ['-W', '-f', fmt, 'coreutils']).split('\t');
    expect(byName.get('coreutils')!.metadata).toEqual({ maintainer: maint, installedSize: size });
  });

  it('resolves Depends and Pre-Depends to the packages present, through Provides', () => {
    const admin = adminDir(realStatus);
    const fmt = '${Package}\\t${Pre-Depends}, ${Depends}\\t${Provides}\\n';
    const rows = dpkgQuery(admin, ['-W', '-f', fmt]).split('\n').filter(Boolean).map((l) => l.split('\t'));
    const names = new Set(rows.map((r) => r[0]));
    const provider = new Map<string, string>();
    for (const [name, , provides] of rows) for (const p of provides.split(',')) if (p.trim()) provider.set(p.trim().split(/[\s(:]/)[0], name);
    const idToName = new Map(packages.map((p) => [p.id, p.name]));
    let viaProvides = 0;
    for (const [name, deps] of rows) {
      const expected = new Set<string>();
      for (const clause of deps.split(',')) {
        for (const alt of clause.split('|')) {
          const n = alt.trim().split(/[\s(:]/)[0];
          if (!n) continue;
          const hit = names.has(n) ? n : provider.get(n);
          if (hit) {
            if (hit !== name) expected.add(hit);
            if (!names.has(n)) viaProvides++;
            break;
          }
        }
      }
      const got = (byName.get(name)!.dependsOn ?? []).map((id) => idToName.get(id));
      expect(got.sort(), name).toEqual([...expected].sort());
    }
    expect(viaProvides).toBeGreaterThan(0);
    expect((byName.get('bash')!.dependsOn ?? []).map((id) => idToName.get(id)).sort()).toEqual(['base-files', 'debianutils', 'libc6', 'libtinfo6']);
  });

  it('reads licences from DEP-5 copyright files only', () => {
    const docs = Object.keys(root).filter((p) => p.startsWith('usr/share/doc/'));
    expect(docs.length).toBeGreaterThan(5);
    let dep5 = 0;
    for (const path of docs) {
      const name = path.split('/')[3];
      const text = root[path].toString('utf8');
      const isDep5 = /^Format:/m.test(text.split(/\n\s*\n/)[0]);
      const short = isDep5 ? [...text.matchAll(/^License:[ \t]*(\S.*?)[ \t]*$/gim)].map((m) => m[1]) : [];
      if (isDep5) dep5++;
      expect(byName.get(name)!.licenses, name).toEqual(normalizeLicenses(short));
    }
    expect(dep5).toBeGreaterThan(3);
    expect(byName.get('coreutils')!.licenses).toContain('GPL-3.0-or-later');
    expect(byName.get('libc6')!.licenses).toEqual([]); // free-form copyright: no guess
    expect(byName.get('adduser')!.licenses).toEqual([]); // no copyright file given
  });

  it('lists installed files from info/*.list, as dpkg-query -L does, without directories', () => {
    const lists = Object.fromEntries(
      Object.entries(root)
        .filter(([p]) => p.startsWith('var/lib/dpkg/info/'))
        .map(([p, d]) => [p.slice('var/lib/dpkg/info/'.length), d]),
    );
    const admin = adminDir(realStatus, lists);
    for (const name of ['bash', 'coreutils', 'libc6', 'zlib1g', 'libsqlite3-0']) {
      const listed = dpkgQuery(admin, ['-L', name]).split('\n').filter((l) => l && l !== '/.').map((l) => l.slice(1));
      const files = byName.get(name)!.files!;
      expect(files.length, name).toBeGreaterThan(0);
      const dirs = listed.filter((p) => listed.some((q) => q.startsWith(p + '/')));
      expect(files, name).toEqual(listed.filter((p) => !dirs.includes(p)).sort());
    }
    expect(byName.get('bash')!.files).toContain('bin/bash');
    expect(byName.get('adduser')!.files).toBeUndefined();
  });
});

describe('dpkg copyright reducer', () => {
  it('gives the same licences as the whole file, however the file is chunked', () => {
    for (const [path, data] of Object.entries(root)) {
      if (!path.endsWith('/copyright')) continue;
      const whole = licensesFromCopyright(data.toString('utf8'));
      for (const size of [1, 7, 4096]) {
        const r = createCopyrightReducer();
        for (let i = 0; i < data.length; i += size) r.push(data.subarray(i, i + size));
        const out = r.end();
        if (whole === undefined) expect(out, path).toBeNull();
        else expect(licensesFromCopyright(out!.toString('utf8')), path).toEqual(whole);
      }
    }
  });

  it('keeps reduced output small for a large copyright file', () => {
    const big = root['usr/share/doc/perl-base/copyright'];
    expect(big.length).toBeGreaterThan(50_000);
    const r = createCopyrightReducer();
    r.push(big);
    expect(r.end()!.length).toBeLessThan(big.length / 5);
  });
});

describe('dpkg cataloger on a distroless status.d', () => {
  const dl = loadRoot(join(FIX, 'distroless'));
  const { packages, warnings } = runCataloger(dpkgCataloger, dl, BOOKWORM);

  it('reads one stanza per file, ignores md5sums, and matches dpkg-query', () => {
    // dpkg-query cannot read status.d: give it the same stanzas as a status file.
    const stanzas = Object.entries(dl)
      .filter(([p]) => p.startsWith('var/lib/dpkg/status.d/') && !p.endsWith('.md5sums'))
      .map(([, d]) => d.toString('utf8').trimEnd().replace(/^(Package: .*)$/m, '$1\nStatus: install ok installed'));
    expect(stanzas.length).toBe(8);
    const expected = installedByDpkgQuery(adminDir(stanzas.join('\n\n') + '\n'));
    expect(packages.map(row).sort()).toEqual(expected);
    expect(warnings).toEqual([]);
    for (const p of packages) expect(p.locations[0].path).toBe(`var/lib/dpkg/status.d/${p.name}`);
  });

  it('takes licences and dependencies as for a status file', () => {
    const ssl = packages.find((p) => p.name === 'libssl3')!;
    expect(ssl.licenses).toContain('Apache-2.0');
    const libc6 = packages.find((p) => p.name === 'libc6')!;
    expect(ssl.dependsOn).toContain(libc6.id);
  });
});

describe('dpkg cataloger edge cases', () => {
  const stanzas = realStatus.toString('utf8').split(/\n\n+/).filter(Boolean);
  const pick = (name: string) => stanzas.find((s) => s.startsWith(`Package: ${name}\n`))!;

  it('keeps Multi-Arch: same packages of two architectures apart', () => {
    const amd64 = pick('libc6');
    const i386 = amd64.replace(/^Architecture: amd64$/m, 'Architecture: i386');
    const status = [amd64, i386, pick('zlib1g')].join('\n\n') + '\n';
    const { packages } = runCataloger(dpkgCataloger, {
      [STATUS_PATH]: status,
      'var/lib/dpkg/info/libc6:i386.list': '/.\n/lib\n/lib/i386-linux-gnu\n/lib/i386-linux-gnu/libc.so.6\n',
    }, BOOKWORM);
    expect(packages.map(row).sort()).toEqual(installedByDpkgQuery(adminDir(status)));
    const libc = packages.filter((p) => p.name === 'libc6');
    expect(libc.map((p) => p.arch).sort()).toEqual(['amd64', 'i386']);
    expect(new Set(libc.map((p) => p.id)).size).toBe(2);
    expect(libc.find((p) => p.arch === 'i386')!.files).toEqual(['lib/i386-linux-gnu/libc.so.6']);
    // zlib1g (amd64) depends on libc6: the amd64 one.
    const zlib = packages.find((p) => p.name === 'zlib1g')!;
    expect(zlib.dependsOn).toEqual([libc.find((p) => p.arch === 'amd64')!.id]);
  });

  it('skips packages that are not installed, as dpkg-query reports them', () => {
    const removed = pick('tar').replace(/^Status: .*$/m, 'Status: deinstall ok config-files');
    const half = pick('gzip').replace(/^Status: .*$/m, 'Status: install reinstreq half-installed');
    const held = pick('bash').replace(/^Status: .*$/m, 'Status: hold ok installed');
    const status = [removed, half, held, pick('dash')].join('\n\n') + '\n';
    const { packages } = runCataloger(dpkgCataloger, { [STATUS_PATH]: status }, BOOKWORM);
    expect(packages.map(row).sort()).toEqual(installedByDpkgQuery(adminDir(status)));
    expect(packages.map((p) => p.name)).toEqual(['bash', 'dash']);
  });

  it('tolerates CRLF line ends and runs of blank lines', () => {
    const status = '\n\n' + [pick('bash'), pick('dash')].join('\n\n\n\n') + '\n\n\n';
    const crlf = status.replace(/\n/g, '\r\n');
    const a = runCataloger(dpkgCataloger, { [STATUS_PATH]: status }, BOOKWORM);
    const b = runCataloger(dpkgCataloger, { [STATUS_PATH]: crlf }, BOOKWORM);
    expect(a.packages.map((p) => p.name)).toEqual(['bash', 'dash']);
    expect(b.packages).toEqual(a.packages);
    expect(b.warnings).toEqual([]);
  });

  it('skips garbage, a stanza without Version, invalid UTF-8 and keeps the good ones', () => {
    const noVersion = pick('dash').replace(/^Version: .*\n/m, '');
    const garbage = 'this is not a control line\n\x00\x01\x02 binary junk';
    const midGarbage = pick('tar').replace(/^(Priority: .*)$/m, '$1\n<<garbage>>');
    const badName = Buffer.concat([Buffer.from('Package: bad'), Buffer.from([0xff, 0xfe]), Buffer.from('\nStatus: install ok installed\nVersion: 1.0\n')]);
    // A Latin-1 byte in a field value (old databases have them): decoded as U+FFFD, package kept.
    const [before, after] = pick('gzip').split(/^Maintainer: .*$/m);
    const latin1Maint = Buffer.concat([Buffer.from(before + 'Maintainer: Jos'), Buffer.from([0xe9]), Buffer.from(' <j@example.org>' + after)]);
    const status = Buffer.concat([
      Buffer.from([pick('bash'), garbage, noVersion, midGarbage, ''].join('\n\n')),
      badName,
      Buffer.from('\n'),
      latin1Maint,
      Buffer.from('\n\n' + pick('zlib1g') + '\n'),
    ]);
    const { packages, warnings } = runCataloger(dpkgCataloger, { [STATUS_PATH]: status }, BOOKWORM);
    expect(packages.map((p) => p.name)).toEqual(['bash', 'gzip', 'zlib1g']);
    expect(warnings).toHaveLength(4);
    for (const w of warnings) expect(w.startsWith(`${STATUS_PATH}: stanza at line `)).toBe(true);
    expect(packages.find((p) => p.name === 'gzip')!.metadata!.maintainer).toBe('Jos\ufffd <j@example.org>');
  });

  it('survives a huge field and a huge status file without blowing up', () => {
    const hugeDesc = pick('bash').replace(/^Description: .*$/m, 'Description: x\n' + ' y'.repeat(2_000_000));
    const hugeName = `Package: ${'a'.repeat(100_000)}\nStatus: install ok installed\nVersion: 1\n`;
    const status = [hugeDesc, hugeName, pick('dash')].join('\n\n') + '\n';
    const t0 = Date.now();
    const { packages, warnings } = runCataloger(dpkgCataloger, { [STATUS_PATH]: status }, BOOKWORM);
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(packages.map((p) => p.name)).toEqual(['bash', 'dash']);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].length).toBeLessThan(300);
  });

  it('returns nothing for an empty database', () => {
    expect(runCataloger(dpkgCataloger, { [STATUS_PATH]: '' }, BOOKWORM)).toEqual({ packages: [], warnings: [] });
  });
});

describe('dpkg want', () => {
  const w = (path: string) => dpkgCataloger.want({ path, size: 10, mode: 0o644 });
  it('wants the database, status.d entries, .list files and copyright files only', () => {
    expect(w('var/lib/dpkg/status')).toBeTruthy();
    expect(w('var/lib/dpkg/status.d/libc6')).toBeTruthy();
    expect(w('var/lib/dpkg/status.d/libc6.md5sums')).toBeFalsy();
    expect(w('var/lib/dpkg/status.d/sub/x')).toBeFalsy();
    expect(w('var/lib/dpkg/info/libc6:amd64.list')).toBeTruthy();
    expect(w('var/lib/dpkg/info/libc6:amd64.md5sums')).toBeFalsy();
    expect(w('var/lib/dpkg/status-old')).toBeFalsy();
    expect(w('usr/share/doc/bash/copyright')).toMatchObject({ reduce: expect.any(Function) });
    expect(w('usr/share/doc/bash/examples/copyright')).toBeFalsy();
    expect(w('usr/share/doc/bash/changelog.gz')).toBeFalsy();
    expect(dpkgCataloger.scopes).toEqual(['image']);
  });
});

