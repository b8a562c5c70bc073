// What the vulnerability renderers share: findings grouped into targets the way Trivy's
// Results are (the OS packages as one target, each lockfile or binary as its own, installed
// language packages by language), severity order and counts, the report clock, and the
// clean-up of text that comes from advisories (untrusted) before it reaches a terminal.
import { UsageError } from '../errors/index.js';
import type { Inventory, Package, PackageType } from '../inventory/types.js';
import { SEVERITIES, type Finding, type ScanResult, type Severity } from '../scan/types.js';
import { compareStrings } from '../util/sort.js';

export type ResultClass = 'os-pkgs' | 'lang-pkgs';

export interface VulnTarget {
  /** `docker.io/library/debian:12 (debian 12)`, `usr/src/app/package-lock.json`, `Node.js`. */
  target: string;
  class: ResultClass;
  /** Trivy's type word: the OS family (`debian`) or the package source (`npm`, `node-pkg`, `gobinary`). */
  type: string;
  /** The one file behind the target (lockfile, binary), when there is one. */
  path?: string;
  /** Packages of the inventory in this target, by name, version and id. */
  packages: Package[];
  /** Findings that count, by package, then most severe first, then id. */
  findings: Finding[];
  /** Findings removed by an ignore rule or VEX statement, in the same order. */
  suppressed: Finding[];
}

const OS_TYPES = new Set<PackageType>(['deb', 'apk', 'rpm']);

// Catalogers that read one manifest per installed package: Trivy reports these per language.
const INSTALLED: Record<string, { target: string; type: string }> = {
  npm: { target: 'Node.js', type: 'node-pkg' },
  python: { target: 'Python', type: 'python-pkg' },
  java: { target: 'Java', type: 'jar' },
};

// Catalogers that read one file listing many packages: each file is a target, typed as Trivy does.
const PER_FILE: Record<string, string> = {
  'npm-lock': 'npm',
  'yarn-lock': 'yarn',
  'pnpm-lock': 'pnpm',
  'python-requirements': 'pip',
  'poetry-lock': 'poetry',
  'pipfile-lock': 'pipenv',
  'go-mod': 'gomod',
  'go-binary': 'gobinary',
  'cargo-lock': 'cargo',
  'gemfile-lock': 'bundler',
  'composer-lock': 'composer',
};

type PackageLike = Pick<Package, 'type' | 'locations'> & { foundBy?: string };

interface Key {
  target: string;
  class: ResultClass;
  type: string;
  path?: string;
}

function osTargetName(inv: Inventory): string {
  const os = inv.os;
  if (!os) return inv.target.name;
  return `${inv.target.name} (${[os.id, os.versionId ?? os.versionCodename].filter(Boolean).join(' ')})`;
}

function keyOf(p: PackageLike, inv: Inventory): Key {
  if (OS_TYPES.has(p.type)) return { target: osTargetName(inv), class: 'os-pkgs', type: inv.os?.id ?? p.type };
  const installed = p.foundBy ? INSTALLED[p.foundBy] : undefined;
  if (installed) return { ...installed, class: 'lang-pkgs' };
  const path = p.locations[0]?.path;
  const type = (p.foundBy && PER_FILE[p.foundBy]) || p.type;
  // Packages from another tool's SBOM carry that tool's cataloger names: group them by file when known.
  return path ? { target: path, class: 'lang-pkgs', type, path } : { target: p.type, class: 'lang-pkgs', type };
}

const keyId = (k: Key) => `${k.class}\0${k.target}\0${k.type}`;

/** Severity rank: UNKNOWN 0 … CRITICAL 4 (an unexpected word counts as UNKNOWN). */
export function severityRank(s: string): number {
  return Math.max(0, SEVERITIES.indexOf(s as Severity));
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    compareStrings(a.pkg.name, b.pkg.name) ||
    compareStrings(a.pkg.locations[0]?.path ?? '', b.pkg.locations[0]?.path ?? '') ||
    compareStrings(a.installedVersion, b.installedVersion) ||
    severityRank(b.severity) - severityRank(a.severity) ||
    compareStrings(a.id, b.id) ||
    compareStrings(a.pkg.id, b.pkg.id)
  );
}

/** Sort a copy of findings as every renderer lists them. */
export function sortFindings(list: readonly Finding[]): Finding[] {
  return [...list].sort(compareFindings);
}

