// Image signing round trip on a real loopback registry (Debian's docker-registry, images
// built by umoci and pushed by skopeo): generate a cosign key pair, sign by digest, verify;
// then tamper with the payload, the signature and the image, and feed it malformed
// signature manifests — each fails with its own code.
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors/index.js';
import { digestOf, RegistryClient, resolveDigest } from '../../src/oci/index.js';
import { TrustError } from '../../src/trust/errors.js';
import { signImage } from '../../src/trust/image.js';
import { requireVerified, verifyImage } from '../../src/trust/image-verify.js';
import { generateKeyPair, loadPrivateKey, loadPublicKey, signBytes } from '../../src/trust/keys.js';
import { CosignAnnotations, CosignMediaTypes, legacyManifest, legacyTag, referrersTag } from '../../src/trust/oci-store.js';
import { createSimpleSigning } from '../../src/trust/simple-signing.js';
import { copyToRegistry, skopeoInspect, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildImage, tempDir } from '../oci/images.js';

let reg: TestRegistry;
let work: string;
let client: RegistryClient;
let priv: ReturnType<typeof loadPrivateKey>;
let pub: ReturnType<typeof loadPublicKey>;
let digest: string;
const REPO = 'team/app';
const plain = { plainHttp: true };

interface Layer { mediaType: string; size: number; digest: string; annotations?: Record<string, string> }
interface Manifest { config: Layer; layers: Layer[] }

async function sigManifest(d: string, kind: 'sig' | 'att' = 'sig'): Promise<Manifest> {
  return JSON.parse((await client.getManifest(REPO, legacyTag(d, kind))).body.toString()) as Manifest;
}

/** Writes a `.sig` manifest for `d` with these layers (and the config cosign would write). */
async function putSig(d: string, layers: Layer[]): Promise<void> {
  const { manifest, config } = legacyManifest(layers);
  await client.putBlob(REPO, config);
  await client.putManifest(REPO, legacyTag(d, 'sig'), manifest, CosignMediaTypes.ociManifest);
}

async function rejection(p: Promise<unknown>): Promise<{ code?: string; exitCode?: number }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TrustError || e instanceof UsageError) return { code: e.code, exitCode: e.exitCode };
    return { code: `unexpected: ${String(e)}` };
  }
  return {};
}

beforeAll(async () => {
  [reg, work] = await Promise.all([startRegistry(), tempDir('trust-image')]);
  client = new RegistryClient(reg.host, plain);
  const layout = join(work, 'layout');
  await buildImage(layout, 'v1', [{ 'etc/os-release': 'ID=portcullis\n' }]);
  await buildImage(layout, 'v2', [{ 'etc/os-release': 'ID=portcullis\nVERSION_ID=2\n' }]);
  await copyToRegistry(`oci:${layout}:v1`, `docker://${reg.host}/${REPO}:v1`);
  await copyToRegistry(`oci:${layout}:v2`, `docker://${reg.host}/${REPO}:v2`);
  digest = (await resolveDigest(`${reg.host}/${REPO}:v1`, plain)).digest;
  const pair = generateKeyPair('s3cret');
  priv = loadPrivateKey(pair.privateKeyPem, 's3cret');
  pub = loadPublicKey(pair.publicKeyPem);
}, 120_000);

