import parseSpdx from 'spdx-expression-parse';

// Common non-SPDX spellings (Debian copyright short names, npm/PyPI habits) → SPDX ids.
const ALIASES: Record<string, string> = {
  'gpl-2': 'GPL-2.0-only', 'gpl-2+': 'GPL-2.0-or-later', 'gpl-3': 'GPL-3.0-only', 'gpl-3+': 'GPL-3.0-or-later',
  'gpl-1': 'GPL-1.0-only', 'gpl-1+': 'GPL-1.0-or-later', 'gpl': 'GPL-1.0-or-later', 'gpl+': 'GPL-1.0-or-later',
  'lgpl-2': 'LGPL-2.0-only', 'lgpl-2+': 'LGPL-2.0-or-later', 'lgpl-2.1': 'LGPL-2.1-only', 'lgpl-2.1+': 'LGPL-2.1-or-later',
  'lgpl-3': 'LGPL-3.0-only', 'lgpl-3+': 'LGPL-3.0-or-later', 'agpl-3': 'AGPL-3.0-only', 'agpl-3+': 'AGPL-3.0-or-later',
  'gfdl-1.2': 'GFDL-1.2-only', 'gfdl-1.2+': 'GFDL-1.2-or-later', 'gfdl-1.3': 'GFDL-1.3-only', 'gfdl-1.3+': 'GFDL-1.3-or-later',
  'expat': 'MIT', 'mit/x11': 'MIT', 'x11': 'X11', 'bsd-2-clause': 'BSD-2-Clause', 'bsd-3-clause': 'BSD-3-Clause',
  'bsd-4-clause': 'BSD-4-Clause', 'apache-2': 'Apache-2.0', 'apache-2.0': 'Apache-2.0', 'apache 2.0': 'Apache-2.0',
  'apache license 2.0': 'Apache-2.0', 'apache license, version 2.0': 'Apache-2.0', 'apache software license': 'Apache-2.0',
  'mpl-1.1': 'MPL-1.1', 'mpl-2.0': 'MPL-2.0', 'artistic': 'Artistic-1.0-Perl', 'artistic-2': 'Artistic-2.0',
  'zlib': 'Zlib', 'isc': 'ISC', 'psf': 'PSF-2.0', 'python': 'Python-2.0', 'public-domain': 'LicenseRef-public-domain',
  'bsd': 'BSD-3-Clause', 'new bsd': 'BSD-3-Clause', 'bsd license': 'BSD-3-Clause', 'mit license': 'MIT',
  'cc0': 'CC0-1.0', 'cc0-1.0': 'CC0-1.0', 'openssl': 'OpenSSL', 'curl': 'curl', 'unlicense': 'Unlicense',
  // Old Alpine L: spellings and Debian DEP-5 short names seen in real databases.
  'gpl2': 'GPL-2.0-only', 'gpl2+': 'GPL-2.0-or-later', 'gpl3': 'GPL-3.0-only', 'gpl3+': 'GPL-3.0-or-later',
  'lgpl2': 'LGPL-2.0-only', 'lgpl2+': 'LGPL-2.0-or-later', 'lgpl2.1': 'LGPL-2.1-only', 'lgpl2.1+': 'LGPL-2.1-or-later',
  'lgpl3': 'LGPL-3.0-only', 'lgpl3+': 'LGPL-3.0-or-later', 'lgpl': 'LGPL-2.0-or-later',
  'bsd-2': 'BSD-2-Clause', 'bsd-3': 'BSD-3-Clause', 'bsd-1-clause': 'BSD-1-Clause', 'mpl-2': 'MPL-2.0',
  'artistic-1': 'Artistic-1.0-Perl', 'libpng': 'Libpng', 'openldap-2.8': 'OLDAP-2.8',
};

/** True when `expr` is a valid SPDX license expression. */
export function isSpdxExpression(expr: string): boolean {
  try {
    parseSpdx(expr);
    return true;
  } catch {
    return false;
  }
}

/**
 * One declared licence → an SPDX expression where it parses (directly or through the
 * alias table, also inside `A or B` / `A and B` forms as Debian writes them); otherwise
 * the raw text, trimmed. Never throws.
 */
export function normalizeLicense(raw: string): string {
  const s = raw.trim().replace(/\s+/g, ' ');
  if (!s) return s;
  if (isSpdxExpression(s)) return s;
  const alias = ALIASES[s.toLowerCase()];
  if (alias) return alias;
  // Debian/RPM style compound: "GPL-2+ or Artistic", "MIT and BSD-3-clause", "GPLv2+"
  const parts = s.split(/\s+(and|or|AND|OR|with|WITH)\s+/);
  if (parts.length > 1) {
    const mapped = parts.map((p, i) => (i % 2 === 1 ? p.toUpperCase() : normalizeLicense(p)));
    const expr = mapped.join(' ');
    if (isSpdxExpression(expr)) return expr;
  }
  const gplv = /^(A|L)?GPLv(\d(?:\.\d)?)(\+)?$/i.exec(s);
  if (gplv) {
    const v = gplv[2].includes('.') ? gplv[2] : `${gplv[2]}.0`;
    return `${(gplv[1] ?? '').toUpperCase()}GPL-${v}${gplv[3] ? '-or-later' : '-only'}`;
  }
  return s;
}

/** Normalize, dedupe and sort a list of declared licences. */
export function normalizeLicenses(raw: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const r of raw) {
    const n = normalizeLicense(r);
    if (n) out.add(n);
  }
  return [...out].sort();
}
