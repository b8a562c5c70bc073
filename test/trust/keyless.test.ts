// Keyless and key signing round trips, fully offline: Fulcio, Rekor and the TSA are
// @sigstore/mock's handlers on 127.0.0.1 (see mock-sigstore.ts for why they are mocked),
// the identity token is minted here, and the trusted root is built from the mock's keys.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_V03_MEDIA_TYPE } from '@sigstore/bundle';
import { TrustError } from '../../src/trust/errors.js';
import { generateKeyPair, loadPrivateKey, loadPublicKey } from '../../src/trust/keys.js';
import { signKeyless } from '../../src/trust/keyless.js';
import { publicKeyHint, signBlobWithKey, verifyBlob } from '../../src/trust/blob.js';
import { readTrustedRootFile } from '../../src/trust/trusted-root.js';
import { verifyBundle, type VerifyBundleOptions } from '../../src/trust/verify-bundle.js';
import { makeIdentityToken, startMockSigstore, type MockSigstore } from './mock-sigstore.js';

const ISSUER = 'https://token.actions.example.test';
const SUBJECT = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';
const ARTIFACT = Buffer.from('portcullis release 1.0.0\n');
const PUBLIC_GOOD = join(import.meta.dirname, '../fixtures/trust/sigstore/trusted-roots/public-good-trusted_root.json');

let mock: MockSigstore;
let token: string;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof TrustError) {
      expect(e.message).not.toMatch(/\n/);
      return e.code;
    }
    throw e;
  }
  return undefined;
}

beforeAll(async () => {
  mock = await startMockSigstore();
  token = makeIdentityToken({ iss: ISSUER, sub: SUBJECT });
});
afterAll(() => mock.close());

describe('keyless signing against the local Sigstore', () => {
  let bundle: Record<string, unknown>;
  let opts: VerifyBundleOptions;

  beforeAll(async () => {
    bundle = (await signKeyless(ARTIFACT, { identityToken: token, fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL, tsaURL: mock.tsaURL })) as Record<string, unknown>;
    opts = { trustedRoot: mock.trustedRoot, identity: { subject: SUBJECT, issuer: ISSUER } };
  });

  it('went through Fulcio, Rekor and the TSA and wrote a v0.3 bundle with a leaf certificate', () => {
    expect(mock.hits['/api/v2/signingCert']).toBeGreaterThanOrEqual(1);
    expect(mock.hits['/api/v1/log/entries']).toBeGreaterThanOrEqual(1);
    expect(mock.hits['/api/v1/timestamp']).toBeGreaterThanOrEqual(1);
    expect(bundle.mediaType).toBe(BUNDLE_V03_MEDIA_TYPE);
    const vm = bundle.verificationMaterial as Record<string, unknown>;
    expect(Object.keys(vm)).toContain('certificate');
    expect(vm.x509CertificateChain).toBeUndefined();
    const ms = bundle.messageSignature as { messageDigest: { digest: string } };
    expect(Buffer.from(ms.messageDigest.digest, 'base64').toString('hex')).toBe(createHash('sha256').update(ARTIFACT).digest('hex'));
  });

  it('verifies, naming who signed and when it was logged', () => {
    const before = Date.now();
    const res = verifyBlob(ARTIFACT, bundle, opts);
    expect(res.signer).toEqual({ subject: SUBJECT, issuer: ISSUER });
    expect(res.tlogIndex).toMatch(/^\d+$/);
    expect(Math.abs(res.integratedTime!.getTime() - before)).toBeLessThan(120_000);
    expect(res.timestampAuthorityTime).toBeInstanceOf(Date);
  });

  it('verifies after a JSON round trip (what a bundle file holds)', () => {
    expect(verifyBlob(ARTIFACT, JSON.stringify(bundle), opts).signer.subject).toBe(SUBJECT);
  });

  it('matches identity and issuer by regular expression', () => {
    const res = verifyBlob(ARTIFACT, bundle, { ...opts, identity: { subjectRegExp: '^https://github\\.com/acme/', issuerRegExp: '\\.example\\.test$' } });
    expect(res.signer.subject).toBe(SUBJECT);
  });

  it('a wrong identity fails with IDENTITY_MISMATCH', () => {
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { ...opts, identity: { subject: 'https://github.com/evil/app/.github/workflows/release.yml@refs/heads/main', issuer: ISSUER } }))).toBe('IDENTITY_MISMATCH');
    // Exact means exact: a prefix of the identity is not the identity.
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { ...opts, identity: { subject: 'https://github.com/acme/app', issuer: ISSUER } }))).toBe('IDENTITY_MISMATCH');
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { ...opts, identity: { subjectRegExp: '^https://github\\.com/evil/', issuer: ISSUER } }))).toBe('IDENTITY_MISMATCH');
  });

  it('a wrong issuer fails with IDENTITY_MISMATCH', () => {
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { ...opts, identity: { subject: SUBJECT, issuer: 'https://accounts.google.com' } }))).toBe('IDENTITY_MISMATCH');
  });

  it('without an identity policy, a keyless bundle is refused', () => {
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { trustedRoot: mock.trustedRoot }))).toBe('IDENTITY_MISMATCH');
  });

  it('a tampered artifact fails with WRONG_DIGEST', () => {
    expect(codeOf(() => verifyBlob(Buffer.from('portcullis release 1.0.1\n'), bundle, opts))).toBe('WRONG_DIGEST');
  });

  it('a tampered signature fails', () => {
    const ms = bundle.messageSignature as { signature: string };
    const sig = Buffer.from(ms.signature, 'base64');
    sig[sig.length - 1] ^= 1;
    const bad = { ...bundle, messageSignature: { ...ms, signature: sig.toString('base64') } };
    // Whichever check sees it first: the TSA countersigned the original signature, the log holds it too.
    expect(['BAD_SIGNATURE', 'TLOG', 'UNTRUSTED']).toContain(codeOf(() => verifyBlob(ARTIFACT, bad, opts)));
  });

  it('is untrusted under the public-good root', () => {
    expect(['TLOG', 'UNTRUSTED']).toContain(codeOf(() => verifyBlob(ARTIFACT, bundle, { ...opts, trustedRoot: readTrustedRootFile(PUBLIC_GOOD) })));
  });

  it('a trusted root without the log that signed fails with TLOG, naming the log', () => {
    const noLog = { ...mock.trustedRoot, tlogs: [] };
    try {
      verifyBlob(ARTIFACT, bundle, { ...opts, trustedRoot: noLog });
      expect.unreachable();
    } catch (e) {
      expect((e as TrustError).code).toBe('TLOG');
      expect((e as TrustError).message).toMatch(/no transparency log with ID/);
    }
  });

  it('a trusted root without the CA fails with UNTRUSTED', () => {
    const noCA = { ...mock.trustedRoot, certificateAuthorities: [] };
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { ...opts, trustedRoot: noCA }))).toBe('UNTRUSTED');
  });

  it('a public key cannot stand in for the certificate', () => {
    const pub = loadPublicKey(generateKeyPair('x').publicKeyPem);
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { trustedRoot: mock.trustedRoot, publicKey: pub }))).toBe('UNTRUSTED');
  });
});

