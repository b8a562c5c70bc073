// A private Sigstore for tests: @sigstore/mock's Fulcio, Rekor and TSA handlers served over
// node:http on 127.0.0.1, plus the trusted root that trusts exactly their keys.
// Mocked because the real services (fulcio.sigstore.dev, rekor.sigstore.dev, a TSA) cannot
// run here and the suite must stay offline; the handlers are sigstore-js's own test doubles
// and issue real certificates, SCTs, SETs, checkpoints and RFC 3161 tokens.
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ASN1Obj } from '@sigstore/core';
import { fulcioHandler, initializeCA, initializeCTLog, initializeTLog, initializeTSA, rekorHandler, tsaHandler, type HandlerFn } from '@sigstore/mock';
import type { TrustedRootJSON } from '../../src/trust/trusted-root.js';

export interface MockSigstore {
  url: string;
  fulcioURL: string;
  rekorURL: string;
  tsaURL: string;
  /** A trusted_root.json trusting this instance's CA, Rekor, CT log and TSA. */
  trustedRoot: TrustedRootJSON;
  /** Requests served, by path (to prove a flow really went through the services). */
  hits: Record<string, number>;
  close(): Promise<void>;
}

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const b64 = (b: Buffer) => b.toString('base64');
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

function logEntry(baseUrl: string, spki: Buffer, logId: Buffer, start: string) {
  return {
    baseUrl,
    hashAlgorithm: 'SHA2_256',
    publicKey: { rawBytes: b64(spki), keyDetails: 'PKIX_ECDSA_P256_SHA_256', validFor: { start } },
    logId: { keyId: b64(logId) },
  };
}

type CTLog = Awaited<ReturnType<typeof initializeCTLog>>;

/**
 * @sigstore/mock 0.11.0's CT log hands pkijs an ASN.1 object where the pkijs 3.4 installed
 * here wants signature bytes, so its SCTs come out with an empty signature. This log signs
 * the same RFC 6962 §3.2 precertificate structure itself, with the same key.
 */
function rfc6962Log(ctlog: CTLog, privateKey: KeyObject): CTLog {
  const log = async (precert: ArrayBuffer, issuerID: ArrayBuffer): Promise<ArrayBuffer> => {
    const tbs = ASN1Obj.parseBuffer(Buffer.from(precert)).subs[0].toDER();
    const ts = Buffer.alloc(8);
    ts.writeBigUInt64BE(BigInt(Date.now()));
    const len24 = Buffer.alloc(3);
    len24.writeUIntBE(tbs.length, 0, 3);
    const signed = Buffer.concat([Buffer.from([0, 0]), ts, Buffer.from([0, 1]), Buffer.from(issuerID), len24, tbs, Buffer.from([0, 0])]);
    const sig = sign('sha256', signed, privateKey);
    const sigLen = Buffer.alloc(2);
    sigLen.writeUInt16BE(sig.length);
    // version, log ID, timestamp, no extensions, sha256(4)/ecdsa(3), signature
    const sct = Buffer.concat([Buffer.from([0]), ctlog.logID, ts, Buffer.from([0, 0, 4, 3]), sigLen, sig]);
    // The mock CA expects the SCT with its own 2-byte length in front (SerializedSCT).
    const out = Buffer.alloc(2 + sct.length);
    out.writeUInt16BE(sct.length);
    sct.copy(out, 2);
    return out.buffer.slice(out.byteOffset, out.byteOffset + out.length);
  };
  return { publicKey: ctlog.publicKey, logID: ctlog.logID, log };
}

/**
 * Real Rekor stores a `dsse` entry in canonical form (hashes and signatures, not the proposed
 * envelope); @sigstore/mock 0.11 logs the proposal verbatim. Canonicalize as Rekor's
 * types/dsse/v0.0.1 does before logging, so DSSE bundles carry what the real log would hold.
 */
