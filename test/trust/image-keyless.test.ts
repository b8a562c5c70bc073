// Keyless image signing and attestation on a real registry, with Fulcio, Rekor and the TSA
// served by @sigstore/mock's handlers on 127.0.0.1 (mock-sigstore.ts: the real services
// cannot run here and the suite is offline). Both storage formats: the legacy `.sig` layer
// with certificate and Rekor-bundle annotations, and the bundle v0.3 referrer.
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, resolveDigest } from '../../src/oci/index.js';
import { attestImage, verifyAttestations } from '../../src/trust/attest.js';
import { signImage } from '../../src/trust/image.js';
import { verifyImage } from '../../src/trust/image-verify.js';
import { generateKeyPair, loadPrivateKey, loadPublicKey } from '../../src/trust/keys.js';
import { CosignAnnotations, CosignMediaTypes, legacyManifest, legacyTag } from '../../src/trust/oci-store.js';
import { parseRekorBundle } from '../../src/trust/image-rekor.js';
import { copyToRegistry, startRegistry, type TestRegistry } from '../helpers/registry.js';
import { buildImage, tempDir } from '../oci/images.js';
import { makeIdentityToken, startMockSigstore, type MockSigstore } from './mock-sigstore.js';

const ISSUER = 'https://token.actions.example.test';
const SUBJECT = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const REPO = 'acme/app';
const plain = { plainHttp: true };

let reg: TestRegistry;
let mock: MockSigstore;
let work: string;
let ref: string;
let digest: string;
let keyless: { identityToken: string; fulcioURL: string; rekorURL: string };

beforeAll(async () => {
  [reg, mock, work] = await Promise.all([startRegistry(), startMockSigstore(), tempDir('trust-keyless')]);
  const layout = join(work, 'layout');
  await buildImage(layout, 'v1', [{ 'etc/os-release': 'ID=acme\n' }]);
  await copyToRegistry(`oci:${layout}:v1`, `docker://${reg.host}/${REPO}:v1`);
  digest = (await resolveDigest(`${reg.host}/${REPO}:v1`, plain)).digest;
  ref = `${reg.host}/${REPO}@${digest}`;
  keyless = { identityToken: makeIdentityToken({ iss: ISSUER, sub: SUBJECT }), fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL };
}, 120_000);

