import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrustError } from '../../src/trust/errors.js';
import { loadTrustedRoot, parseTrustedRoot, readTrustedRootFile } from '../../src/trust/trusted-root.js';

const FIX = join(import.meta.dirname, '../fixtures/trust/sigstore');
const PUBLIC_GOOD = join(FIX, 'trusted-roots/public-good-trusted_root.json');
let dir: string;

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    if (e instanceof TrustError) return e.code;
    throw e;
  }
  return undefined;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-trusted-root-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('trusted_root.json files', () => {
  it('reads every trusted root in the fixture set', () => {
    for (const f of ['trusted-roots/public-good-trusted_root.json', 'cosign/trusted_root_pgi.json', 'conformance/rekor2-happy-path/trusted_root.json']) {
      const root = readTrustedRootFile(join(FIX, f));
      expect(root.tlogs.length).toBeGreaterThan(0);
      expect(root.certificateAuthorities.length).toBeGreaterThan(0);
    }
  });

  it('loadTrustedRoot({file}) returns the file, even offline', async () => {
    const root = await loadTrustedRoot({ file: PUBLIC_GOOD, offline: true });
    expect(root).toEqual(JSON.parse(readFileSync(PUBLIC_GOOD, 'utf8')));
  });

  it('names what is wrong with a bad file', async () => {
    const good = JSON.parse(readFileSync(PUBLIC_GOOD, 'utf8'));
    expect(await codeOf(loadTrustedRoot({ file: join(dir, 'missing.json') }))).toBe('BAD_TRUSTED_ROOT');
    writeFileSync(join(dir, 'notjson.json'), '{');
    expect(await codeOf(loadTrustedRoot({ file: join(dir, 'notjson.json') }))).toBe('BAD_TRUSTED_ROOT');
    const cases: [unknown, RegExp][] = [
      [[], /not a JSON object/],
      [{ ...good, mediaType: 'application/json' }, /mediaType/],
      [{ ...good, tlogs: {} }, /tlogs is not an array/],
      [{ ...good, tlogs: [{ ...good.tlogs[0], publicKey: { keyDetails: 'PKIX_ECDSA_P256_SHA_256' } }] }, /tlogs\[0\]\.publicKey\.rawBytes/],
      [{ ...good, certificateAuthorities: [{ ...good.certificateAuthorities[0], certChain: { certificates: [] } }] }, /certificateAuthorities\[0\]\.certChain/],
      [{ ...good, tlogs: [{ ...good.tlogs[0], publicKey: { ...good.tlogs[0].publicKey, validFor: { start: 'yesterday' } } }] }, /validFor\.start/],
      [{ mediaType: good.mediaType }, /no transparency logs/],
    ];
    for (const [doc, re] of cases) {
      try {
        parseTrustedRoot(doc, 'root.json');
        expect.unreachable(JSON.stringify(doc).slice(0, 80));
      } catch (e) {
        expect((e as TrustError).code).toBe('BAD_TRUSTED_ROOT');
        expect((e as TrustError).message).toMatch(re);
        expect((e as TrustError).input).toBe('root.json');
      }
    }
  });
});

describe('the TUF-cached root, offline', () => {
  // A stand-in TUF mirror that counts requests: offline mode must never reach it.
  let hits = 0;
  let mirror: string;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(404).end();
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('with nothing cached, fails with a clear error and makes no request', async () => {
    const cacheDir = mkdtempSync(join(dir, 'empty-'));
    try {
      await loadTrustedRoot({ offline: true, cacheDir, tufMirrorURL: mirror });
      expect.unreachable();
    } catch (e) {
      expect((e as TrustError).code).toBe('BAD_TRUSTED_ROOT');
      expect((e as TrustError).message).toMatch(/offline and no cached trusted root/);
    }
    expect(hits).toBe(0);
  });

  it('uses the cached root when there is one, and makes no request', async () => {
    const cacheDir = mkdtempSync(join(dir, 'cached-'));
    mkdirSync(join(cacheDir, 'sigstore'));
    writeFileSync(join(cacheDir, 'sigstore', 'trusted_root.json'), readFileSync(PUBLIC_GOOD));
    const root = await loadTrustedRoot({ offline: true, cacheDir, tufMirrorURL: mirror });
    expect(root).toEqual(JSON.parse(readFileSync(PUBLIC_GOOD, 'utf8')));
    expect(hits).toBe(0);
  });

  it('a corrupt cached root is an error, not a silent network fetch', async () => {
    const cacheDir = mkdtempSync(join(dir, 'corrupt-'));
    mkdirSync(join(cacheDir, 'sigstore'));
    writeFileSync(join(cacheDir, 'sigstore', 'trusted_root.json'), '{"mediaType": 1}');
    expect(await codeOf(loadTrustedRoot({ offline: true, cacheDir, tufMirrorURL: mirror }))).toBe('BAD_TRUSTED_ROOT');
    expect(hits).toBe(0);
  });

  it('online, an unknown TUF mirror (no pinned TUF root for it) is a NETWORK error and caches nothing', async () => {
    const cacheDir = mkdtempSync(join(dir, 'online-'));
    expect(await codeOf(loadTrustedRoot({ cacheDir, tufMirrorURL: mirror }))).toBe('NETWORK');
    expect(await codeOf(loadTrustedRoot({ offline: true, cacheDir }))).toBe('BAD_TRUSTED_ROOT');
  });
});
