// One small syntax tree for YAML and JSON documents, with every node's source offsets,
// so the locators are written once. YAML comes from the `yaml` package's Document (its
// ranges are offsets into the text); aliases are never resolved, so an alias bomb costs
// nothing, and nesting deeper than MAX_DEPTH is refused rather than recursed into.
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Node as YamlNode } from 'yaml';
import { PinError, type ScalarStyle } from './types.js';

export const MAX_DEPTH = 256;

export interface TScalar {
  type: 'scalar';
  start: number;
  end: number;
  /** `block` for literal/folded and multi-line plain scalars: pin does not rewrite those. */
  style: ScalarStyle | 'block';
  /** String value; plain YAML scalars give their source text (so `1.10` stays `1.10`). */
  value: string;
  /** A JSON/YAML null, or an empty plain scalar. */
  isNull: boolean;
}

export interface TPair {
  key: TScalar;
  value: TNode | null;
}

export interface TMap {
  type: 'map';
  start: number;
  end: number;
  flow: boolean;
  json: boolean;
  pairs: TPair[];
}

export interface TSeq {
  type: 'seq';
  start: number;
  end: number;
  items: Array<TNode | null>;
}

/** An alias (never followed) or anything else pin does not look into. */
export interface TOther {
  type: 'other';
  start: number;
  end: number;
}

export type TNode = TScalar | TMap | TSeq | TOther;

export function mapGet(map: TMap, key: string): TNode | null | undefined {
  for (const p of map.pairs) if (p.key.value === key) return p.value;
  return undefined;
}

export function pairOf(map: TMap, key: string): TPair | undefined {
  return map.pairs.find((p) => p.key.value === key);
}

export const isTMap = (n: TNode | null | undefined): n is TMap => n?.type === 'map';
export const isTSeq = (n: TNode | null | undefined): n is TSeq => n?.type === 'seq';
export const isTScalar = (n: TNode | null | undefined): n is TScalar => n?.type === 'scalar';

/** A non-empty string value of a scalar node, or undefined. */
export function stringOf(n: TNode | null | undefined): string | undefined {
  return isTScalar(n) && !n.isNull && n.value !== '' ? n.value : undefined;
}

const EMPTY_PLAIN = /^(~|null|Null|NULL|)$/;

function tooDeep(file: string): PinError {
  return new PinError('TOO_DEEP', `nested deeper than ${MAX_DEPTH} levels`, { input: file });
}

function fromYaml(node: unknown, text: string, file: string, depth: number): TNode | null {
  if (node === null || node === undefined) return null;
  if (depth > MAX_DEPTH) throw tooDeep(file);
  const range = (node as YamlNode).range ?? [0, 0, 0];
  const [start, end] = [range[0], range[1]];
  if (isScalar(node)) {
    const source = text.slice(start, end);
    switch (node.type) {
      case 'QUOTE_DOUBLE':
        return { type: 'scalar', start, end, style: 'double', value: String(node.value), isNull: false };
      case 'QUOTE_SINGLE':
        return { type: 'scalar', start, end, style: 'single', value: String(node.value), isNull: false };
      case 'BLOCK_LITERAL':
      case 'BLOCK_FOLDED':
        return { type: 'scalar', start, end, style: 'block', value: String(node.value), isNull: false };
      default: {
        const multiline = /[\r\n]/.test(source);
        return { type: 'scalar', start, end, style: multiline ? 'block' : 'plain', value: multiline ? String(node.value) : source, isNull: EMPTY_PLAIN.test(source) };
      }
    }
  }
  if (isMap(node)) {
    const pairs: TPair[] = [];
    for (const item of node.items) {
      // Only scalar keys name fields; complex keys and merge keys are not Kubernetes.
      const key = fromYaml(item.key, text, file, depth + 1);
      if (!key || key.type !== 'scalar') continue;
      pairs.push({ key, value: fromYaml(item.value, text, file, depth + 1) });
    }
    return { type: 'map', start, end, flow: Boolean(node.flow), json: false, pairs };
  }
  if (isSeq(node)) {
    return { type: 'seq', start, end, items: node.items.map((i) => fromYaml(i, text, file, depth + 1)) };
  }
  if (isAlias(node)) return { type: 'other', start, end };
  return { type: 'other', start, end };
}

/**
 * The documents of a YAML stream as trees (empty documents dropped). Throws PinError
 * INVALID_YAML naming the line of the first syntax error, TOO_DEEP for hostile nesting.
 */
export function parseYamlTrees(text: string, file: string, lines: LineIndex): TNode[] {
  let docs;
  try {
    docs = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: false, keepSourceTokens: false });
  } catch (e) {
    // The parser itself can overflow its stack on pathological nesting.
    throw new PinError('INVALID_YAML', `cannot parse: ${(e as Error).message.split('\n')[0]}`, { input: file, cause: e });
  }
  const list = Array.isArray(docs) ? docs : [];
  const out: TNode[] = [];
  for (const doc of list) {
    const err = doc.errors[0];
    if (err) {
      const line = lines.position(err.pos[0]).line;
      throw new PinError('INVALID_YAML', `line ${line}: ${err.message.split('\n')[0]}`, { input: file });
    }
    const root = fromYaml(doc.contents, text, file, 0);
    if (root && !(root.type === 'scalar' && root.isNull)) out.push(root);
  }
  return out;
}

/** Offsets → 1-based line/column, and UTF-8 byte offsets, for one text. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(private readonly text: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo] + 1 };
  }

  lineStart(offset: number): number {
    return this.starts[this.position(offset).line - 1];
  }

  /** Offset of the start of 1-based `line` (text length past the end). */
  startOfLine(line: number): number {
    return line - 1 < this.starts.length ? this.starts[line - 1] : this.text.length;
  }

  byteOffset(offset: number): number {
    // Per line, so long files with many references stay linear-ish.
    const { line } = this.position(offset);
    const start = this.starts[line - 1];
    return this.byteOfLine(line) + Buffer.byteLength(this.text.slice(start, offset));
  }

  private readonly lineBytes: number[] = [];
  private byteOfLine(line: number): number {
    while (this.lineBytes.length < line) {
      const k = this.lineBytes.length;
      if (k === 0) this.lineBytes.push(0);
      else this.lineBytes.push(this.lineBytes[k - 1] + Buffer.byteLength(this.text.slice(this.starts[k - 1], this.starts[k])));
    }
    return this.lineBytes[line - 1];
  }
}
