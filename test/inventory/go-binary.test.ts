import { describe, expect, it } from 'vitest';
import { readFileSync, existsSync, openSync, readSync, closeSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { goBinaryCataloger, stdlibVersion } from '../../src/inventory/catalogers/go-binary.js';
import {
  BUILDINFO_KEEP_BYTES,
  BUILDINFO_MAGIC,
  createBuildInfoReducer,
  parseBuildInfo,
  parseModInfo,
  readUvarint,
} from '../../src/inventory/catalogers/go-buildinfo.js';
import { InventoryError } from '../../src/inventory/types.js';
import { packageId } from '../../src/inventory/purl.js';
import { runCataloger } from '../helpers/catalog.js';

const FIX = join(import.meta.dirname, '../fixtures/inventory/go');

/** Expected modules from `go version -m` text (the Go toolchain's own rendering). */
interface GoVersionM {
  goVersion: string;
  path?: string;
  mod?: string[];
  deps: Array<{ dep: string[]; replace?: string[] }>;
  build: string[];
}
function parseGoVersionM(text: string): GoVersionM {
  const lines = text.split('\n');
  const out: GoVersionM = { goVersion: lines[0].slice(lines[0].indexOf(': ') + 2).trim(), deps: [], build: [] };
  for (const l of lines.slice(1)) {
    const f = l.replace(/^\t/, '').split('\t');
    if (f[0] === 'path') out.path = f[1];
    else if (f[0] === 'mod') out.mod = f.slice(1);
    else if (f[0] === 'dep') out.deps.push({ dep: f.slice(1) });
    else if (f[0] === '=>') out.deps[out.deps.length - 1].replace = f.slice(1);
    else if (f[0] === 'build') out.build.push(f.slice(1).join('\t'));
  }
  return out;
}

/** Streams a file through the reducer in chunks, as the layer reader does. */
function reduceFile(path: string, chunkSize: number): Buffer | null {
  const r = createBuildInfoReducer();
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(chunkSize);
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, chunkSize, null);
      if (n === 0) break;
      r.push(buf.subarray(0, n)); // the reducer must copy: buf is reused
    }
  } finally {
    closeSync(fd);
  }
  return r.end();
}

function reduceChunks(data: Buffer, chunkSize: number, keep?: number): Buffer | null {
  const r = createBuildInfoReducer(keep);
  for (let i = 0; i < data.length; i += chunkSize) r.push(data.subarray(i, i + chunkSize));
  return r.end();
}

// Sentinels around modinfo, as found in /usr/bin/skopeo (Go's modload package).
const SENTINEL_START = Buffer.from('3077af0c9274080241e1c107e6d618e6', 'hex');
const SENTINEL_END = Buffer.from('f932433186182072008242104116d8f2', 'hex');
function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
/** A Go 1.18+ build-info section as the linker lays it out. */
function craftBuildInfo(goVersion: string, modinfo: string, flags = 2): Buffer {
  const header = Buffer.concat([BUILDINFO_MAGIC, Buffer.from([8, flags]), Buffer.alloc(16)]);
  const v = Buffer.from(goVersion);
  const m = Buffer.concat([SENTINEL_START, Buffer.from(modinfo), SENTINEL_END]);
  return Buffer.concat([header, uvarint(v.length), v, uvarint(m.length), m]);
}

