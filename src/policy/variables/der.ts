/** A minimal DER reader for x509_decode: TLVs with their raw bytes, OIDs, integers, strings, times. */

export class DerError extends Error {}

export interface Tlv {
  readonly tag: number;
  readonly cls: number;
  readonly constructed: boolean;
  /** The whole element, header included. */
  readonly raw: Uint8Array;
  readonly content: Uint8Array;
}

const MAX_DEPTH = 64;

export function readTlv(buf: Uint8Array, offset: number): { tlv: Tlv; next: number } {
  if (offset + 2 > buf.length) throw new DerError('truncated element');
  const first = buf[offset]!;
  const cls = first >> 6;
  const constructed = (first & 0x20) !== 0;
  let tag = first & 0x1f;
  let p = offset + 1;
  if (tag === 0x1f) {
    tag = 0;
    for (let i = 0; ; i++) {
      if (p >= buf.length || i > 4) throw new DerError('bad tag');
      const b = buf[p++]!;
      tag = tag * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) break;
    }
  }
  if (p >= buf.length) throw new DerError('truncated length');
  let len = buf[p++]!;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || p + n > buf.length) throw new DerError('bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[p++]!;
  }
  const end = p + len;
  if (end > buf.length) throw new DerError('element longer than its container');
  return { tlv: { tag, cls, constructed, raw: buf.subarray(offset, end), content: buf.subarray(p, end) }, next: end };
}

/** The elements of a constructed value's content. */
export function children(content: Uint8Array, depth = 0): Tlv[] {
  if (depth > MAX_DEPTH) throw new DerError('nesting too deep');
  const out: Tlv[] = [];
  let p = 0;
  while (p < content.length) {
    const { tlv, next } = readTlv(content, p);
    out.push(tlv);
    p = next;
  }
  return out;
}

export function expect(t: Tlv | undefined, tag: number, what: string): Tlv {
  if (!t || t.cls !== 0 || t.tag !== tag) throw new DerError(`malformed ${what}`);
  return t;
}

export function oid(content: Uint8Array): number[] {
  if (content.length === 0) throw new DerError('empty OID');
  const out: number[] = [];
  let v = 0;
  for (let i = 0; i < content.length; i++) {
    v = v * 128 + (content[i]! & 0x7f);
    if ((content[i]! & 0x80) === 0) {
      if (out.length === 0) {
        const first = v < 80 ? Math.floor(v / 40) : 2;
        out.push(first, v - first * 40);
      } else out.push(v);
      v = 0;
    }
  }
  return out;
}

export function integer(content: Uint8Array): bigint {
  if (content.length === 0) throw new DerError('empty integer');
  let v = 0n;
  for (const b of content) v = (v << 8n) | BigInt(b);
  if (content[0]! & 0x80) v -= 1n << BigInt(content.length * 8);
  return v;
}

export function bitStringBytes(content: Uint8Array): { unused: number; bytes: Uint8Array } {
  if (content.length === 0) throw new DerError('empty bit string');
  return { unused: content[0]!, bytes: content.subarray(1) };
}

/** ASN.1 string types Go decodes to a string; undefined for anything else. */
export function asn1String(t: Tlv): string | undefined {
  if (t.cls !== 0) return undefined;
  switch (t.tag) {
    case 0x0c: return new TextDecoder('utf-8').decode(t.content); // UTF8String
    case 0x12: case 0x13: case 0x16: case 0x14: // Numeric, Printable, IA5, T61
      return Array.from(t.content, (b) => String.fromCharCode(b)).join('');
    case 0x1e: { // BMPString (UTF-16BE)
      let s = '';
      for (let i = 0; i + 1 < t.content.length; i += 2) s += String.fromCharCode((t.content[i]! << 8) | t.content[i + 1]!);
      return s;
    }
    default: return undefined;
  }
}

/** UTCTime or GeneralizedTime as Go's JSON form of a UTC time.Time (RFC 3339 with nanos). */
export function derTime(t: Tlv): string {
  const s = Array.from(t.content, (b) => String.fromCharCode(b)).join('');
  let m: RegExpExecArray | null;
  let year: number;
  let rest: string;
  if (t.tag === 0x17 && (m = /^(\d{2})(\d{10})Z$/.exec(s))) {
    const yy = Number(m[1]);
    year = yy < 50 ? 2000 + yy : 1900 + yy;
    rest = m[2]!;
  } else if (t.tag === 0x18 && (m = /^(\d{4})(\d{10})(?:\.(\d+))?Z$/.exec(s))) {
    year = Number(m[1]);
    rest = m[2]! + (m[3] ? '.' + m[3] : '');
  } else throw new DerError('malformed time');
  const [mo, d, h, mi, se] = [0, 2, 4, 6, 8].map((i) => rest.slice(i, i + 2));
  const frac = rest.length > 10 ? rest.slice(10).replace(/0+$/, '') : '';
  return `${String(year).padStart(4, '0')}-${mo}-${d}T${h}:${mi}:${se}${frac === '.' ? '' : frac}Z`;
}
