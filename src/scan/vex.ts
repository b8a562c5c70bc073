// VEX documents, OpenVEX and CycloneDX, read into one statement shape. Matching follows
// Trivy (pkg/vex) and go-vex: a statement names a vulnerability (or an alias of it), a
// product and optionally subcomponents; products are purls (matched as purls: no version
// = every version, qualifiers a subset) or bom-refs. The latest statement for a
// vulnerability and product wins; `not_affected` and `fixed` suppress the finding.
import { ScanError } from './types.js';

export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';
const VEX_STATUSES: readonly VexStatus[] = ['not_affected', 'affected', 'fixed', 'under_investigation'];

/** A product or subcomponent: every identifier it was given (@id, purl, cpe, bom-ref). */
export interface VexComponent {
  ids: string[];
}

export interface VexProduct extends VexComponent {
  subcomponents: VexComponent[];
}

export interface VexStatement {
  vulnerability: string;
  aliases: string[];
  products: VexProduct[];
  status: VexStatus;
  justification?: string;
  impactStatement?: string;
  /** Epoch ms: the statement's own time, else the document's; 0 when neither is given. */
  time: number;
  /** Position in the document (a later statement wins a timestamp tie). */
  index: number;
}

/** One parsed VEX document. */
export interface VexStatements {
  source: string;
  format: 'openvex' | 'cyclonedx';
  statements: VexStatement[];
  warnings: string[];
}

const MAX_VEX_BYTES = 64 * 1024 * 1024;

function bad(name: string, reason: string): ScanError {
  return new ScanError('BAD_VEX', reason, { input: name });
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optString(o: Obj, key: string, where: string, name: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw bad(name, `${where}.${key}: expected a string`);
  return v;
}

function timeOf(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const t = Date.parse(v);
  return Number.isFinite(t) ? t : undefined;
}

// ---------------------------------------------------------------- OpenVEX

function openVexComponent(v: unknown, where: string, name: string): VexComponent {
  // v0.0.1 listed products as bare strings; later versions use {@id, identifiers, hashes}.
  if (typeof v === 'string') return { ids: [v] };
  if (!isObj(v)) throw bad(name, `${where}: expected a string or an object`);
  const ids: string[] = [];
  const id = optString(v, '@id', where, name);
  if (id) ids.push(id);
  if (v.identifiers !== undefined) {
    if (!isObj(v.identifiers)) throw bad(name, `${where}.identifiers: expected an object`);
    for (const [k, x] of Object.entries(v.identifiers)) {
      if (typeof x !== 'string') throw bad(name, `${where}.identifiers.${k}: expected a string`);
      ids.push(x);
    }
  }
  return { ids };
}

function componentList(v: unknown, where: string, name: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw bad(name, `${where}: expected a list`);
  return v;
}

function parseOpenVex(doc: Obj, name: string): VexStatements {
  const warnings: string[] = [];
  const docTime = timeOf(doc.timestamp) ?? 0;
  const list = doc.statements;
  if (!Array.isArray(list)) throw bad(name, 'statements: expected a list');
  const statements = list.map((s, index): VexStatement => {
    const where = `statements[${index}]`;
    if (!isObj(s)) throw bad(name, `${where}: expected an object`);
    let vulnerability: string | undefined;
    const aliases: string[] = [];
    if (typeof s.vulnerability === 'string') vulnerability = s.vulnerability;
    else if (isObj(s.vulnerability)) {
      vulnerability = optString(s.vulnerability, 'name', `${where}.vulnerability`, name);
      for (const a of componentList(s.vulnerability.aliases, `${where}.vulnerability.aliases`, name)) {
        if (typeof a !== 'string') throw bad(name, `${where}.vulnerability.aliases: expected strings`);
        aliases.push(a);
      }
    }
    if (!vulnerability) throw bad(name, `${where}: missing vulnerability name`);
    const status = s.status;
    if (typeof status !== 'string' || !(VEX_STATUSES as readonly string[]).includes(status)) {
      throw bad(name, `${where}: invalid status ${JSON.stringify(status)?.slice(0, 40)} (expected ${VEX_STATUSES.join(', ')})`);
    }
    // v0.0.1 put subcomponents on the statement; they apply to each of its products.
    const shared = componentList(s.subcomponents, `${where}.subcomponents`, name).map((c, i) => openVexComponent(c, `${where}.subcomponents[${i}]`, name));
    const products = componentList(s.products, `${where}.products`, name).map((p, i): VexProduct => {
      const pw = `${where}.products[${i}]`;
      const c = openVexComponent(p, pw, name);
      const subs = isObj(p) ? componentList(p.subcomponents, `${pw}.subcomponents`, name).map((x, j) => openVexComponent(x, `${pw}.subcomponents[${j}]`, name)) : [];
      return { ids: c.ids, subcomponents: [...subs, ...shared] };
    });
    if (!products.length) warnings.push(`${name}: ${where}: no products; the statement applies to nothing`);
    const st: VexStatement = { vulnerability, aliases, products, status: status as VexStatus, time: timeOf(s.timestamp) ?? docTime, index };
    const justification = optString(s, 'justification', where, name);
    if (justification) st.justification = justification;
    const impact = optString(s, 'impact_statement', where, name);
    if (impact) st.impactStatement = impact;
    return st;
  });
  return { source: name, format: 'openvex', statements, warnings };
}

// ---------------------------------------------------------------- CycloneDX

// analysis.state → VEX status, as Trivy's cdxStatus.
const CDX_STATES: Readonly<Record<string, VexStatus>> = {
  resolved: 'fixed',
  resolved_with_pedigree: 'fixed',
  exploitable: 'affected',
  in_triage: 'under_investigation',
  false_positive: 'not_affected',
  not_affected: 'not_affected',
};

/** `urn:cdx:<serial>/<version>#<bom-ref>` → the bom-ref; anything else is a bom-ref already. */
export function bomLinkRef(ref: string): string {
  const m = /^urn:cdx:[^/#]+\/\d+#(.+)$/.exec(ref);
  if (!m) return ref;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return m[1];
  }
}

/** bom-ref → purl of the components the VEX document itself describes. */
function componentPurls(doc: Obj): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (c: unknown, depth: number) => {
    if (!isObj(c) || depth > 32) return;
    if (typeof c['bom-ref'] === 'string' && typeof c.purl === 'string') out.set(c['bom-ref'], c.purl);
    if (Array.isArray(c.components)) for (const x of c.components) visit(x, depth + 1);
  };
  if (isObj(doc.metadata)) visit(doc.metadata.component, 0);
  if (Array.isArray(doc.components)) for (const c of doc.components) visit(c, 0);
  return out;
}

