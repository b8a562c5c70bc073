import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { detectOs, osWanter, parseOsRelease } from '../../src/inventory/os.js';
import { collected } from '../helpers/catalog.js';

const FIX = fileURLToPath(new URL('../fixtures/inventory/os/', import.meta.url));
const read = (name: string): Buffer => readFileSync(FIX + name);

/** A lookup over an in-memory root, as the layer reader would provide it. */
function rootOf(files: Record<string, Buffer | string>) {
  return (p: string) => (p in files ? collected(p, files[p]) : undefined);
}

/** What /bin/sh makes of an os-release file: the ground truth for its quoting rules. */
function shellValues(path: string, keys: string[]): Record<string, string> {
  const script = `set -a; . "$1"; shift; for k in "$@"; do eval "printf '%s\\n' \\"\\$$k\\""; done`;
  const out = execFileSync('/bin/sh', ['-c', script, 'sh', path, ...keys], { encoding: 'utf8' }).split('\n');
  return Object.fromEntries(keys.map((k, i) => [k, out[i]]));
}

const KEYS = ['ID', 'VERSION_ID', 'VERSION_CODENAME', 'NAME', 'PRETTY_NAME', 'ID_LIKE', 'HOME_URL', 'VERSION'];

describe('parseOsRelease', () => {
  const files = [
    'debian-12-os-release',
    'alpine-3.15-os-release',
    'rhel-9.4-os-release',
    'distroless-debian10-os-release',
    'ubuntu-22.04-os-release',
  ];
  for (const f of files) {
    it(`agrees with /bin/sh on ${f}`, () => {
      const ours = parseOsRelease(read(f).toString('utf8'));
      const sh = shellValues(FIX + f, KEYS);
      for (const k of KEYS) expect(ours[k] ?? '', k).toBe(sh[k]);
      expect(ours.ID).toBeTruthy();
    });
  }

  it("agrees with /bin/sh on this machine's /etc/os-release and /usr/lib/os-release", () => {
    for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
      if (!existsSync(p)) continue;
      const ours = parseOsRelease(readFileSync(p, 'utf8'));
      const sh = shellValues(p, KEYS);
      for (const k of KEYS) expect(ours[k] ?? '', `${p} ${k}`).toBe(sh[k]);
    }
  });

  it('handles comments, single quotes, escapes and CRLF like sh', () => {
    const text = "# comment\r\nID='my distro'\r\nNAME=\"A \\\"quoted\\\" \\$name\"\r\n  # indented comment\r\nVERSION_ID=1.2 # trailing\r\nnot a line\r\n";
    const kv = parseOsRelease(text);
    expect(kv).toEqual({ ID: 'my distro', NAME: 'A "quoted" $name', VERSION_ID: '1.2' });
  });
});

describe('detectOs', () => {
  it('reads Debian from etc/os-release', () => {
    const os = detectOs(rootOf({ 'etc/os-release': read('debian-12-os-release') }));
    expect(os).toEqual({
      id: 'debian',
      versionId: '12',
      versionCodename: 'bookworm',
      name: 'Debian GNU/Linux',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('falls back to usr/lib/os-release and prefers etc/ when both exist', () => {
    expect(detectOs(rootOf({ 'usr/lib/os-release': read('alpine-3.15-os-release') }))?.id).toBe('alpine');
    const both = detectOs(
      rootOf({ 'etc/os-release': read('ubuntu-22.04-os-release'), 'usr/lib/os-release': read('debian-12-os-release') }),
    );
    expect(both?.id).toBe('ubuntu');
  });

  it('reads Alpine, Ubuntu, RHEL and distroless os-release files', () => {
    const alpine = detectOs(rootOf({ 'etc/os-release': read('alpine-3.15-os-release') }));
    expect(alpine).toMatchObject({ id: 'alpine', versionId: '3.15.4', prettyName: 'Alpine Linux v3.15' });
    const ubuntu = detectOs(rootOf({ 'etc/os-release': read('ubuntu-22.04-os-release') }));
    expect(ubuntu).toMatchObject({ id: 'ubuntu', versionId: '22.04', versionCodename: 'jammy', idLike: ['debian'] });
    const rhel = detectOs(rootOf({ 'etc/os-release': read('rhel-9.4-os-release') }));
    expect(rhel).toMatchObject({ id: 'rhel', versionId: '9.4', idLike: ['fedora'] });
    // Distroless says "Distroless" in PRETTY_NAME but is Debian: the ID is what counts.
    const dl = detectOs(rootOf({ 'etc/os-release': read('distroless-debian10-os-release') }));
    expect(dl).toMatchObject({ id: 'debian', versionId: '10', prettyName: 'Distroless', versionCodename: 'buster' });
  });

  it('uses etc/debian_version when there is no os-release', () => {
    expect(detectOs(rootOf({ 'etc/debian_version': read('debian-12-debian_version') }))).toMatchObject({
      id: 'debian',
      versionId: readFileSync(FIX + 'debian-12-debian_version', 'utf8').trim().split('.')[0],
    });
    const sid = detectOs(rootOf({ 'etc/debian_version': read('debian-sid-debian_version') }));
    expect(sid).toMatchObject({ id: 'debian', versionCodename: 'buster' });
    expect(sid?.versionId).toBeUndefined();
  });

  it('uses etc/alpine-release, etc/lsb-release and etc/redhat-release as fallbacks', () => {
    expect(detectOs(rootOf({ 'etc/alpine-release': '3.19.1\n' }))).toMatchObject({ id: 'alpine', versionId: '3.19.1' });
    // Ubuntu ships a debian_version too; lsb-release must win over it.
    const ubuntu = detectOs(rootOf({ 'etc/lsb-release': read('ubuntu-22.04-lsb-release'), 'etc/debian_version': 'bookworm/sid\n' }));
    expect(ubuntu).toMatchObject({ id: 'ubuntu', versionId: '22.04', versionCodename: 'jammy' });
    expect(detectOs(rootOf({ 'etc/redhat-release': read('rhel-8.10-redhat-release') }))).toMatchObject({ id: 'rhel', versionId: '8.10' });
    expect(detectOs(rootOf({ 'etc/redhat-release': read('rocky-8.10-redhat-release') }))).toMatchObject({ id: 'rocky', versionId: '8.10' });
  });

  it('returns undefined for an empty root or unusable files', () => {
    expect(detectOs(rootOf({}))).toBeUndefined();
    expect(detectOs(rootOf({ 'etc/debian_version': '\xff\xfe garbage' }))).toBeUndefined();
    expect(detectOs(rootOf({ 'etc/os-release': Buffer.from([0xff, 0xfe, 0x00, 0x41]) }))).toBeUndefined();
  });

  it('ignores an oversized release file', () => {
    const huge = 'ID=debian\n' + '#'.repeat(200 * 1024);
    expect(detectOs(rootOf({ 'etc/os-release': huge }))).toBeUndefined();
  });
});

describe('osWanter', () => {
  it('wants only the release files, with a small cap', () => {
    for (const p of ['etc/os-release', 'usr/lib/os-release', 'etc/debian_version', 'etc/alpine-release', 'etc/redhat-release', 'etc/lsb-release']) {
      expect(osWanter.want({ path: p, size: 100, mode: 0o644 })).toMatchObject({ maxBytes: expect.any(Number) });
    }
    for (const p of ['etc/os-release.bak', 'usr/etc/os-release', 'etc/passwd']) {
      expect(osWanter.want({ path: p, size: 100, mode: 0o644 })).toBeFalsy();
    }
  });
});