describe('go build info on a real module-mode binary (built by go1.19.8 from Debian sources)', () => {
  const binary = gunzipSync(readFileSync(join(FIX, 'gofixture.gz')));
  const expected = parseGoVersionM(readFileSync(join(FIX, 'gofixture.go-version-m.txt'), 'utf8'));

  it('the reducer keeps the same bounded bytes whatever the chunking', () => {
    const whole = reduceChunks(binary, binary.length);
    expect(whole).not.toBeNull();
    expect(whole!.subarray(0, BUILDINFO_MAGIC.length).equals(BUILDINFO_MAGIC)).toBe(true);
    expect(whole!.length).toBeLessThanOrEqual(BUILDINFO_KEEP_BYTES);
    const at = binary.indexOf(BUILDINFO_MAGIC);
    expect(whole!.equals(binary.subarray(at, at + BUILDINFO_KEEP_BYTES))).toBe(true);
    for (const size of [1, 7, 13, 14, 31, 4093, 65536]) {
      expect(reduceChunks(binary, size)!.equals(whole!), `chunk size ${size}`).toBe(true);
    }
  });

  it('parses what `go version -m` prints', () => {
    const info = parseBuildInfo(reduceChunks(binary, 65536)!);
    expect(info.goVersion).toBe(expected.goVersion);
    expect(info.path).toBe(expected.path);
    expect([info.main!.path, info.main!.version]).toEqual(expected.mod!.slice(0, 2));
    expect(info.deps.map((d) => [d.path, d.version])).toEqual(expected.deps.map((d) => d.dep.slice(0, 2)));
    expect(info.deps.map((d) => (d.replace ? [d.replace.path, d.replace.version, d.replace.sum ?? ''] : null))).toEqual(
      expected.deps.map((d) => (d.replace ? d.replace.slice(0, 3) : null)),
    );
    expect(info.settings.map(([k, v]) => `${k}=${v}`)).toEqual(expected.build);
    // The fixture was built to exercise both kinds of replacement.
    expect(expected.deps.filter((d) => d.replace).length).toBe(2);
  });

  it('catalogs main module, dependencies (with replacements) and stdlib', () => {
    const path = 'usr/local/bin/gofixture';
    const { packages, warnings } = runCataloger(goBinaryCataloger, { [path]: binary });
    expect(warnings).toEqual([]);
    const byName = new Map(packages.map((p) => [p.name, p]));
    const goVer = expected.goVersion.replace(/^go/, '');

    const std = byName.get('stdlib')!;
    expect(std.purl).toBe(`pkg:golang/stdlib@${goVer}`);
    expect(std.version).toBe(goVer);

    // Module replaced by another module version: the replacement is what is linked in.
    const uuidDep = expected.deps.find((d) => d.dep[0] === 'github.com/google/uuid')!;
    const uuid = byName.get(uuidDep.replace![0])!;
    expect(uuid.version).toBe(uuidDep.replace![1]);
    expect(uuid.purl).toBe(`pkg:golang/github.com/google/uuid@${uuidDep.replace![1]}`);
    expect(uuid.metadata?.h1Digest).toBe(uuidDep.replace![2]);
    expect(uuid.metadata?.replaces).toBe(`${uuidDep.dep[0]}@${uuidDep.dep[1]}`);

    // Module replaced by a local directory: keep the module it stands for.
    const errDep = expected.deps.find((d) => d.dep[0] === 'github.com/pkg/errors')!;
    const errs = byName.get('github.com/pkg/errors')!;
    expect(errs.version).toBe(errDep.dep[1]);
    expect(errs.metadata?.replacedBy).toBe(errDep.replace![0]);

    const main = byName.get(expected.mod![0])!;
    expect(main.version).toBe('(devel)');
    expect(main.purl).toBe('pkg:golang/example.com/portcullis/gofixture@(devel)');
    expect(main.metadata?.['build.GOOS']).toBe('linux');
    expect(main.dependsOn).toEqual([std.id, uuid.id, errs.id].sort());

    expect(packages).toHaveLength(expected.deps.length + 2);
    for (const p of packages) {
      expect(p.locations).toEqual([{ path }]);
      expect(p.id).toBe(packageId(p.purl, path));
      expect(p.foundBy).toBe('go-binary');
      expect(p.metadata?.goVersion).toBe(expected.goVersion);
      expect(p.metadata?.binary).toBe(path);
      expect(p.arch).toBe('amd64');
    }
    const purls = packages.map((p) => p.purl);
    expect(purls).toEqual([...purls].sort());
  });

  it('the same binary at two paths gives two sets of packages', () => {
    const { packages } = runCataloger(goBinaryCataloger, { 'usr/bin/a': binary, 'opt/bin/b': binary });
    expect(packages).toHaveLength(2 * (expected.deps.length + 2));
    expect(new Set(packages.map((p) => p.id)).size).toBe(packages.length);
  });
});

