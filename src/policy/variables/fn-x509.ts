/**
 * `x509_decode(pem)`: Kyverno JSON-encodes Go's `x509.Certificate` (or `CertificateRequest`)
 * with the RSA public key replaced by `{N: decimal string, E}`, and only RSA keys are accepted.
 * We read the DER ourselves (node:crypto's X509Certificate validates certificates first) and
 * build the same shape: Raw* fields and byte fields as base64, names as pkix.Name, times as
 * RFC 3339 UTC, OIDs as integer arrays, enums as Go's numbers, the serial as a JSON number.
 * The name-constraint fields (PermittedDNSDomains and the like) stay null here.
 */
import { X509Certificate } from 'node:crypto';
import {
  DerError, asn1String, bitStringBytes, children, derTime, expect, integer, oid, readTlv, type Tlv,
} from './der.js';
import { fnError, type FnSpec } from './jp-common.js';

const b64 = (u: Uint8Array): string => Buffer.from(u).toString('base64');
const oidKey = (o: number[]): string => o.join('.');

const SIG_ALGS: Record<string, number> = {
  '1.2.840.113549.1.1.2': 1, '1.2.840.113549.1.1.4': 2, '1.2.840.113549.1.1.5': 3, '1.3.14.3.2.29': 3,
  '1.2.840.113549.1.1.11': 4, '1.2.840.113549.1.1.12': 5, '1.2.840.113549.1.1.13': 6, '1.2.840.10040.4.3': 7,
  '2.16.840.1.101.3.4.3.2': 8, '1.2.840.10045.4.1': 9, '1.2.840.10045.4.3.2': 10, '1.2.840.10045.4.3.3': 11,
  '1.2.840.10045.4.3.4': 12, '1.3.101.112': 16,
};
const PSS_BY_HASH: Record<string, number> = { '2.16.840.1.101.3.4.2.1': 13, '2.16.840.1.101.3.4.2.2': 14, '2.16.840.1.101.3.4.2.3': 15 };
const PK_ALGS: Record<string, number> = { '1.2.840.113549.1.1.1': 1, '1.2.840.10040.4.1': 2, '1.2.840.10045.2.1': 3, '1.3.101.112': 4 };
const EXT_KEY_USAGE: Record<string, number> = {
  '2.5.29.37.0': 0, '1.3.6.1.5.5.7.3.1': 1, '1.3.6.1.5.5.7.3.2': 2, '1.3.6.1.5.5.7.3.3': 3, '1.3.6.1.5.5.7.3.4': 4,
  '1.3.6.1.5.5.7.3.5': 5, '1.3.6.1.5.5.7.3.6': 6, '1.3.6.1.5.5.7.3.7': 7, '1.3.6.1.5.5.7.3.8': 8, '1.3.6.1.5.5.7.3.9': 9,
  '1.3.6.1.4.1.311.10.3.3': 10, '2.16.840.1.113730.4.1': 11, '1.3.6.1.4.1.311.2.1.22': 12, '1.3.6.1.4.1.311.61.1.1': 13,
};
const HANDLED_CE = new Set([14, 15, 17, 19, 30, 31, 32, 35, 37]);
const NAME_FIELDS: Record<number, string> = { 5: 'SerialNumber', 6: 'Country', 7: 'Locality', 8: 'Province', 9: 'StreetAddress', 10: 'Organization', 11: 'OrganizationalUnit', 17: 'PostalCode' };

function signatureAlgorithm(ai: Tlv): number {
  const parts = children(ai.content);
  const id = oidKey(oid(expect(parts[0], 6, 'algorithm identifier').content));
  if (id === '1.2.840.113549.1.1.10') {
    // RSASSA-PSS: the hash sits in the parameters' [0] hashAlgorithm.
    try {
      const params = children(parts[1]!.content);
      const hash = params.find((p) => p.cls === 2 && p.tag === 0);
      const hashOid = hash ? oidKey(oid(children(children(hash.content)[0]!.content)[0]!.content)) : '1.3.14.3.2.26';
      return PSS_BY_HASH[hashOid] ?? 0;
    } catch {
      return 0;
    }
  }
  return SIG_ALGS[id] ?? 0;
}

