// Keyless verifyImages rules, and key signatures checked against a transparency log, on a real
// registry. Fulcio and Rekor are @sigstore/mock's handlers on 127.0.0.1 (test/trust/mock-sigstore.ts:
// the real services cannot run here and the suite is offline); certificates, SCTs and log entries
// are real, and the trusted root trusts exactly the mock's keys.
import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatePoliciesWithVerification, ImageVerifier } from '../../../src/policy/verify/index.js';
import { signImage } from '../../../src/trust/image.js';
import { generateKeyPair, loadPrivateKey } from '../../../src/trust/keys.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { makeIdentityToken, startMockSigstore, type MockSigstore } from '../../trust/mock-sigstore.js';
import { pod, policyFromFixture, pushImage } from './helpers.js';

const ISSUER = 'https://token.actions.example.test';
const SUBJECT = 'https://github.com/acme/app/.github/workflows/release.yml@refs/heads/main';

let reg: TestRegistry;
let mock: MockSigstore;
let verifier: ImageVerifier;
const key = generateKeyPair('');

function keyless(identity: string, rekor = mock.url) {
  return policyFromFixture('keyless.yaml', { REGISTRY: reg.host, IDENTITY: identity, REKOR: rekor });
}

async function status(policy: ReturnType<typeof keyless>, image: string, v = verifier): Promise<[string, string]> {
  const r = await evaluatePoliciesWithVerification([policy], { resource: pod('p', [`${reg.host}/${image}`]) }, v);
  expect(r.results).toHaveLength(1);
  return [r.results[0]!.status, r.results[0]!.message];
}

beforeAll(async () => {
  [reg, mock] = await Promise.all([startRegistry(), startMockSigstore()]);
  verifier = new ImageVerifier({ registry: { plainHttp: true }, trustedRoot: mock.trustedRoot });
  const ci = await pushImage(reg.host, 'acme/ci', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=ci\n' });
  const logged = await pushImage(reg.host, 'acme/logged', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=logged\n' });
  const unlogged = await pushImage(reg.host, 'acme/unlogged', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=unlogged\n' });
  const token = makeIdentityToken({ iss: ISSUER, sub: SUBJECT });
  await signImage(`${reg.host}/acme/ci@${ci}`, { plainHttp: true, keyless: { identityToken: token, fulcioURL: mock.fulcioURL, rekorURL: mock.rekorURL } });
  const priv = loadPrivateKey(key.privateKeyPem, '');
  await signImage(`${reg.host}/acme/logged@${logged}`, { plainHttp: true, key: priv, keyTlog: { rekorURL: mock.rekorURL } });
  await signImage(`${reg.host}/acme/unlogged@${unlogged}`, { plainHttp: true, key: priv });
}, 120_000);

afterAll(async () => {
  await mock?.close();
  await reg?.stop();
});

describe('keyless attestors', () => {
  it('subject and issuer, exact and as Kyverno wildcards', async () => {
    expect(await status(keyless(`subject: "${SUBJECT}"\nissuer: "${ISSUER}"`), 'acme/ci:v1')).toEqual(['pass', `verified image signatures for ${reg.host}/acme/ci:v1`]);
    expect((await status(keyless(`subject: "https://github.com/acme/*"\nissuer: "https://token.actions.*"`), 'acme/ci:v1'))[0]).toBe('pass');
    // A wildcard matches the whole subject, not a part of it.
    const [st, msg] = await status(keyless(`subject: "https://github.com/acme"\nissuer: "${ISSUER}"`), 'acme/ci:v1');
    expect(st).toBe('fail');
    expect(msg).toMatch(/\.attestors\[0\]\.entries\[0\]\.keyless: none of 2 signatures verified: certificate identity .* does not match/);
  });

  it('subjectRegExp and issuerRegExp are Go regular expressions, unanchored', async () => {
    expect((await status(keyless(`subjectRegExp: 'acme/app/\\.github/workflows/[a-z]+\\.yml@refs/heads/main$'\nissuerRegExp: '^https://token\\.actions\\.'`), 'acme/ci:v1'))[0]).toBe('pass');
    expect((await status(keyless(`subjectRegExp: '^https://github\\.com/evil/'\nissuer: "${ISSUER}"`), 'acme/ci:v1'))[0]).toBe('fail');
    expect((await status(keyless(`subject: "${SUBJECT}"\nissuerRegExp: 'accounts\\.google\\.com'`), 'acme/ci:v1'))[0]).toBe('fail');
  });

  it('an unsigned image fails; a key signature does not satisfy a keyless attestor', async () => {
    const p = keyless(`subject: "${SUBJECT}"\nissuer: "${ISSUER}"`);
    expect((await status(p, 'acme/unlogged:v1'))[0]).toBe('fail');
  });

  it('rekor.url must name a log of the trusted root; no trusted root is an error, not a failure', async () => {
    const [st, msg] = await status(keyless(`subject: "${SUBJECT}"\nissuer: "${ISSUER}"`, 'https://rekor.example.test'), 'acme/ci:v1');
    expect(st).toBe('error');
    expect(msg).toContain('.rekor.url: the trusted root has no transparency log at https://rekor.example.test');
    const bare = new ImageVerifier({ registry: { plainHttp: true } });
    const [st2, msg2] = await status(keyless(`subject: "${SUBJECT}"\nissuer: "${ISSUER}"`), 'acme/ci:v1', bare);
    expect(st2).toBe('error');
    expect(msg2).toContain('no trusted root is configured');
  });
});

describe('key attestors and the transparency log', () => {
  const logged = (rekor: string) => policyFromFixture('key-tlog.yaml', { REGISTRY: reg.host, KEY: key.publicKeyPem, REKOR: rekor });

  it('without rekor.ignoreTlog a key signature must have been logged (checked against the trusted root)', async () => {
    const p = logged('');
    expect((await status(p, 'acme/logged:v1'))[0]).toBe('pass');
    const [st, msg] = await status(p, 'acme/unlogged:v1');
    expect(st).toBe('fail');
    expect(msg).toContain('verified but none has a checked transparency-log entry');
    // No trusted root and no rekor.pubkey: the log cannot be checked, a configuration error.
    const bare = new ImageVerifier({ registry: { plainHttp: true } });
    const [st2, msg2] = await status(p, 'acme/logged:v1', bare);
    expect(st2).toBe('error');
    expect(msg2).toContain('configure a trusted root, give rekor.pubkey, or set rekor.ignoreTlog: true');
  });

  it('rekor.url and rekor.pubkey alone are enough to check the log entry of a key signature', async () => {
    const tlog = mock.trustedRoot.tlogs[0] as { publicKey: { rawBytes: string } };
    const pem = createPublicKey({ key: Buffer.from(tlog.publicKey.rawBytes, 'base64'), format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }).toString();
    const bare = new ImageVerifier({ registry: { plainHttp: true } });
    const p = logged(`rekor: {url: ${JSON.stringify(mock.url)}, pubkey: ${JSON.stringify(pem)}}`);
    expect((await status(p, 'acme/logged:v1', bare))[0]).toBe('pass');
    expect((await status(p, 'acme/unlogged:v1', bare))[0]).toBe('fail');
    // Another log's key: the entry's log ID is not trusted.
    const other = generateKeyPair('').publicKeyPem;
    const wrong = logged(`rekor: {url: ${JSON.stringify(mock.url)}, pubkey: ${JSON.stringify(other)}}`);
    expect((await status(wrong, 'acme/logged:v1', bare))[0]).toBe('fail');
  });
});
