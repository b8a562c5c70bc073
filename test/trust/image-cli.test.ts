// `portcullis sign` and `verify` as commands (registerImageTrustCommands, run as main()
// runs them): what they print, and the exit codes of DESIGN.md — 0, 1 when verification
// fails, 2 for bad input — on a real registry, and reading an `oci:` layout.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isPortcullisError } from '../../src/errors/index.js';
import { registerImageTrustCommands } from '../../src/cli/commands/trust-image.js';
import { resolveDigest } from '../../src/oci/index.js';
import { generateKeyPair } from '../../src/trust/keys.js';
import { copyToRegistry, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildImage, tempDir } from '../oci/images.js';

let reg: TestRegistry;
let work: string;
let digest: string;
let repoRef: string;
const REPO = 'cli/app';

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const program = new Command().exitOverride();
  program.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerImageTrustCommands(program);
  for (const c of program.commands) c.exitOverride();
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: 0, stdout, stderr };
  } catch (e) {
    if (isPortcullisError(e)) return { code: e.exitCode, stdout, stderr: stderr + e.toLine() };
    if (e instanceof Error && 'exitCode' in e) return { code: 2, stdout, stderr }; // commander usage errors: main() exits 2
    throw e;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

beforeAll(async () => {
  [reg, work] = await Promise.all([startRegistry(), tempDir('trust-cli')]);
  await buildImage(join(work, 'layout'), 'v1', [{ 'etc/os-release': 'ID=cli\n' }]);
  await copyToRegistry(`oci:${join(work, 'layout')}:v1`, `docker://${reg.host}/${REPO}:v1`);
  digest = (await resolveDigest(`${reg.host}/${REPO}:v1`, { plainHttp: true })).digest;
  repoRef = `${reg.host}/${REPO}`;
  const pair = generateKeyPair('');
  await writeFile(join(work, 'cosign.key'), pair.privateKeyPem);
  await writeFile(join(work, 'cosign.pub'), pair.publicKeyPem);
  await writeFile(join(work, 'other.pub'), generateKeyPair('').publicKeyPem);
  vi.stubEnv('COSIGN_PASSWORD', '');
  // An empty cache: no trusted root cached by an earlier run on this machine.
  vi.stubEnv('PORTCULLIS_CACHE_DIR', join(work, 'cache'));
}, 120_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await reg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('sign and verify commands', () => {
  const key = () => ['--key', join(work, 'cosign.key'), '--tlog-upload=false', '--plain-http'];

  it('refuses a tag (2), signs with --resolve and prints the digest signed', async () => {
    const refused = await cli(['sign', `${repoRef}:v1`, ...key()]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--resolve/);
    const r = await cli(['sign', `${repoRef}:v1`, '--resolve', ...key()]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(`${repoRef}@${digest}`);
  });

  it('verify says which signatures verified and whose they are (0); with another key, 1', async () => {
    const ok = await cli(['verify', `${repoRef}:v1`, '--key', join(work, 'cosign.pub'), '--plain-http']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(new RegExp(`^Verified: .*\\(${digest}\\), 2 of 2 signatures verified`));
    expect(ok.stdout).toMatch(/verified {2}legacy .*sha256-[a-f0-9]{64}\.sig#0\n\s+signed with the key; not checked against a transparency log/);
    const bad = await cli(['verify', `${repoRef}:v1`, '--key', join(work, 'other.pub'), '--plain-http', '--format', 'json']);
    expect(bad.code).toBe(1);
    const doc = JSON.parse(bad.stdout) as { verified: boolean; signatures: Array<{ code: string }> };
    expect(doc.verified).toBe(false);
    expect(doc.signatures.map((s) => s.code)).toEqual(['BAD_SIGNATURE', 'BAD_SIGNATURE']);
    expect(bad.stderr).toMatch(/BAD_SIGNATURE|does not verify/);
  });

  it('an unsigned image fails verification (1)', async () => {
    await copyToRegistry(`oci:${join(work, 'layout')}:v1`, `docker://${reg.host}/cli/unsigned:v1`);
    const r = await cli(['verify', `${reg.host}/cli/unsigned:v1`, '--key', join(work, 'cosign.pub'), '--plain-http']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/0 of 0 signatures/);
  });

  it('bad input exits 2: no key or identity, both, a bad key file, an unknown storage, keyless without a root offline', async () => {
    const ref = `${repoRef}@${digest}`;
    expect((await cli(['verify', ref, '--plain-http'])).code).toBe(2);
    expect((await cli(['verify', ref, '--key', join(work, 'cosign.pub'), '--certificate-identity', 'x', '--certificate-oidc-issuer', 'y'])).code).toBe(2);
    expect((await cli(['verify', ref, '--key', join(work, 'cosign.key'), '--plain-http'])).code).toBe(2);
    expect((await cli(['verify', ref, '--key', join(work, 'missing.pub')])).code).toBe(2);
    expect((await cli(['sign', ref, ...key(), '--storage', 'sideways'])).code).toBe(2);
    expect((await cli(['sign', ref, '--plain-http'])).code).toBe(2);
    expect((await cli(['sign', ref, ...key(), '--tlog-upload', 'maybe'])).code).toBe(2);
    const offline = await cli(['verify', ref, '--certificate-identity', 'x', '--certificate-oidc-issuer', 'y', '--offline', '--plain-http']);
    expect(offline.code).toBe(2);
    expect((await cli(['verify', 'not a reference!', '--key', join(work, 'cosign.pub')])).code).toBe(2);
  });

  it('verifies from an oci: layout copied with its signatures by skopeo', async () => {
    const layout = join(work, 'copied');
    const sigTag = `sha256-${digest.slice(7)}.sig`;
    for (const tag of ['v1', sigTag]) {
      execFileSync('skopeo', ['copy', '--quiet', '--insecure-policy', '--src-tls-verify=false', `docker://${repoRef}:${tag}`, `oci:${layout}:${tag}`]);
    }
    const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations?: Record<string, string> }> };
    expect(index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'v1')?.digest).toBe(digest);
    const r = await cli(['verify', `oci:${layout}:v1`, '--key', join(work, 'cosign.pub')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/1 of 1 signatures verified/);
  });
});
