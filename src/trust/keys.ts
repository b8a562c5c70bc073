import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  scryptSync,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
} from 'node:crypto';
import nacl from 'tweetnacl';
import { TrustError } from './errors.js';

/**
 * cosign-compatible key files. The private key is go-securesystemslib's `encrypted` envelope
 * (scrypt-derived key, NaCl secretbox over PKCS#8 DER) as JSON, PEM-wrapped; the public key is
 * SPKI PEM. See cosign pkg/cosign/keys.go.
 */
export interface KeyPair {
  /** `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----` */
  privateKeyPem: string;
  /** `-----BEGIN PUBLIC KEY-----` (SPKI) */
  publicKeyPem: string;
}

export const SIGSTORE_PRIVATE_KEY_LABEL = 'ENCRYPTED SIGSTORE PRIVATE KEY';
/** Written by cosign before 2.x; still read. */
export const COSIGN_PRIVATE_KEY_LABEL = 'ENCRYPTED COSIGN PRIVATE KEY';

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

/** go-securesystemslib's accepted parameter sets (CheckParams): legacy, standard (default), OWASP. */
const ACCEPTED_SCRYPT: readonly ScryptParams[] = [
  { N: 32768, r: 8, p: 1 },
  { N: 65536, r: 8, p: 1 },
  { N: 131072, r: 8, p: 1 },
];
const DEFAULT_SCRYPT: ScryptParams = { N: 65536, r: 8, p: 1 };
const KEY_LEN = 32;
const SALT_LEN = 32;

/** Node's default scrypt maxmem (32 MiB) is below what N=65536, r=8 needs (128*N*r = 64 MiB). */
function deriveKey(password: string, salt: Buffer, params: ScryptParams): Buffer {
  const maxmem = 128 * params.N * params.r * params.p + 32 * 1024 * 1024;
  return scryptSync(Buffer.from(password, 'utf8'), salt, KEY_LEN, { N: params.N, r: params.r, p: params.p, maxmem });
}

/** Encrypt `plaintext` exactly as go-securesystemslib `encrypted.Encrypt` does; returns the JSON envelope. */
export function encryptKeyEnvelope(plaintext: Buffer, password: string, params: ScryptParams = DEFAULT_SCRYPT): string {
  const salt = randomBytes(SALT_LEN);
  const nonce = randomBytes(nacl.secretbox.nonceLength);
  const key = deriveKey(password, salt, params);
  const box = nacl.secretbox(new Uint8Array(plaintext), new Uint8Array(nonce), new Uint8Array(key));
  // Field order matches Go's json.Marshal of the envelope struct, so our files look like cosign's.
  return JSON.stringify({
    kdf: { name: 'scrypt', params: { N: params.N, r: params.r, p: params.p }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(box).toString('base64'),
  });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function b64Field(v: unknown, what: string): Buffer {
  if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) throw new TrustError('BAD_KEY', `encrypted key envelope: ${what} is not base64`);
  return Buffer.from(v, 'base64');
}

/** Decrypt a go-securesystemslib envelope (JSON bytes). Wrong password → BAD_PASSWORD; malformed → BAD_KEY. */
export function decryptKeyEnvelope(envelope: Buffer, password: string): Buffer {
  let doc: unknown;
  try {
    doc = JSON.parse(envelope.toString('utf8'));
  } catch {
    throw new TrustError('BAD_KEY', 'encrypted key body is not a JSON envelope');
  }
  if (!isRecord(doc) || !isRecord(doc.kdf) || !isRecord(doc.cipher)) throw new TrustError('BAD_KEY', 'encrypted key envelope lacks kdf or cipher');
  const { kdf, cipher } = doc;
  if (kdf.name !== 'scrypt') throw new TrustError('BAD_KEY', `unsupported key derivation function ${JSON.stringify(kdf.name)}`);
  if (cipher.name !== 'nacl/secretbox') throw new TrustError('BAD_KEY', `unsupported cipher ${JSON.stringify(cipher.name)}`);
  const p = isRecord(kdf.params) ? kdf.params : {};
  const params = ACCEPTED_SCRYPT.find((a) => a.N === p.N && a.r === p.r && a.p === p.p);
  // Arbitrary N would let a hostile key file demand gigabytes of memory.
  if (!params) throw new TrustError('BAD_KEY', `unsupported scrypt parameters ${JSON.stringify(kdf.params)}`);
  const salt = b64Field(kdf.salt, 'salt');
  const nonce = b64Field(cipher.nonce, 'nonce');
  const ciphertext = b64Field(doc.ciphertext, 'ciphertext');
  if (nonce.length !== nacl.secretbox.nonceLength) throw new TrustError('BAD_KEY', `secretbox nonce is ${nonce.length} bytes, want 24`);
  if (ciphertext.length < nacl.secretbox.overheadLength) throw new TrustError('BAD_KEY', 'ciphertext is shorter than the secretbox tag');
  const key = deriveKey(password, salt, params);
  const plain = nacl.secretbox.open(new Uint8Array(ciphertext), new Uint8Array(nonce), new Uint8Array(key));
  // secretbox's MAC is the only password check there is: a failed open means the wrong password.
  if (!plain) throw new TrustError('BAD_PASSWORD', 'wrong password: the encrypted private key did not decrypt');
  return Buffer.from(plain);
}

interface PemBlock {
  label: string;
  body: Buffer;
}

/** Split PEM text into blocks; tolerant of CRLF and surrounding text, strict about base64. */
export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  const re = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const b64 = m[2].replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) continue;
    blocks.push({ label: m[1], body: Buffer.from(b64, 'base64') });
  }
  return blocks;
}

