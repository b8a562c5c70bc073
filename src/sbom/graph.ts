import type { Package } from '../inventory/types.js';
import { compareStrings } from '../util/index.js';

/**
 * The packages the root should depend on: those nothing else depends on, plus, for
 * dependency cycles no outside package enters (dpkg has them: libc6 ⇄ libgcc-s1), the
 * smallest id of each such cycle, so every package is reachable from the root.
 */
export function rootDependencies(packages: readonly Package[]): string[] {
  const ids = new Set(packages.map((p) => p.id));
  const edges = new Map<string, string[]>();
  const dependedOn = new Set<string>();
  for (const p of packages) {
    const deps = (p.dependsOn ?? []).filter((d) => d !== p.id && ids.has(d));
    edges.set(p.id, deps);
    for (const d of deps) dependedOn.add(d);
  }
  const roots = [...ids].filter((id) => !dependedOn.has(id)).sort(compareStrings);
  const seen = new Set<string>();
  const visit = (start: string) => {
    const stack = [start];
    while (stack.length) {
      const id = stack.pop() as string;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const d of edges.get(id) ?? []) if (!seen.has(d)) stack.push(d);
    }
  };
  roots.forEach(visit);
  for (const id of [...ids].sort(compareStrings)) {
    if (!seen.has(id)) {
      roots.push(id);
      visit(id);
    }
  }
  return roots.sort(compareStrings);
}
