import { VersionError, type VersionScheme } from './types.js';

/**
 * OSV ecosystem name (the part before the first `:`) → version scheme. Names and
 * schemes follow the OSV schema's ecosystems.json and osv-scalibr semantic/parse.go.
 */
const SCHEME_BY_ECOSYSTEM: ReadonlyMap<string, VersionScheme> = new Map<string, VersionScheme>([
  ['Debian', 'deb'],
  ['Ubuntu', 'deb'],
  ['Alpine', 'apk'],
  ['Chainguard', 'apk'],
  ['Wolfi', 'apk'],
  ['MinimOS', 'apk'],
  // BellSoft's Alpaquita Linux is an apk distribution.
  ['Alpaquita', 'apk'],
  ['BellSoft', 'apk'],
  ['BellSoft Hardened Containers', 'apk'],
  ['Red Hat', 'rpm'],
  ['AlmaLinux', 'rpm'],
  ['Rocky Linux', 'rpm'],
  ['SUSE', 'rpm'],
  ['openSUSE', 'rpm'],
  ['Mageia', 'rpm'],
  ['openEuler', 'rpm'],
  ['Photon OS', 'rpm'],
  ['Azure Linux', 'rpm'],
  ['npm', 'semver'],
  ['crates.io', 'semver'],
  ['Hex', 'semver'],
  ['Pub', 'semver'],
  ['SwiftURL', 'semver'],
  ['Bitnami', 'semver'],
  ['ConanCenter', 'semver'],
  ['PyPI', 'pep440'],
  ['RubyGems', 'rubygems'],
  ['Go', 'go'],
  ['Maven', 'maven'],
  ['NuGet', 'nuget'],
  ['Packagist', 'packagist'],
  ['CRAN', 'cran'],
  ['Bioconductor', 'cran'],
  ['Hackage', 'hackage'],
  ['GHC', 'hackage'],
]);

/** The version scheme an OSV ecosystem string (`Debian:12`, `Maven:https://…`) uses. */
export function schemeForEcosystem(ecosystem: string): VersionScheme {
  const colon = ecosystem.indexOf(':');
  const base = (colon < 0 ? ecosystem : ecosystem.slice(0, colon)).trim();
  const scheme = SCHEME_BY_ECOSYSTEM.get(base);
  if (scheme === undefined) {
    throw new VersionError('UNKNOWN_ECOSYSTEM', `no version ordering known for ecosystem ${JSON.stringify(ecosystem)}`, { input: ecosystem });
  }
  return scheme;
}

/** Every ecosystem name this module maps, sorted (for docs and tests). */
export function knownEcosystems(): string[] {
  return [...SCHEME_BY_ECOSYSTEM.keys()].sort();
}
