/** Byte-order string comparison (locale-independent, so output is deterministic). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Stable sort by one or more string keys, returning a new array. */
export function sortBy<T>(items: readonly T[], ...keys: Array<(x: T) => string>): T[] {
  return [...items].sort((x, y) => {
    for (const k of keys) {
      const c = compareStrings(k(x), k(y));
      if (c) return c;
    }
    return 0;
  });
}
