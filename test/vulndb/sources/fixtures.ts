// Fixture loading shared by the source converter tests.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { OsvAffected, OsvRecord } from '../../../src/vulndb/osv-types.js';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/vulndb/sources/', import.meta.url));

export function text(rel: string): string {
  return readFileSync(FIXTURES + rel, 'utf8');
}

export function json(rel: string): unknown {
  return JSON.parse(text(rel));
}

/** The tracker list excerpts, as one text per list file (the excerpts of a file concatenated). */
export function listFiles(): { cve: string; dsa: string; dla: string } {
  const join = (...names: string[]) => names.map((n) => text('debian-tracker-list/' + n).replace(/\n?$/, '\n')).join('');
  return {
    cve: join('CVE-list-bookworm-excerpt', 'CVE-list-excerpt'),
    dsa: join('DSA-list-bookworm-excerpt', 'DSA-list-excerpt'),
    dla: join('DLA-list-excerpt'),
  };
}

/** vuln-list-update's parse of the same tracker entries. */
export interface VlAnnotation {
  Original: string;
  Type: string;
  Release?: string;
  Package?: string;
  Kind?: string;
  Version?: string;
  Severity?: string;
  BugNo?: number;
  Bugs?: string[];
  Description?: string;
}
export interface VlBug {
  Header: { Original: string; ID: string; Description?: string };
  Annotations: VlAnnotation[];
}

export function vulnListBugs(dir: 'CVE' | 'DSA'): VlBug[] {
  const base = `vuln-list-debian/tracker/${dir}/`;
  return readdirSync(FIXTURES + base)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => json(base + f) as VlBug);
}

/** codename → major version, from the tracker's distributions.json (as vuln-list stores it). */
export function distributions(): Map<string, string> {
  const d = json('vuln-list-debian/tracker/distributions.json') as Record<string, { 'major-version': string }>;
  return new Map(Object.entries(d).map(([c, v]) => [c, v['major-version'] || 'sid']));
}

export function findAffected(records: OsvRecord[], id: string, ecosystem: string, name: string): OsvAffected[] {
  const r = records.find((x) => x.id === id);
  return (r?.affected ?? []).filter((a) => a.package?.ecosystem === ecosystem && a.package?.name === name);
}

/** The one affected entry for (record, ecosystem, package), or undefined; fails on duplicates. */
export function oneAffected(records: OsvRecord[], id: string, ecosystem: string, name: string): OsvAffected | undefined {
  const found = findAffected(records, id, ecosystem, name);
  if (found.length > 1) throw new Error(`${id} ${ecosystem} ${name}: ${found.length} affected entries`);
  return found[0];
}

export function fixedOf(a: OsvAffected | undefined): string | undefined {
  const ev = a?.ranges?.[0]?.events.find((e): e is { fixed: string } => 'fixed' in e);
  return ev?.fixed;
}

export function statusOf(a: OsvAffected | undefined): unknown {
  return a?.database_specific?.status;
}
