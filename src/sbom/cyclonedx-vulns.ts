// A scan as CycloneDX 1.6 with a `vulnerabilities` array: the SBOM of encodeCycloneDx, with
// one vulnerability per finding (so fixed versions, status and any VEX analysis belong to
// exactly one component), as Grype writes them. Findings suppressed by a VEX statement are
// kept, with `analysis` saying why (CycloneDX VEX); those removed by an ignore rule are
// left out, as Trivy leaves them out. The SBOM part is encodeCycloneDx's own output, parsed
// and written back with the same formatting, so its bytes do not change.
import type { CvssScore, Finding, ScanResult, Suppression } from '../scan/types.js';
import { compareStrings } from '../util/index.js';
import { encodeCycloneDx } from './cyclonedx-encode.js';
import { documentUuid, resolveClock } from './determinism.js';
import type { EncodeOptions } from './options.js';

interface CdxSource {
  name?: string;
  url?: string;
}

interface CdxRating {
  source?: CdxSource;
  score?: number;
  severity: 'critical' | 'high' | 'medium' | 'low' | 'none' | 'unknown';
  method: 'CVSSv2' | 'CVSSv3' | 'CVSSv31' | 'CVSSv4' | 'other';
  vector?: string;
}

type AnalysisState = 'resolved' | 'resolved_with_pedigree' | 'exploitable' | 'in_triage' | 'false_positive' | 'not_affected';

interface CdxVulnerability {
  'bom-ref': string;
  id: string;
  source?: CdxSource;
  references?: Array<{ id: string; source: CdxSource }>;
  ratings?: CdxRating[];
  description?: string;
  recommendation?: string;
  advisories?: Array<{ url: string }>;
  published?: string;
  updated?: string;
  analysis?: { state?: AnalysisState; justification?: string; detail?: string };
  affects: Array<{ ref: string; versions?: Array<{ version: string; status: 'affected' | 'unaffected' }> }>;
  properties?: Array<{ name: string; value: string }>;
}

interface ParsedBom {
  serialNumber?: string;
  metadata: { component?: { 'bom-ref'?: string } };
  components: Array<{ 'bom-ref'?: string; name: string; version?: string; purl?: string }>;
  vulnerabilities?: CdxVulnerability[];
}

const METHOD: Record<CvssScore['version'], CdxRating['method']> = { '2.0': 'CVSSv2', '3.0': 'CVSSv3', '3.1': 'CVSSv31', '4.0': 'CVSSv4' };

/** The qualitative band of a CVSS score (v2 has no critical band). */
function band(score: number, version: CvssScore['version']): CdxRating['severity'] {
  if (!(score > 0)) return 'none';
  if (score < 4) return 'low';
  if (score < 7) return 'medium';
  if (version === '2.0' || score < 9) return 'high';
  return 'critical';
}

