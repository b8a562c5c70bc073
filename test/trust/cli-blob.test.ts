// `key generate`, `sign-blob` and `verify-blob` through commander, in process. The lead wires
// registerKeyCommands into src/cli/main.ts; until then this harness does what main() does
// with a thrown error (one `portcullis: error:` line, the error's exit code; commander usage
// errors exit 2), so the contract asserted here is the one the real binary keeps.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isPortcullisError } from '../../src/errors/index.js';
import { registerKeyCommands } from '../../src/cli/commands/trust-keys.js';
import { loadPrivateKey } from '../../src/trust/keys.js';
import { makeIdentityToken, startMockSigstore, type MockSigstore } from './mock-sigstore.js';

const FIX = join(import.meta.dirname, '../fixtures/trust/sigstore');
let dir: string;
let mock: MockSigstore;

async function cli(args: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number; stderr: string }> {
  const saved: Record<string, string | undefined> = {};
  const names = ['PORTCULLIS_PASSWORD', 'COSIGN_PASSWORD', 'SIGSTORE_ID_TOKEN', 'ACTIONS_ID_TOKEN_REQUEST_URL', ...Object.keys(env)];
  for (const k of names) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
  Object.assign(process.env, Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)));
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    stderr += s.toString();
    return true;
  });
  const program = new Command().name('portcullis').exitOverride().configureOutput({ writeErr: (s) => (stderr += s), writeOut: (s) => (stderr += s) });
  registerKeyCommands(program);
  let code = 0;
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) code = 2;
    else if (isPortcullisError(e)) {
      stderr += `portcullis: error: ${e.toLine()}\n`;
      code = e.exitCode;
    } else throw e;
  } finally {
    spy.mockRestore();
    for (const k of names) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  }
  return { code, stderr };
}

