/**
 * Kyverno's remaining functions: `random` (a string matching a regex, as goregen), `semver_compare`
 * (blang/semver range syntax, evaluated with the `semver` package's ordering),
 * `image_normalize`, `is_external_url` and the digests.
 *
 * `is_external_url` resolves host names in Kyverno (net.LookupIP); evaluation here is pure and
 * offline, so only IP literals and `localhost` are judged, and any other host name counts as
 * external.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { SemVer, compare as semverCompare } from 'semver';
import { GoRegexError, generateFromGoRegex } from './goregex.js';
import { ImageError, getImageInfo, imageInfoString } from './images.js';
import { checkString, fnError, type FnSpec } from './jp-common.js';

// ---------- semver (blang/semver v4) ----------

const STRICT_SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(?:\.(?:0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*))?(?:\+([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?$/;

function parseVersion(v: string): SemVer | undefined {
  return STRICT_SEMVER.test(v) ? new SemVer(v) : undefined;
}

const OPS = ['>=', '<=', '!=', '==', '>', '<', '=', '!', ''] as const;
type Op = (typeof OPS)[number];

interface Comparator {
  op: Op;
  version: SemVer;
}

function splitOp(token: string): [Op, string] {
  for (const op of OPS) if (op !== '' && token.startsWith(op)) return [op, token.slice(op.length)];
  return ['', token];
}

/** blang's expandWildcardVersion: "1.2.x" and "1.x" become plain comparators. */
function expandWildcards(tokens: string[]): string[] {
  const out: string[] = [];
  for (const token of tokens) {
    if (token === '||') {
      out.push(token);
      continue;
    }
    const [op, ver] = splitOp(token);
    const parts = ver.split('.');
    const wild = (p: string | undefined): boolean => p === 'x' || p === 'X' || p === '*';
    if (!parts.some(wild)) {
      out.push(token);
      continue;
    }
    if (parts.length > 3 || wild(parts[0])) throw new Error(`Could not parse Range "${token}"`);
    const major = Number(parts[0]);
    const minorWild = wild(parts[1]) || parts.length < 2;
    const minor = minorWild ? 0 : Number(parts[1]);
    const flat = `${major}.${minor}.0`;
    const next = minorWild ? `${major + 1}.0.0` : `${major}.${minor + 1}.0`;
    switch (op) {
      case '>': out.push(`>=${next}`); break;
      case '>=': out.push(`>=${flat}`); break;
      case '<': out.push(`<${flat}`); break;
      case '<=': out.push(`<${next}`); break;
      case '!': case '!=': out.push(`<${flat}`, '||', `>=${next}`); break;
      default: out.push(`>=${flat}`, `<${next}`);
    }
  }
  return out;
}

function parseRange(range: string): Comparator[][] {
  // Operators may be separated from their version by spaces: ">= 1.2.3".
  const raw = range.trim().split(/\s+/).filter((t) => t !== '');
  const tokens: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const t = raw[i]!;
    if (t !== '||' && (OPS as readonly string[]).includes(t) && i + 1 < raw.length) tokens.push(t + raw[++i]);
    else tokens.push(t);
  }
  const expanded = expandWildcards(tokens);
  const alternatives: Comparator[][] = [[]];
  for (const token of expanded) {
    if (token === '||') {
      alternatives.push([]);
      continue;
    }
    const [op, ver] = splitOp(token);
    const version = parseVersion(ver);
    if (!version) throw new Error(`Could not parse Range "${range}": Could not parse version "${ver}" in "${token}"`);
    alternatives[alternatives.length - 1]!.push({ op, version });
  }
  if (alternatives.some((a) => a.length === 0)) throw new Error(`Could not parse Range "${range}"`);
  return alternatives;
}

function satisfies(v: SemVer, c: Comparator): boolean {
  const r = semverCompare(v, c.version);
  switch (c.op) {
    case '>': return r > 0;
    case '>=': return r >= 0;
    case '<': return r < 0;
    case '<=': return r <= 0;
    case '!': case '!=': return r !== 0;
    default: return r === 0;
  }
}

// ---------- URLs ----------

function ipv4Private(ip: string): { loopback: boolean; private: boolean } {
  const [a, b] = ip.split('.').map(Number) as [number, number];
  return { loopback: a === 127, private: a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) };
}

function isExternalHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '');
  const kind = isIP(h);
  if (kind === 4) {
    const r = ipv4Private(h);
    return !(r.loopback || r.private);
  }
  if (kind === 6) {
    const lower = h.toLowerCase();
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped) return isExternalHost(mapped[1]!);
    if (lower === '::1') return false;
    const first = parseInt(lower.split(':')[0] || '0', 16);
    return !((first & 0xfe00) === 0xfc00); // fc00::/7 is private
  }
  const name = h.toLowerCase().replace(/\.$/, '');
  return !(name === 'localhost' || name.endsWith('.localhost'));
}

const digest = (alg: string) => (args: unknown[]): string => createHash(alg).update(args[0] as string, 'utf8').digest('hex');

export const MISC_FUNCTIONS: FnSpec[] = [
  {
    name: 'semver_compare',
    args: [['string'], ['string']],
    fn: ([v, r]) => {
      const version = parseVersion(v as string) ?? new SemVer('0.0.0'); // blang: a bad version is the zero version
      let range: Comparator[][];
      try {
        range = parseRange(r as string);
      } catch (e) {
        throw fnError('semver_compare', (e as Error).message);
      }
      return range.some((all) => all.every((c) => satisfies(version, c)));
    },
  },
  {
    name: 'random',
    args: [['string']],
    fn: ([pattern], env) => {
      if (pattern === '') throw fnError('random', 'no pattern provided');
      try {
        return checkString(generateFromGoRegex(pattern as string, env.random));
      } catch (e) {
        if (e instanceof GoRegexError) throw fnError('random', e.message);
        throw e;
      }
    },
  },
  {
    name: 'image_normalize',
    args: [['string']],
    fn: ([image]) => {
      try {
        return imageInfoString(getImageInfo(image as string));
      } catch (e) {
        if (e instanceof ImageError) throw fnError('image_normalize', e.message);
        throw e;
      }
    },
  },
  {
    name: 'is_external_url',
    args: [['string']],
    fn: ([s]) => {
      let url: URL;
      try {
        url = new URL(s as string);
      } catch {
        throw fnError('is_external_url', `parse ${JSON.stringify(s)}: invalid URL`);
      }
      if (url.hostname === '') throw fnError('is_external_url', `lookup : no such host`);
      return isExternalHost(url.hostname);
    },
  },
  { name: 'sha256', args: [['string']], fn: digest('sha256') },
  { name: 'sha1', args: [['string']], fn: digest('sha1') },
  { name: 'md5', args: [['string']], fn: digest('md5') },
];
