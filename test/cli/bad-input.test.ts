// The CLI contract for bad input (DESIGN.md "Untrusted input"): one line
// `portcullis: error: …` naming the input and the reason, exit 2, no stack trace, and no
// output file left behind. Images are real OCI layouts / registries with one defect each.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Digest } from '../../src/util/digest.js';
import { buildLayer, buildTar, writeOciLayout, type BuiltLayer, type Entry } from '../helpers/build-image.js';
import { startRegistry } from '../helpers/registry.js';

const bin = join(import.meta.dirname, '..', '..', 'bin', 'portcullis.js');
let dir: string;

function run(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A layer whose blob is exactly `blob` (digest computed over it, so only its content is bad). */
function rawLayer(blob: Buffer, diffIdOf: Buffer, mediaType = 'application/vnd.oci.image.layer.v1.tar+gzip'): BuiltLayer {
  return { blob, digest: sha256Digest(blob), diffId: sha256Digest(diffIdOf), mediaType, size: blob.length, tar: diffIdOf };
}

async function image(name: string, layers: BuiltLayer[]): Promise<string> {
  const d = join(dir, name);
  await writeOciLayout(d, { layers, tag: 't' });
  return `oci:${d}:t`;
}

function expectCleanFailure(r: ReturnType<typeof run>, code: string | RegExp, out: string) {
  expect(r.code).toBe(2);
  const lines = r.stderr.trim().split('\n');
  expect(lines[0]).toMatch(/^portcullis: error: /);
  expect(lines[0]).toMatch(code);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace without --debug
  expect(existsSync(out)).toBe(false);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-badinput-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sbom on bad images', () => {
  const good: Entry[] = [{ path: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\n' }];

  it('a truncated gzip layer', async () => {
    const tar = await buildTar([...good, { path: 'big', content: Buffer.alloc(200_000, 7) }]);
    const gz = gzipSync(tar);
    const ref = await image('truncated', [rawLayer(gz.subarray(0, gz.length >> 1), tar)]);
    const out = join(dir, 'truncated.json');
    const r = run(['sbom', ref, '--no-cache', '-o', out]);
    expectCleanFailure(r, /truncated/i, out);
  });

  it('a tar entry escaping the root with ../', async () => {
    const ref = await image('dotdot', [await buildLayer([...good, { path: '../../etc/evil', content: 'x' }])]);
    const out = join(dir, 'dotdot.json');
    expectCleanFailure(run(['sbom', ref, '--no-cache', '-o', out]), /\.\.\/\.\.\/etc\/evil|outside|escap|unsafe/i, out);
  });

  it('a tar entry with an absolute path', async () => {
    const ref = await image('abs', [await buildLayer([...good, { path: '/etc/evil', content: 'x' }])]);
    const out = join(dir, 'abs.json');
    expectCleanFailure(run(['sbom', ref, '--no-cache', '-o', out]), /\/etc\/evil|absolute/i, out);
  });

  it('a blob whose bytes do not match its digest', async () => {
    // An uncompressed layer with one content byte changed: still a valid tar, so only the
    // digest check can catch it.
    const layer = await buildLayer([...good, { path: 'data', content: 'A'.repeat(1000) }], { compression: 'none' });
    const d = join(dir, 'mismatch');
    await writeOciLayout(d, { layers: [layer], tag: 't' });
    const tampered = Buffer.from(layer.blob);
    tampered[tampered.indexOf('AAAA')] = 0x42;
    writeFileSync(join(d, 'blobs/sha256', layer.digest.slice(7)), tampered);
    const out = join(dir, 'mismatch.json');
    expectCleanFailure(run(['sbom', `oci:${d}:t`, '--no-cache', '-o', out]), /hashes to sha256:[0-9a-f]{64}, expected/, out);
  });

  it('a blob of the wrong size', async () => {
    const layer = await buildLayer(good);
    const d = join(dir, 'short');
    await writeOciLayout(d, { layers: [layer], tag: 't' });
    writeFileSync(join(d, 'blobs/sha256', layer.digest.slice(7)), layer.blob.subarray(0, 20));
    const out = join(dir, 'short.json');
    expectCleanFailure(run(['sbom', `oci:${d}:t`, '--no-cache', '-o', out]), /bytes, expected/i, out);
  });

  it('an unknown layer media type', async () => {
    const tar = await buildTar(good);
    const ref = await image('mediatype', [rawLayer(tar, tar, 'application/vnd.example.not-a-layer')]);
    const out = join(dir, 'mediatype.json');
    expectCleanFailure(run(['sbom', ref, '--no-cache', '-o', out]), /media type/i, out);
  });

  it('garbage instead of a layer', async () => {
    const junk = Buffer.from('\x1f\x8b this is not gzip at all, just bytes'.repeat(20));
    const ref = await image('garbage', [rawLayer(junk, junk)]);
    const out = join(dir, 'garbage.json');
    const r = run(['sbom', ref, '--no-cache', '-o', out]);
    expectCleanFailure(r, /layer 0 \(sha256:[0-9a-f]{64}\): (invalid tar|not a tar|.*gzip)/i, out);
  });

  it('a symlink loop on a path the catalogers read', async () => {
    const ref = await image('loop', [
      await buildLayer([
        { path: 'etc/os-release', type: 'symlink', linkname: '/etc/os-release.d' },
        { path: 'etc/os-release.d', type: 'symlink', linkname: '/etc/os-release' },
        { path: 'var/lib/dpkg/status', content: 'Package: a\nStatus: install ok installed\nVersion: 1\nArchitecture: all\n' },
      ]),
    ]);
    const out = join(dir, 'loop.json');
    const r = run(['sbom', ref, '--no-cache', '-o', out]);
    // Either outcome is clean: a loop error naming the path, or a scan that ignores the loop.
    if (r.code === 0) expect(existsSync(out)).toBe(true);
    else expectCleanFailure(r, /loop|symlink/i, out);
  });

  it('a missing path and an unknown transport', () => {
    const out = join(dir, 'none.json');
    expectCleanFailure(run(['sbom', `oci:${join(dir, 'does-not-exist')}`, '-o', out]), /does-not-exist/, out);
    expectCleanFailure(run(['sbom', 'oci-archive:x.tar', '-o', out]), /oci-archive/, out);
    expectCleanFailure(run(['sbom', 'Not A Reference!', '-o', out]), /reference|invalid/i, out);
  });

  it('a file named on the command line that cannot be read', () => {
    const r = run(['image', 'dir:/nonexistent', '--vex', join(dir, 'no-such-vex.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^portcullis: error: .*no-such-vex\.json: cannot read .*ENOENT/);
  });

  it('a bad flag value', () => {
    const r = run(['sbom', 'dir:/nonexistent', '--format', 'xml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^portcullis: error: --format: unknown format "xml"/);
  });
});

describe('sbom against a real registry that says no', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  let authReg: Awaited<ReturnType<typeof startRegistry>>;
  beforeAll(async () => {
    reg = await startRegistry();
    authReg = await startRegistry({ htpasswd: { user: 'ci', password: 's3cret' } });
  });
  afterAll(async () => {
    await reg?.stop();
    await authReg?.stop();
  });

  it('404: a tag that does not exist', () => {
    const out = join(dir, '404.json');
    expectCleanFailure(run(['sbom', `${reg.host}/nothing/here:v1`, '--plain-http', '-o', out]), /not found|404|unknown/i, out);
  });

  it('401: no or wrong credentials', () => {
    const out = join(dir, '401.json');
    expectCleanFailure(run(['sbom', `${authReg.host}/team/app:v1`, '--plain-http', '-o', out]), /unauthori|401|credentials|denied/i, out);
    const r = spawnSync(process.execPath, [bin, 'sbom', `${authReg.host}/team/app:v1`, '--plain-http', '--username', 'ci', '--password-stdin', '-o', out], { input: 'wrong\n', encoding: 'utf8' });
    expectCleanFailure({ code: r.status, stdout: r.stdout, stderr: r.stderr }, /unauthori|401|credentials|denied/i, out);
  });

  it('connection refused', () => {
    const out = join(dir, 'refused.json');
    expectCleanFailure(run(['sbom', '127.0.0.1:1/team/app:v1', '--plain-http', '-o', out]), /127\.0\.0\.1:1/, out);
  });
});
