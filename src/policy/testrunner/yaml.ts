import { readFileSync, statSync } from 'node:fs';
import { parseDocuments } from '../engine/index.js';
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
 * Parse YAML (or JSON) into plain values, every document, with the engine's reader: the same
 * YAML 1.1 scalars kyverno's go-yaml sees (`yes` is true), and nesting and alias expansion
 * bounded before the tree is built. Errors are INVALID_YAML naming the file once.
 */
export function parseYamlDocuments(text: string, source: string): unknown[] {
  try {
    return parseDocuments(text, source);
  } catch (e) {
    // The engine's message starts with the source; the error's input names it already.
    if (e instanceof PolicyError && e.message.startsWith(`${source}: `)) {
      throw new PolicyError(e.code, `not valid YAML: ${e.message.slice(source.length + 2)}`, { input: source, cause: e });
    }
    throw e;
  }
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
