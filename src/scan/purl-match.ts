// purl matching for ignore rules and VEX products, as Trivy (pkg/purl Match) and go-vex
// (PurlMatches) do: type, namespace and name equal; a constraint without a version matches
// every version; every qualifier the constraint names must be present with the same value
// (extra qualifiers on the package are fine); a subpath, when given, must be equal.
import { parsePurl, type PurlParts } from '../inventory/purl.js';

const cache = new Map<string, PurlParts | null>();

/** Parsed purl, or undefined when it does not parse. Memoised: findings repeat purls. */
export function tryParsePurl(s: string): PurlParts | undefined {
  if (!s.startsWith('pkg:')) return undefined;
  let p = cache.get(s);
  if (p === undefined) {
    try {
      p = parsePurl(s);
    } catch {
      p = null;
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(s, p);
  }
  return p ?? undefined;
}

function qualifiersOf(p: PurlParts): Map<string, string> {
  const q = new Map<string, string>();
  for (const [k, v] of Object.entries(p.qualifiers ?? {})) if (typeof v === 'string' && v !== '') q.set(k.toLowerCase(), v);
  // Maven's `type` defaults to jar (purl-spec PURL-TYPES): `?type=jar` says nothing extra.
  if (p.type === 'maven' && q.get('type') === 'jar') q.delete('type');
  return q;
}

/** Whether the package purl `target` satisfies the constraint purl `constraint`. */
export function purlMatches(constraint: string | PurlParts, target: string | PurlParts): boolean {
  const c = typeof constraint === 'string' ? tryParsePurl(constraint) : constraint;
  const t = typeof target === 'string' ? tryParsePurl(target) : target;
  if (!c || !t) return false;
  if (c.type !== t.type || (c.namespace ?? '') !== (t.namespace ?? '') || c.name !== t.name) return false;
  if (c.version && c.version !== t.version) return false;
  if (c.subpath && c.subpath !== t.subpath) return false;
  const tq = qualifiersOf(t);
  for (const [k, v] of qualifiersOf(c)) if (tq.get(k) !== v) return false;
  return true;
}
