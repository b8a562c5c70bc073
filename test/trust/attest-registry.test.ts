// Attestations on a real registry: a CycloneDX SBOM made by our own `portcullis sbom` of
// an image (built from this machine's real dpkg status and os-release), attested with a
// cosign key through the `attest` command, then verify-attestation by type and condition.
import { readFileSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { isPortcullisError } from '../../src/errors/index.js';
import { main } from '../../src/cli/main.js';
import { registerImageTrustCommands } from '../../src/cli/commands/trust-image.js';
import { RegistryClient, resolveDigest } from '../../src/oci/index.js';
import { attachAttestation, predicateTypeOf, verifyAttestations } from '../../src/trust/attest.js';
import { requireVerified, verifyImage } from '../../src/trust/image-verify.js';
import { generateKeyPair, loadPrivateKey, loadPublicKey } from '../../src/trust/keys.js';
import { CosignMediaTypes, legacyManifest, legacyTag } from '../../src/trust/oci-store.js';
import { startRegistry, copyToRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildImage, tempDir } from '../oci/images.js';

let reg: TestRegistry;
let work: string;
let ref: string;
let digest: string;
let pub: ReturnType<typeof loadPublicKey>;
let sbom: Record<string, unknown>;
const REPO = 'team/sbom';
const plain = { plainHttp: true };

/** Runs our commands as main() does: the exit code of a thrown PortcullisError, else 0. */
async function cli(args: string[]): Promise<number> {
  const program = new Command().exitOverride();
  registerImageTrustCommands(program);
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (e) {
    if (isPortcullisError(e)) return e.exitCode;
    throw e;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

async function rejection(f: () => unknown): Promise<{ code?: string; exitCode?: number }> {
  try {
    await f();
  } catch (e) {
    return isPortcullisError(e) ? { code: e.code, exitCode: e.exitCode } : { code: String(e) };
  }
  return {};
}

beforeAll(async () => {
  [reg, work] = await Promise.all([startRegistry(), tempDir('trust-attest')]);
  // The first packages of this machine's dpkg database: real metadata for the SBOM.
  const status = readFileSync('/var/lib/dpkg/status', 'utf8').split('\n\n').slice(0, 4).join('\n\n') + '\n';
  const layout = join(work, 'layout');
  await buildImage(layout, 'v1', [{ 'etc/os-release': readFileSync('/etc/os-release', 'utf8'), 'var/lib/dpkg/status': status }]);
  await copyToRegistry(`oci:${layout}:v1`, `docker://${reg.host}/${REPO}:v1`);
  digest = (await resolveDigest(`${reg.host}/${REPO}:v1`, plain)).digest;
  ref = `${reg.host}/${REPO}@${digest}`;
  const pair = generateKeyPair('pw');
  await writeFile(join(work, 'cosign.key'), pair.privateKeyPem);
  await writeFile(join(work, 'cosign.pub'), pair.publicKeyPem);
  pub = loadPublicKey(pair.publicKeyPem);

  // Our own SBOM command, in process.
  const out = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    expect(await main(['sbom', `${reg.host}/${REPO}:v1`, '--plain-http', '--no-cache', '-o', join(work, 'sbom.json')])).toBe(0);
  } finally {
    out.mockRestore();
  }
  sbom = JSON.parse(await readFile(join(work, 'sbom.json'), 'utf8')) as Record<string, unknown>;
  vi.stubEnv('COSIGN_PASSWORD', 'pw');
}, 180_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await reg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('attest and verify-attestation', () => {
  it('attests the SBOM with `portcullis attest` (both formats)', async () => {
    expect((sbom.components as unknown[]).length).toBeGreaterThan(0);
    expect(await cli(['attest', ref, '--predicate', join(work, 'sbom.json'), '--type', 'cyclonedx', '--key', join(work, 'cosign.key'), '--tlog-upload=false', '--plain-http', '-q'])).toBe(0);
    // The .att layer as cosign writes it (sigstore.md 1.2).
    const client = new RegistryClient(reg.host, plain);
    const m = JSON.parse((await client.getManifest(REPO, legacyTag(digest, 'att'))).body.toString()) as { layers: Array<{ mediaType: string; digest: string; annotations: Record<string, string> }> };
    expect(m.layers).toHaveLength(1);
    expect(m.layers[0].mediaType).toBe('application/vnd.dsse.envelope.v1+json');
    expect(m.layers[0].annotations).toEqual({ 'dev.cosignproject.cosign/signature': '', predicateType: 'https://cyclonedx.org/bom' });
    const env = JSON.parse((await client.getBlob(REPO, m.layers[0].digest)).toString()) as { payloadType: string; payload: string; signatures: Array<{ keyid: string; sig: string }> };
    expect(Object.keys(env)).toEqual(['payloadType', 'payload', 'signatures']);
    expect(env.payloadType).toBe('application/vnd.in-toto+json');
  });

  it('verifies by type, with the predicate being the SBOM', async () => {
    const r = await verifyAttestations(`${reg.host}/${REPO}:v1`, { ...plain, key: pub, type: 'cyclonedx', condition: "bomFormat == 'CycloneDX' && length(components) > `0`" });
    expect(r.verified).toBe(true);
    expect(r.attestations.map((a) => [a.format, a.verified, a.predicateType])).toEqual([
      ['bundle', true, 'https://cyclonedx.org/bom'],
      ['legacy', true, 'https://cyclonedx.org/bom'],
    ]);
    expect(r.attestations[0].statement?.predicate).toEqual(sbom);
    expect(r.attestations[0].statement?.subject).toEqual([{ name: `${reg.host}/${REPO}`, digest: { sha256: digest.slice(7) } }]);
    expect(await cli(['verify-attestation', `${reg.host}/${REPO}:v1`, '--key', join(work, 'cosign.pub'), '--type', 'cyclonedx', '--plain-http'])).toBe(0);
  });

  it('a condition the predicate does not satisfy fails (exit 1)', async () => {
    const r = await verifyAttestations(ref, { ...plain, key: pub, type: 'cyclonedx', condition: 'length(components) > `100000`' });
    expect(r.verified).toBe(false);
    expect(r.attestations.map((a) => a.code)).toEqual(['UNTRUSTED', 'UNTRUSTED']);
    expect(await cli(['verify-attestation', ref, '--key', join(work, 'cosign.pub'), '--type', 'cyclonedx', '--condition', "bomFormat == 'SPDX'", '--plain-http'])).toBe(1);
  });

  it('another type finds nothing (exit 1); a bad condition or type is bad input (exit 2)', async () => {
    const r = await verifyAttestations(ref, { ...plain, key: pub, type: 'spdx' });
    expect(r.attestations).toEqual([]);
    expect(await rejection(() => requireVerified({ ...r, signatures: r.attestations }))).toEqual({ code: 'NO_SIGNATURES', exitCode: 1 });
    expect(await cli(['verify-attestation', ref, '--key', join(work, 'cosign.pub'), '--type', 'spdx', '--plain-http'])).toBe(1);
    expect(await cli(['verify-attestation', ref, '--key', join(work, 'cosign.pub'), '--condition', 'components[', '--plain-http'])).toBe(2);
    expect(await cli(['verify-attestation', ref, '--key', join(work, 'cosign.pub'), '--type', 'no such type', '--plain-http'])).toBe(2);
  });

  it('an attestation is not a signature', async () => {
    const v = await verifyImage(ref, { ...plain, key: pub });
    expect(v.signatures).toEqual([]);
  });

  it('a tampered envelope fails, another key fails', async () => {
    const other = loadPublicKey(generateKeyPair('').publicKeyPem);
    const r = await verifyAttestations(ref, { ...plain, key: other });
    expect(r.attestations.map((a) => a.code)).toEqual(['BAD_SIGNATURE', 'BAD_SIGNATURE']);

    const client = new RegistryClient(reg.host, plain);
    const m = JSON.parse((await client.getManifest(REPO, legacyTag(digest, 'att'))).body.toString()) as { layers: Array<{ mediaType: string; digest: string; size: number; annotations: Record<string, string> }> };
    const env = JSON.parse((await client.getBlob(REPO, m.layers[0].digest)).toString()) as { payload: string };
    const statement = JSON.parse(Buffer.from(env.payload, 'base64').toString()) as { predicate: { components: unknown[] } };
    statement.predicate.components = [];
    const forged = Buffer.from(JSON.stringify({ ...env, payload: Buffer.from(JSON.stringify(statement)).toString('base64') }));
    const blob = await client.putBlob(REPO, forged);
    const { manifest, config } = legacyManifest([{ ...m.layers[0], digest: blob.digest, size: blob.size }]);
    await client.putBlob(REPO, config);
    await client.putManifest(REPO, legacyTag(digest, 'att'), manifest, CosignMediaTypes.ociManifest);
    const t = await verifyAttestations(ref, { ...plain, key: pub, type: 'cyclonedx' });
    expect(t.attestations.map((a) => [a.format, a.verified, a.code])).toEqual([['bundle', true, undefined], ['legacy', false, 'BAD_SIGNATURE']]);
  });

  it('attachAttestation pins the digest that was scanned, even through a tag', async () => {
    const priv = loadPrivateKey(await readFile(join(work, 'cosign.key'), 'utf8'), 'pw');
    const vuln = { scanner: { uri: 'https://portcullis.dev', version: '0', result: {} }, metadata: { scanStartedOn: '2024-01-01T00:00:00Z', scanFinishedOn: '2024-01-01T00:00:00Z' } };
    const r = await attachAttestation(`${reg.host}/${REPO}:v1`, vuln, 'vuln', { ...plain, key: priv, digest, format: 'bundle' });
    expect(r.digest).toBe(digest);
    expect(r.predicateType).toBe(predicateTypeOf('vuln'));
    const v = await verifyAttestations(ref, { ...plain, key: pub, type: 'vuln', condition: "scanner.uri == 'https://portcullis.dev'" });
    expect(v.attestations.map((a) => a.verified)).toEqual([true]);
  });
});