describe('keyless DSSE (in-toto) bundles', () => {
  const digest = createHash('sha256').update(ARTIFACT).digest('hex');
  const statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: 'release.txt', digest: { sha256: digest } }],
    predicateType: 'https://sigstore.dev/cosign/sign/v1',
    predicate: {},
  };

  it('verifies against the subject digest, and fails for another digest', async () => {
    const bundle = await signKeyless(
      { dsse: { payloadType: 'application/vnd.in-toto+json', payload: Buffer.from(JSON.stringify(statement)) } },
      { identityToken: token, fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL },
    );
    expect(bundle.mediaType).toBe(BUNDLE_V03_MEDIA_TYPE);
    expect(bundle.dsseEnvelope).toBeDefined();
    const opts = { trustedRoot: mock.trustedRoot, identity: { subject: SUBJECT, issuer: ISSUER } };
    expect(verifyBundle(bundle, { digest: `sha256:${digest}` }, opts).signer.subject).toBe(SUBJECT);
    expect(verifyBundle(bundle, ARTIFACT, opts).signer.issuer).toBe(ISSUER);
    expect(codeOf(() => verifyBundle(bundle, { digest: `sha256:${'0'.repeat(64)}` }, opts))).toBe('WRONG_DIGEST');
  });
});

describe('trusted time', () => {
  it('a certificate with no log or TSA time is checked at the verification time: expired → EXPIRED', async () => {
    const bundle = await signKeyless(ARTIFACT, { identityToken: token, fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL, tlogUpload: false });
    const vm = bundle.verificationMaterial as { tlogEntries?: unknown[] };
    expect(vm.tlogEntries ?? []).toEqual([]);
    const opts = { trustedRoot: mock.trustedRoot, identity: { subject: SUBJECT, issuer: ISSUER }, ignoreTlog: true };
    // The mock Fulcio issues 10-minute certificates; an hour later the certificate has expired.
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { ...opts, now: new Date(Date.now() + 60 * 60 * 1000) }))).toBe('EXPIRED');
    // Within its validity, nothing proves when it was used: still refused.
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, opts))).toBe('TLOG');
    // And without ignoreTlog, the missing log entry is the reason.
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { ...opts, ignoreTlog: false }))).toBe('TLOG');
  });

  it('an RFC 3161 timestamp alone proves the time when the log is ignored', async () => {
    const bundle = await signKeyless(ARTIFACT, { identityToken: token, fulcioURL: mock.fulcioURL, tsaURL: mock.tsaURL, tlogUpload: false });
    const res = verifyBlob(ARTIFACT, bundle, { trustedRoot: mock.trustedRoot, identity: { subject: SUBJECT, issuer: ISSUER }, ignoreTlog: true });
    expect(res.timestampAuthorityTime).toBeInstanceOf(Date);
    expect(res.integratedTime).toBeUndefined();
    // A root without the TSA cannot vouch for that time.
    const noTsa = { ...mock.trustedRoot, timestampAuthorities: [] };
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { trustedRoot: noTsa, identity: { subject: SUBJECT, issuer: ISSUER }, ignoreTlog: true }))).toBe('UNTRUSTED');
  });
});

