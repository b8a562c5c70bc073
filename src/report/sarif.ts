// SARIF 2.1.0 for GitHub code scanning. One rule per vulnerability id, one result per
// finding that counts (suppressed findings are left out, as Trivy leaves them out), each at
// the file the package was found in. GitHub's documented needs are met: tool.driver.name,
// rule shortDescription/fullDescription (≤ 1000 characters)/help, a numeric
// `security-severity` string, one location with a full region, and partialFingerprints.
import { createHash } from 'node:crypto';
import type { Inventory } from '../inventory/types.js';
import type { Finding, ScanResult, Severity } from '../scan/types.js';
import { compareStrings } from '../util/sort.js';
import { severityRank, groupByTarget, truncate, webUrl, type ResultClass } from './vuln-targets.js';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export interface SarifOptions {
  /** Version written into `tool.driver.version`; the CLI passes its own. */
  toolVersion?: string;
}

type Level = 'error' | 'warning' | 'note';

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  defaultConfiguration: { level: Level };
  helpUri?: string;
  help: { text: string; markdown: string };
  properties: { tags: string[]; precision: 'very-high'; 'security-severity': string };
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: Level;
  message: { text: string };
  locations: Array<{
    physicalLocation: {
      artifactLocation: { uri: string; uriBaseId: string };
      region: { startLine: number; startColumn: number; endLine: number; endColumn: number };
    };
    message: { text: string };
  }>;
  partialFingerprints: { primaryLocationLineHash: string };
}

export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: { driver: { name: string; fullName: string; version: string; rules: SarifRule[] } };
    results: SarifResult[];
    columnKind: 'utf16CodeUnits';
    properties: Record<string, unknown>;
  }>;
}

// GitHub shows at most 1000 characters of a rule's full description.
const FULL_DESCRIPTION_MAX = 1000;
// Rule ids are opaque to SARIF but end up in GitHub URLs; advisory ids are short, and an
// absurd one from a hostile record is cut to 255 characters with a hash keeping it unique.
const RULE_ID_MAX = 255;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function ruleId(id: string): string {
  return id.length <= RULE_ID_MAX ? id : `${id.slice(0, RULE_ID_MAX - 17)}-${sha256(id).slice(0, 16)}`;
}

/** Trivy's mapping: CRITICAL and HIGH are errors, MEDIUM a warning, the rest notes. */
function levelOf(s: Severity): Level {
  return s === 'CRITICAL' || s === 'HIGH' ? 'error' : s === 'MEDIUM' ? 'warning' : 'note';
}

// Scores standing for a severity when no CVSS score from the severity's own source is
// known, chosen inside GitHub's bands (≥ 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, < 4 low).
const BAND_SCORE: Record<Severity, number> = { CRITICAL: 9.5, HIGH: 8.0, MEDIUM: 5.5, LOW: 2.0, UNKNOWN: 0.0 };
const VERSION_PREFERENCE = ['3.1', '3.0', '4.0', '2.0'];

/**
 * The score GitHub sorts and bands by. A CVSS base score only from the source the severity
 * came from (a Debian LOW with NVD's 9.8 would otherwise show as critical while the level
 * says note), preferring v3.1, then v3.0, v4.0, v2; else the band score of the severity.
 */
export function securitySeverity(f: Finding): number {
  const own = f.cvss.filter((c) => !f.severitySource || c.source === f.severitySource || f.severitySource === 'cvss');
  for (const v of VERSION_PREFERENCE) {
    const scores = own.filter((c) => c.version === v && Number.isFinite(c.score) && c.score > 0 && c.score <= 10).map((c) => c.score);
    if (scores.length) return Math.max(...scores);
  }
  return BAND_SCORE[f.severity] ?? 0;
}

// GitHub renders these; keep table cells on one line and their pipes literal.
const cell = (s: string) => s.replace(/[\r\n]+/g, ' ').replace(/\|/g, '\\|');

/**
 * Where GitHub should annotate: the package's file, relative to the scanned root. Image OS
 * packages live in no file of the repository, so, as Trivy does, they point at the image's
 * repository path (`library/debian` for `docker.io/library/debian:12`), stable across tags.
 */
function artifactPath(f: Finding, cls: ResultClass, inv: Inventory): string {
  if (cls === 'os-pkgs' && inv.target.kind === 'image') return imagePseudoPath(inv.target.name);
  return (f.pkg.locations[0]?.path ?? inv.target.name).replace(/^\/+/, '');
}