function parseCycloneDx(doc: Obj, name: string): VexStatements {
  const warnings: string[] = [];
  const docTime = (isObj(doc.metadata) ? timeOf(doc.metadata.timestamp) : undefined) ?? 0;
  const purls = componentPurls(doc);
  const list = doc.vulnerabilities;
  if (list === undefined) throw bad(name, 'CycloneDX document without vulnerabilities: not a VEX');
  if (!Array.isArray(list)) throw bad(name, 'vulnerabilities: expected a list');
  const statements: VexStatement[] = [];
  list.forEach((v, index) => {
    const where = `vulnerabilities[${index}]`;
    if (!isObj(v)) throw bad(name, `${where}: expected an object`);
    const id = optString(v, 'id', where, name);
    if (!id) throw bad(name, `${where}: missing id`);
    if (v.analysis === undefined || v.analysis === null) {
      warnings.push(`${name}: ${where} (${id}): no analysis; nothing stated`);
      return;
    }
    if (!isObj(v.analysis)) throw bad(name, `${where}.analysis: expected an object`);
    const state = optString(v.analysis, 'state', `${where}.analysis`, name);
    if (state === undefined) {
      warnings.push(`${name}: ${where} (${id}): analysis without state; nothing stated`);
      return;
    }
    const status = CDX_STATES[state];
    if (!status) throw bad(name, `${where}.analysis.state: unknown state "${state.slice(0, 40)}"`);
    const aliases: string[] = [];
    for (const r of componentList(v.references, `${where}.references`, name)) {
      if (isObj(r) && typeof r.id === 'string') aliases.push(r.id);
    }
    const products = componentList(v.affects, `${where}.affects`, name).map((a, i): VexProduct => {
      if (!isObj(a) || typeof a.ref !== 'string') throw bad(name, `${where}.affects[${i}]: expected {ref}`);
      const ref = bomLinkRef(a.ref);
      const ids = [ref];
      const purl = purls.get(ref);
      if (purl) ids.push(purl);
      return { ids, subcomponents: [] };
    });
    if (!products.length) warnings.push(`${name}: ${where} (${id}): no affects; the statement applies to nothing`);
    const time = timeOf(v.analysis.lastUpdated) ?? timeOf(v.updated) ?? timeOf(v.published) ?? docTime;
    const st: VexStatement = { vulnerability: id, aliases, products, status, time, index };
    const justification = optString(v.analysis, 'justification', `${where}.analysis`, name);
    if (justification) st.justification = justification;
    const detail = optString(v.analysis, 'detail', `${where}.analysis`, name);
    if (detail) st.impactStatement = detail;
    statements.push(st);
  });
  return { source: name, format: 'cyclonedx', statements, warnings };
}

/**
 * Parse a VEX document: OpenVEX (an `@context` under https://openvex.dev/ns) or CycloneDX
 * (`bomFormat: CycloneDX` with `vulnerabilities`). Throws ScanError BAD_VEX naming the file
 * and the reason (not JSON, unknown format, a malformed statement).
 */
export function parseVex(text: string, name: string): VexStatements {
  if (text.length > MAX_VEX_BYTES) throw bad(name, `larger than ${MAX_VEX_BYTES} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    // Stack exhaustion on absurd nesting lands here too.
    throw bad(name, `not JSON: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
  if (!isObj(doc)) throw bad(name, 'expected a JSON object');
  const ctx = doc['@context'];
  if (typeof ctx === 'string' && ctx.startsWith('https://openvex.dev/ns')) return parseOpenVex(doc, name);
  if (doc.bomFormat === 'CycloneDX') return parseCycloneDx(doc, name);
  if (isObj(doc.document) && typeof doc.document.csaf_version === 'string') throw bad(name, 'CSAF VEX is not supported (use OpenVEX or CycloneDX)');
  throw bad(name, 'not an OpenVEX or CycloneDX VEX document');
}
