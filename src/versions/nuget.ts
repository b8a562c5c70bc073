import { compareDigitRuns, compareStrings } from './bytes.js';
import { memoize } from './cache.js';
import type { Comparator } from './types.js';

/**
 * NuGet versions (NuGet.Versioning's VersionComparer): one to four numeric parts
 * (missing ones are 0, leading zeros allowed), an optional SemVer 2.0 prerelease whose
 * labels compare case-insensitively, and build metadata that is ignored. A version
 * NuGet cannot parse sorts before every valid one, invalid ones among themselves by text.
 */

interface NugetVersion {
  parts: string[];
  labels: string[];
}

const NUGET_RE = /^([0-9]+(?:\.[0-9]+){0,3})(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;

const parseNuget = memoize((v: string): NugetVersion | null => {
  const m = NUGET_RE.exec(v.trim());
  if (!m) return null;
  const parts = m[1].split('.');
  while (parts.length < 4) parts.push('0');
  return { parts, labels: m[2] === undefined ? [] : m[2].split('.') };
});

function compareLabels(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return a.length === b.length ? 0 : a.length === 0 ? 1 : -1;
  for (let i = 0; i < a.length && i < b.length; i++) {
    const na = /^[0-9]+$/.test(a[i]);
    const nb = /^[0-9]+$/.test(b[i]);
    let r: number;
    if (na && nb) r = compareDigitRuns(a[i], b[i]);
    else if (na !== nb) r = na ? -1 : 1;
    else r = compareStrings(a[i].toLowerCase(), b[i].toLowerCase());
    if (r !== 0) return r;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function compareNuget(a: string, b: string): number {
  const pa = parseNuget(a);
  const pb = parseNuget(b);
  if (pa && pb) {
    for (let i = 0; i < 4; i++) {
      const r = compareDigitRuns(pa.parts[i], pb.parts[i]);
      if (r !== 0) return r;
    }
    return compareLabels(pa.labels, pb.labels);
  }
  if (pa) return 1;
  if (pb) return -1;
  return compareStrings(a, b);
}

export function isValidNuget(v: string): boolean {
  return parseNuget(v) !== null;
}

export const nugetComparator: Comparator = { scheme: 'nuget', compare: compareNuget, isValid: isValidNuget };
