import { PortcullisError } from '../errors/index.js';

export type VersionErrorCode = 'INVALID_VERSION' | 'UNKNOWN_ECOSYSTEM';
export class VersionError extends PortcullisError<VersionErrorCode> {}

export type VersionScheme = 'deb' | 'apk' | 'rpm' | 'maven' | 'semver' | 'pep440' | 'rubygems' | 'go' | 'nuget' | 'packagist' | 'cran' | 'hackage';

/** A total order over one ecosystem's versions. */
export interface Comparator {
  scheme: VersionScheme;
  /** <0, 0, >0. Never throws: an unparsable version falls back as the scheme's reference does. */
  compare(a: string, b: string): number;
  /** Whether the version parses under the scheme. */
  isValid(v: string): boolean;
}
