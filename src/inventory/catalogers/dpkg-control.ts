// deb822 control-stanza parsing (dpkg's status file, distroless status.d files) and the
// relationship-field grammar (Depends, Pre-Depends, Provides). Input is untrusted: a
// malformed stanza is reported and dropped, never thrown.

export interface Stanza {
  /** Field values by lower-cased name; continuation lines joined with '\n'. */
  fields: Map<string, string>;
  /** 1-based line where the stanza starts, for warnings. */
  line: number;
  /** Set when the stanza had a line that is neither a field nor a continuation. */
  error?: string;
}

const FIELD = /^([!-9;-~][!-9;-~]*):(.*)$/;

/** Split deb822 text into stanzas. Tolerates CRLF, runs of blank lines and a missing final newline. */
export function parseStanzas(text: string): Stanza[] {
  const out: Stanza[] = [];
  let cur: Stanza | undefined;
  let last: string | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') {
      cur = undefined;
      last = undefined;
      continue;
    }
    if (!cur) {
      cur = { fields: new Map(), line: i + 1 };
      out.push(cur);
    }
    if (cur.error) continue;
    if (line[0] === ' ' || line[0] === '\t') {
      if (last === undefined) {
        cur.error = `line ${i + 1}: continuation line without a field`;
        continue;
      }
      // A lone '.' marks an empty line inside a multi-line value (Description).
      const body = line.slice(1);
      cur.fields.set(last, cur.fields.get(last) + '\n' + (body.trim() === '.' ? '' : body));
      continue;
    }
    if (line[0] === '#') continue; // deb822 comment
    const m = FIELD.exec(line);
    if (!m) {
      cur.error = `line ${i + 1}: not a "Field: value" line`;
      continue;
    }
    const name = m[1].toLowerCase();
    if (cur.fields.has(name)) {
      cur.error = `line ${i + 1}: duplicate field ${m[1]}`;
      continue;
    }
    cur.fields.set(name, m[2].trim());
    last = name;
  }
  return out;
}

/**
 * A relationship field (`a (>= 1) | b:any, c [amd64] <!nocheck>`) → alternatives per
 * clause, as bare package names: version constraints, architecture qualifiers and
 * restriction lists dropped.
 */
export function parseRelations(value: string): string[][] {
  const out: string[][] = [];
  for (const clause of value.replace(/\s+/g, ' ').split(',')) {
    const alts: string[] = [];
    for (const alt of clause.split('|')) {
      const m = /^\s*([^\s(<[:]+)/.exec(alt);
      if (m) alts.push(m[1]);
    }
    if (alts.length) out.push(alts);
  }
  return out;
}

/** `Source: name (version)` or `Source: name` → parts; undefined when malformed. */
export function parseSourceField(value: string): { name: string; version?: string } | undefined {
  const m = /^([^\s()]+)(?:\s*\(\s*([^\s()]+)\s*\))?\s*$/.exec(value.trim());
  if (!m) return undefined;
  return m[2] ? { name: m[1], version: m[2] } : { name: m[1] };
}