afterAll(async () => {
  await mock?.close();
  await reg?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('keyless image signatures', () => {
  it('signs through Fulcio and Rekor, and verifies against the identity and the trusted root', async () => {
    const r = await signImage(ref, { ...plain, keyless });
    expect(r.legacy?.appended).toBe(true);
    expect(r.bundle?.path).toBe('fallback-tag');

    const v = await verifyImage(`${reg.host}/${REPO}:v1`, { ...plain, identity: { subject: SUBJECT, issuer: ISSUER }, trustedRoot: mock.trustedRoot });
    expect(v.signatures.map((s) => [s.format, s.verified, s.code])).toEqual([['bundle', true, undefined], ['legacy', true, undefined]]);
    for (const s of v.signatures) {
      expect(s.signer).toMatchObject({ subject: SUBJECT, issuer: ISSUER });
      expect(Math.abs((s.integratedTime?.getTime() ?? 0) - Date.now())).toBeLessThan(5 * 60_000);
    }
  });

  it('stores the certificate and the Rekor bundle in the legacy layer annotations', async () => {
    const client = new RegistryClient(reg.host, plain);
    const m = JSON.parse((await client.getManifest(REPO, legacyTag(digest, 'sig'))).body.toString()) as { layers: Array<{ annotations: Record<string, string> }> };
    const a = m.layers[0].annotations;
    expect(a[CosignAnnotations.certificate]).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
    expect(a[CosignAnnotations.signature]).toMatch(/^[A-Za-z0-9+/]+=*$/);
    const rb = parseRekorBundle(a[CosignAnnotations.bundle] ?? '', 'test');
    const body = JSON.parse(Buffer.from(rb.Payload.body, 'base64').toString()) as { kind: string };
    expect(body.kind).toBe('hashedrekord');
    // Go field order of bundle.RekorBundle.
    expect(Object.keys(JSON.parse(a[CosignAnnotations.bundle] ?? '{}') as object)).toEqual(['SignedEntryTimestamp', 'Payload']);
  });

  it('another identity or issuer is refused; so is a root that does not trust the CA', async () => {
    const wrong = await verifyImage(ref, { ...plain, identity: { subject: 'https://github.com/evil/app', issuer: ISSUER }, trustedRoot: mock.trustedRoot });
    expect(wrong.signatures.map((s) => s.code)).toEqual(['IDENTITY_MISMATCH', 'IDENTITY_MISMATCH']);
    const issuer = await verifyImage(ref, { ...plain, identity: { subjectRegExp: '^https://github\\.com/acme/', issuer: 'https://accounts.example' }, trustedRoot: mock.trustedRoot });
    expect(issuer.signatures.map((s) => s.code)).toEqual(['IDENTITY_MISMATCH', 'IDENTITY_MISMATCH']);
    const other = await startMockSigstore();
    try {
      const v = await verifyImage(ref, { ...plain, identity: { subject: SUBJECT, issuer: ISSUER }, trustedRoot: other.trustedRoot });
      expect(v.verified).toBe(false);
      for (const s of v.signatures) expect(['UNTRUSTED', 'TLOG']).toContain(s.code);
    } finally {
      await other.close();
    }
  });

  it('a keyless signature does not verify with a key', async () => {
    const v = await verifyImage(ref, { ...plain, key: loadPublicKey(generateKeyPair('').publicKeyPem) });
    // The bundle says it is certificate-signed (UNTRUSTED: wrong kind of verification); the legacy layer just fails.
    expect(v.signatures.map((s) => s.code)).toEqual(['UNTRUSTED', 'BAD_SIGNATURE']);
  });

  it('a key signature logged in Rekor says when it was logged, in both formats', async () => {
    const pair = generateKeyPair('');
    const key = loadPrivateKey(pair.privateKeyPem, '');
    const pub = loadPublicKey(pair.publicKeyPem);
    await signImage(ref, { ...plain, key, keyTlog: { rekorURL: mock.rekorURL } });
    const v = await verifyImage(ref, { ...plain, key: pub, trustedRoot: mock.trustedRoot });
    const mine = v.signatures.filter((s) => s.verified);
    expect(mine.map((s) => s.format)).toEqual(['bundle', 'legacy']);
    for (const s of mine) {
      expect(s.signer).toEqual({ key: true });
      expect(Math.abs((s.integratedTime?.getTime() ?? 0) - Date.now())).toBeLessThan(5 * 60_000);
    }
    // Without the trusted root the signatures still verify, but no logged time is claimed.
    const bare = (await verifyImage(ref, { ...plain, key: pub })).signatures.filter((s) => s.verified);
    expect(bare.map((s) => s.integratedTime)).toEqual([undefined, undefined]);
  });

  it('attests keylessly and verifies the bundle referrer and the .att layer', async () => {
    await attestImage(ref, { builder: { id: 'https://ci.example/acme' } }, 'slsaprovenance', { ...plain, keyless });
    const v = await verifyAttestations(ref, { ...plain, identity: { subject: SUBJECT, issuer: ISSUER }, trustedRoot: mock.trustedRoot, type: 'slsaprovenance', condition: "builder.id == 'https://ci.example/acme'" });
    expect(v.attestations.map((a) => [a.format, a.verified, a.signer?.subject])).toEqual([['bundle', true, SUBJECT], ['legacy', true, SUBJECT]]);
    for (const a of v.attestations) expect(a.integratedTime).toBeDefined();
    const wrong = await verifyAttestations(ref, { ...plain, identity: { subject: 'https://github.com/evil/app', issuer: ISSUER }, trustedRoot: mock.trustedRoot, type: 'slsaprovenance' });
    expect(wrong.attestations.map((a) => a.code)).toEqual(['IDENTITY_MISMATCH', 'IDENTITY_MISMATCH']);
  });

  it('a keyless layer with a malformed Rekor bundle or certificate is reported, not trusted', async () => {
    const client = new RegistryClient(reg.host, plain);
    const m = JSON.parse((await client.getManifest(REPO, legacyTag(digest, 'sig'))).body.toString()) as { layers: Array<{ mediaType: string; size: number; digest: string; annotations: Record<string, string> }> };
    const keylessLayer = m.layers.find((l) => l.annotations[CosignAnnotations.certificate]);
    if (!keylessLayer) throw new Error('no keyless layer');
    const rb = JSON.parse(keylessLayer.annotations[CosignAnnotations.bundle] ?? '{}') as { Payload: { body: string } };
    rb.Payload.body = Buffer.from('not json').toString('base64');
    const layers = [
      { ...keylessLayer, annotations: { ...keylessLayer.annotations, [CosignAnnotations.bundle]: JSON.stringify(rb) } },
      { ...keylessLayer, annotations: { ...keylessLayer.annotations, [CosignAnnotations.certificate]: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' } },
    ];
    const { manifest, config } = legacyManifest(layers);
    await client.putBlob(REPO, config);
    await client.putManifest(REPO, legacyTag(digest, 'sig'), manifest, CosignMediaTypes.ociManifest);
    const v = await verifyImage(ref, { ...plain, identity: { subject: SUBJECT, issuer: ISSUER }, trustedRoot: mock.trustedRoot });
    const legacy = v.signatures.filter((s) => s.format === 'legacy');
    expect(legacy.map((s) => s.verified)).toEqual([false, false]);
    expect(legacy[0].code).toBe('BAD_BUNDLE');
    expect(v.signatures.find((s) => s.format === 'bundle' && s.verified)).toBeDefined(); // the referrer is untouched
    expect(legacy[1].code).toBe('BAD_BUNDLE');
  });
});