export function imagePseudoPath(name: string): string {
  let n = name.replace(/^(docker-archive|oci-archive|oci|dir):/, '');
  const transport = n !== name;
  n = n.replace(/@[A-Za-z0-9_+.-]+:[0-9a-fA-F]+$/, '');
  if (transport) {
    // oci:DIR[:TAG] names a directory; keep the path, drop the tag.
    n = n.replace(/:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, '');
  } else {
    const slash = n.lastIndexOf('/');
    const colon = n.lastIndexOf(':');
    if (colon > slash) n = n.slice(0, colon);
    const parts = n.split('/');
    // The first part is a registry when it looks like a host (has a dot or port) or is localhost.
    if (parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost')) parts.shift();
    n = parts.join('/');
  }
  return n.replace(/^[./]+/, '') || 'image';
}

// encodeURIComponent escapes sub-delimiters and `@`, which a path segment may hold as they
// are (RFC 3986 pchar); `:` stays escaped, or a first segment like `c:x` would read as a scheme.
const segment = (s: string) => encodeURIComponent(s).replace(/%(21|24|26|27|28|29|2A|2B|2C|3B|3D|40)/gi, (m) => decodeURIComponent(m));

/** A relative path as a URI reference, with `.`, `..` and empty segments dropped. */
function pathUri(path: string): string {
  return path.split('/').filter((s) => s !== '' && s !== '.' && s !== '..').map(segment).join('/') || '.';
}

function ruleFor(id: string, findings: Finding[], cls: ResultClass): SarifRule {
  const first = findings[0];
  const worst = findings.reduce((a, b) => (severityRank(b.severity) > severityRank(a.severity) ? b : a));
  const score = Math.max(...findings.map(securitySeverity));
  const url = webUrl(first.primaryUrl);
  const title = first.title?.trim() || id;
  const description = first.description?.trim() || title;
  const packages = [...new Set(findings.map((f) => f.pkg.name))].sort(compareStrings);
  const fixes = [...new Set(findings.flatMap((f) => f.fixedVersions))];
  const fixed = fixes.length ? fixes.join(', ') : 'none yet';
  const link = url ? `[${id}](${url})` : id;
  return {
    id: ruleId(id),
    name: cls === 'os-pkgs' ? 'OsPackageVulnerability' : 'LanguageSpecificPackageVulnerability',
    shortDescription: { text: truncate(title.replace(/\s+/g, ' '), 200) },
    fullDescription: { text: truncate(description, FULL_DESCRIPTION_MAX) },
    defaultConfiguration: { level: levelOf(worst.severity) },
    helpUri: url,
    help: {
      text: `Vulnerability ${id}\nSeverity: ${worst.severity}\nPackages: ${packages.join(', ')}\nFixed versions: ${fixed}\nLink: ${url ?? id}\n\n${description}`,
      markdown:
        `**Vulnerability ${cell(id)}**\n\n| Severity | Packages | Fixed versions | Link |\n| --- | --- | --- | --- |\n` +
        `| ${worst.severity} | ${cell(packages.join(', '))} | ${cell(fixed)} | ${cell(link)} |\n\n${description}`,
    },
    properties: { tags: ['vulnerability', 'security', worst.severity], precision: 'very-high', 'security-severity': score.toFixed(1) },
  };
}

function message(f: Finding): string {
  const url = webUrl(f.primaryUrl);
  return [
    `Package: ${f.pkg.name}`,
    `Installed Version: ${f.installedVersion}`,
    `Vulnerability: ${f.id}`,
    `Severity: ${f.severity}`,
    `Status: ${f.status}`,
    `Fixed Version: ${f.fixedVersions.join(', ') || 'none'}`,
    `Link: ${url ? `[${f.id}](${url})` : f.id}`,
  ].join('\n');
}

/**
 * A scan as a SARIF 2.1.0 log (2-space JSON, newline-terminated). Rules are in byte order
 * of their ids; results follow the targets and findings in report order.
 */
export function renderSarif(result: ScanResult, opts: SarifOptions = {}): string {
  const inv = result.inventory;
  const placed = groupByTarget(result).flatMap((t) => t.findings.map((f) => ({ f, cls: t.class })));
  const byId = new Map<string, typeof placed>();
  for (const p of placed) byId.set(p.f.id, [...(byId.get(p.f.id) ?? []), p]);
  const ids = [...byId.keys()].sort(compareStrings);
  const rules = ids.map((id) => {
    const list = byId.get(id) as typeof placed;
    return ruleFor(id, list.map((p) => p.f), list[0].cls);
  });
  const index = new Map(ids.map((id, i) => [id, i]));
  const results: SarifResult[] = placed.map(({ f, cls }) => {
    const path = artifactPath(f, cls, inv);
    const uri = pathUri(path);
    // GitHub matches alerts across runs by this hash. Its upload action computes it from
    // the file's line, which these paths often lack (an image's OS packages), and several
    // packages share a file: so it is derived from rule, package and file instead.
    const hash = sha256(`${f.id}\0${f.pkg.type}\0${f.pkg.name}\0${uri}`).slice(0, 16);
    return {
      ruleId: ruleId(f.id),
      ruleIndex: index.get(f.id) as number,
      level: levelOf(f.severity),
      message: { text: message(f) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri, uriBaseId: 'ROOTPATH' },
            region: { startLine: 1, startColumn: 1, endLine: 1, endColumn: 1 },
          },
          message: { text: `${path}: ${f.pkg.name}@${f.installedVersion}` },
        },
      ],
      partialFingerprints: { primaryLocationLineHash: `${hash}:1` },
    };
  });
  const t = inv.target;
  const log: SarifLog = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'portcullis', fullName: 'Portcullis vulnerability scanner', version: opts.toolVersion ?? 'dev', rules } },
        results,
        columnKind: 'utf16CodeUnits',
        properties: {
          artifactName: t.name,
          artifactKind: t.kind,
          ...(t.digest ? { digest: t.digest } : {}),
          ...(t.imageId ? { imageId: t.imageId } : {}),
          repoDigests: [...(t.repoDigests ?? [])],
          suppressed: result.suppressed.length,
        },
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
