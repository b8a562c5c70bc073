import { asBytes, compareDigitRuns, isAlphaCode, isDigitCode, sign } from './bytes.js';
import type { Comparator } from './types.js';

/**
 * Debian versions, `[epoch:]upstream[-revision]`, ordered as dpkg does
 * (lib/dpkg/version.c: dpkg_version_compare and verrevcmp).
 */

interface DebVersion {
  epoch: string;
  upstream: string;
  revision: string;
}

/**
 * Split as dpkg's parseversion does: surrounding whitespace dropped, the epoch before
 * the first `:`, the revision after the last `-`. Lenient: a non-numeric epoch is
 * kept as part of the upstream version so that compare never fails (isValid reports it).
 */
function splitDebVersion(raw: string): DebVersion {
  const v = raw.trim();
  let epoch = '0';
  let rest = v;
  const colon = v.indexOf(':');
  if (colon >= 0 && /^[0-9]+$/.test(v.slice(0, colon))) {
    epoch = v.slice(0, colon);
    rest = v.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  if (hyphen < 0) return { epoch, upstream: rest, revision: '' };
  return { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) };
}

/** Weight of one byte in a non-digit run: `~` < end of string < letters < everything else. */
function weight(s: string, i: number): number {
  if (i >= s.length) return 0;
  const c = s.charCodeAt(i);
  if (isDigitCode(c)) return 0;
  if (isAlphaCode(c)) return c;
  if (c === 126) return -1;
  return c + 256;
}

/** dpkg's verrevcmp: alternate non-digit runs (by weight) and digit runs (numerically). */
export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigitCode(a.charCodeAt(i))) || (j < b.length && !isDigitCode(b.charCodeAt(j)))) {
      const d = weight(a, i) - weight(b, j);
      if (d !== 0) return sign(d);
      i++;
      j++;
    }
    const si = i;
    while (i < a.length && isDigitCode(a.charCodeAt(i))) i++;
    const sj = j;
    while (j < b.length && isDigitCode(b.charCodeAt(j))) j++;
    const d = compareDigitRuns(si === i ? '0' : a.slice(si, i), sj === j ? '0' : b.slice(sj, j));
    if (d !== 0) return d;
  }
  return 0;
}

export function compareDeb(a: string, b: string): number {
  const va = splitDebVersion(asBytes(a));
  const vb = splitDebVersion(asBytes(b));
  return (
    compareDigitRuns(va.epoch, vb.epoch) ||
    verrevcmp(va.upstream, vb.upstream) ||
    // An absent revision is "", which verrevcmp orders equal to "0".
    verrevcmp(va.revision, vb.revision)
  );
}

/** dpkg's parseversion, with its warnings counted as invalid too. */
export function isValidDeb(raw: string): boolean {
  const v = raw.trim();
  if (v === '' || /\s/.test(v)) return false;
  const colon = v.indexOf(':');
  let rest = v;
  if (colon >= 0) {
    const epoch = v.slice(0, colon);
    if (!/^[0-9]+$/.test(epoch) || Number(epoch) > 2147483647) return false;
    rest = v.slice(colon + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen < 0 ? rest : rest.slice(0, hyphen);
  const revision = hyphen < 0 ? undefined : rest.slice(hyphen + 1);
  if (upstream === '' || revision === '') return false;
  if (!/^[0-9][A-Za-z0-9.+~:-]*$/.test(upstream)) return false;
  return revision === undefined || /^[A-Za-z0-9.+~]+$/.test(revision);
}

export const debComparator: Comparator = { scheme: 'deb', compare: compareDeb, isValid: isValidDeb };
