/**
 * Kyverno's wildcard match (IGLOU-EU/go-wildcard v1.0.3, via kyverno's pkg/utils/wildcard):
 * `*` matches any run of characters (including none), `?` exactly one character; an empty
 * pattern matches only "". Go's version recurses and is exponential on many stars; this is
 * the usual linear backtracking-on-last-star walk, with the same answers, over code points.
 */
export function wildcardMatch(pattern: string, s: string): boolean {
  if (pattern === '') return s === '';
  if (pattern === '*') return true;
  const p = Array.from(pattern);
  const t = Array.from(s);
  let pi = 0;
  let ti = 0;
  let star = -1;
  let mark = 0;
  while (ti < t.length) {
    if (pi < p.length && p[pi] !== '*' && (p[pi] === '?' || p[pi] === t[ti])) {
      pi++;
      ti++;
    } else if (pi < p.length && p[pi] === '*') {
      star = pi++;
      mark = ti;
    } else if (star >= 0) {
      pi = star + 1;
      ti = ++mark;
    } else return false;
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}
