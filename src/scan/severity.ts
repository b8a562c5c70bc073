// Severity of a finding: the vendor's word first (the distro's urgency or priority, our
// converters' mapped severity, GitHub's rating), then the CVSS vectors the records carry,
// scored with ae-cvss-calculator and banded as NVD does; UNKNOWN when nothing says.
import { createRequire } from 'node:module';
import type { AdvisoryMatch } from '../vulndb/types.js';
import type { OsvSeverity } from '../vulndb/osv-types.js';
import { SEVERITIES, type CvssScore, type Severity } from './types.js';

interface Scorer {
  calculateScores(): { base?: number; overall?: number };
}
type ScorerClass = new (vector: string) => Scorer;
interface CvssModule {
  Cvss2: ScorerClass;
  Cvss3P0: ScorerClass;
  Cvss3P1: ScorerClass;
  Cvss4P0: ScorerClass;
}

// The calculator is a 190 kB UMD bundle only a scan needs: load it on the first score.
let cvssModule: CvssModule | undefined;
function calculator(): CvssModule {
  cvssModule ??= createRequire(import.meta.url)('ae-cvss-calculator') as CvssModule;
  return cvssModule;
}

/** NVD's qualitative bands: 0.1–3.9 LOW, 4–6.9 MEDIUM, 7–8.9 HIGH, 9–10 CRITICAL; 0 says nothing. */
export function severityFromScore(score: number): Severity {
  if (!(score > 0)) return 'UNKNOWN';
  if (score < 4) return 'LOW';
  if (score < 7) return 'MEDIUM';
  if (score < 9) return 'HIGH';
  return 'CRITICAL';
}

// Base metrics every vector of that version must state (the specs' mandatory set).
const BASE_METRICS: Record<CvssScore['version'], string[]> = {
  '2.0': ['AV', 'AC', 'Au', 'C', 'I', 'A'],
  '3.0': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '3.1': ['AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A'],
  '4.0': ['AV', 'AC', 'AT', 'PR', 'UI', 'VC', 'VI', 'VA', 'SC', 'SI', 'SA'],
};

function versionOf(type: string, vector: string): CvssScore['version'] | undefined {
  const prefix = /^CVSS:(\d\.\d)\//.exec(vector)?.[1];
  if (type === 'CVSS_V2') return prefix === undefined || prefix === '2.0' ? '2.0' : undefined;
  if (type === 'CVSS_V3') return prefix === '3.0' || prefix === '3.1' ? prefix : undefined;
  if (type === 'CVSS_V4') return prefix === '4.0' ? '4.0' : undefined;
  return undefined;
}

/**
 * Score one OSV `severity` entry. Undefined for non-CVSS types and for vectors that do not
 * parse or lack a base metric (the calculator would score those 0, not fail).
 */
