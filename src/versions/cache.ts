/**
 * A bounded memo for parsed versions: a scan compares the same few strings many times.
 * Cleared wholesale when full, which keeps it simple and its memory bounded.
 */
export function memoize<T>(parse: (v: string) => T, limit = 4096): (v: string) => T {
  const cache = new Map<string, T>();
  return (v: string): T => {
    let hit = cache.get(v);
    if (hit === undefined && !cache.has(v)) {
      hit = parse(v);
      if (cache.size >= limit) cache.clear();
      cache.set(v, hit);
    }
    return hit as T;
  };
}
