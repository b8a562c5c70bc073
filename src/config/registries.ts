// --allowed-registries: entries such as `ghcr.io/acme`, `registry.example.com:5000` or
// `docker.io/library` become glob patterns over the normalized image reference
// (`docker.io/library/nginx:1.27`), the form Kyverno's image_normalize() gives. An entry
// with a path also matches that repository itself (`ghcr.io/acme/app` → `…/app:1`). The same
// patterns feed the Kubernetes policy (as its allowedRegistries context variable, matched
// by Kyverno's wildcard rules) and the Dockerfile check (matched here), so both agree.
import { parseReference, formatReference } from '../oci/reference.js';
import { ConfigError } from './types.js';

const ENTRY = /^[a-z0-9*?][a-z0-9.\-_:/*?[\]]*$/;

/** Normalize allowed-registry entries into glob patterns; throws ConfigError BAD_OPTION. */
export function registryPatterns(entries: readonly string[]): string[] {
  const out = new Set<string>();
  for (const raw of entries) {
    let e = raw.trim().toLowerCase().replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');
    if (e === '') continue;
    if (!ENTRY.test(e)) throw new ConfigError('BAD_OPTION', `"${raw}" is not a registry or registry/path`, { input: '--allowed-registries' });
    if (e === 'index.docker.io' || e.startsWith('index.docker.io/')) e = 'docker.io' + e.slice('index.docker.io'.length);
    // A glob with a path is used as it is; a host glob (`*.pkg.dev`) gets the path added.
    if (/[*?]/.test(e)) out.add(e.includes('/') ? e : `${e}/*`);
    else {
      out.add(`${e}/*`);
      // A path names a repository as well as a namespace: ghcr.io/acme/app:1 and @sha256:….
      // A bare host does not: docker.io:* would also match another port.
      if (e.includes('/')) {
        out.add(`${e}:*`);
        out.add(`${e}@*`);
      }
    }
  }
  if (out.size === 0) throw new ConfigError('BAD_OPTION', 'no registry given', { input: '--allowed-registries' });
  return [...out].sort();
}

/** Split a comma-separated flag value into entries (checked here; scanConfig makes the patterns). */
export function parseRegistryList(value: string): string[] {
  const entries = value.split(',').map((s) => s.trim()).filter(Boolean);
  registryPatterns(entries);
  return entries;
}

/** Glob match: `*` any run of characters (slashes too, as in Kyverno's wildcard), `?` one. */
export function globMatch(pattern: string, text: string): boolean {
  // Iterative matcher with one backtrack point: linear-ish, no regex built from input.
  let p = 0;
  let t = 0;
  let star = -1;
  let mark = 0;
  while (t < text.length) {
    if (p < pattern.length && (pattern[p] === '?' || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      mark = t;
    } else if (star >= 0) {
      p = star + 1;
      t = ++mark;
    } else return false;
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}

/** The normalized reference, or undefined when it is not a valid reference. */
export function normalizeImage(image: string): string | undefined {
  try {
    return formatReference(parseReference(image));
  } catch {
    return undefined;
  }
}

export function imageAllowed(image: string, patterns: readonly string[]): boolean {
  const norm = normalizeImage(image) ?? image;
  return patterns.some((p) => globMatch(p, norm));
}
