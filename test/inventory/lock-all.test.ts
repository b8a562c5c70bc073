// The set of lockfile catalogers as the driver sees it: names, scopes, which files each
// claims in a tree holding every fixture, and deterministic, input-preserving output.
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lockfileCatalogers } from '../../src/inventory/catalogers/lockfiles.js';
import { runCataloger } from '../helpers/catalog.js';
import { fixture } from './lock-helpers.js';

const ROOT = fileURLToPath(new URL('../fixtures/inventory/lockfiles/', import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [relative(ROOT, join(dir, n))]))
    .sort();
}

describe('lockfileCatalogers', () => {
  it('lists every lockfile cataloger once, for filesystem scans', () => {
    expect(lockfileCatalogers.map((c) => c.name)).toEqual([
      'npm-lock',
      'yarn-lock',
      'pnpm-lock',
      'python-requirements',
      'poetry-lock',
      'pipfile-lock',
      'go-mod',
      'cargo-lock',
      'gemfile-lock',
      'composer-lock',
    ]);
    for (const c of lockfileCatalogers) {
      expect(c.version).toBe('1');
      expect(c.scopes).toEqual(['filesystem']);
    }
  });

  it('claims each fixture lockfile by exactly one cataloger, and nothing else', () => {
    const claims = new Map<string, string[]>();
    for (const path of walk(ROOT)) {
      const by = lockfileCatalogers.filter((c) => c.want({ path, size: 100, mode: 0o644 })).map((c) => c.name);
      if (by.length) claims.set(path, by);
    }
    for (const [path, by] of claims) expect({ path, by }).toEqual({ path, by: [by[0]] });
    // Everything but SOURCE.md and the `go mod edit -json` references is a lockfile.
    expect([...claims.keys()]).toEqual(walk(ROOT).filter((p) => !p.endsWith('.md') && !p.endsWith('go-mod-edit.json')));
    expect(claims.size).toBe(34);
  });

  it('is deterministic and leaves its input untouched', () => {
    const tree: Record<string, Buffer> = {};
    for (const path of walk(ROOT)) tree[`repo/${path}`] = fixture(path);
    const copy = Object.fromEntries(Object.entries(tree).map(([k, v]) => [k, Buffer.from(v)]));
    for (const c of lockfileCatalogers) {
      const a = runCataloger(c, tree);
      const b = runCataloger(c, tree);
      expect(b).toEqual(a);
      expect(a.packages.length).toBeGreaterThan(0);
    }
    for (const [k, v] of Object.entries(tree)) expect(v.equals(copy[k])).toBe(true);
  });
});
