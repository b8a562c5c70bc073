// cosign's "simple signing" payload: the document a legacy image signature signs. It is
// written byte for byte as cosign writes it (Go's json.Marshal of sigstore's payload.Cosign:
// compact, fixed key order, HTML-escaped strings, map keys sorted), because the signature
// and the layer digest are over these exact bytes. Reading is strict: a payload is only
// trusted after its signature verified, and even then it must name the image's digest.
import { TrustError } from './errors.js';

export const SIMPLE_SIGNING_TYPE = 'cosign container image signature';

export interface SimpleSigning {
  /** `critical.identity.docker-reference`: the repository signed (advisory, as in cosign). */
  dockerReference: string;
  /** `critical.image.docker-manifest-digest`. */
  digest: string;
  /** `optional`: cosign's `-a key=value` annotations; null when none. */
  optional: Record<string, unknown> | null;
}

/** Go's encoding/json string escaping (HTMLEscape on, U+2028/9 escaped, lone surrogates → U+FFFD). */
export function goJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff) {
      out += s[i] + s[i + 1];
      i++;
      continue;
    }
    if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd';
    else if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20 || c === 0x3c || c === 0x3e || c === 0x26 || c === 0x2028 || c === 0x2029) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

/** Go's json.Marshal of a JSON value held in interface{}: maps with keys sorted bytewise. */
export function goJson(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new TrustError('BAD_BUNDLE', `cannot encode ${v} as JSON`);
    return JSON.stringify(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return '[' + v.map(goJson).join(',') + ']';
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    entries.sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    return '{' + entries.map(([k, x]) => `${goJsonString(k)}:${goJson(x)}`).join(',') + '}';
  }
  throw new TrustError('BAD_BUNDLE', `cannot encode a ${typeof v} as JSON`);
}

/** The payload bytes cosign signs for `dockerReference` (registry/repository) at `digest`. */
export function createSimpleSigning(dockerReference: string, digest: string, optional?: Record<string, unknown> | null): Buffer {
  const opt = optional && Object.keys(optional).length > 0 ? goJson(optional) : 'null';
  const critical =
    `{"identity":{"docker-reference":${goJsonString(dockerReference)}},` +
    `"image":{"docker-manifest-digest":${goJsonString(digest)}},` +
    `"type":${goJsonString(SIMPLE_SIGNING_TYPE)}}`;
  return Buffer.from(`{"critical":${critical},"optional":${opt}}`, 'utf8');
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses a payload; BAD_BUNDLE when it is not a cosign simple-signing document. */
export function parseSimpleSigning(payload: Buffer, input = 'simple-signing payload'): SimpleSigning {
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (e) {
    throw new TrustError('BAD_BUNDLE', `simple-signing payload is not JSON: ${(e as Error).message}`, { input, cause: e });
  }
  const bad = (reason: string) => new TrustError('BAD_BUNDLE', `simple-signing payload ${reason}`, { input });
  if (!isRecord(doc) || !isRecord(doc.critical)) throw bad('has no "critical" object');
  const { critical } = doc;
  if (critical.type !== SIMPLE_SIGNING_TYPE) throw bad(`type ${JSON.stringify(critical.type)} is not ${JSON.stringify(SIMPLE_SIGNING_TYPE)}`);
  if (!isRecord(critical.image) || typeof critical.image['docker-manifest-digest'] !== 'string') throw bad('has no critical.image.docker-manifest-digest');
  const identity = isRecord(critical.identity) ? critical.identity['docker-reference'] : undefined;
  if (identity !== undefined && typeof identity !== 'string') throw bad('critical.identity.docker-reference is not a string');
  const optional = doc.optional;
  if (optional !== undefined && optional !== null && !isRecord(optional)) throw bad('"optional" is not an object');
  return { dockerReference: identity ?? '', digest: critical.image['docker-manifest-digest'], optional: optional ?? null };
}

/** cosign's SimpleClaimVerifier: the signed digest must be the image's. WRONG_DIGEST otherwise. */
export function checkSimpleSigning(payload: Buffer, imageDigest: string, input?: string): SimpleSigning {
  const ss = parseSimpleSigning(payload, input);
  if (ss.digest !== imageDigest) {
    throw new TrustError('WRONG_DIGEST', `signature is for ${ss.digest}, not for the image ${imageDigest}`, { input: input ?? imageDigest });
  }
  return ss;
}
