/**
 * Text splices for `policy promote`: edits at the source ranges of `yaml` Document nodes, so
 * every byte outside them (comments, flow collections, quoting, blank lines) stays as it was.
 */
import { isMap, isScalar, isSeq } from 'yaml';
import type { Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';

type Json = Record<string, unknown>;

function isJson(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A change to an existing overrides list, by the entries' original positions (so it can be spliced). */
export type OverrideOp =
  | { op: 'removeNamespace'; entry: number; namespace: string }
  | { op: 'removeEntry'; entry: number }
  | { op: 'appendNamespace'; entry: number; namespace: string }
  | { op: 'prependEntry'; value: Json };

interface Edit {
  start: number;
  end: number;
  text: string;
}

const PLAIN_NAME = /^[A-Za-z0-9]([-A-Za-z0-9._/]*[A-Za-z0-9])?$/;

/** A string as a YAML flow scalar: plain when safe, else a JSON (double-quoted) string. */
export function flowScalar(v: unknown): string {
  if (typeof v === 'string') return PLAIN_NAME.test(v) && !/^(true|false|null|yes|no|on|off|y|n|~)$/i.test(v) && !/^[-+]?[0-9.]/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

export function flowValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(flowValue).join(', ')}]`;
  if (isJson(v)) return `{${Object.entries(v).map(([k, x]) => `${flowScalar(k)}: ${flowValue(x)}`).join(', ')}}`;
  return flowScalar(v);
}

/** Overrides in block style: each entry a `- ` item, lists inside in flow style; `indent` for lines after the first. */
export function blockOverrides(list: readonly unknown[], indent: number): string {
  if (list.length === 0) return '[]';
  const pad = ' '.repeat(indent);
  const lines: string[] = [];
  for (const e of list) {
    const entries = Object.entries(isJson(e) ? e : {});
    entries.forEach(([k, v], j) => lines.push(`${j === 0 ? '- ' : '  '}${flowScalar(k)}: ${flowValue(v)}`));
  }
  return lines.map((l, i) => (i === 0 ? l : pad + l)).join('\n');
}

export class Splicer {
  readonly edits: Edit[] = [];
  constructor(readonly text: string) {}

  column(pos: number): number {
    return pos - (this.text.lastIndexOf('\n', pos - 1) + 1);
  }

  /** One-line scalars only: a block scalar's range runs over several lines. */
  oneLine(n: unknown): n is Scalar {
    if (!isScalar(n) || !n.range) return false;
    return (n.type === 'PLAIN' || n.type === 'QUOTE_DOUBLE' || n.type === 'QUOTE_SINGLE') && !this.text.slice(n.range[0], n.range[1]).includes('\n');
  }

  setScalar(n: Scalar, value: string): void {
    const [s, e] = n.range!;
    const old = this.text.slice(s, e);
    const q = old[0] === '"' || old[0] === "'" ? old[0] : '';
    this.edits.push({ start: s, end: e, text: `${q}${value}${q}` });
  }

  /** Replace a list value; false when it cannot be spliced. */
  setList(n: YAMLSeq, value: readonly unknown[]): boolean {
    if (!n.range) return false;
    const [s, e] = n.range;
    if (n.flow) {
      this.edits.push({ start: s, end: e, text: flowValue(value) });
      return true;
    }
    const old = this.text.slice(s, e);
    const trail = old.match(/\n[ \t]*$/)?.[0] ?? (old.endsWith('\n') ? '\n' : '');
    this.edits.push({ start: s, end: e, text: blockOverrides(value, this.column(s)) + trail });
    return true;
  }

  /** Insert `key: value` into a block map after a one-line sibling; false when there is none. */
  insertPair(map: YAMLMap, key: string, value: unknown, after: readonly string[]): boolean {
    if (map.flow) return false;
    const pairs = map.items as Array<Pair<unknown, unknown>>;
    const keyed = (k: string) => pairs.find((p) => isScalar(p.key) && p.key.value === k && this.oneLine(p.value));
    const anchor = after.map(keyed).find((p) => p !== undefined) ?? pairs.find((p) => isScalar(p.key) && this.oneLine(p.value));
    if (!anchor || !isScalar(anchor.key) || !anchor.key.range) return false;
    const col = this.column(anchor.key.range[0]);
    const valueEnd = (anchor.value as Scalar).range![1];
    const nl = this.text.indexOf('\n', valueEnd);
    const pos = nl === -1 ? this.text.length : nl + 1;
    const pad = ' '.repeat(col);
    const rendered = Array.isArray(value) ? `\n${pad}  ${blockOverrides(value, col + 2)}` : ` ${flowScalar(value)}`;
    this.edits.push({ start: pos, end: pos, text: `${nl === -1 ? '\n' : ''}${pad}${key}:${rendered}\n` });
    return true;
  }

  private lineEnd(pos: number): number {
    const nl = this.text.indexOf('\n', pos);
    return nl === -1 ? this.text.length : nl + 1;
  }

  /** Start of the line holding `pos` when only indentation (and a `- ` marker) precedes it. */
  private lineStartOf(pos: number): { start: number; dash: number } | undefined {
    const start = this.text.lastIndexOf('\n', pos - 1) + 1;
    const m = /^([ \t]*)(-[ \t]+)?$/.exec(this.text.slice(start, pos));
    if (!m) return undefined;
    return { start, dash: m[2] ? m[1]!.length : -1 };
  }

  /** True when only a comment follows `pos` on its line. */
  private restOfLineIsComment(pos: number): boolean {
    return /^[ \t]*(#[^\n]*)?(\n|$)/.test(this.text.slice(pos, this.lineEnd(pos)));
  }

  /**
   * Edits to an existing block overrides list, spliced line by line so comments elsewhere
   * in the list survive. False (with nothing recorded) when a shape is not spliceable.
   */
  overrideOps(seq: YAMLSeq, ops: readonly OverrideOp[]): boolean {
    if (seq.flow) return false;
    const mark = this.edits.length;
    const fail = () => {
      this.edits.length = mark;
      return false;
    };
    const entryAt = (i: number) => {
      const e = seq.items[i];
      return isMap(e) && !e.flow && e.range ? e : undefined;
    };
    for (const o of ops) {
      if (o.op === 'prependEntry') {
        const first = seq.items[0] as { range?: [number, number, number] } | undefined;
        const line = first?.range ? this.lineStartOf(first.range[0]) : undefined;
        if (!line || line.dash < 0) return fail();
        this.edits.push({ start: line.start, end: line.start, text: ' '.repeat(line.dash) + blockOverrides([o.value], line.dash) + '\n' });
        continue;
      }
      const entry = entryAt(o.entry);
      if (!entry) return fail();
      if (o.op === 'removeEntry') {
        const line = this.lineStartOf(entry.range![0]);
        if (!line || line.dash < 0) return fail();
        const end = this.text[entry.range![1] - 1] === '\n' ? entry.range![1] : this.lineEnd(entry.range![1]);
        this.edits.push({ start: line.start, end, text: '' });
        continue;
      }
      const list = entry.get('namespaces', true);
      if (!isSeq(list) || !list.range) return fail();
      const values = (list.toJSON() as unknown[]).filter((x) => typeof x === 'string');
      if (list.flow) {
        const next = o.op === 'appendNamespace' ? [...values, o.namespace] : values.filter((x) => x !== o.namespace);
        this.edits.push({ start: list.range[0], end: list.range[1], text: flowValue(next) });
        continue;
      }
      if (o.op === 'removeNamespace') {
        const item = list.items.find((x) => isScalar(x) && x.value === o.namespace);
        if (!this.oneLine(item) || !this.restOfLineIsComment(item.range![1])) return fail();
        const line = this.lineStartOf(item.range![0]);
        if (!line || line.dash < 0) return fail();
        this.edits.push({ start: line.start, end: this.lineEnd(item.range![1]), text: '' });
      } else {
        const last = list.items[list.items.length - 1];
        if (!this.oneLine(last) || !this.restOfLineIsComment(last.range![1])) return fail();
        const line = this.lineStartOf(last.range![0]);
        if (!line || line.dash < 0) return fail();
        const pos = this.lineEnd(last.range![1]);
        const nl = this.text[pos - 1] === '\n' ? '' : '\n';
        this.edits.push({ start: pos, end: pos, text: `${nl}${' '.repeat(line.dash)}- ${flowScalar(o.namespace)}\n` });
      }
    }
    return true;
  }

  /** Remove a `key: value` pair of a block map, whole lines; false when it cannot be spliced. */
  deletePair(map: YAMLMap, key: string): boolean {
    if (map.flow) return false;
    const pair = (map.items as Array<Pair<unknown, unknown>>).find((p) => isScalar(p.key) && p.key.value === key);
    if (!pair || !isScalar(pair.key) || !pair.key.range) return false;
    const keyStart = pair.key.range[0];
    const lineStart = this.text.lastIndexOf('\n', keyStart - 1) + 1;
    if (this.text.slice(lineStart, keyStart).trim() !== '') return false;
    const v = pair.value as { range?: [number, number, number]; flow?: boolean } | null;
    let end: number;
    if (isSeq(v) && !v.flow && v.range && this.text[v.range[1] - 1] === '\n') end = v.range[1];
    else {
      const from = v?.range ? v.range[1] : pair.key.range[1];
      const nl = this.text.indexOf('\n', from);
      end = nl === -1 ? this.text.length : nl + 1;
    }
    this.edits.push({ start: lineStart, end, text: '' });
    return true;
  }

  apply(): string {
    let out = this.text;
    // From the end; at one position, a deletion before an insertion there.
    for (const e of [...this.edits].sort((a, b) => b.start - a.start || b.end - a.end)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
    return out;
  }
}