describe('key signing', () => {
  const kp = generateKeyPair('pw');
  const priv = loadPrivateKey(kp.privateKeyPem, 'pw');
  const pub = loadPublicKey(kp.publicKeyPem);

  it('with Rekor: a v0.3 bundle naming the key by hint, verified with the key and the log', async () => {
    const bundle = await signBlobWithKey(ARTIFACT, priv, { rekorURL: mock.rekorURL });
    expect(bundle.mediaType).toBe(BUNDLE_V03_MEDIA_TYPE);
    expect(bundle.verificationMaterial.publicKey).toEqual({ hint: publicKeyHint(pub) });
    expect(bundle.verificationMaterial.tlogEntries).toHaveLength(1);
    const res = verifyBlob(ARTIFACT, bundle, { trustedRoot: mock.trustedRoot, publicKey: pub });
    expect(res.signer).toEqual({ key: true });
    expect(res.integratedTime).toBeInstanceOf(Date);
    const other = loadPublicKey(generateKeyPair('x').publicKeyPem);
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { trustedRoot: mock.trustedRoot, publicKey: other }))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { trustedRoot: mock.trustedRoot }))).toBe('UNTRUSTED');
  });

  it('without the log (--tlog-upload=false): verifies only when the log is ignored', async () => {
    const bundle = await signBlobWithKey(ARTIFACT, priv, { rekorURL: mock.rekorURL, tlogUpload: false });
    expect(bundle.verificationMaterial.tlogEntries ?? []).toEqual([]);
    expect(verifyBlob(ARTIFACT, bundle, { publicKey: pub, ignoreTlog: true }).signer).toEqual({ key: true });
    expect(codeOf(() => verifyBlob(ARTIFACT, bundle, { trustedRoot: mock.trustedRoot, publicKey: pub }))).toBe('TLOG');
    expect(codeOf(() => verifyBlob(Buffer.concat([ARTIFACT, Buffer.from('x')]), bundle, { publicKey: pub, ignoreTlog: true }))).toBe('WRONG_DIGEST');
  });

  it('signs with a cosign-made key too', async () => {
    const pem = readFileSync(join(import.meta.dirname, '../fixtures/trust/cosign-keys/sigstore-ec-pkcs8-n32768.key'), 'utf8');
    const key = loadPrivateKey(pem, 'hello');
    const bundle = await signBlobWithKey(ARTIFACT, key);
    expect(verifyBlob(ARTIFACT, bundle, { publicKey: key, ignoreTlog: true }).signer.key).toBe(true);
  });
});

describe('service failures', () => {
  it('an unreachable Fulcio is a NETWORK error', async () => {
    await expect(signKeyless(ARTIFACT, { identityToken: token, fulcioURL: 'http://127.0.0.1:1' })).rejects.toMatchObject({ code: 'NETWORK' });
  });

  it('a token that is not a JWT is refused before any request, without echoing it', async () => {
    const before = mock.hits['/api/v2/signingCert'] ?? 0;
    const err = await signKeyless(ARTIFACT, { identityToken: 'secret-not-a-jwt', fulcioURL: mock.fulcioURL }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrustError);
    expect((err as TrustError).message).not.toContain('secret-not-a-jwt');
    expect(mock.hits['/api/v2/signingCert'] ?? 0).toBe(before);
  });
});
