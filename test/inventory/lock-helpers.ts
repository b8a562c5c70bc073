// Helpers for the lockfile cataloger tests: run a cataloger over a fixture placed at a
// path of our choosing, and view its output by purl.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { Cataloger, Package } from '../../src/inventory/types.js';
import { packageId } from '../../src/inventory/purl.js';
import { runCataloger } from '../helpers/catalog.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/inventory/lockfiles/', import.meta.url));

export function fixture(rel: string): Buffer {
  return readFileSync(FIXTURES + rel);
}

/** Runs `c` over the fixture `rel` presented at `at`. */
export function runFixture(c: Cataloger, rel: string, at: string): { packages: Package[]; warnings: string[] } {
  return runCataloger(c, { [at]: fixture(rel) });
}

export function purls(pkgs: Package[]): string[] {
  return pkgs.map((p) => p.purl);
}

export function byPurl(pkgs: Package[], purl: string): Package {
  const p = pkgs.find((x) => x.purl === purl);
  if (!p) throw new Error(`no package ${purl} among ${pkgs.length}`);
  return p;
}

/** The purls a package depends on, sorted. */
export function depPurls(pkgs: Package[], purl: string): string[] {
  const ids = new Map(pkgs.map((p) => [p.id, p.purl]));
  return (byPurl(pkgs, purl).dependsOn ?? []).map((id) => ids.get(id) ?? `missing:${id}`).sort();
}

/** Every edge as `from -> to` (purls), sorted: compares graphs across lockfile versions. */
export function edges(pkgs: Package[]): string[] {
  const ids = new Map(pkgs.map((p) => [p.id, p.purl]));
  return pkgs.flatMap((p) => (p.dependsOn ?? []).map((d) => `${p.purl} -> ${ids.get(d) ?? `missing:${d}`}`)).sort();
}

export function devPurls(pkgs: Package[]): string[] {
  return pkgs.filter((p) => p.metadata?.dev === 'true').map((p) => p.purl);
}

/** The invariants every lockfile cataloger output must hold. */
export function expectWellFormed(pkgs: Package[], path: string, foundBy: string): void {
  const sorted = [...pkgs].sort((a, b) => (a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0));
  expect(pkgs.map((p) => p.purl)).toEqual(sorted.map((p) => p.purl));
  const ids = new Set(pkgs.map((p) => p.id));
  expect(ids.size).toBe(pkgs.length);
  for (const p of pkgs) {
    expect(p.locations[0].path).toBe(path);
    expect(p.id).toBe(packageId(p.purl, path));
    expect(p.foundBy).toBe(foundBy);
    for (const d of p.dependsOn ?? []) expect(ids.has(d)).toBe(true);
  }
}