/** pkix.Name from an RDNSequence. */
function pkixName(name: Tlv): Record<string, unknown> {
  const out: Record<string, unknown> = {
    Country: null, Organization: null, OrganizationalUnit: null, Locality: null, Province: null, StreetAddress: null,
    PostalCode: null, SerialNumber: '', CommonName: '', Names: null, ExtraNames: null,
  };
  const names: unknown[] = [];
  for (const rdn of children(name.content)) {
    for (const atv of children(rdn.content)) {
      const [typ, val] = children(atv.content);
      const type = oid(expect(typ, 6, 'attribute type').content);
      const value = val ? asn1String(val) : undefined;
      names.push({ Type: type, Value: value ?? (val ? b64(val.content) : null) });
      if (value === undefined || type.length !== 4 || type[0] !== 2 || type[1] !== 5 || type[2] !== 4) continue;
      if (type[3] === 3) out.CommonName = value;
      else if (type[3] === 5) out.SerialNumber = value;
      else if (NAME_FIELDS[type[3]!]) {
        const field = NAME_FIELDS[type[3]!]!;
        out[field] = [...((out[field] as string[] | null) ?? []), value];
      }
    }
  }
  if (names.length > 0) out.Names = names;
  return out;
}

/** The RSA key Kyverno requires: `{N, E}` from the SubjectPublicKeyInfo. */
function rsaPublicKey(spki: Tlv): { algorithm: number; key?: { N: string; E: number } } {
  const [ai, bits] = children(spki.content);
  const algorithm = PK_ALGS[oidKey(oid(expect(children(expect(ai, 0x10, 'public key algorithm').content)[0], 6, 'algorithm').content))] ?? 0;
  if (algorithm !== 1) return { algorithm };
  const key = bitStringBytes(expect(bits, 3, 'public key').content).bytes;
  const [n, e] = children(expect(readTlv(key, 0).tlv, 0x10, 'RSA public key').content);
  return { algorithm, key: { N: integer(expect(n, 2, 'modulus').content).toString(), E: Number(integer(expect(e, 2, 'exponent').content)) } };
}

function generalNames(content: Uint8Array, into: { dns: string[]; email: string[]; ip: string[]; uri: unknown[] }): void {
  for (const gn of children(content)) {
    if (gn.cls !== 2) continue;
    const text = Array.from(gn.content, (b) => String.fromCharCode(b)).join('');
    if (gn.tag === 1) into.email.push(text);
    else if (gn.tag === 2) into.dns.push(text);
    else if (gn.tag === 6) into.uri.push(goUrl(text));
    else if (gn.tag === 7) into.ip.push(ipString(gn.content));
  }
}

function ipString(b: Uint8Array): string {
  if (b.length === 4) return Array.from(b).join('.');
  const groups: string[] = [];
  for (let i = 0; i + 1 < b.length; i += 2) groups.push(((b[i]! << 8) | b[i + 1]!).toString(16));
  return groups.join(':').replace(/(^|:)0(:0)+(:|$)/, '::').replace(/:::+/, '::');
}

