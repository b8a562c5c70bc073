// Package licences ⇄ one SPDX licence expression. The inventory keeps a list (SPDX
// expressions, or raw names that do not parse); SPDX 2.3 wants one expression per field,
// with every `LicenseRef-` declared in `hasExtractedLicensingInfos`.
import parseSpdx from 'spdx-expression-parse';
import { isSpdxExpression } from '../inventory/license.js';
import { compareStrings, sha256Hex } from '../util/index.js';

export interface ExtractedLicense {
  licenseId: string;
  extractedText: string;
  name: string;
  comment?: string;
}

/** Marks LicenseRefs we made from a raw licence name, so a reader can give the name back. */
export const RAW_NAME_COMMENT = 'portcullis: declared licence name that is not an SPDX expression';

function sanitizeRef(s: string): string {
  return s.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'unknown';
}

/** `LicenseRef-` ids an expression uses (not `DocumentRef-…:LicenseRef-…`). */
function licenseRefs(expr: string): string[] {
  return expr.match(/(?<![:\w.-])LicenseRef-[A-Za-z0-9.-]+/g) ?? [];
}

function isCompound(expr: string): boolean {
  try {
    const ast = parseSpdx(expr) as { conjunction?: string; exception?: string };
    return ast.conjunction !== undefined;
  } catch {
    return false;
  }
}

/**
 * Licences → one expression: members joined with AND, compound members parenthesized
 * (always, even alone, so a reader can tell one `A OR B` from the list [A, B]). Raw names
 * become `LicenseRef-<name>-<hash>` entries. NOASSERTION when there is nothing.
 */
export function toSpdxLicenseField(input: readonly string[], extracted: Map<string, ExtractedLicense>): string {
  if (!input.length) return 'NOASSERTION';
  const parts = [...new Set(input)].sort(compareStrings).map((l) => {
    if (isSpdxExpression(l)) {
      for (const ref of licenseRefs(l)) {
        const name = ref.slice('LicenseRef-'.length);
        if (!extracted.has(ref)) extracted.set(ref, { licenseId: ref, extractedText: name, name });
      }
      return isCompound(l) ? `(${l})` : l;
    }
    const id = `LicenseRef-${sanitizeRef(l)}-${sha256Hex(l).slice(0, 8)}`;
    extracted.set(id, { licenseId: id, extractedText: l, name: l, comment: RAW_NAME_COMMENT });
    return id;
  });
  return parts.join(' AND ');
}

/** Splits at top-level ANDs, outside parentheses. */
function splitTopLevelAnd(expr: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  const re = /[()]|\sAND\s/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(expr))) {
    if (m[0] === '(') depth++;
    else if (m[0] === ')') depth = Math.max(0, depth - 1);
    else if (depth === 0) {
      out.push(expr.slice(start, m.index));
      start = m.index + m[0].length;
    }
  }
  out.push(expr.slice(start));
  return out.map((s) => s.trim()).filter(Boolean);
}

/** `(A OR B)` → `A OR B`, only when the parentheses wrap the whole string. */
function unwrap(s: string): string {
  while (s.startsWith('(') && s.endsWith(')')) {
    let depth = 0;
    let wraps = true;
    for (let i = 0; i < s.length; i++) {
      if (s[i] === '(') depth++;
      else if (s[i] === ')') depth--;
      if (depth === 0 && i < s.length - 1) {
        wraps = false;
        break;
      }
    }
    if (!wraps) break;
    s = s.slice(1, -1).trim();
  }
  return s;
}

/**
 * One SPDX licence field → the inventory's list. LicenseRefs we made from raw names give
 * the name back; other tools' LicenseRefs give their declared name where there is one.
 */
export function fromSpdxLicenseField(
  field: unknown,
  extracted: ReadonlyMap<string, { name?: string; comment?: string }>,
  ours: boolean,
): string[] {
  if (typeof field !== 'string') return [];
  const f = field.trim();
  if (!f || f === 'NOASSERTION' || f === 'NONE') return [];
  return splitTopLevelAnd(f).map((part) => {
    const p = unwrap(part);
    const info = /^LicenseRef-[A-Za-z0-9.-]+$/.test(p) ? extracted.get(p) : undefined;
    if (info?.name && (!ours || info.comment === RAW_NAME_COMMENT)) return info.name;
    return p;
  });
}