/**
 * Group a scan into targets: the OS packages first, then the others by target name (byte
 * order). Every inventory package lands in one target; a finding whose package is not in
 * the inventory is placed by its own type and location.
 */
export function groupByTarget(result: ScanResult): VulnTarget[] {
  const inv = result.inventory;
  const targets = new Map<string, VulnTarget>();
  const byPackage = new Map<string, VulnTarget>();
  const targetFor = (p: PackageLike): VulnTarget => {
    const k = keyOf(p, inv);
    const id = keyId(k);
    let t = targets.get(id);
    if (!t) {
      t = { ...k, packages: [], findings: [], suppressed: [] };
      targets.set(id, t);
    }
    return t;
  };
  for (const p of inv.packages) {
    const t = targetFor(p);
    t.packages.push(p);
    if (!byPackage.has(p.id)) byPackage.set(p.id, t);
  }
  for (const f of result.findings) (byPackage.get(f.pkg.id) ?? targetFor(f.pkg)).findings.push(f);
  for (const f of result.suppressed) (byPackage.get(f.pkg.id) ?? targetFor(f.pkg)).suppressed.push(f);
  const list = [...targets.values()];
  for (const t of list) {
    t.packages.sort((a, b) => compareStrings(a.name, b.name) || compareStrings(a.version, b.version) || compareStrings(a.id, b.id));
    t.findings.sort(compareFindings);
    t.suppressed.sort(compareFindings);
  }
  return list.sort((a, b) => (a.class === b.class ? 0 : a.class === 'os-pkgs' ? -1 : 1) || compareStrings(a.target, b.target) || compareStrings(a.type, b.type));
}

export type SeverityCounts = Record<Severity, number>;

export function countBySeverity(findings: ReadonlyArray<Pick<Finding, 'severity'>>): SeverityCounts {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as SeverityCounts;
  for (const f of findings) counts[SEVERITIES[severityRank(f.severity)]]++;
  return counts;
}

/**
 * The report time: `now` when the caller fixes it, else SOURCE_DATE_EPOCH (whole seconds,
 * as reproducible-builds.org defines it), else the clock; always whole seconds.
 */
export function reportTime(now?: Date, env: NodeJS.ProcessEnv = process.env): Date {
  if (now) return new Date(Math.floor(now.getTime() / 1000) * 1000);
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw !== undefined && raw !== '') {
    if (!/^\d{1,12}$/.test(raw.trim())) {
      throw new UsageError('BAD_FLAG', `must be a non-negative integer number of seconds, got ${JSON.stringify(raw)}`, { input: 'SOURCE_DATE_EPOCH' });
    }
    return new Date(Number(raw.trim()) * 1000);
  }
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}

/** `2024-05-01T12:00:00Z`. */
export function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// C0 and C1 controls (ESC starts terminal escape sequences), DEL, and the bidirectional
// overrides and isolates that can make text display in another order than it reads.
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+/g;

/** Advisory text made safe for one line of a terminal: controls become spaces, runs of space collapse. */
export function oneLine(s: string | undefined): string {
  return (s ?? '').replace(UNSAFE, ' ').replace(/\s+/g, ' ').trim();
}

/** At most `max` code points, the last one an ellipsis when cut (never splits a surrogate pair). */
export function truncate(s: string, max: number): string {
  const cps = Array.from(s);
  return cps.length <= max ? s : cps.slice(0, Math.max(0, max - 1)).join('').trimEnd() + '…';
}

/** An http(s) URL in canonical (ASCII, escaped) form, or undefined when it is not one. */
export function webUrl(raw: string | undefined): string | undefined {
  if (!raw || raw.length > 2048) return undefined;
  try {
    const u = new URL(raw.trim());
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

/** Why a finding was suppressed, in one line: `suppressed by VEX statement in X: not_affected`. */
export function suppressionReason(f: Finding): string {
  const s = f.suppressed;
  if (!s) return '';
  const what = s.kind === 'vex' ? 'VEX statement' : 'ignore rule';
  const detail = [s.statement, s.justification && s.justification !== s.statement ? `(${s.justification})` : undefined].filter(Boolean).join(' ');
  return oneLine(`suppressed by ${what} in ${s.source}${detail ? `: ${detail}` : ''}`);
}
