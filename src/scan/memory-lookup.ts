// An in-memory AdvisoryLookup over OSV records, with the SQLite database's semantics: the
// exact ecosystem (`Debian:12`) plus records naming only the bare one (`Debian`); PyPI
// names compared PEP 503-normalized; withdrawn records left out. For tests, and for
// scanning straight from a directory of OSV JSON.
import { normalizePypiName } from '../inventory/purl.js';
import type { OsvRecord } from '../vulndb/osv-types.js';
import type { AdvisoryLookup, AdvisoryMatch } from '../vulndb/types.js';

function baseOf(ecosystem: string): string {
  const i = ecosystem.indexOf(':');
  return i < 0 ? ecosystem : ecosystem.slice(0, i);
}

function keyName(ecosystem: string, name: string): string {
  return baseOf(ecosystem) === 'PyPI' ? normalizePypiName(name) : name;
}

function key(ecosystem: string, name: string): string {
  return `${ecosystem}\0${keyName(ecosystem, name)}`;
}

export interface MemoryLookupOptions {
  /** Source name reported on matches (default `osv:<ecosystem>`, as the database names OSV sources). */
  source?: string;
}

export function createMemoryLookup(records: readonly OsvRecord[], opts: MemoryLookupOptions = {}): AdvisoryLookup {
  const index = new Map<string, AdvisoryMatch[]>();
  for (const r of records) {
    if (!r || typeof r.id !== 'string' || r.withdrawn || !Array.isArray(r.affected)) continue;
    const record: AdvisoryMatch['record'] = {
      id: r.id,
      modified: r.modified,
      published: r.published,
      aliases: r.aliases,
      upstream: r.upstream,
      summary: r.summary,
      details: r.details,
      severity: r.severity,
      references: r.references,
      database_specific: r.database_specific,
    };
    for (const affected of r.affected) {
      const pkg = affected?.package;
      if (!pkg || typeof pkg.ecosystem !== 'string' || typeof pkg.name !== 'string') continue;
      const k = key(pkg.ecosystem, pkg.name);
      const list = index.get(k) ?? [];
      list.push({ record, affected, source: opts.source ?? `osv:${baseOf(pkg.ecosystem)}` });
      index.set(k, list);
    }
  }
  return {
    lookup(ecosystem: string, name: string): AdvisoryMatch[] {
      const exact = index.get(key(ecosystem, name)) ?? [];
      const base = baseOf(ecosystem);
      const bare = base !== ecosystem ? (index.get(key(base, name)) ?? []) : [];
      return [...exact, ...bare];
    },
  };
}
