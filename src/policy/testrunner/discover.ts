import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { compareStrings } from '../../util/sort.js';

/**
 * Find test files (default `kyverno-test.yaml`) under each path, recursively, hidden folders
 * included (suites live in `.kyverno-test/`). Symlinked folders are not followed, so a link
 * loop cannot trap the walk; `.git` and `node_modules` are skipped. A path that is itself a
 * file is returned as is. Sorted, without duplicates.
 */
export function findTestFiles(paths: string[], fileName = 'kyverno-test.yaml'): string[] {
  const found = new Set<string>();
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== '.git' && e.name !== 'node_modules') walk(p);
      } else if (e.isFile() && e.name === fileName) {
        found.add(p);
      }
    }
  };
  for (const p of paths) {
    const abs = resolve(p);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st) continue;
    if (st.isDirectory()) walk(abs);
    else if (st.isFile()) found.add(abs);
  }
  return [...found].sort(compareStrings);
}
