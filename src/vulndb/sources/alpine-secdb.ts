// Alpine secdb (https://secdb.alpinelinux.org/<release>/<repo>.json, or the YAML form in
// the same layout) → OSV records:
//   {distroversion: "v3.15", reponame, urlprefix, apkurl, archs,
//    packages: [{pkg: {name, secfixes: {"<fixed version>": [ids…], "0": [never affected]}}}]}
//
// One record per vulnerability id, `ALPINE-<id>` (as osv.dev names them), the id in
// `upstream`, one affected entry per (package, release): introduced 0 → fixed <version>,
// status fixed. The "0" key lists ids that never affected the package: nothing is emitted
// for them. An id listed under several versions of one package gets the greatest (a later
// release fixed what an earlier one missed). Entries carry extra text in practice
// ("CVE-2019-1234 (ghsa)", "CVE-2021-3 GHSA-…", "XSA-123"): every id-shaped token counts.
// An array of secdb documents (several repositories and releases) is merged into one set.

import { parse as parseYaml } from 'yaml';
import { toPurl } from '../../inventory/purl.js';
import { compareStrings } from '../../util/index.js';
import { apkComparator } from '../../versions/index.js';
import type { OsvAffected, OsvRecord } from '../osv-types.js';
import { VulnDbError } from '../types.js';
import { EPOCH, isPlainObject, ProblemLog, resolveModified, show, sortRecords, type SourceOptions } from './common.js';

const SOURCE = 'alpine-secdb';
const APK_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$/;
const APK_VERSION = /^[0-9][A-Za-z0-9._~+-]{0,199}$/;
/** A vulnerability id: `CVE-2019-1234`, `XSA-123`, `GHSA-xxxx-xxxx-xxxx`, `ZBX-123`… */
const VULN_ID = /^[A-Z][A-Z0-9]{1,15}(?:-[A-Za-z0-9._:]{1,40}){1,4}$/;
const RELEASE = /^v?([0-9]{1,3}\.[0-9]{1,3})$/;

interface Fix {
  ecosystem: string;
  name: string;
  fixed: string;
}

/**
 * Convert secdb: a parsed JSON/YAML document, its text (JSON or YAML), or an array of
 * those. Records sorted by id.
 */
export function convertAlpineSecdb(input: unknown, opts: SourceOptions = {}): OsvRecord[] {
  const modified = resolveModified(SOURCE, opts) ?? EPOCH;
  const docs = Array.isArray(input) ? input : [input];
  // vuln id → (ecosystem, package) → fix
  const byId = new Map<string, Map<string, Fix>>();
  const logs: ProblemLog[] = [];
  for (let i = 0; i < docs.length; i++) {
    const where = docs.length > 1 ? `${SOURCE}[${i}]` : SOURCE;
    const log = new ProblemLog(where, opts);
    convertDocument(loadDocument(docs[i], where), where, log, byId);
    logs.push(log);
  }
  for (const log of logs) log.flush();

  const records: OsvRecord[] = [];
  for (const [id, fixes] of byId) {
    const affected: OsvAffected[] = [...fixes.values()].map((f) => ({
      package: { ecosystem: f.ecosystem, name: f.name, purl: toPurl({ type: 'apk', namespace: 'alpine', name: f.name, qualifiers: { arch: 'source' } }) },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: f.fixed }] }],
      database_specific: { status: 'fixed' },
    }));
    records.push({ id: `ALPINE-${id}`, modified, upstream: [id], affected });
  }
  return sortRecords(records);
}

/** Text is parsed as YAML (JSON is YAML), with every scalar kept as a string ("1.10" stays "1.10"). */
function loadDocument(doc: unknown, where: string): unknown {
  if (typeof doc !== 'string') return doc;
  try {
    // failsafe: maps, lists and strings only, so version keys are never read as numbers;
    // the yaml package caps alias expansion (maxAliasCount), which stops alias bombs.
    return parseYaml(doc, { schema: 'failsafe', uniqueKeys: true, maxAliasCount: 100 }) as unknown;
  } catch (e) {
    throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', `not YAML or JSON: ${(e as Error).message.split('\n')[0]}`, { input: where, cause: e });
  }
}