export function scoreCvss(s: OsvSeverity, source: string): CvssScore | undefined {
  if (typeof s?.score !== 'string' || typeof s.type !== 'string') return undefined;
  const vector = s.score.trim();
  const version = versionOf(s.type, vector);
  if (!version || vector.length > 512) return undefined;
  const metrics = new Map<string, string>();
  for (const part of vector.replace(/^CVSS:\d\.\d\//, '').split('/')) {
    const [k, v, extra] = part.split(':');
    if (!k || !v || extra !== undefined || metrics.has(k)) return undefined;
    metrics.set(k, v);
  }
  if (!BASE_METRICS[version].every((m) => metrics.has(m))) return undefined;
  const m = calculator();
  const cls = version === '2.0' ? m.Cvss2 : version === '3.0' ? m.Cvss3P0 : version === '3.1' ? m.Cvss3P1 : m.Cvss4P0;
  let score: number | undefined;
  try {
    const r = new cls(vector).calculateScores();
    // v2/v3: the base score sets the band (NVD); v4 has one score over whatever metrics are given.
    score = version === '4.0' ? r.overall : r.base;
  } catch {
    return undefined;
  }
  if (typeof score !== 'number' || !Number.isFinite(score)) return undefined;
  return { source, version, vector, score };
}

/** Where a record's data comes from, by its id's prefix (for CVSS sources and severity sources). */
export function sourceOfRecord(id: string): string {
  const prefix = /^([A-Za-z]+)-/.exec(id)?.[1]?.toUpperCase() ?? '';
  switch (prefix) {
    case 'GHSA':
      return 'ghsa';
    case 'PYSEC':
      return 'pysec';
    case 'GO':
      return 'go';
    case 'DEBIAN':
    case 'DSA':
    case 'DLA':
    case 'DTSA':
      return 'debian';
    case 'UBUNTU':
    case 'USN':
      return 'ubuntu';
    case 'ALPINE':
      return 'alpine';
    case 'CVE':
      return 'nvd';
    default:
      return prefix ? prefix.toLowerCase() : 'osv';
  }
}

function asSeverity(v: unknown): Severity | undefined {
  if (typeof v !== 'string') return undefined;
  const u = v.trim().toUpperCase();
  if (u === 'MODERATE') return 'MEDIUM';
  return (SEVERITIES as readonly string[]).includes(u) ? (u as Severity) : undefined;
}

/** Debian urgency → severity, as trivy-db's severityFromUrgency (`*` marks NVD-derived values). */
export function severityFromUrgency(urgency: string): Severity {
  const u = urgency.trim().toLowerCase();
  if (u === 'unimportant' || u.startsWith('low')) return 'LOW';
  if (u.startsWith('medium')) return 'MEDIUM';
  if (u.startsWith('high')) return 'HIGH';
  return 'UNKNOWN';
}

/** Ubuntu priority → severity (`negligible` is LOW, and hidden as unimportant). */
export function severityFromUbuntuPriority(priority: string): Severity {
  const p = priority.trim().toLowerCase();
  if (p === 'negligible' || p === 'low') return 'LOW';
  if (p === 'medium') return 'MEDIUM';
  if (p === 'high') return 'HIGH';
  if (p === 'critical') return 'CRITICAL';
  return 'UNKNOWN';
}

function str(o: Record<string, unknown> | undefined, k: string): string | undefined {
  const v = o?.[k];
  return typeof v === 'string' ? v : undefined;
}

/** All severity entries of a match: the record's and the affected entry's. */
function severityEntries(m: AdvisoryMatch): OsvSeverity[] {
  const top = Array.isArray(m.record.severity) ? m.record.severity : [];
  const own = Array.isArray(m.affected.severity) ? m.affected.severity : [];
  return [...top, ...own];
}

export interface VendorSeverity {
  severity: Severity;
  source: string;
  /** Lower is more authoritative. */
  rank: number;
}

/**
 * The vendor severities a match states, most authoritative first: a converter's mapped
 * severity, Debian urgency, Ubuntu priority, the record's own rating (GHSA), and the
 * ecosystem's rating (OSS-Fuzz). UNKNOWN says nothing and is left out.
 */
export function vendorSeverities(m: AdvisoryMatch): VendorSeverity[] {
  const out: VendorSeverity[] = [];
  const ds = m.affected.database_specific;
  const es = m.affected.ecosystem_specific;
  const recordSource = sourceOfRecord(m.record.id);
  const push = (severity: Severity | undefined, source: string, rank: number) => {
    if (severity && severity !== 'UNKNOWN') out.push({ severity, source, rank });
  };
  push(asSeverity(ds?.severity), str(ds, 'severity_source') ?? recordSource, 0);
  const urgency = str(es, 'urgency') ?? str(ds, 'urgency');
  if (urgency) push(severityFromUrgency(urgency), 'debian', 1);
  const ubuntu = severityEntries(m).find((s) => s?.type === 'Ubuntu')?.score ?? str(es, 'ubuntu_priority');
  if (typeof ubuntu === 'string') push(severityFromUbuntuPriority(ubuntu), 'ubuntu', 2);
  push(asSeverity(m.record.database_specific?.severity), recordSource, 3);
  push(asSeverity(es?.severity), recordSource, 4);
  return out;
}

/** CVSS scores of a match, one per distinct vector. */
export function cvssScores(m: AdvisoryMatch): CvssScore[] {
  const source = sourceOfRecord(m.record.id);
  const out: CvssScore[] = [];
  for (const s of severityEntries(m)) {
    const c = scoreCvss(s, source);
    if (c && !out.some((o) => o.vector === c.vector)) out.push(c);
  }
  return out;
}

/** Debian `unimportant`, Ubuntu `negligible`: real but not worth a default report (osv-scanner). */
export function isUnimportant(m: AdvisoryMatch): boolean {
  const es = m.affected.ecosystem_specific;
  const ds = m.affected.database_specific;
  const urgency = str(es, 'urgency') ?? str(ds, 'urgency');
  if (urgency?.trim().toLowerCase() === 'unimportant') return true;
  const ubuntu = severityEntries(m).find((s) => s?.type === 'Ubuntu')?.score ?? str(es, 'ubuntu_priority');
  return typeof ubuntu === 'string' && ubuntu.trim().toLowerCase() === 'negligible';
}

const RANK: Readonly<Record<Severity, number>> = { UNKNOWN: 0, LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

export function severityRank(s: Severity): number {
  return RANK[s];
}

/**
 * The finding's severity from everything its records say: the most authoritative vendor
 * rating (the highest, if equally authoritative sources disagree), else the highest CVSS
 * v3.x score, else v4, else v2.
 */
export function decideSeverity(vendor: readonly VendorSeverity[], cvss: readonly CvssScore[]): { severity: Severity; source?: string } {
  if (vendor.length) {
    const best = Math.min(...vendor.map((v) => v.rank));
    const top = vendor.filter((v) => v.rank === best).sort((a, b) => RANK[b.severity] - RANK[a.severity] || (a.source < b.source ? -1 : 1))[0];
    return { severity: top.severity, source: top.source };
  }
  for (const versions of [['3.1', '3.0'], ['4.0'], ['2.0']]) {
    const scores = cvss.filter((c) => versions.includes(c.version) && c.score > 0);
    if (scores.length) {
      const max = Math.max(...scores.map((c) => c.score));
      return { severity: severityFromScore(max), source: 'cvss' };
    }
  }
  return { severity: 'UNKNOWN' };
}
