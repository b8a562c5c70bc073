// Image references, normalized as Docker does (the docker/distribution reference grammar):
// `nginx` → docker.io/library/nginx:latest. The grammar is checked piece by piece with
// anchored expressions that cannot backtrack badly: Go's RE2 is linear, JS regexps are
// not, and references come from untrusted manifests and policies.
import { OciError, type ImageRef } from './types.js';

const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_PREFIX = 'library/';
const DEFAULT_TAG = 'latest';
/** distribution's NameTotalLengthMax: domain + '/' + path. */
const NAME_MAX = 255;
/** Longer than any valid reference (name 255 + tag 128 + sha512 digest); guards the parser. */
const INPUT_MAX = 1024;

// A path component: lowercase alphanumerics joined by one '.', one '_', '__', or dashes.
// distribution writes the separator as `[-]*`; requiring at least one dash gives the same
// language (adjacent alphanumeric runs merge) without nested optional repetition.
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN_COMPONENT = /^[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?$/;
const IPV6_HOST = /^\[[a-fA-F0-9:]+\]$/;
const PORT = /^[0-9]+$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST_ALGORITHM = /^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*$/;
const DIGEST_ENCODED = /^[0-9a-fA-F]{32,}$/;
const IDENTIFIER = /^[a-f0-9]{64}$/;

/** Hex lengths of the digest algorithms go-digest registers. */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

function invalid(input: string, reason: string): OciError {
  return new OciError('INVALID_REFERENCE', `invalid image reference: ${reason}`, { input });
}

/**
 * Checks a digest string (`algo:hex`). Returns the reason it is invalid, or undefined.
 * Same rules as go-digest: a registered algorithm and lowercase hex of its exact length.
 */
export function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(':');
  if (colon < 0) return `digest ${JSON.stringify(digest)} lacks an algorithm prefix`;
  const algorithm = digest.slice(0, colon);
  const encoded = digest.slice(colon + 1);
  if (!DIGEST_ALGORITHM.test(algorithm) || !DIGEST_ENCODED.test(encoded)) return `digest ${JSON.stringify(digest)} is malformed`;
  const want = DIGEST_HEX_LENGTH[algorithm];
  if (want === undefined) return `digest algorithm ${JSON.stringify(algorithm)} is not supported`;
  if (encoded.length !== want) return `${algorithm} digest must have ${want} hex digits, got ${encoded.length}`;
  if (!/^[a-f0-9]+$/.test(encoded)) return `digest ${JSON.stringify(digest)} must use lowercase hex`;
  return undefined;
}

/** True when `digest` is a well-formed `sha256:…`/`sha384:…`/`sha512:…` digest. */
export function isValidDigest(digest: string): boolean {
  return digestProblem(digest) === undefined;
}

function validDomain(domain: string): boolean {
  let host = domain;
  // The port is what follows the last ':' outside an IPv6 literal's brackets.
  const close = domain.lastIndexOf(']');
  const colon = domain.lastIndexOf(':');
  if (colon > close) {
    if (!PORT.test(domain.slice(colon + 1))) return false;
    host = domain.slice(0, colon);
  }
  if (host.startsWith('[')) return IPV6_HOST.test(host);
  return host.split('.').every((c) => DOMAIN_COMPONENT.test(c));
}

/**
 * Splits a name into registry and repository with Docker's rule: the first component is
 * a registry only if it contains '.' or ':' or is `localhost`; `index.docker.io` is
 * docker.io, and single-component Docker Hub names get the `library/` prefix.
 */
function splitDomain(name: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  let registry = DEFAULT_DOMAIN;
  let repository = name;
  if (slash >= 0) {
    const first = name.slice(0, slash);
    if (first === 'localhost' || /[.:]/.test(first)) {
      registry = first === LEGACY_DEFAULT_DOMAIN ? DEFAULT_DOMAIN : first;
      repository = name.slice(slash + 1);
    }
  }
  if (registry === DEFAULT_DOMAIN && !repository.includes('/')) repository = OFFICIAL_PREFIX + repository;
  return { registry, repository };
}

/**
 * Parses and normalizes a reference as `docker pull` does. The tag defaults to `latest`
 * only when neither a tag nor a digest is given; `name:tag@digest` keeps both.
 * Throws OciError INVALID_REFERENCE naming the reason.
 */
export function parseReference(s: string): ImageRef {
  if (s === '') throw invalid(s, 'repository name must have at least one component');
  if (s.length > INPUT_MAX) throw invalid(s.slice(0, 64) + '…', `longer than ${INPUT_MAX} characters`);
  if (IDENTIFIER.test(s)) throw invalid(s, 'cannot specify 64-byte hexadecimal strings as a repository name');

  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    const problem = digestProblem(digest);
    if (problem) throw invalid(s, problem);
  }

  // A tag follows the last ':' that comes after the last '/'; earlier colons are a port.
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(s, `tag ${JSON.stringify(tag)} must match [\\w][\\w.-]{0,127}`);
  }
  if (rest === '') throw invalid(s, 'repository name is empty');

  const { registry, repository } = splitDomain(rest);
  if (repository.toLowerCase() !== repository) throw invalid(s, `repository name ${JSON.stringify(repository)} must be lowercase`);
  if (!validDomain(registry)) throw invalid(s, `registry ${JSON.stringify(registry)} is not a valid host[:port]`);
  if (!repository.split('/').every((c) => PATH_COMPONENT.test(c))) {
    throw invalid(s, `repository name ${JSON.stringify(repository)} has an invalid path component`);
  }
  if (registry.length + 1 + repository.length > NAME_MAX) throw invalid(s, `repository name must not be more than ${NAME_MAX} characters`);

  const ref: ImageRef = { registry, repository };
  if (tag !== undefined) ref.tag = tag;
  else if (digest === undefined) ref.tag = DEFAULT_TAG;
  if (digest !== undefined) ref.digest = digest;
  return ref;
}

/** The full normalized form: `docker.io/library/nginx:latest`, `host:5000/app:v1@sha256:…`. */
export function formatReference(ref: ImageRef): string {
  let s = `${ref.registry}/${ref.repository}`;
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/** The name without tag or digest: `docker.io/library/nginx`. */
export function fullName(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}`;
}

/** Docker's FamiliarName: docker.io and `library/` dropped (`nginx`, `user/app`, `ghcr.io/x/y`). */
export function familiarName(ref: ImageRef): string {
  if (ref.registry !== DEFAULT_DOMAIN) return fullName(ref);
  return ref.repository.startsWith(OFFICIAL_PREFIX) && ref.repository.indexOf('/', OFFICIAL_PREFIX.length) < 0
    ? ref.repository.slice(OFFICIAL_PREFIX.length)
    : ref.repository;
}

/** Docker's FamiliarString: the familiar name with tag and digest (`nginx:latest`). */
export function familiarString(ref: ImageRef): string {
  let s = familiarName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}