afterAll(async () => {
  await reg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('sign and verify on a registry', () => {
  it('refuses a tag-only reference unless told to resolve it', async () => {
    expect(await rejection(signImage(`${reg.host}/${REPO}:v1`, { ...plain, key: priv }))).toEqual({ code: 'USAGE', exitCode: 2 });
  });

  it('signs by digest in both formats, and the tag then verifies', async () => {
    const r = await signImage(`${reg.host}/${REPO}@${digest}`, { ...plain, key: priv });
    expect(r.digest).toBe(digest);
    expect(r.legacy).toMatchObject({ tag: legacyTag(digest, 'sig'), appended: true });
    // Debian's docker-registry 2.8 has no referrers API: the fallback tag is used.
    expect(r.bundle?.path).toBe('fallback-tag');

    const v = await verifyImage(`${reg.host}/${REPO}:v1`, { ...plain, key: pub });
    expect(v.digest).toBe(digest);
    expect(v.verified).toBe(true);
    expect(v.signatures.map((s) => [s.format, s.verified, s.signer?.key])).toEqual([['bundle', true, true], ['legacy', true, true]]);
    expect(() => requireVerified(v)).not.toThrow();
  });

  it('stores them as cosign does (sigstore.md 1.1 and 1.3)', async () => {
    // The .sig tag: an OCI manifest whose config is the empty-image config and whose layer is the payload.
    const raw = await skopeoInspect(`${reg.host}/${REPO}:${legacyTag(digest, 'sig')}`, { raw: true });
    const m = JSON.parse(raw) as Manifest & { mediaType: string };
    expect(m.mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(m.config.mediaType).toBe('application/vnd.oci.image.config.v1+json');
    expect(m.layers[0].mediaType).toBe('application/vnd.dev.cosign.simplesigning.v1+json');
    expect(Object.keys(m.layers[0].annotations ?? {})).toEqual(['dev.cosignproject.cosign/signature']);
    const payload = await client.getBlob(REPO, m.layers[0].digest);
    expect(payload.equals(createSimpleSigning(`${reg.host}/${REPO}`, digest))).toBe(true);

    // The fallback index at sha256-<hex> lists the bundle referrer, whose subject is the image.
    const index = JSON.parse((await client.getManifest(REPO, referrersTag(digest))).body.toString()) as { mediaType: string; manifests: Layer[] };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0]).toMatchObject({ artifactType: 'application/vnd.dev.sigstore.bundle.v0.3+json', annotations: { 'dev.sigstore.bundle.content': 'dsse-envelope', 'dev.sigstore.bundle.predicateType': 'https://sigstore.dev/cosign/sign/v1' } });
    const referrer = JSON.parse((await client.getManifest(REPO, index.manifests[0].digest)).body.toString()) as Manifest & { artifactType: string; subject: Layer };
    const head = await resolveDigest(`${reg.host}/${REPO}@${digest}`, plain);
    expect(referrer.subject).toEqual({ mediaType: head.mediaType, size: head.size, digest });
    expect(referrer.layers[0].mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    const bundle = JSON.parse((await client.getBlob(REPO, referrer.layers[0].digest)).toString()) as { mediaType: string; dsseEnvelope: { payloadType: string; payload: string } };
    expect(bundle.mediaType).toBe('application/vnd.dev.sigstore.bundle.v0.3+json');
    expect(JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString())).toEqual({
      _type: 'https://in-toto.io/Statement/v1', subject: [{ digest: { sha256: digest.slice(7) } }], predicateType: 'https://sigstore.dev/cosign/sign/v1', predicate: {},
    });
  });

  it('appends a second signature to the .sig manifest, as cosign does', async () => {
    const r = await signImage(`${reg.host}/${REPO}:v1`, { ...plain, key: priv, resolve: true, format: 'legacy' });
    expect(r.resolvedFromTag).toBe(true);
    expect(r.digest).toBe(digest);
    const m = await sigManifest(digest);
    expect(m.layers).toHaveLength(2);
    // Both layers sign the same payload; ECDSA signatures differ.
    expect(m.layers[0].digest).toBe(m.layers[1].digest);
    const cfg = JSON.parse((await client.getBlob(REPO, m.config.digest)).toString()) as { rootfs: { diff_ids: string[] } };
    expect(cfg.rootfs.diff_ids).toEqual([m.layers[0].digest, m.layers[1].digest]);
    const v = await verifyImage(`${reg.host}/${REPO}@${digest}`, { ...plain, key: pub });
    expect(v.signatures.filter((s) => s.verified)).toHaveLength(3);
  });

  it('fails with another key: BAD_SIGNATURE, exit 1', async () => {
    const other = loadPublicKey(generateKeyPair('x').publicKeyPem);
    const v = await verifyImage(`${reg.host}/${REPO}:v1`, { ...plain, key: other });
    expect(v.verified).toBe(false);
    expect(new Set(v.signatures.map((s) => s.code))).toEqual(new Set(['BAD_SIGNATURE']));
    expect(await rejection(Promise.resolve().then(() => requireVerified(v)))).toEqual({ code: 'BAD_SIGNATURE', exitCode: 1 });
  });
});

describe('tampering', () => {
  let original: Manifest;
  beforeAll(async () => {
    original = await sigManifest(digest);
  });

  async function legacyOnly(d = digest) {
    return (await verifyImage(`${reg.host}/${REPO}@${d}`, { ...plain, key: pub })).signatures.filter((s) => s.format === 'legacy');
  }

  it('a rewritten payload (blob and manifest consistent) no longer matches its signature', async () => {
    // Same digest claim, so the claim check would pass: only the signature can catch it.
    const forged = createSimpleSigning(`${reg.host}/${REPO}`, digest, { approved: 'yes' });
    const blob = await client.putBlob(REPO, forged);
    await putSig(digest, original.layers.map((l) => ({ ...l, digest: blob.digest, size: blob.size })));
    expect((await legacyOnly()).map((s) => s.code)).toEqual(['BAD_SIGNATURE', 'BAD_SIGNATURE']);
  });

  it('an altered signature annotation fails', async () => {
    const sig = Buffer.from(original.layers[0].annotations?.[CosignAnnotations.signature] ?? '', 'base64');
    sig[sig.length - 1] ^= 1;
    await putSig(digest, [{ ...original.layers[0], annotations: { [CosignAnnotations.signature]: sig.toString('base64') } }]);
    expect((await legacyOnly()).map((s) => s.code)).toEqual(['BAD_SIGNATURE']);
  });

  it('a new image under the same tag has no signatures, and the old ones are not for it', async () => {
    await putSig(digest, original.layers);
    // Move v1 to the content of v2.
    await copyToRegistry(`oci:${join(work, 'layout')}:v2`, `docker://${reg.host}/${REPO}:v1`);
    const moved = await verifyImage(`${reg.host}/${REPO}:v1`, { ...plain, key: pub });
    expect(moved.digest).not.toBe(digest);
    expect(moved.signatures).toEqual([]);
    expect(await rejection(Promise.resolve().then(() => requireVerified(moved)))).toEqual({ code: 'NO_SIGNATURES', exitCode: 1 });

    // Replay the old signature manifest under the new digest's tag: the payload names the old digest.
    await putSig(moved.digest, original.layers);
    expect((await legacyOnly(moved.digest)).map((s) => s.code)).toEqual(['WRONG_DIGEST', 'WRONG_DIGEST']);
    // The old digest still verifies.
    expect((await legacyOnly()).every((s) => s.verified)).toBe(true);
  });
});

describe('bad signature manifests', () => {
  let other: string;
  beforeAll(async () => {
    other = (await resolveDigest(`${reg.host}/${REPO}:v2`, plain)).digest;
  });

  it('a layer of the wrong media type is reported, not trusted', async () => {
    const payload = createSimpleSigning(`${reg.host}/${REPO}`, other);
    const blob = await client.putBlob(REPO, payload);
    await putSig(other, [{ mediaType: 'application/octet-stream', digest: blob.digest, size: blob.size, annotations: { [CosignAnnotations.signature]: 'AAAA' } }]);
    const v = await verifyImage(`${reg.host}/${REPO}@${other}`, { ...plain, key: pub });
    expect(v.signatures).toMatchObject([{ format: 'legacy', verified: false, code: 'BAD_BUNDLE' }]);
    expect(v.signatures[0].reason).toMatch(/application\/octet-stream/);
    expect(await rejection(Promise.resolve().then(() => requireVerified(v)))).toEqual({ code: 'BAD_BUNDLE', exitCode: 2 });
  });

  it('malformed annotations: a missing or non-base64 signature, a broken Rekor bundle', async () => {
    const payload = createSimpleSigning(`${reg.host}/${REPO}`, other);
    const blob = await client.putBlob(REPO, payload);
    const layer = { mediaType: CosignMediaTypes.simpleSigning, digest: blob.digest, size: blob.size };
    const good = signBytes(priv, payload).toString('base64');
    await putSig(other, [
      { ...layer, annotations: {} },
      { ...layer, annotations: { [CosignAnnotations.signature]: 'not base64!' } },
      { ...layer, annotations: { [CosignAnnotations.signature]: good, [CosignAnnotations.bundle]: '{"SignedEntryTimestamp":' } },
    ]);
    const trustedRoot = JSON.parse(await readFile(join(import.meta.dirname, '..', 'fixtures', 'trust', 'oci', 'public-good-trusted_root.json'), 'utf8')) as unknown;
    const v = await verifyImage(`${reg.host}/${REPO}@${other}`, { ...plain, key: pub, trustedRoot });
    expect(v.signatures.map((s) => s.code)).toEqual(['BAD_BUNDLE', 'BAD_BUNDLE', 'BAD_BUNDLE']);
    // Without a trusted root the Rekor annotation is not consulted, and the signature itself is good.
    const w = await verifyImage(`${reg.host}/${REPO}@${other}`, { ...plain, key: pub });
    expect(w.signatures.map((s) => s.verified)).toEqual([false, false, true]);
  });

  it('a .sig tag holding an index is refused, both for reading and for appending', async () => {
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: CosignMediaTypes.ociIndex, manifests: [] }));
    await client.putManifest(REPO, legacyTag(other, 'sig'), index, CosignMediaTypes.ociIndex);
    const v = await verifyImage(`${reg.host}/${REPO}@${other}`, { ...plain, key: pub });
    expect(v.signatures).toMatchObject([{ verified: false, code: 'BAD_BUNDLE' }]);
    expect(await rejection(signImage(`${reg.host}/${REPO}@${other}`, { ...plain, key: priv, format: 'legacy' }))).toEqual({ code: 'BAD_BUNDLE', exitCode: 2 });
    // Nothing was overwritten.
    expect(digestOf((await client.getManifest(REPO, legacyTag(other, 'sig'))).body)).toBe(digestOf(index));
  });
});
