import { asBytes, compareDigitRuns, compareStrings, isAlphaCode, isDigitCode } from './bytes.js';
import type { Comparator } from './types.js';

/**
 * RPM versions, `[epoch:]version[-release]`, ordered as rpm does: epoch numerically,
 * then version and release with rpmvercmp (rpmio/rpmvercmp.cc).
 */

function isAlnum(c: number): boolean {
  return isDigitCode(c) || isAlphaCode(c);
}

/** rpmvercmp: alnum segments, numeric > alpha, `~` before everything, `^` after the end only. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    // Skip separators: anything but alnum, `~` and `^`.
    while (i < a.length && !isAlnum(a.charCodeAt(i)) && a[i] !== '~' && a[i] !== '^') i++;
    while (j < b.length && !isAlnum(b.charCodeAt(j)) && b[j] !== '~' && b[j] !== '^') j++;

    // `~` sorts before everything, the end of the string included.
    if (a[i] === '~' || b[j] === '~') {
      if (a[i] !== '~') return 1;
      if (b[j] !== '~') return -1;
      i++;
      j++;
      continue;
    }
    // `^` sorts after the end of the string, before anything else.
    if (a[i] === '^' || b[j] === '^') {
      if (i >= a.length) return -1;
      if (j >= b.length) return 1;
      if (a[i] !== '^') return 1;
      if (b[j] !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (!(i < a.length && j < b.length)) break;

    const si = i;
    const sj = j;
    const numeric = isDigitCode(a.charCodeAt(i));
    const inSegment = numeric ? isDigitCode : isAlphaCode;
    while (i < a.length && inSegment(a.charCodeAt(i))) i++;
    while (j < b.length && inSegment(b.charCodeAt(j))) j++;
    // b's segment is empty when the two segments are of different types: numeric wins.
    if (sj === j) return numeric ? 1 : -1;
    const r = numeric ? compareDigitRuns(a.slice(si, i), b.slice(sj, j)) : compareStrings(a.slice(si, i), b.slice(sj, j));
    if (r !== 0) return r;
  }
  // Whichever still has characters left wins.
  const restA = i < a.length;
  const restB = j < b.length;
  return restA === restB ? 0 : restA ? 1 : -1;
}

interface Evr {
  epoch: string;
  version: string;
  /** undefined when there is no `-`. */
  release: string | undefined;
}

/** rpm's parseEVR: an epoch only when leading digits end at a `:`, the release after the last `-`. */
function parseEvr(evr: string): Evr {
  let k = 0;
  while (k < evr.length && isDigitCode(evr.charCodeAt(k))) k++;
  let epoch = '0';
  let rest = evr;
  if (evr[k] === ':') {
    epoch = k === 0 ? '0' : evr.slice(0, k);
    rest = evr.slice(k + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  if (hyphen < 0) return { epoch, version: rest, release: undefined };
  return { epoch, version: rest.slice(0, hyphen), release: rest.slice(hyphen + 1) };
}

export function compareRpm(a: string, b: string): number {
  const ea = parseEvr(asBytes(a.trim()));
  const eb = parseEvr(asBytes(b.trim()));
  const byEpoch = compareDigitRuns(ea.epoch, eb.epoch);
  if (byEpoch !== 0) return byEpoch;
  const byVersion = rpmvercmp(ea.version, eb.version);
  if (byVersion !== 0) return byVersion;
  // As rpm's labelCompare: a missing release sorts before any release, even an empty one.
  if (ea.release === undefined || eb.release === undefined) {
    return ea.release === eb.release ? 0 : ea.release === undefined ? -1 : 1;
  }
  return rpmvercmp(ea.release, eb.release);
}

/** Characters rpm allows in a version or release (rpmCharCheck: alnum and `._+%{}~^`). */
export function isValidRpm(v: string): boolean {
  const t = v.trim();
  if (t === '') return false;
  const { version, release } = parseEvr(t);
  const ok = /^[A-Za-z0-9._+%{}~^]+$/;
  return ok.test(version) && (release === undefined || ok.test(release));
}

export const rpmComparator: Comparator = { scheme: 'rpm', compare: compareRpm, isValid: isValidRpm };
