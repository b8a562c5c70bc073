/**
 * Kyverno's wildcard match (ext/wildcard → go-wildcard): `*` matches any run of characters
 * (including none), `?` exactly one character, everything else literally. An empty pattern
 * matches only the empty string. Characters are Unicode code points, as Go iterates runes.
 */

export function containsWildcard(s: string): boolean {
  return s.includes('*') || s.includes('?');
}

function hasSurrogates(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdfff) return true;
  }
  return false;
}

/** Iterative glob with single-star backtracking: O(len(pattern) × len(text)) worst case, no regex. */
function globUnits(p: ArrayLike<string>, t: ArrayLike<string>): boolean {
  let pi = 0;
  let ti = 0;
  let starP = -1;
  let starT = 0;
  while (ti < t.length) {
    if (pi < p.length && (p[pi] === '?' || (p[pi] !== '*' && p[pi] === t[ti]))) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starT = ti;
    } else if (starP >= 0) {
      pi = starP + 1;
      ti = ++starT;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}

export function wildcardMatch(pattern: string, text: string): boolean {
  if (pattern === '*') return true;
  if (!containsWildcard(pattern)) return pattern === text;
  if (hasSurrogates(pattern) || hasSurrogates(text)) return globUnits(Array.from(pattern), Array.from(text));
  return globUnits(pattern, text);
}