function expectOneLineError(r: { code: number; stderr: string }, code: number, re: RegExp) {
  expect(r.code).toBe(code);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^portcullis: error: /);
  expect(lines[0]).toMatch(re);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-trust-cli-'));
  mock = await startMockSigstore();
  writeFileSync(join(dir, 'release.txt'), 'release 1.0.0\n');
  writeFileSync(join(dir, 'mock-root.json'), JSON.stringify(mock.trustedRoot));
});
afterAll(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('key generate', () => {
  it('writes PREFIX.key (0600, encrypted with the env password) and PREFIX.pub', async () => {
    const prefix = join(dir, 'k1');
    const r = await cli(['key', 'generate', '--output-key-prefix', prefix], { PORTCULLIS_PASSWORD: 'pw1' });
    expect(r.code, r.stderr).toBe(0);
    const pem = readFileSync(`${prefix}.key`, 'utf8');
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----/);
    expect(statSync(`${prefix}.key`).mode & 0o777).toBe(0o600);
    expect(readFileSync(`${prefix}.pub`, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(loadPrivateKey(pem, 'pw1').type).toBe('private');
  });

  it('refuses to overwrite without --force, and takes COSIGN_PASSWORD too', async () => {
    const prefix = join(dir, 'k2');
    expect((await cli(['key', 'generate', '--output-key-prefix', prefix], { COSIGN_PASSWORD: 'pw2' })).code).toBe(0);
    expectOneLineError(await cli(['key', 'generate', '--output-key-prefix', prefix], { COSIGN_PASSWORD: 'pw2' }), 2, /k2\.key: file exists/);
    expect((await cli(['key', 'generate', '--output-key-prefix', prefix, '--force'], { COSIGN_PASSWORD: 'pw3' })).code).toBe(0);
    expect(loadPrivateKey(readFileSync(`${prefix}.key`, 'utf8'), 'pw3').type).toBe('private');
  });

  it('with no password in the environment and no terminal, says how to give one', async () => {
    const r = await cli(['key', 'generate', '--output-key-prefix', join(dir, 'k3')]);
    expectOneLineError(r, 2, /PORTCULLIS_PASSWORD or COSIGN_PASSWORD/);
  });
});

describe('sign-blob and verify-blob with a key', () => {
  const file = () => join(dir, 'release.txt');
  const prefix = () => join(dir, 'signer');

  beforeAll(async () => {
    expect((await cli(['key', 'generate', '--output-key-prefix', prefix()], { COSIGN_PASSWORD: 'hello' })).code).toBe(0);
  });

  it('signs without the log, and verifies with --insecure-ignore-tlog (exit 0)', async () => {
    const out = join(dir, 'key.bundle.json');
    const s = await cli(['sign-blob', file(), '--bundle', out, '--key', `${prefix()}.key`, '--tlog-upload=false'], { COSIGN_PASSWORD: 'hello' });
    expect(s.code, s.stderr).toBe(0);
    const bundle = JSON.parse(readFileSync(out, 'utf8'));
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(bundle.verificationMaterial.publicKey.hint).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const v = await cli(['verify-blob', file(), '--bundle', out, '--key', `${prefix()}.pub`, '--insecure-ignore-tlog']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toMatch(/^Verified OK: .*release\.txt signed by the given key/);
  });

  it('a tampered file exits 1 with a one-line reason naming it', async () => {
    const out = join(dir, 'key.bundle.json');
    const tampered = join(dir, 'tampered.txt');
    writeFileSync(tampered, 'release 1.0.0\nplus a backdoor\n');
    const r = await cli(['verify-blob', tampered, '--bundle', out, '--key', `${prefix()}.pub`, '--insecure-ignore-tlog']);
    expectOneLineError(r, 1, /tampered\.txt: artifact sha256:[0-9a-f]{64} does not match/);
  });

  it('without --insecure-ignore-tlog, a bundle with no log entry exits 1', async () => {
    const r = await cli(['verify-blob', file(), '--bundle', join(dir, 'key.bundle.json'), '--key', `${prefix()}.pub`, '--trusted-root', join(dir, 'mock-root.json')]);
    expectOneLineError(r, 1, /no transparency log entry/);
  });

  it('signs into the (local) Rekor and verifies against a trusted root file', async () => {
    const out = join(dir, 'key-rekor.bundle.json');
    const s = await cli(['sign-blob', file(), '--bundle', out, '--key', `${prefix()}.key`, '--rekor-url', mock.rekorURL], { COSIGN_PASSWORD: 'hello' });
    expect(s.code, s.stderr).toBe(0);
    expect(s.stderr).toMatch(/tlog entry created with index \d+/);
    const v = await cli(['verify-blob', file(), '--bundle', out, '--key', `${prefix()}.pub`, '--trusted-root', join(dir, 'mock-root.json'), '--offline']);
    expect(v.code, v.stderr).toBe(0);
    expect(v.stderr).toMatch(/logged \d{4}-\d\d-\d\dT.* at index \d+/);
  });

  it('a wrong password exits 2 and writes no bundle', async () => {
    const out = join(dir, 'never.json');
    const r = await cli(['sign-blob', file(), '--bundle', out, '--key', `${prefix()}.key`, '--tlog-upload=false'], { COSIGN_PASSWORD: 'nope' });
    expectOneLineError(r, 2, /signer\.key: wrong password/);
    expect(() => statSync(out)).toThrow();
  });
});

describe('keyless sign-blob and verify-blob against the local Sigstore', () => {
  const issuer = 'https://issuer.example.test';
  const subject = 'builder@example.test';

  it('round trips; a wrong identity or issuer exits 1', async () => {
    const file = join(dir, 'release.txt');
    const out = join(dir, 'keyless.bundle.json');
    const token = makeIdentityToken({ iss: issuer, sub: subject });
    const s = await cli(['sign-blob', file, '--bundle', out, '--fulcio-url', mock.fulcioURL, '--rekor-url', mock.rekorURL, '--timestamp-server-url', mock.tsaURL], { SIGSTORE_ID_TOKEN: token });
    expect(s.code, s.stderr).toBe(0);
    const root = join(dir, 'mock-root.json');
    const ok = await cli(['verify-blob', file, '--bundle', out, '--certificate-identity', subject, '--certificate-oidc-issuer', issuer, '--trusted-root', root, '--offline']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toContain(`signed by ${subject} (issuer ${issuer})`);
    const wrongId = await cli(['verify-blob', file, '--bundle', out, '--certificate-identity', 'other@example.test', '--certificate-oidc-issuer', issuer, '--trusted-root', root]);
    expectOneLineError(wrongId, 1, /certificate identity "builder@example\.test" does not match "other@example\.test"/);
    const wrongIss = await cli(['verify-blob', file, '--bundle', out, '--certificate-identity-regexp', '@example\\.test$', '--certificate-oidc-issuer', 'https://accounts.google.com', '--trusted-root', root]);
    expectOneLineError(wrongIss, 1, /OIDC issuer/);
  });

  it('without a key or a token, sign-blob says what it needs', async () => {
    expectOneLineError(await cli(['sign-blob', join(dir, 'release.txt'), '--bundle', join(dir, 'x.json')]), 2, /--identity-token/);
  });
});

describe('verify-blob on published bundles and bad input', () => {
  const a = join(FIX, 'conformance/a.txt');
  const pg = join(FIX, 'trusted-roots/public-good-trusted_root.json');
  const id = 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main';
  const iss = 'https://token.actions.githubusercontent.com';
  const verify = (bundle: string, extra: string[] = []) => cli(['verify-blob', a, '--bundle', bundle, '--certificate-identity', id, '--certificate-oidc-issuer', iss, '--trusted-root', pg, '--offline', ...extra]);

  it('a conformance v0.3 bundle verifies offline against the public-good root', async () => {
    const r = await verify(join(FIX, 'conformance/happy-path-v0.3/bundle.sigstore.json'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`signed by ${id}`);
  });

  it('malformed bundle JSON exits 2 naming the bundle', async () => {
    const bad = join(dir, 'malformed.json');
    writeFileSync(bad, '{"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json", ');
    expectOneLineError(await verify(bad), 2, /malformed\.json: bundle is not JSON/);
  });

  it('a wrong media type exits 2', async () => {
    const b = JSON.parse(readFileSync(join(FIX, 'conformance/happy-path-v0.3/bundle.sigstore.json'), 'utf8'));
    const bad = join(dir, 'wrongtype.json');
    writeFileSync(bad, JSON.stringify({ ...b, mediaType: 'application/vnd.in-toto+json' }));
    expectOneLineError(await verify(bad), 2, /wrongtype\.json: unsupported bundle mediaType "application\/vnd\.in-toto\+json"/);
  });

  it('offline with neither --trusted-root nor a cached root exits 2 with a hint', async () => {
    const empty = mkdtempSync(join(dir, 'cache-'));
    const r = await cli(['verify-blob', a, '--bundle', join(FIX, 'conformance/happy-path-v0.3/bundle.sigstore.json'), '--certificate-identity', id, '--certificate-oidc-issuer', iss, '--offline', '--cache-dir', empty]);
    expectOneLineError(r, 2, /offline and no cached trusted root.*--trusted-root/);
  });

  it('missing --bundle, or neither a key nor an identity, is a usage error (exit 2)', async () => {
    expect((await cli(['verify-blob', a])).code).toBe(2);
    expectOneLineError(await cli(['verify-blob', a, '--bundle', join(dir, 'x.json')]), 2, /needs --key, or --certificate-identity/);
  });
});
