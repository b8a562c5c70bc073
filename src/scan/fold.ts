// Alias folding: the same vulnerability reaches us as several records (GHSA and PYSEC for
// one CVE; a DSA and the DEBIAN-CVE record). Findings are per vulnerability, so records are
// grouped by the ids they share, keyed by the CVE when there is one. A record naming several
// CVEs (a DSA fixing ten) counts towards each; two CVEs are never merged into one finding.
import { compareStrings } from '../util/sort.js';
import type { OsvRecord } from '../vulndb/osv-types.js';

type RecordIds = Pick<OsvRecord, 'id' | 'aliases' | 'upstream'>;

const CVE_RE = /^CVE-\d{4}-\d{4,}$/;
// Distro records named after the CVE they track: DEBIAN-CVE-…, UBUNTU-CVE-…, ALPINE-CVE-….
const EMBEDDED_CVE_RE = /^[A-Za-z]+-(CVE-\d{4}-\d{4,})$/;

export function isCve(id: string): boolean {
  return CVE_RE.test(id);
}

/** Every id a record goes by: its own, aliases and upstream (not `related`). */
export function idsOf(r: RecordIds): string[] {
  const all = [r.id, ...(Array.isArray(r.aliases) ? r.aliases : []), ...(Array.isArray(r.upstream) ? r.upstream : [])];
  return [...new Set(all.filter((x): x is string => typeof x === 'string' && x !== ''))];
}

function embeddedCve(id: string): string | undefined {
  return EMBEDDED_CVE_RE.exec(id)?.[1];
}

/** The CVEs a record is about: CVE ids it names and CVEs embedded in distro ids. */
export function cvesOf(r: RecordIds): string[] {
  const out = new Set<string>();
  for (const id of idsOf(r)) {
    if (isCve(id)) out.add(id);
    const e = embeddedCve(id);
    if (e) out.add(e);
  }
  return [...out].sort(compareStrings);
}

/** Which id to show when no CVE is known: GHSA first (the most widely cross-referenced), then by name. */
function preference(id: string): number {
  return isCve(id) ? 0 : id.startsWith('GHSA-') ? 1 : 2;
}

export function comparePrimary(a: string, b: string): number {
  return preference(a) - preference(b) || compareStrings(a, b);
}

class UnionFind {
  private parent = new Map<string, string>();
  private cve = new Map<string, string>();

  add(id: string): void {
    if (this.parent.has(id)) return;
    this.parent.set(id, id);
    if (isCve(id)) this.cve.set(id, id);
  }

  find(id: string): string {
    this.add(id);
    let root = id;
    while (this.parent.get(root) !== root) root = this.parent.get(root)!;
    let x = id;
    while (x !== root) {
      const next = this.parent.get(x)!;
      this.parent.set(x, root);
      x = next;
    }
    return root;
  }

  /** Joins two groups unless that would put two different CVEs in one. */
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra === rb) return;
    const ca = this.cve.get(ra);
    const cb = this.cve.get(rb);
    if (ca && cb && ca !== cb) return;
    // Deterministic root: the smaller id.
    const [root, child] = compareStrings(ra, rb) <= 0 ? [ra, rb] : [rb, ra];
    this.parent.set(child, root);
    const c = ca ?? cb;
    if (c) this.cve.set(root, c);
  }

  cveOf(root: string): string | undefined {
    return this.cve.get(root);
  }

  members(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const id of this.parent.keys()) {
      const r = this.find(id);
      const list = out.get(r);
      if (list) list.push(id);
      else out.set(r, [id]);
    }
    return out;
  }
}

export interface VulnGroup<T> {
  /** The CVE when known, else the preferred record id. */
  id: string;
  /** Every other id, sorted. */
  aliases: string[];
  items: T[];
}

/**
 * Group items (matches of one package) into vulnerabilities. Items are taken in record-id
 * order so the grouping does not depend on the database's return order.
 */
export function groupByVulnerability<T>(items: readonly T[], recordOf: (item: T) => RecordIds): VulnGroup<T>[] {
  const ordered = [...items].sort((a, b) => compareStrings(recordOf(a).id, recordOf(b).id));
  const uf = new UnionFind();
  const info = ordered.map((item) => {
    const r = recordOf(item);
    return { item, ids: idsOf(r), cves: cvesOf(r), recordId: r.id };
  });
  // Records about one CVE (or none) tie all their ids together; records about several only
  // tie each distro id to the CVE it embeds. Single-CVE records go first so they anchor ids.
  for (const x of info.filter((i) => i.cves.length <= 1)) {
    for (const id of x.ids) uf.union(x.ids[0], id);
    if (x.cves.length === 1) uf.union(x.ids[0], x.cves[0]);
  }
  for (const x of info.filter((i) => i.cves.length > 1)) {
    for (const id of x.ids) {
      uf.add(id);
      const e = embeddedCve(id);
      if (e) uf.union(id, e);
    }
    for (const c of x.cves) uf.add(c);
  }

  const groups = new Map<string, { items: T[]; extra: Set<string> }>();
  for (const x of info) {
    const targets = x.cves.length ? x.cves.map((c) => uf.find(c)) : [uf.find(x.recordId)];
    for (const root of new Set(targets)) {
      let g = groups.get(root);
      if (!g) groups.set(root, (g = { items: [], extra: new Set() }));
      g.items.push(x.item);
      // A multi-CVE record's own ids (DSA-…, its GHSA) are aliases of each of its CVEs.
      if (x.cves.length > 1) for (const id of x.ids) if (!isCve(id) && embeddedCve(id) === undefined) g.extra.add(id);
    }
  }

  const members = uf.members();
  const out: VulnGroup<T>[] = [];
  for (const [root, g] of groups) {
    const ids = new Set([...(members.get(root) ?? [root]), ...g.extra]);
    const cve = uf.cveOf(root);
    const primary = cve ?? [...ids].sort(comparePrimary)[0];
    ids.delete(primary);
    out.push({ id: primary, aliases: [...ids].sort(compareStrings), items: g.items });
  }
  return out.sort((a, b) => compareStrings(a.id, b.id));
}
