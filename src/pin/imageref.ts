// References as written in a file: split into name, tag and digest without normalizing
// (so a rewrite keeps `bookstore/catalog`, not `docker.io/bookstore/catalog`), checked with
// oci/'s grammar, and formatted back in pinned form.
import { OciError, parseReference, type ImageRef } from '../oci/index.js';

export interface WrittenRef {
  name: string;
  tag?: string;
  digest?: string;
}

/** `${VAR}`, `$VAR` or `{{ … }}`: a value only the build or the deploy tool decides. */
export function variableIn(s: string): string | undefined {
  const m = /\$\{[^}]*\}?|\$[A-Za-z_][A-Za-z0-9_]*|\{\{.*?\}\}/.exec(s);
  return m?.[0];
}

/**
 * Splits a reference as written. Returns the reason it cannot be pinned instead when it
 * uses a variable or is not a valid reference (oci/'s parser, Docker's grammar).
 */
export function splitWritten(s: string): WrittenRef | { problem: string } {
  const v = variableIn(s);
  if (v) return { problem: `uses ${v}: only the build or deploy tool decides this reference` };
  try {
    parseReference(s);
  } catch (e) {
    if (e instanceof OciError) return { problem: e.message };
    throw e;
  }
  let rest = s;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const out: WrittenRef = { name: rest };
  if (tag !== undefined) out.tag = tag;
  if (digest !== undefined) out.digest = digest;
  return out;
}

/** `name[:tag]@digest`: the tag is kept when asked, or when the reference already carried one next to a digest. */
export function pinnedString(w: WrittenRef, digest: string, keepTag: boolean): string {
  const withTag = keepTag || (w.tag !== undefined && w.digest !== undefined);
  return `${w.name}${withTag ? `:${w.tag ?? 'latest'}` : ''}@${digest}`;
}

/** What the registry is asked for: the name with its tag (`latest` when none), normalized. */
export function lookupOf(w: WrittenRef): ImageRef {
  const ref = parseReference(`${w.name}:${w.tag ?? 'latest'}`);
  return { registry: ref.registry, repository: ref.repository, tag: ref.tag };
}

/** The normalized lookup as one string, the key references are deduplicated by. */
export function lookupKey(ref: ImageRef): string {
  return `${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`;
}
