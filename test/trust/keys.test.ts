import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodePemBlocks, generateKeyPair, loadPrivateKey, loadPublicKey, publicKeyPem, signBytes, verifyBytes } from '../../src/trust/keys.js';
import { TrustError } from '../../src/trust/errors.js';

const KEYS = join(import.meta.dirname, '../fixtures/trust/cosign-keys');

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof TrustError) return e.code;
    throw e;
  }
  return undefined;
}

describe('generateKeyPair', () => {
  it('writes an encrypted sigstore key that loads back and signs for its public key', () => {
    const kp = generateKeyPair('s3cret');
    expect(kp.privateKeyPem.startsWith('-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n')).toBe(true);
    expect(kp.publicKeyPem.startsWith('-----BEGIN PUBLIC KEY-----\n')).toBe(true);
    // The body is go-securesystemslib's JSON envelope with cosign's default scrypt parameters.
    const env = JSON.parse(decodePemBlocks(kp.privateKeyPem)[0].body.toString('utf8'));
    expect(env.kdf).toMatchObject({ name: 'scrypt', params: { N: 65536, r: 8, p: 1 } });
    expect(Buffer.from(env.kdf.salt, 'base64')).toHaveLength(32);
    expect(env.cipher.name).toBe('nacl/secretbox');
    expect(Buffer.from(env.cipher.nonce, 'base64')).toHaveLength(24);

    const priv = loadPrivateKey(kp.privateKeyPem, 's3cret');
    expect(priv.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(publicKeyPem(priv)).toBe(kp.publicKeyPem);
    const data = Buffer.from('hello portcullis');
    const sig = signBytes(priv, data);
    const pub = loadPublicKey(kp.publicKeyPem);
    expect(verifyBytes(pub, data, sig)).toBe(true);
    expect(verifyBytes(pub, Buffer.from('hello portcullis!'), sig)).toBe(false);
    expect(verifyBytes(pub, data, Buffer.from('not a der signature'))).toBe(false);
  });

  it('rejects the wrong password with BAD_PASSWORD', () => {
    const kp = generateKeyPair('right');
    expect(codeOf(() => loadPrivateKey(kp.privateKeyPem, 'wrong'))).toBe('BAD_PASSWORD');
  });

  it('allows an empty password, as COSIGN_PASSWORD="" does', () => {
    const kp = generateKeyPair('');
    expect(loadPrivateKey(kp.privateKeyPem, '').type).toBe('private');
  });
});

// Expectations come from SOURCES.tsv's "expected" column, not re-typed here.
const sources = readFileSync(join(KEYS, 'SOURCES.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .map((c) => ({ file: c[0], expected: c[5] }));

describe("cosign's encrypted key fixtures (password hello)", () => {
  it('has the three upstream keys listed', () => {
    expect(sources.length).toBe(3);
  });
  for (const { file, expected } of sources) {
    const pem = readFileSync(join(KEYS, file.replace(/^cosign\/keys\//, '')), 'utf8');
    if (expected.startsWith('loads')) {
      it(`${file} loads and signs`, () => {
        const key = loadPrivateKey(pem, 'hello');
        const sig = signBytes(key, Buffer.from('x'));
        expect(verifyBytes(loadPublicKey(publicKeyPem(key)), Buffer.from('x'), sig)).toBe(true);
      });
    } else {
      it(`${file} is rejected as cosign rejects it (${expected.slice(0, 40)}…)`, () => {
        expect(codeOf(() => loadPrivateKey(pem, 'hello'))).toBe('BAD_KEY');
      });
    }
    it(`${file} with the wrong password is BAD_PASSWORD`, () => {
      expect(codeOf(() => loadPrivateKey(pem, 'goodbye'))).toBe('BAD_PASSWORD');
    });
  }
});

describe('bad key input', () => {
  it('garbage is BAD_KEY', () => {
    expect(codeOf(() => loadPrivateKey('not a pem', 'x'))).toBe('BAD_KEY');
    expect(codeOf(() => loadPublicKey('not a pem'))).toBe('BAD_KEY');
    const junk = '-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nbm90IGpzb24=\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n';
    expect(codeOf(() => loadPrivateKey(junk, 'x'))).toBe('BAD_KEY');
    const badPub = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n';
    expect(codeOf(() => loadPublicKey(badPub))).toBe('BAD_KEY');
  });

  it('refuses scrypt parameters outside the accepted sets (a key file must not choose our memory use)', () => {
    const env = { kdf: { name: 'scrypt', params: { N: 2 ** 24, r: 8, p: 1 }, salt: 'AAAA' }, cipher: { name: 'nacl/secretbox', nonce: 'AAAA' }, ciphertext: 'AAAA' };
    const pem = `-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----\n${Buffer.from(JSON.stringify(env)).toString('base64')}\n-----END ENCRYPTED COSIGN PRIVATE KEY-----\n`;
    expect(codeOf(() => loadPrivateKey(pem, 'x'))).toBe('BAD_KEY');
  });
});
