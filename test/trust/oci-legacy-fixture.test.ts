// A real cosign legacy signature (dangerzone's published `.sig` manifest, payload and key)
// loaded as it is into a real registry (Debian's docker-registry) and into an OCI layout,
// then read and verified with its public key — and its Rekor SET checked offline against
// the public-good trusted root. The signed image itself is not available, so the target is
// the digest the signature names; only the signatures are read from the stores.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/oci/index.js';
import { loadPublicKey } from '../../src/trust/keys.js';
import type { ImageTarget } from '../../src/trust/image-target.js';
import { verifyTargetSignatures } from '../../src/trust/image-verify.js';
import { legacyTag } from '../../src/trust/oci-store.js';
import { layoutReader, registryReader, readLegacy, type ArtifactReader } from '../../src/trust/oci-store-read.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { tempDir } from '../oci/images.js';

const fx = join(import.meta.dirname, '..', 'fixtures', 'trust', 'oci');
const IMAGE = 'sha256:7396780b5862cf8b37527854a2a2331e5c746b6a71aa1f424258c3bfaf3a1bd7';
const REPO = 'freedomofpress/dangerzone/v1';
const sha = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');

let reg: TestRegistry;
let work: string;
let manifest: Buffer;
let payload: Buffer;
let config: Buffer;
let key: ReturnType<typeof loadPublicKey>;
let trustedRoot: unknown;

function target(reader: ArtifactReader): ImageTarget {
  return { name: `${reader.name}@${IMAGE}`, digest: IMAGE, descriptor: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: IMAGE, size: 0 }, reader, dockerReference: `ghcr.io/${REPO}`, subjectName: `ghcr.io/${REPO}`, resolvedFromTag: false };
}

beforeAll(async () => {
  [reg, work] = await Promise.all([startRegistry(), tempDir('trust-fixture')]);
  manifest = await readFile(join(fx, 'dangerzone', 'sig-manifest.json'));
  payload = await readFile(join(fx, 'dangerzone', 'payload.json'));
  config = await readFile(join(fx, 'dangerzone', 'config.json'));
  key = loadPublicKey(await readFile(join(fx, 'dangerzone', 'cosign.pub'), 'utf8'));
  trustedRoot = JSON.parse(await readFile(join(fx, 'public-good-trusted_root.json'), 'utf8'));
  const client = new RegistryClient(reg.host, { plainHttp: true });
  await client.putBlob(REPO, config);
  await client.putBlob(REPO, payload);
  await client.putManifest(REPO, legacyTag(IMAGE, 'sig'), manifest, 'application/vnd.oci.image.manifest.v1+json');

  // The same objects in an OCI layout, tagged as `skopeo copy … oci:DIR:sha256-….sig` tags them.
  const layout = join(work, 'layout');
  for (const blob of [config, payload, manifest]) {
    await mkdir(join(layout, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(layout, 'blobs', 'sha256', sha(blob).slice(7)), blob);
  }
  await writeFile(join(layout, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(join(layout, 'index.json'), JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': legacyTag(IMAGE, 'sig') } }],
  }));
}, 60_000);

afterAll(async () => {
  await reg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the published legacy .sig signature', () => {
  for (const where of ['registry', 'oci layout'] as const) {
    const reader = () => (where === 'registry' ? registryReader(new RegistryClient(reg.host, { plainHttp: true }), REPO) : layoutReader(join(work, 'layout')));

    it(`verifies with its public key (${where})`, async () => {
      const r = await verifyTargetSignatures(target(reader()), { key });
      expect(r.verified).toBe(true);
      expect(r.signatures).toHaveLength(1);
      expect(r.signatures[0]).toMatchObject({ format: 'legacy', verified: true, signer: { key: true } });
      // No trusted root: the Rekor bundle is not vouched for, so no logged time is claimed.
      expect(r.signatures[0].integratedTime).toBeUndefined();
    });

    it(`says when it was logged, from the SET checked against the public-good root (${where})`, async () => {
      const r = await verifyTargetSignatures(target(reader()), { key, trustedRoot });
      expect(r.signatures[0]).toMatchObject({ verified: true, tlogIndex: '929816779' });
      // integratedTime in the manifest's dev.sigstore.cosign/bundle annotation.
      expect(r.signatures[0].integratedTime?.getTime()).toBe(1770622892 * 1000);
    });
  }

  it('fails with another key', async () => {
    const { publicKey } = await import('node:crypto').then((c) => c.generateKeyPairSync('ec', { namedCurve: 'P-256' }));
    const r = await verifyTargetSignatures(target(registryReader(new RegistryClient(reg.host, { plainHttp: true }), REPO)), { key: publicKey });
    expect(r.verified).toBe(false);
    expect(r.signatures[0].code).toBe('BAD_SIGNATURE');
  });

  it('fails the tlog check when the trusted root does not hold the log key', async () => {
    const root = trustedRoot as { tlogs: unknown[] };
    const r = await verifyTargetSignatures(target(layoutReader(join(work, 'layout'))), { key, trustedRoot: { ...root, tlogs: [] } });
    expect(r.signatures[0]).toMatchObject({ verified: false, code: 'TLOG' });
  });

  it('is for the digest it names, and no other', async () => {
    const other = 'sha256:' + 'ab'.repeat(32);
    // Serve the same .sig manifest under another image's tag: a replayed signature.
    const client = new RegistryClient(reg.host, { plainHttp: true });
    await client.putManifest(REPO, legacyTag(other, 'sig'), manifest, 'application/vnd.oci.image.manifest.v1+json');
    const r = await verifyTargetSignatures({ ...target(registryReader(client, REPO)), digest: other }, { key });
    expect(r.signatures[0]).toMatchObject({ verified: false, code: 'WRONG_DIGEST' });
  });

  it('reads the layer exactly as stored: media type, annotations, payload', async () => {
    const [entry] = await readLegacy(layoutReader(join(work, 'layout')), IMAGE, 'sig');
    expect(entry.layer.mediaType).toBe('application/vnd.dev.cosign.simplesigning.v1+json');
    expect(entry.payload?.equals(payload)).toBe(true);
    expect(Object.keys(entry.annotations).sort()).toEqual(['dev.cosignproject.cosign/signature', 'dev.sigstore.cosign/bundle']);
  });
});