/** Go's url.URL as JSON. */
function goUrl(s: string): Record<string, unknown> {
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):(?:\/\/([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?$/.exec(s);
  return {
    Scheme: m?.[1]?.toLowerCase() ?? '', Opaque: '', User: null, Host: m?.[2] ?? '', Path: m ? m[3] : s, RawPath: '',
    OmitHost: false, ForceQuery: false, RawQuery: m?.[4] ?? '', Fragment: m?.[5] ?? '', RawFragment: '',
  };
}

const orNull = <T>(a: T[]): T[] | null => (a.length > 0 ? a : null);

interface Extensions {
  list: unknown[];
  fields: Record<string, unknown>;
}

function readExtensions(exts: Tlv[]): Extensions {
  const sans = { dns: [] as string[], email: [] as string[], ip: [] as string[], uri: [] as unknown[] };
  const ocsp: string[] = [];
  const issuers: string[] = [];
  const crl: string[] = [];
  const policies: number[][] = [];
  const eku: number[] = [];
  const unknownEku: number[][] = [];
  const unhandled: number[][] = [];
  const f: Record<string, unknown> = {
    KeyUsage: 0, BasicConstraintsValid: false, IsCA: false, MaxPathLen: 0, MaxPathLenZero: false, SubjectKeyId: null,
    AuthorityKeyId: null, PermittedDNSDomainsCritical: false,
  };
  const list: unknown[] = [];
  for (const ext of exts) {
    const parts = children(ext.content);
    const id = oid(expect(parts[0], 6, 'extension id').content);
    const hasCritical = parts[1]?.tag === 1 && parts[1].cls === 0;
    const critical = hasCritical ? parts[1]!.content[0] !== 0 : false;
    const value = expect(parts[hasCritical ? 2 : 1], 4, 'extension value').content;
    list.push({ Id: id, Critical: critical, Value: b64(value) });
    const key = oidKey(id);
    const ce = id.length === 4 && id[0] === 2 && id[1] === 5 && id[2] === 29 ? id[3]! : -1;
    if (ce === 15) {
      const { bytes } = bitStringBytes(expect(readTlv(value, 0).tlv, 3, 'key usage').content);
      let usage = 0;
      for (let i = 0; i < 9; i++) if (bytes[i >> 3] !== undefined && (bytes[i >> 3]! >> (7 - (i & 7))) & 1) usage |= 1 << i;
      f.KeyUsage = usage;
    } else if (ce === 19) {
      const bc = children(expect(readTlv(value, 0).tlv, 0x10, 'basic constraints').content);
      let i = 0;
      f.IsCA = false;
      if (bc[i]?.tag === 1) f.IsCA = bc[i++]!.content[0] !== 0;
      f.MaxPathLen = bc[i]?.tag === 2 ? Number(integer(bc[i]!.content)) : -1;
      f.BasicConstraintsValid = true;
      f.MaxPathLenZero = f.MaxPathLen === 0;
    } else if (ce === 14) f.SubjectKeyId = b64(expect(readTlv(value, 0).tlv, 4, 'subject key id').content);
    else if (ce === 35) {
      const kid = children(readTlv(value, 0).tlv.content).find((t) => t.cls === 2 && t.tag === 0);
      if (kid) f.AuthorityKeyId = b64(kid.content);
    } else if (ce === 17) generalNames(readTlv(value, 0).tlv.content, sans);
    else if (ce === 37) {
      for (const u of children(readTlv(value, 0).tlv.content)) {
        const o = oid(u.content);
        const known = EXT_KEY_USAGE[oidKey(o)];
        if (known === undefined) unknownEku.push(o);
        else eku.push(known);
      }
    } else if (ce === 31) {
      for (const dp of children(readTlv(value, 0).tlv.content)) {
        const name = children(dp.content).find((t) => t.cls === 2 && t.tag === 0);
        const full = name ? children(name.content).find((t) => t.cls === 2 && t.tag === 0) : undefined;
        if (full) for (const gn of children(full.content)) if (gn.cls === 2 && gn.tag === 6) crl.push(Buffer.from(gn.content).toString('latin1'));
      }
    } else if (ce === 32) {
      for (const p of children(readTlv(value, 0).tlv.content)) policies.push(oid(children(p.content)[0]!.content));
    } else if (ce === 30) f.PermittedDNSDomainsCritical = critical;
    else if (key === '1.3.6.1.5.5.7.1.1') {
      for (const ad of children(readTlv(value, 0).tlv.content)) {
        const [method, loc] = children(ad.content);
        if (!loc || loc.cls !== 2 || loc.tag !== 6) continue;
        const m = oidKey(oid(method!.content));
        const url = Buffer.from(loc.content).toString('latin1');
        if (m === '1.3.6.1.5.5.7.48.1') ocsp.push(url);
        else if (m === '1.3.6.1.5.5.7.48.2') issuers.push(url);
      }
    }
    if (critical && !(ce >= 0 && HANDLED_CE.has(ce)) && key !== '1.3.6.1.5.5.7.1.1') unhandled.push(id);
  }
  Object.assign(f, {
    UnhandledCriticalExtensions: orNull(unhandled), ExtKeyUsage: orNull(eku), UnknownExtKeyUsage: orNull(unknownEku),
    OCSPServer: orNull(ocsp), IssuingCertificateURL: orNull(issuers), DNSNames: orNull(sans.dns),
    EmailAddresses: orNull(sans.email), IPAddresses: orNull(sans.ip), URIs: orNull(sans.uri), CRLDistributionPoints: orNull(crl),
    PolicyIdentifiers: orNull(policies), PermittedDNSDomains: null, ExcludedDNSDomains: null, PermittedIPRanges: null,
    ExcludedIPRanges: null, PermittedEmailAddresses: null, ExcludedEmailAddresses: null, PermittedURIDomains: null,
    ExcludedURIDomains: null,
  });
  return { list, fields: f };
}

function decodeCertificate(der: Uint8Array): Record<string, unknown> {
  const cert = expect(readTlv(der, 0).tlv, 0x10, 'certificate');
  const [tbs, sigAlg, sig] = children(cert.content);
  const t = children(expect(tbs, 0x10, 'TBSCertificate').content);
  let i = 0;
  let version = 1;
  if (t[0]?.cls === 2 && t[0].tag === 0) version = Number(integer(children(t[i++]!.content)[0]!.content)) + 1;
  const serial = integer(expect(t[i++], 2, 'serial number').content);
  i++; // inner signature algorithm
  const issuer = expect(t[i++], 0x10, 'issuer');
  const validity = children(expect(t[i++], 0x10, 'validity').content);
  const subject = expect(t[i++], 0x10, 'subject');
  const spki = expect(t[i++], 0x10, 'subject public key info');
  const exts = t.slice(i).find((x) => x.cls === 2 && x.tag === 3);
  const { algorithm, key } = rsaPublicKey(spki);
  if (algorithm !== 1) throw new Error('certificate should use rsa algorithm');
  const { list, fields } = readExtensions(exts ? children(expect(children(exts.content)[0], 0x10, 'extensions').content) : []);
  return {
    Raw: b64(cert.raw), RawTBSCertificate: b64(tbs!.raw), RawSubjectPublicKeyInfo: b64(spki.raw), RawSubject: b64(subject.raw),
    RawIssuer: b64(issuer.raw), Signature: b64(bitStringBytes(expect(sig, 3, 'signature').content).bytes),
    SignatureAlgorithm: signatureAlgorithm(expect(sigAlg, 0x10, 'signature algorithm')), PublicKeyAlgorithm: algorithm,
    PublicKey: key, Version: version, SerialNumber: Number(serial), Issuer: pkixName(issuer), Subject: pkixName(subject),
    NotBefore: derTime(validity[0]!), NotAfter: derTime(validity[1]!), Extensions: list.length > 0 ? list : null,
    ExtraExtensions: null, ...fields,
  };
}

function decodeRequest(der: Uint8Array): Record<string, unknown> {
  const csr = expect(readTlv(der, 0).tlv, 0x10, 'certificate request');
  const [info, sigAlg, sig] = children(csr.content);
  const [ver, subject, spki, attrs] = children(expect(info, 0x10, 'CertificationRequestInfo').content);
  const { algorithm, key } = rsaPublicKey(expect(spki, 0x10, 'subject public key info'));
  if (algorithm !== 1) throw new Error('certificate should use rsa algorithm');
  const attributes: unknown[] = [];
  let extensions: Tlv[] = [];
  for (const attr of attrs && attrs.cls === 2 ? children(attrs.content) : []) {
    const [type, values] = children(attr.content);
    const id = oid(type!.content);
    if (oidKey(id) === '1.2.840.113549.1.9.14' && values) {
      extensions = children(children(values.content)[0]!.content);
      attributes.push({
        Type: id,
        Value: [extensions.map((e) => {
          const p = children(e.content);
          return { Type: oid(p[0]!.content), Value: p[1]?.tag === 1 ? p[1].content[0] !== 0 : b64(p[1]?.content ?? new Uint8Array()) };
        })],
      });
    }
  }
  const { list, fields } = readExtensions(extensions);
  return {
    Raw: b64(csr.raw), RawTBSCertificateRequest: b64(info!.raw), RawSubjectPublicKeyInfo: b64(spki!.raw), RawSubject: b64(subject!.raw),
    Version: Number(integer(expect(ver, 2, 'version').content)), Signature: b64(bitStringBytes(expect(sig, 3, 'signature').content).bytes),
    SignatureAlgorithm: signatureAlgorithm(expect(sigAlg, 0x10, 'signature algorithm')), PublicKeyAlgorithm: algorithm, PublicKey: key,
    Subject: pkixName(expect(subject, 0x10, 'subject')), Attributes: attributes.length > 0 ? attributes : null,
    Extensions: list.length > 0 ? list : null, ExtraExtensions: null, DNSNames: fields.DNSNames, EmailAddresses: fields.EmailAddresses,
    IPAddresses: fields.IPAddresses, URIs: fields.URIs,
  };
}

/** Go's `pem.Decode`: the first block's type and bytes. */
function pemDecode(text: string): { type: string; der: Uint8Array } | undefined {
  const m = /-----BEGIN ([^-\n]*)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!m) return undefined;
  const body = m[2]!.split(/\r?\n/).filter((l) => !l.includes(':')).join('').replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(body)) return undefined;
  return { type: m[1]!, der: new Uint8Array(Buffer.from(body, 'base64')) };
}

export const X509_FUNCTIONS: FnSpec[] = [
  {
    name: 'x509_decode',
    args: [['string']],
    fn: ([input]) => {
      const block = pemDecode(input as string);
      if (!block) throw fnError('x509_decode', 'failed to decode PEM block');
      try {
        if (block.type === 'CERTIFICATE') {
          new X509Certificate(block.der); // Go's ParseCertificate rejects what OpenSSL cannot read
          return decodeCertificate(block.der);
        }
        if (block.type === 'CERTIFICATE REQUEST') return decodeRequest(block.der);
      } catch (e) {
        if (e instanceof DerError) throw fnError('x509_decode', `x509: malformed ${e.message}`);
        throw fnError('x509_decode', (e as Error).message);
      }
      throw fnError('x509_decode', 'PEM block neither contains a CERTIFICATE or CERTIFICATE REQUEST');
    },
  },
];
