import { readFileSync, statSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { PolicyError } from '../types.js';

/** Test, values and userinfo files are small; anything bigger is not one. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Read a file the suite names, as text, with a size cap; a missing file is the suite's fault. */
export function readSuiteFile(path: string, what: string): string {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new PolicyError('INVALID_TEST', `${what} not found`, { input: path });
  if (!st.isFile()) throw new PolicyError('INVALID_TEST', `${what} is not a regular file`, { input: path });
  if (st.size > MAX_FILE_BYTES) throw new PolicyError('INVALID_TEST', `${what} is larger than ${MAX_FILE_BYTES} bytes`, { input: path });
  return readFileSync(path, 'utf8');
}

/**
 * Parse YAML (or JSON) into plain values, every document. Aliases are capped (a billion-laughs
 * file fails here, not in the caller) and errors name the file and the line.
 */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const out: unknown[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0]?.line;
      const what = (err.message.split('\n')[0] ?? '').replace(/\s+at line \d+, column \d+:?$/, '');
      throw new PolicyError('INVALID_YAML', `not valid YAML${line ? ` (line ${line})` : ''}: ${what}`, { input: source });
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: 100 });
    } catch (e) {
      throw new PolicyError('INVALID_YAML', `not valid YAML: ${(e as Error).message.split('\n')[0]}`, { input: source, cause: e });
    }
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** One YAML document that must be a mapping. */
export function parseYamlObject(text: string, source: string, what: string): Record<string, unknown> {
  const docs = parseYamlDocuments(text, source);
  if (docs.length !== 1 || !isRecord(docs[0])) {
    throw new PolicyError('INVALID_TEST', `${what} must be one YAML mapping, found ${docs.length === 1 ? describe(docs[0]) : `${docs.length} documents`}`, { input: source });
  }
  return docs[0];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${JSON.stringify(v)}`;
}
