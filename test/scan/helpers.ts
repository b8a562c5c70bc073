// Shared test helpers for scan/: the copied OSV fixtures, and dpkg itself as an independent
// judge of Debian version order.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { OsvRecord } from '../../src/vulndb/osv-types.js';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'scan');
export const OSV_DIR = join(FIXTURES, 'osv');

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...jsonFiles(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

/** Every OSV record under a fixture directory, with its path relative to it. */
export function loadRecords(dir = OSV_DIR): Array<{ path: string; record: OsvRecord }> {
  return jsonFiles(dir).map((p) => ({ path: p.slice(dir.length + 1), record: JSON.parse(readFileSync(p, 'utf8')) as OsvRecord }));
}

export function recordById(id: string, dir = OSV_DIR): OsvRecord {
  const r = loadRecords(dir).find((x) => x.record.id === id);
  if (!r) throw new Error(`no fixture record ${id}`);
  return r.record;
}

/** `dpkg --compare-versions a op b` (op: lt, le, eq, ge, gt). */
export function dpkgSays(a: string, op: 'lt' | 'le' | 'eq' | 'ge' | 'gt', b: string): boolean {
  try {
    execFileSync('dpkg', ['--compare-versions', a, op, b], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** dpkg's order as -1/0/1, from one call per pair. */
export function dpkgCompare(a: string, b: string): number {
  return dpkgSays(a, 'lt', b) ? -1 : dpkgSays(a, 'eq', b) ? 0 : 1;
}
