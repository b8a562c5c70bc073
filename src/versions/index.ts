import { placeholderComparator } from './placeholder.js';
import { schemeForEcosystem } from './ecosystem.js';
import type { Comparator, VersionScheme } from './types.js';

export { VersionError } from './types.js';
export type { Comparator, VersionErrorCode, VersionScheme } from './types.js';
export { schemeForEcosystem, knownEcosystems } from './ecosystem.js';

export const debComparator: Comparator = placeholderComparator('deb');
export const apkComparator: Comparator = placeholderComparator('apk');
export const rpmComparator: Comparator = placeholderComparator('rpm');
export const mavenComparator: Comparator = placeholderComparator('maven');
export const semverComparator: Comparator = placeholderComparator('semver');
export const pep440Comparator: Comparator = placeholderComparator('pep440');
export const rubygemsComparator: Comparator = placeholderComparator('rubygems');
export const goComparator: Comparator = placeholderComparator('go');
export const nugetComparator: Comparator = placeholderComparator('nuget');
export const packagistComparator: Comparator = placeholderComparator('packagist');

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
