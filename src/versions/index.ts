import { apkComparator } from './apk.js';
import { debComparator } from './deb.js';
import { schemeForEcosystem } from './ecosystem.js';
import { goComparator } from './go.js';
import { mavenComparator } from './maven.js';
import { nugetComparator } from './nuget.js';
import { cranComparator, hackageComparator } from './numeric.js';
import { packagistComparator } from './packagist.js';
import { pep440Comparator } from './pep440.js';
import { rpmComparator } from './rpm.js';
import { rubygemsComparator } from './rubygems.js';
import { semverComparator } from './semver.js';
import type { Comparator, VersionScheme } from './types.js';

export { VersionError } from './types.js';
export type { Comparator, VersionErrorCode, VersionScheme } from './types.js';
export { schemeForEcosystem, knownEcosystems } from './ecosystem.js';
export { apkComparator, compareApkFuzzy } from './apk.js';
export { debComparator } from './deb.js';
export { goComparator, goToolchainToSemver, isGoPseudoVersion } from './go.js';
export { mavenComparator } from './maven.js';
export { nugetComparator } from './nuget.js';
export { cranComparator, hackageComparator } from './numeric.js';
export { packagistComparator } from './packagist.js';
export { pep440Comparator } from './pep440.js';
export { rpmComparator } from './rpm.js';
export { rubygemsComparator } from './rubygems.js';
export { semverComparator } from './semver.js';

const BY_SCHEME: Readonly<Record<VersionScheme, Comparator>> = {
  deb: debComparator,
  apk: apkComparator,
  rpm: rpmComparator,
  maven: mavenComparator,
  semver: semverComparator,
  pep440: pep440Comparator,
  rubygems: rubygemsComparator,
  go: goComparator,
  nuget: nugetComparator,
  packagist: packagistComparator,
  cran: cranComparator,
  hackage: hackageComparator,
};

/** The comparator for a version scheme. */
export function comparatorForScheme(scheme: VersionScheme): Comparator {
  return BY_SCHEME[scheme];
}

/**
 * The comparator for an OSV ecosystem string, with or without its `:suffix`
 * (`Debian:12`, `Ubuntu:Pro:14.04:LTS`, `Maven:https://maven.google.com`).
 * Throws VersionError UNKNOWN_ECOSYSTEM for an ecosystem with no known ordering.
 */
export function comparatorFor(ecosystem: string): Comparator {
  return BY_SCHEME[schemeForEcosystem(ecosystem)];
}