function encodePem(label: string, body: Buffer): string {
  const lines = body.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** A new ECDSA P-256 key pair in cosign's file formats (what `cosign generate-key-pair` writes). */
export function generateKeyPair(password: string): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
  const envelope = encryptKeyEnvelope(pkcs8, password);
  return {
    privateKeyPem: encodePem(SIGSTORE_PRIVATE_KEY_LABEL, Buffer.from(envelope, 'utf8')),
    publicKeyPem: publicKey.export({ format: 'pem', type: 'spki' }).toString(),
  };
}

/** Load a cosign encrypted private key (either PEM label). Plaintext must be PKCS#8, as cosign requires. */
export function loadPrivateKey(pem: string, password: string): KeyObject {
  const block = decodePemBlocks(pem).find((b) => b.label === SIGSTORE_PRIVATE_KEY_LABEL || b.label === COSIGN_PRIVATE_KEY_LABEL);
  if (!block) throw new TrustError('BAD_KEY', `no "${SIGSTORE_PRIVATE_KEY_LABEL}" or "${COSIGN_PRIVATE_KEY_LABEL}" PEM block`);
  const der = decryptKeyEnvelope(block.body, password);
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  } catch (e) {
    // cosign uses x509.ParsePKCS8PrivateKey and so rejects SEC1 ("EC PRIVATE KEY") plaintexts too.
    throw new TrustError('BAD_KEY', 'decrypted private key is not PKCS#8', { cause: e });
  }
  checkSupportedKey(key);
  return key;
}

/** Load an SPKI public key PEM (`-----BEGIN PUBLIC KEY-----`). */
export function loadPublicKey(pem: string): KeyObject {
  const block = decodePemBlocks(pem).find((b) => b.label === 'PUBLIC KEY');
  if (!block) throw new TrustError('BAD_KEY', 'no "PUBLIC KEY" PEM block');
  let key: KeyObject;
  try {
    key = createPublicKey({ key: block.body, format: 'der', type: 'spki' });
  } catch (e) {
    throw new TrustError('BAD_KEY', 'public key is not a valid SPKI structure', { cause: e });
  }
  checkSupportedKey(key);
  return key;
}

function checkSupportedKey(key: KeyObject): void {
  const t = key.asymmetricKeyType;
  if (t !== 'ec' && t !== 'rsa' && t !== 'ed25519') throw new TrustError('BAD_KEY', `unsupported key type ${t ?? 'unknown'}`);
}

/** The digest cosign pairs with each key: SHA-256, except ECDSA P-384/P-521 (SHA-384/512); Ed25519 signs raw. */
export function hashForKey(key: KeyObject): 'sha256' | 'sha384' | 'sha512' | null {
  if (key.asymmetricKeyType === 'ed25519') return null;
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (curve === 'secp384r1') return 'sha384';
  if (curve === 'secp521r1') return 'sha512';
  return 'sha256';
}

/** Sign with the key's algorithm; ECDSA signatures are ASN.1 DER, as cosign writes them. */
export function signBytes(key: KeyObject, data: Buffer): Buffer {
  return cryptoSign(hashForKey(key), data, key);
}

/** Verify a signature made by `signBytes` (or cosign). Malformed signatures are `false`, not errors. */
export function verifyBytes(key: KeyObject, data: Buffer, sig: Buffer): boolean {
  try {
    return cryptoVerify(hashForKey(key), data, key, sig);
  } catch {
    return false;
  }
}

/** SPKI PEM of a (public or private) key. */
export function publicKeyPem(key: KeyObject): string {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ format: 'pem', type: 'spki' }).toString();
}