function canonicalizeDsseProposal(body: string): string {
  const entry = JSON.parse(body) as { kind?: string; apiVersion?: string; spec?: { proposedContent?: { envelope: string; verifiers: string[] } } };
  const proposed = entry.spec?.proposedContent;
  if (entry.kind !== 'dsse' || !proposed) return body;
  const env = JSON.parse(proposed.envelope) as { payload: string; signatures: { sig: string }[] };
  return JSON.stringify({
    kind: 'dsse',
    apiVersion: entry.apiVersion,
    spec: {
      envelopeHash: { algorithm: 'sha256', value: createHash('sha256').update(proposed.envelope).digest('hex') },
      payloadHash: { algorithm: 'sha256', value: createHash('sha256').update(Buffer.from(env.payload, 'base64')).digest('hex') },
      signatures: env.signatures.map((s, i) => ({ signature: s.sig, verifier: proposed.verifiers[i] ?? proposed.verifiers[0] })),
    },
  });
}

export async function startMockSigstore(): Promise<MockSigstore> {
  const routes = new Map<string, HandlerFn>();
  const hits: Record<string, number> = {};
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = (req.url ?? '').split('?')[0];
      const fn = req.method === 'POST' ? routes.get(path) : undefined;
      if (!fn) {
        res.writeHead(404).end();
        return;
      }
      hits[path] = (hits[path] ?? 0) + 1;
      fn(Buffer.concat(chunks).toString('utf8')).then(
        (r) => res.writeHead(r.statusCode, { 'content-type': r.contentType ?? 'text/plain' }).end(r.response),
        (e: Error) => res.writeHead(500).end(e.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // One key per service, as a real deployment has.
  const ctKey = p256();
  const ctlog = rfc6962Log(await initializeCTLog(ctKey), ctKey.privateKey);
  const ca = await initializeCA(p256(), ctlog);
  const tlog = await initializeTLog(url, p256());
  const tsa = await initializeTSA(p256());
  // asn1js writes GeneralizedTime fractions without trailing zeros (".12Z", as DER requires),
  // which @sigstore/core 3.2.1 rejects ("invalid time": it wants exactly three digits). Whole
  // seconds have no fraction at all, so the TSA's clock is truncated to the second.
  (tsa as unknown as { getCurrentTime: () => Date }).getCurrentTime = () => new Date(Math.floor(Date.now() / 1000) * 1000);
  for (const h of [fulcioHandler(ca), tsaHandler(tsa)]) routes.set(h.path, h.fn);
  const rekor = rekorHandler(tlog);
  routes.set(rekor.path, (body) => rekor.fn(canonicalizeDsseProposal(body)));

  // Backdated a little: the mock's certificates are issued "now" and clocks may differ by a second.
  const start = new Date(Date.now() - 60 * 60 * 1000).toISOString();
  const trustedRoot: TrustedRootJSON = {
    mediaType: 'application/vnd.dev.sigstore.trustedroot+json;version=0.1',
    tlogs: [logEntry(url, tlog.publicKey, sha256(tlog.publicKey), start)],
    certificateAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'sigstore' },
        uri: url,
        certChain: { certificates: [{ rawBytes: b64(ca.rootCertificate) }] },
        validFor: { start },
      },
    ],
    ctlogs: [logEntry('https://ctfe.sigstore.mock', ctlog.publicKey, ctlog.logID, start)],
    timestampAuthorities: [
      {
        subject: { organization: 'sigstore.mock', commonName: 'tsa' },
        uri: url,
        certChain: { certificates: [{ rawBytes: b64(tsa.intCertificate) }, { rawBytes: b64(tsa.rootCertificate) }] },
        validFor: { start },
      },
    ],
  };

  return {
    url,
    fulcioURL: url,
    rekorURL: url,
    tsaURL: url,
    trustedRoot,
    hits,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}

/** An ES256-signed OIDC identity token, as an issuer would mint it (Fulcio's mock decodes without verifying). */
export function makeIdentityToken(claims: { iss: string; sub: string; email?: string; email_verified?: boolean }, key: KeyObject = p256().privateKey): string {
  const enc = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const head = enc({ alg: 'ES256', typ: 'JWT', kid: 'test' });
  const body = enc({ aud: 'sigstore', iat: now, nbf: now, exp: now + 600, ...claims });
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), { key, dsaEncoding: 'ieee-p1363' });
  return `${head}.${body}.${sig.toString('base64url')}`;
}
