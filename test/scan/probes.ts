// Versions "just below" and "just above" a range event, per version scheme. What the
// conformance test needs is a version on each side of an event with no other event of the
// range in between; where the scheme has an immediate neighbour we use it, otherwise the
// closest version the scheme can name. Each derivation:
//
// deb (Debian, Ubuntu)   below = v~   ('~' sorts before the end of a string, dpkg)
//                        above = v+   ('+' sorts after the end; valid in upstream and revision)
// rpm (AlmaLinux, …)     below = v~   ('~' sorts before everything, even the end, rpmvercmp)
//                        above = v^   ('^' sorts after the end but before anything else)
// apk (Alpine, Wolfi, Chainguard)
//                        below = -r(N-1) when v ends in -rN with N > 0, else `_alpha`
//                                inserted before the -r part (the lowest pre-release suffix)
//                        above = -r(N+1) (a missing -r is -r0)
// semver (npm, Go)       below = X.Y.Z-0 for a release (the lowest pre-release of X.Y.Z);
//                                for a pre-release: the last identifier minus one when it is
//                                a number > 0, the last identifier dropped when it is 0 and
//                                there are others, the last identifier's last character
//                                dropped when it is alphanumeric (a prefix sorts first);
//                                UNDEFINED for `X.Y.Z-0` itself (OSV's "lowest pre-release":
//                                the next version down is some X.Y.(Z-1)… nobody can name)
//                        above = X.Y.(Z+1)-0 for a release (nothing sorts between X.Y.Z and
//                                it); for a pre-release, `.0` appended (a longer identifier
//                                list sorts after its prefix)
// pep440 (PyPI)          below = v.dev0 (the lowest version of that release), or devN-1 for
//                                v.devN with N > 0; UNDEFINED for v.dev0
//                        above = v+0 (a local version sorts right after its public version);
//                                v.0 appended to an existing local part
// maven                  below = v-alpha (the lowest qualifier, ComparableVersion)
//                        above = v.1
// packagist              below = v-alpha; above = v.1; UNDEFINED for versions that already
//                                carry a stability suffix
// `introduced: "0"` is a sentinel, not a version: nothing is below it and it is not probed.
import type { VersionScheme } from '../../src/versions/index.js';

function semverBelow(v: string): string | undefined {
  const m = /^(\d+\.\d+\.\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(v);
  if (!m) return undefined;
  if (!m[2]) return `${m[1]}-0`;
  const ids = m[2].split('.');
  const last = ids[ids.length - 1];
  if (/^\d+$/.test(last)) {
    const n = Number(last);
    if (n > 0) return `${m[1]}-${[...ids.slice(0, -1), String(n - 1)].join('.')}`;
    return ids.length > 1 ? `${m[1]}-${ids.slice(0, -1).join('.')}` : undefined;
  }
  return last.length > 1 ? `${m[1]}-${[...ids.slice(0, -1), last.slice(0, -1)].join('.')}` : undefined;
}

function semverAbove(v: string): string | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(v);
  if (!m) return undefined;
  if (!m[4]) return `${m[1]}.${m[2]}.${Number(m[3]) + 1}-0`;
  return `${v}.0`;
}

function apkBelow(v: string): string | undefined {
  const r = /^(.*)-r(\d+)$/.exec(v);
  if (r && Number(r[2]) > 0) return `${r[1]}-r${Number(r[2]) - 1}`;
  return r ? `${r[1]}_alpha-r${r[2]}` : `${v}_alpha`;
}

function apkAbove(v: string): string {
  const r = /^(.*)-r(\d+)$/.exec(v);
  return r ? `${r[1]}-r${Number(r[2]) + 1}` : `${v}-r1`;
}

function pep440Below(v: string): string | undefined {
  if (v.includes('+')) return undefined;
  const dev = /^(.*)\.dev(\d+)$/.exec(v);
  if (dev) return Number(dev[2]) > 0 ? `${dev[1]}.dev${Number(dev[2]) - 1}` : undefined;
  return `${v}.dev0`;
}

export function probeBelow(v: string, scheme: VersionScheme): string | undefined {
  switch (scheme) {
    case 'deb':
    case 'rpm':
      return `${v}~`;
    case 'apk':
      return apkBelow(v);
    case 'semver':
    case 'go':
      return semverBelow(v);
    case 'pep440':
      return pep440Below(v);
    case 'maven':
      return `${v}-alpha`;
    case 'packagist':
      return v.includes('-') ? undefined : `${v}-alpha`;
    default:
      return undefined;
  }
}

export function probeAbove(v: string, scheme: VersionScheme): string | undefined {
  switch (scheme) {
    case 'deb':
      return `${v}+`;
    case 'rpm':
      return `${v}^`;
    case 'apk':
      return apkAbove(v);
    case 'semver':
    case 'go':
      return semverAbove(v);
    case 'pep440':
      return v.includes('+') ? `${v}.0` : `${v}+0`;
    case 'maven':
      return `${v}.1`;
    case 'packagist':
      return v.includes('-') ? undefined : `${v}.1`;
    default:
      return undefined;
  }
}
