// `--attest` on `sbom` and `image`: the SBOM and the scan result become signed in-toto
// attestations of exactly the image digest that was read, stored in a real loopback
// registry as cosign stores them, and verify with `verify-attestation`.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry } from '../helpers/registry.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'portcullis.js');
let dir: string;
let reg: Awaited<ReturnType<typeof startRegistry>>;
let ref: string;
const env = { ...process.env, COSIGN_PASSWORD: 'bookstore', PORTCULLIS_PASSWORD: 'bookstore' };

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env, cwd: dir, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-attest-'));
  reg = await startRegistry();
  // The Bookstore example image, pushed to the loopback registry.
  expect(spawnSync(process.execPath, [join(root, 'examples/bookstore/run.mjs')], { encoding: 'utf8' }).status).toBe(0);
  ref = `${reg.host}/bookstore/catalog:dev`;
  execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${join(root, 'examples/bookstore/out/catalog')}:dev`, `docker://${ref}`]);
  expect(cli(['key', 'generate']).code).toBe(0);
  expect(cli(['db', 'import', join(root, 'examples/bookstore/advisories/osv'), '--db', join(dir, 'p.db'), '-q']).code).toBe(0);
}, 120_000);

afterAll(async () => {
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('--attest', () => {
  it('sbom --attest stores a CycloneDX attestation that verifies with the public key', () => {
    const made = cli(['sbom', ref, '--plain-http', '--no-cache', '--attest', '--key', 'cosign.key', '--tlog-upload', 'false', '-o', join(dir, 'sbom.json')]);
    expect(made.stderr).toMatch(/attested .*@sha256:[0-9a-f]{64}/);
    expect(made.code).toBe(0);
    const v = cli(['verify-attestation', ref, '--plain-http', '--key', 'cosign.pub', '--type', 'cyclonedx', '--condition', "bomFormat == 'CycloneDX'"]);
    expect(v.code).toBe(0);
    // A condition the SBOM does not meet fails.
    expect(cli(['verify-attestation', ref, '--plain-http', '--key', 'cosign.pub', '--type', 'cyclonedx', '--condition', "bomFormat == 'SPDX'"]).code).toBe(1);
  });

  it('image --attest stores the scan result as a vuln attestation', () => {
    const made = cli(['image', ref, '--plain-http', '--no-cache', '--db', join(dir, 'p.db'), '--attest', '--key', 'cosign.key', '--tlog-upload', 'false', '-o', join(dir, 'scan.txt')]);
    expect(made.code).toBe(0);
    const v = cli(['verify-attestation', ref, '--plain-http', '--key', 'cosign.pub', '--type', 'vuln', '--condition', "scanner.result.summary.findings > `0`"]);
    expect(v.stderr + v.stdout).not.toMatch(/error/i);
    expect(v.code).toBe(0);
  });

  it('refuses --attest for a target that is not in a registry', () => {
    const r = cli(['sbom', `oci:${join(root, 'examples/bookstore/out/catalog')}:dev`, '--attest', '--key', 'cosign.key', '--no-cache', '-o', join(dir, 'x.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^portcullis: error: .*--attest needs an image in a registry/);
  });
});