function releaseEcosystem(distroversion: unknown, where: string): string {
  if (typeof distroversion !== 'string') throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', 'no distroversion: not an Alpine secdb document', { input: where });
  const m = RELEASE.exec(distroversion);
  if (m) return `Alpine:v${m[1]}`;
  // edge has no number; osv-scalibr names an edge image by its VERSION_ID (v3.x), so these
  // only match if the scanner asks for Alpine:edge.
  if (distroversion === 'edge') return 'Alpine:edge';
  throw new VulnDbError('IMPORT_UNKNOWN_ECOSYSTEM', `distroversion ${show(distroversion)} is not an Alpine release (v3.19, edge)`, { input: where });
}

function convertDocument(doc: unknown, where: string, log: ProblemLog, byId: Map<string, Map<string, Fix>>): void {
  if (!isPlainObject(doc) || !Array.isArray(doc.packages)) {
    throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', 'expected {distroversion, packages: [{pkg: {name, secfixes}}]}: not an Alpine secdb document', { input: where });
  }
  const ecosystem = releaseEcosystem(doc.distroversion, where);
  const repo = typeof doc.reponame === 'string' ? `${doc.distroversion as string}/${doc.reponame}` : (doc.distroversion as string);
  let usable = 0;
  doc.packages.forEach((entry: unknown, i: number) => {
    const pkg = isPlainObject(entry) ? entry.pkg : undefined;
    const at = `${repo} packages[${i}]`;
    if (!isPlainObject(pkg) || typeof pkg.name !== 'string') return log.invalid(at, 'expected {pkg: {name, secfixes}}');
    if (!APK_NAME.test(pkg.name)) return log.invalid(at, `${show(pkg.name)} is not a package name`);
    const name = pkg.name;
    usable++;
    // No secfixes (or an empty YAML value) means nothing fixed yet.
    if (pkg.secfixes === undefined || pkg.secfixes === null || pkg.secfixes === '') return;
    if (!isPlainObject(pkg.secfixes)) return log.invalid(`${repo} ${name}`, 'secfixes is not a map');
    for (const [version, ids] of Object.entries(pkg.secfixes)) {
      const here = `${repo} ${name} ${show(version)}`;
      if (version !== '0' && !APK_VERSION.test(version)) {
        log.invalid(here, 'not an apk version');
        continue;
      }
      if (!Array.isArray(ids)) {
        log.invalid(here, 'expected a list of vulnerability ids');
        continue;
      }
      if (version === '0') continue; // never affected
      for (const text of ids) {
        const found = typeof text === 'string' ? vulnIds(text) : [];
        if (found.length === 0) {
          log.invalid(here, `${typeof text === 'string' ? show(text) : typeof text} names no vulnerability id`);
          continue;
        }
        for (const id of found) addFix(byId, id, { ecosystem, name, fixed: version });
      }
    }
  });
  log.failIfNothingUsable(usable, 'an Alpine secdb document');
}

/** Id-shaped tokens of one secfixes entry; `cve-…` is upper-cased, parenthesised words dropped. */
export function vulnIds(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[\s,;]+/)) {
    const t = /^cve-/i.test(raw) ? raw.toUpperCase() : raw;
    if (VULN_ID.test(t) && !out.includes(t)) out.push(t);
  }
  return out.sort(compareStrings);
}

function addFix(byId: Map<string, Map<string, Fix>>, id: string, fix: Fix): void {
  const fixes = byId.get(id) ?? new Map<string, Fix>();
  byId.set(id, fixes);
  const k = `${fix.ecosystem}\0${fix.name}`;
  const prev = fixes.get(k);
  if (!prev || apkComparator.compare(fix.fixed, prev.fixed) > 0) fixes.set(k, fix);
}
