// Ignore files, in both of Trivy's forms (pkg/result/ignore.go):
//   plain (`.portcullisignore`, as `.trivyignore`): one id per line, `#` comments, an
//     optional `exp:YYYY-MM-DD`; a line whose date does not parse is skipped with a warning;
//   YAML (a name ending in .yaml/.yml, as `.trivyignore.yaml`):
//     vulnerabilities: [{id, paths: [glob…], purls: [purl…], expired_at: YYYY-MM-DD, statement}]
// Parsing is pure; expiry is decided when the rules are applied (applyFilters' `now`).
import { parseDocument } from 'yaml';
import { globToRegExp } from './glob.js';
import { tryParsePurl } from './purl-match.js';
import { ScanError } from './types.js';

export interface IgnoreRule {
  /** Vulnerability id (CVE, GHSA, …): matches a finding's id or any of its aliases. */
  id: string;
  /** Globs over the package's location paths (relative, no leading slash); none = anywhere. */
  paths?: string[];
  /** purls the package must match (version and qualifiers optional); none = any package. */
  purls?: string[];
  /** `YYYY-MM-DD` (UTC midnight) or an RFC 3339 time: from then on the rule no longer applies. */
  expiredAt?: string;
  /** Why it is ignored, shown in the report. */
  statement?: string;
  /** `line 3` or `vulnerabilities[2]`, for messages. */
  where: string;
}

export interface IgnoreRules {
  /** The file's name as given. */
  source: string;
  format: 'plain' | 'yaml';
  rules: IgnoreRule[];
  /** Non-fatal problems (plain form: unparsable dates; their lines are skipped). */
  warnings: string[];
}

const MAX_IGNORE_BYTES = 8 * 1024 * 1024;
// Ignore files never need aliases; a small budget defeats alias bombs.
const YAML_MAX_ALIAS_COUNT = 100;

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch milliseconds of an expiry, or undefined when it is not a real date. */
export function parseExpiry(text: string): number | undefined {
  const m = DATE_RE.exec(text);
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const t = Date.UTC(y, mo - 1, d);
    const back = new Date(t);
    // Date.UTC rolls 2024-02-30 over to March: a real date survives the round trip.
    return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d ? t : undefined;
  }
  if (RFC3339_RE.test(text)) {
    const t = Date.parse(text);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}

function bad(name: string, reason: string): ScanError {
  return new ScanError('BAD_IGNOREFILE', reason, { input: name });
}

function checkText(text: string, name: string): void {
  if (text.length > MAX_IGNORE_BYTES) throw bad(name, `larger than ${MAX_IGNORE_BYTES} bytes`);
  if (text.includes('\0')) throw bad(name, 'not a text file (NUL byte)');
}

function parsePlain(text: string, name: string): IgnoreRules {
  const rules: IgnoreRule[] = [];
  const warnings: string[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const rule: IgnoreRule = { id: fields[0], where: `line ${i + 1}` };
    const exp = fields.slice(1).find((f) => f.startsWith('exp:'));
    if (exp !== undefined) {
      const date = exp.slice(4);
      if (parseExpiry(date) === undefined || !DATE_RE.test(date)) {
        warnings.push(`${name}: line ${i + 1}: invalid expiry date "${date.slice(0, 40)}" (want exp:YYYY-MM-DD); line skipped`);
        return;
      }
      rule.expiredAt = date;
    }
    rules.push(rule);
  });
  return { source: name, format: 'plain', rules, warnings };
}

function stringList(v: unknown, where: string, key: string, name: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw bad(name, `${where}.${key}: expected a list of strings`);
  return v as string[];
}