describe('go build info on Debian binaries (GOPATH-mode builds)', () => {
  for (const name of ['skopeo', 'umoci']) {
    it(`/usr/bin/${name}`, () => {
      const bin = `/usr/bin/${name}`;
      expect(existsSync(bin), `${bin} is installed by .ci/run`).toBe(true);
      const reduced = reduceFile(bin, 64 * 1024);
      expect(reduced).not.toBeNull();
      expect(reduced!.length).toBeLessThanOrEqual(BUILDINFO_KEEP_BYTES);
      const info = parseBuildInfo(reduced!);

      // Compare with the Go toolchain: live when `go` is here, else the recorded output
      // when the installed binary is the one it was recorded from.
      let expectedText: string | undefined;
      try {
        expectedText = execFileSync('go', ['version', '-m', bin], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      } catch {
        const sha = createHash('sha256').update(readFileSync(bin)).digest('hex');
        if (sha === readFileSync(join(FIX, `${name}.sha256`), 'utf8').trim()) {
          expectedText = readFileSync(join(FIX, `${name}.go-version-m.txt`), 'utf8');
        }
      }
      if (expectedText) {
        const e = parseGoVersionM(expectedText);
        expect(info.goVersion).toBe(e.goVersion);
        expect(info.path).toBe(e.path);
        expect(info.main).toBeUndefined();
        expect(info.deps.length).toBe(e.deps.length);
        expect(info.settings.map(([k, v]) => `${k}=${v}`)).toEqual(e.build);
      }
      expect(info.goVersion).toMatch(/^go1\.\d+/);
      const mainPath = name === 'skopeo' ? 'github.com/containers/skopeo/cmd/skopeo' : 'github.com/opencontainers/umoci/cmd/umoci';
      expect(info.path).toBe(mainPath);

      const path = `usr/bin/${name}`;
      const { packages, warnings } = runCataloger(goBinaryCataloger, { [path]: readFileSync(bin) });
      expect(warnings).toEqual([]);
      expect(packages.map((p) => p.name).sort()).toEqual([mainPath, 'stdlib']);
      const main = packages.find((p) => p.name === mainPath)!;
      expect(main.version).toBe('(devel)');
      expect(main.metadata?.mainModuleFromPath).toBe('true');
      expect(packages.find((p) => p.name === 'stdlib')!.purl).toBe(`pkg:golang/stdlib@${info.goVersion.slice(2)}`);
    });
  }
});

describe('go build info: crafted input', () => {
  const modinfo = [
    'path\texample.org/app/cmd/app',
    'mod\texample.org/app\tv1.2.3\th1:main=',
    'dep\tgolang.org/x/sys\tv0.1.0\th1:sys=',
    'dep\tgithub.com/old/lib\tv1.0.0',
    '=>\tgithub.com/new/lib\tv1.1.0\th1:new=',
    '',
    'build\tGOOS=linux',
    'build\tvcs.revision=0123abcd',
    'build\t-ldflags=-X main.v=1 -s',
    '',
  ].join('\n');
  const info = craftBuildInfo('go1.22.4', modinfo);

  it('readUvarint decodes Go varints and rejects truncated or overlong ones', () => {
    expect(readUvarint(Buffer.from([0x05]), 0)).toEqual({ value: 5, next: 1 });
    expect(readUvarint(Buffer.from([0xac, 0x02]), 0)).toEqual({ value: 300, next: 2 });
    expect(readUvarint(Buffer.from([0x00, 0xff, 0xff, 0x03]), 1)).toEqual({ value: 65535, next: 4 });
    expect(readUvarint(uvarint(2 ** 40 + 7), 0)).toEqual({ value: 2 ** 40 + 7, next: 6 });
    expect(readUvarint(Buffer.from([0x80, 0x80]), 0)).toBeUndefined(); // truncated
    expect(readUvarint(Buffer.alloc(11, 0xff), 0)).toBeUndefined(); // more than 10 bytes
    expect(readUvarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), 0)).toBeUndefined(); // > 2^53
  });

  it('parses modinfo lines, replacements and settings with tabs in values', () => {
    const p = parseBuildInfo(info);
    expect(p.goVersion).toBe('go1.22.4');
    expect(p.main).toEqual({ path: 'example.org/app', version: 'v1.2.3', sum: 'h1:main=' });
    expect(p.deps).toEqual([
      { path: 'golang.org/x/sys', version: 'v0.1.0', sum: 'h1:sys=' },
      { path: 'github.com/old/lib', version: 'v1.0.0', replace: { path: 'github.com/new/lib', version: 'v1.1.0', sum: 'h1:new=' } },
    ]);
    expect(p.settings).toEqual([['GOOS', 'linux'], ['vcs.revision', '0123abcd'], ['-ldflags', '-X main.v=1 -s']]);
    expect(() => parseModInfo('=>\tx\tv1')).toThrowError(InventoryError);
  });

  it('finds the magic when it spans a chunk boundary, at every split point', () => {
    const prefix = Buffer.alloc(1000, 0x41);
    const file = Buffer.concat([prefix, info, Buffer.alloc(5000, 0x42)]);
    const want = file.subarray(prefix.length);
    for (let split = prefix.length - 2; split <= prefix.length + 40; split++) {
      const r = createBuildInfoReducer();
      r.push(file.subarray(0, split));
      r.push(file.subarray(split));
      expect(r.end()!.equals(want), `split at ${split}`).toBe(true);
    }
    // Three-way split with tiny middle chunks inside the magic and the header.
    const r = createBuildInfoReducer();
    for (const [a, b] of [[0, 1003], [1003, 1005], [1005, 1010], [1010, 1020], [1020, file.length]]) r.push(file.subarray(a, b));
    expect(r.end()!.equals(want)).toBe(true);
  });

  it('skips a magic with an implausible header (a string constant) and finds the real one', () => {
    const fake = Buffer.concat([BUILDINFO_MAGIC, Buffer.from('not a header, just rodata text....')]);
    const file = Buffer.concat([Buffer.alloc(100), fake, Buffer.alloc(50), info]);
    for (const size of [5, 64, file.length]) {
      const out = reduceChunks(file, size)!;
      expect(parseBuildInfo(out).goVersion).toBe('go1.22.4');
    }
    expect(reduceChunks(Buffer.concat([Buffer.alloc(10), fake]), 7)).toBeNull();
  });

  it('keeps at most `keep` bytes and reports truncated module info', () => {
    const file = Buffer.concat([info, Buffer.alloc(10_000)]);
    const out = reduceChunks(file, 100, 64)!;
    expect(out.length).toBe(64);
    expect(() => parseBuildInfo(out)).toThrowError(expect.objectContaining({ code: 'PARSE_ERROR' }));
    const { packages, warnings } = runCataloger(goBinaryCataloger, { 'usr/bin/x': out });
    expect(packages).toEqual([]);
    expect(warnings).toHaveLength(1);
  });

  it('returns null for executables without build info', () => {
    expect(reduceChunks(Buffer.from('#!/bin/sh\necho hello\n'.repeat(1000)), 512)).toBeNull();
    const { packages, warnings } = runCataloger(goBinaryCataloger, { 'usr/bin/script': '#!/bin/sh\n'.repeat(20) });
    expect(packages).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('reports pre-1.18 binaries as unsupported, without packages', () => {
    const old = Buffer.concat([BUILDINFO_MAGIC, Buffer.from([8, 0]), Buffer.alloc(16 + 64)]);
    expect(() => parseBuildInfo(old)).toThrowError(expect.objectContaining({ code: 'UNSUPPORTED' }));
    const { packages, warnings } = runCataloger(goBinaryCataloger, { 'usr/bin/old': old });
    expect(packages).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('unsupported old Go binary')]);
  });

  it('main module, replacement and stdlib purls from crafted build info', () => {
    const { packages } = runCataloger(goBinaryCataloger, { 'app/bin/app': info });
    expect(packages.map((p) => p.purl)).toEqual([
      'pkg:golang/example.org/app@v1.2.3',
      'pkg:golang/github.com/new/lib@v1.1.0',
      'pkg:golang/golang.org/x/sys@v0.1.0',
      'pkg:golang/stdlib@1.22.4',
    ]);
    const main = packages[0];
    expect(main.metadata?.['build.vcs.revision']).toBe('0123abcd');
    expect(main.dependsOn).toHaveLength(3);
  });

  it('stdlib versions drop the go prefix and experiment suffixes; devel toolchains have none', () => {
    expect(stdlibVersion('go1.22.4')).toBe('1.22.4');
    expect(stdlibVersion('go1.20.4 X:boringcrypto')).toBe('1.20.4');
    expect(stdlibVersion('go1.21rc2')).toBe('1.21rc2');
    expect(stdlibVersion('devel go1.23-abcdef Tue')).toBeUndefined();
  });

  it('wants executables up to 512 MiB, through a reducer', () => {
    expect(goBinaryCataloger.want({ path: 'usr/bin/x', size: 1000, mode: 0o644 })).toBe(false);
    expect(goBinaryCataloger.want({ path: 'usr/bin/x', size: 10, mode: 0o755 })).toBe(false);
    const w = goBinaryCataloger.want({ path: 'usr/bin/x', size: 400 * 1024 * 1024, mode: 0o100 });
    expect(typeof w === 'object' && typeof w.reduce).toBe('function');
    // The layer reader skips (and reports) executables above maxBytes.
    expect(typeof w === 'object' && w.maxBytes).toBe(512 * 1024 * 1024);
  });
});