/** An http(s) URL in canonical form (valid as iri-reference), or undefined. */
function webUrl(raw: string | undefined): string | undefined {
  if (!raw || raw.length > 2048) return undefined;
  try {
    const u = new URL(raw.trim());
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** A date-time the schema accepts, from an OSV timestamp; undefined when it does not parse. */
function dateTime(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

/** Where an id is published, for `references` (an alias must name its source). */
function idSource(id: string): CdxSource {
  const enc = encodeURIComponent(id);
  if (/^CVE-\d{4}-\d+$/.test(id)) return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${enc}` };
  if (/^GHSA(-[23456789cfghjmpqrvwx]{4}){3}$/.test(id)) return { name: 'GitHub Advisory Database', url: `https://github.com/advisories/${enc}` };
  if (/^(DSA|DLA|DTSA|TEMP)-/.test(id)) return { name: 'Debian Security Tracker', url: `https://security-tracker.debian.org/tracker/${enc}` };
  return { name: 'OSV', url: `https://osv.dev/vulnerability/${enc}` };
}

function ratings(f: Finding): CdxRating[] {
  const out: CdxRating[] = f.cvss
    .filter((c) => Number.isFinite(c.score) && METHOD[c.version])
    .map((c) => ({ source: { name: c.source }, score: c.score, severity: band(c.score, c.version), method: METHOD[c.version], vector: c.vector || undefined }));
  // The finding's own severity, unless a CVSS rating from the same source already says it.
  const severity = f.severity.toLowerCase() as CdxRating['severity'];
  if (!out.some((r) => r.source?.name === f.severitySource && r.severity === severity)) {
    out.unshift({ source: f.severitySource ? { name: f.severitySource } : undefined, severity, method: 'other' });
  }
  return out;
}

// OpenVEX status and justification words, as CycloneDX says them (CISA's VEX mapping).
const STATE: Record<string, AnalysisState> = {
  not_affected: 'not_affected',
  fixed: 'resolved',
  false_positive: 'false_positive',
  resolved: 'resolved',
  resolved_with_pedigree: 'resolved_with_pedigree',
};
const JUSTIFICATION: Record<string, string> = {
  component_not_present: 'code_not_present',
  vulnerable_code_not_present: 'code_not_present',
  vulnerable_code_not_in_execute_path: 'code_not_reachable',
  vulnerable_code_cannot_be_controlled_by_adversary: 'requires_environment',
  inline_mitigations_already_exist: 'protected_by_mitigating_control',
};
const CDX_JUSTIFICATIONS = new Set([
  'code_not_present',
  'code_not_reachable',
  'requires_configuration',
  'requires_dependency',
  'requires_environment',
  'protected_by_compiler',
  'protected_at_runtime',
  'protected_at_perimeter',
  'protected_by_mitigating_control',
]);

function analysis(s: Suppression): NonNullable<CdxVulnerability['analysis']> {
  const state = s.statement ? STATE[s.statement] : 'not_affected';
  const j = s.justification;
  const justification = j ? (CDX_JUSTIFICATIONS.has(j) ? j : JUSTIFICATION[j]) : undefined;
  const words = [s.statement, j].filter(Boolean).join(', ');
  return { state, justification, detail: `suppressed by VEX statement in ${s.source}${words ? `: ${words}` : ''}` };
}

function recommendation(f: Finding): string | undefined {
  const v = f.fixedVersions;
  if (!v.length) return undefined;
  return v.length === 1 ? `Upgrade ${f.pkg.name} to ${v[0]} or later.` : `Upgrade ${f.pkg.name} to a fixed version: ${v.join(', ')}.`;
}

function properties(f: Finding): CdxVulnerability['properties'] {
  const p: Array<[string, string | undefined]> = [
    ['portcullis:vulnerability:status', f.status],
    ['portcullis:vulnerability:installedVersion', f.installedVersion],
    ['portcullis:vulnerability:fixedVersions', f.fixedVersions.join(', ') || undefined],
    ['portcullis:vulnerability:severity', f.severity],
    ['portcullis:vulnerability:severitySource', f.severitySource],
    ['portcullis:vulnerability:ecosystem', f.ecosystem],
    ['portcullis:vulnerability:dataSource', f.dataSource],
    ['portcullis:vulnerability:unimportant', f.unimportant ? 'true' : undefined],
  ];
  return p.filter((x): x is [string, string] => !!x[1]).map(([name, value]) => ({ name, value }));
}

function vulnerability(f: Finding, ref: string): CdxVulnerability {
  const vex = f.suppressed?.kind === 'vex' ? analysis(f.suppressed) : undefined;
  const unaffected = vex?.state === 'not_affected' || vex?.state === 'resolved' || vex?.state === 'false_positive' || vex?.state === 'resolved_with_pedigree';
  const advisories = [...new Set(f.references.map(webUrl).filter((u): u is string => !!u))].map((url) => ({ url }));
  const aliases = [...new Set(f.aliases)].filter((a) => a && a !== f.id);
  const version = f.pkg.version ? f.pkg.version.slice(0, 1024) : undefined;
  return {
    'bom-ref': '',
    id: f.id,
    source: { name: f.dataSource || undefined, url: webUrl(f.primaryUrl) },
    references: aliases.length ? aliases.map((id) => ({ id, source: idSource(id) })) : undefined,
    ratings: ratings(f),
    description: f.description || f.title || undefined,
    recommendation: recommendation(f),
    advisories: advisories.length ? advisories : undefined,
    published: dateTime(f.published),
    updated: dateTime(f.modified),
    analysis: vex,
    affects: [{ ref, versions: version ? [{ version, status: unaffected ? 'unaffected' : 'affected' }] : undefined }],
    properties: properties(f),
  };
}

/**
 * The component reference of a finding's package: its id, as encodeCycloneDx writes it,
 * unless the encoder had to rename a clashing reference (then found by purl, name, version).
 */
function refResolver(bom: ParsedBom): (f: Finding) => string {
  const refs = new Set(bom.components.map((c) => c['bom-ref']));
  return (f) => {
    if (f.pkg.id && refs.has(f.pkg.id)) return f.pkg.id;
    const c = bom.components.find((c) => c.purl === f.pkg.purl && c.name === f.pkg.name && (c.version ?? '') === f.pkg.version);
    return c?.['bom-ref'] ?? (f.pkg.id || (bom.metadata.component?.['bom-ref'] as string));
  };
}

/**
 * A scan as CycloneDX 1.6 JSON: the inventory's SBOM (byte-for-byte encodeCycloneDx's, but
 * for the serial number, which covers the whole document) plus `vulnerabilities`, in byte
 * order of id then affected reference; an empty list when nothing was found. With a fixed
 * clock (opts.now or SOURCE_DATE_EPOCH) the same scan gives the same bytes.
 */
export function encodeCycloneDxWithVulns(result: ScanResult, opts: EncodeOptions = {}): string {
  const bom = JSON.parse(encodeCycloneDx(result.inventory, opts)) as ParsedBom;
  const refOf = refResolver(bom);
  const listed = [...result.findings, ...result.suppressed.filter((f) => f.suppressed?.kind === 'vex')];
  const vulns = listed
    .map((f) => vulnerability(f, refOf(f)))
    .sort((a, b) => compareStrings(a.id, b.id) || compareStrings(a.affects[0].ref, b.affects[0].ref) || compareStrings(a.analysis?.state ?? '', b.analysis?.state ?? ''));
  // References must be unique across the document; a repeated id and package is numbered.
  const taken = new Set<string>([...bom.components.map((c) => c['bom-ref'] ?? ''), bom.metadata.component?.['bom-ref'] ?? '']);
  for (const v of vulns) {
    const base = `vuln:${v.id}:${v.affects[0].ref}`;
    let ref = base;
    for (let n = 2; taken.has(ref); n++) ref = `${base}#${n}`;
    taken.add(ref);
    v['bom-ref'] = ref;
  }
  bom.vulnerabilities = vulns;
  // Assigning keeps serialNumber's place in the key order; undefined leaves it out of the hash input.
  bom.serialNumber = undefined;
  const serialize = () => JSON.stringify(bom, null, 2);
  bom.serialNumber = `urn:uuid:${documentUuid(resolveClock(opts.now), serialize)}`;
  return serialize() + '\n';
}