function parseYamlRules(text: string, name: string): IgnoreRules {
  let data: unknown;
  try {
    // failsafe: every scalar stays a string (`2024-01-01` is not turned into a Date, ids stay ids).
    const doc = parseDocument(text, { schema: 'failsafe', uniqueKeys: true, prettyErrors: false });
    if (doc.errors.length) throw bad(name, `invalid YAML: ${doc.errors[0].message.split('\n')[0]}`);
    data = doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT });
  } catch (e) {
    if (e instanceof ScanError) throw e;
    throw bad(name, `unreadable YAML: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
  }
  if (data === null || data === undefined || data === '') return { source: name, format: 'yaml', rules: [], warnings: [] };
  if (typeof data !== 'object' || Array.isArray(data)) throw bad(name, 'expected a mapping with a "vulnerabilities" list at the top');
  const top = data as Record<string, unknown>;
  for (const key of ['misconfigurations', 'secrets', 'licenses']) {
    if (top[key] !== undefined && top[key] !== null && !Array.isArray(top[key])) throw bad(name, `${key}: expected a list`);
  }
  const list = top.vulnerabilities;
  if (list === undefined || list === null) return { source: name, format: 'yaml', rules: [], warnings: [] };
  if (!Array.isArray(list)) throw bad(name, 'vulnerabilities: expected a list');
  const rules = list.map((item, i): IgnoreRule => {
    const where = `vulnerabilities[${i}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw bad(name, `${where}: expected a mapping with an id`);
    const o = item as Record<string, unknown>;
    if (typeof o.id !== 'string' || !o.id.trim()) throw bad(name, `${where}: missing id`);
    const rule: IgnoreRule = { id: o.id.trim(), where };
    const paths = stringList(o.paths, where, 'paths', name);
    if (paths) {
      for (const p of paths) {
        try {
          globToRegExp(p);
        } catch {
          throw bad(name, `${where}.paths: invalid glob "${p.slice(0, 80)}"`);
        }
      }
      rule.paths = paths;
    }
    const purls = stringList(o.purls, where, 'purls', name);
    if (purls) {
      for (const p of purls) if (!tryParsePurl(p)) throw bad(name, `${where}.purls: invalid purl "${p.slice(0, 80)}"`);
      rule.purls = purls;
    }
    if (o.expired_at !== undefined && o.expired_at !== null) {
      if (typeof o.expired_at !== 'string' || parseExpiry(o.expired_at.trim()) === undefined) {
        throw bad(name, `${where}.expired_at: invalid date "${String(o.expired_at).slice(0, 40)}" (want YYYY-MM-DD)`);
      }
      rule.expiredAt = o.expired_at.trim();
    }
    if (o.statement !== undefined && o.statement !== null) {
      if (typeof o.statement !== 'string') throw bad(name, `${where}.statement: expected a string`);
      rule.statement = o.statement;
    }
    return rule;
  });
  return { source: name, format: 'yaml', rules, warnings: [] };
}

/**
 * Parse an ignore file. The form follows the name, as Trivy decides it: `.yaml`/`.yml` is
 * the YAML form, anything else the plain form. Throws ScanError BAD_IGNOREFILE naming the
 * file and the reason.
 */
export function parseIgnoreFile(text: string, name: string): IgnoreRules {
  checkText(text, name);
  return /\.ya?ml$/i.test(name) ? parseYamlRules(text, name) : parsePlain(text, name);
}

export interface CompiledIgnoreRule extends IgnoreRule {
  source: string;
  pathRes?: RegExp[];
  expiresAt?: number;
}

/** Rules ready to match; patterns lose a leading `/` or `./` (locations are root-relative). */
export function compileIgnoreRules(sets: readonly IgnoreRules[]): CompiledIgnoreRule[] {
  return sets.flatMap((set) =>
    set.rules.map((r) => {
      const c: CompiledIgnoreRule = { ...r, source: set.source };
      if (r.paths?.length) c.pathRes = r.paths.map((p) => globToRegExp(p.replace(/^\.?\/+/, '')));
      if (r.expiredAt) c.expiresAt = parseExpiry(r.expiredAt);
      return c;
    }),
  );
}
