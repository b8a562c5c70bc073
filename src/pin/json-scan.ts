// A strict JSON reader that keeps every value's source offsets (JSON.parse keeps none),
// building the same tree the YAML side builds. Recursive descent with a depth cap; strings
// are decoded by JSON.parse on their own token, so escapes follow the spec exactly.
import { MAX_DEPTH, type LineIndex, type TMap, type TNode, type TPair, type TScalar, type TSeq } from './tree.js';
import { PinError } from './types.js';

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class JsonScanner {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly lines: LineIndex,
  ) {}

  parse(): TNode {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.pos < this.text.length) this.fail('unexpected text after the JSON value');
    return v;
  }

  private fail(reason: string): never {
    const { line, column } = this.lines.position(Math.min(this.pos, this.text.length));
    throw new PinError('INVALID_JSON', `line ${line} column ${column}: ${reason}`, { input: this.file });
  }

  private ws(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  private value(depth: number): TNode {
    if (depth > MAX_DEPTH) throw new PinError('TOO_DEEP', `nested deeper than ${MAX_DEPTH} levels`, { input: this.file });
    const c = this.text[this.pos];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    return this.literal();
  }

  private string(): TScalar {
    const t = this.text;
    const start = this.pos;
    let i = start + 1;
    for (;;) {
      if (i >= t.length) {
        this.pos = i;
        this.fail('unterminated string');
      }
      const c = t.charCodeAt(i);
      if (c === 0x22) break;
      if (c < 0x20) {
        this.pos = i;
        this.fail('control character in string');
      }
      i += c === 0x5c ? 2 : 1;
    }
    const end = i + 1;
    let value: string;
    try {
      value = JSON.parse(t.slice(start, end)) as string;
    } catch {
      this.fail('invalid escape in string');
    }
    this.pos = end;
    return { type: 'scalar', start, end, style: 'json', value, isNull: false };
  }

  private literal(): TScalar {
    const start = this.pos;
    for (const word of ['true', 'false', 'null']) {
      if (this.text.startsWith(word, start)) {
        this.pos = start + word.length;
        return { type: 'scalar', start, end: this.pos, style: 'json', value: word, isNull: word === 'null' };
      }
    }
    NUMBER.lastIndex = start;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail(this.pos >= this.text.length ? 'unexpected end of input' : `unexpected character ${JSON.stringify(this.text[start])}`);
    this.pos = start + m[0].length;
    return { type: 'scalar', start, end: this.pos, style: 'json', value: m[0], isNull: false };
  }

  private object(depth: number): TMap {
    const start = this.pos++;
    const pairs: TPair[] = [];
    this.ws();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { type: 'map', start, end: this.pos, flow: true, json: true, pairs };
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail('expected a string key');
      const key = this.string();
      this.ws();
      if (this.text[this.pos] !== ':') this.fail("expected ':' after a key");
      this.pos++;
      this.ws();
      pairs.push({ key, value: this.value(depth + 1) });
      this.ws();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === '}') {
        this.pos++;
        return { type: 'map', start, end: this.pos, flow: true, json: true, pairs };
      }
      this.fail("expected ',' or '}'");
    }
  }

  private array(depth: number): TSeq {
    const start = this.pos++;
    const items: TNode[] = [];
    this.ws();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { type: 'seq', start, end: this.pos, items };
    }
    for (;;) {
      this.ws();
      items.push(this.value(depth + 1));
      this.ws();
      const c = this.text[this.pos];
      if (c === ',') {
        this.pos++;
        continue;
      }
      if (c === ']') {
        this.pos++;
        return { type: 'seq', start, end: this.pos, items };
      }
      this.fail("expected ',' or ']'");
    }
  }
}

/** The single JSON value of `text` as a tree. Throws PinError INVALID_JSON (with line and column) or TOO_DEEP. */
export function parseJsonTree(text: string, file: string, lines: LineIndex): TNode {
  // A byte-order mark is not JSON, but editors write one; skip it without moving offsets.
  const scanner = new JsonScanner(text.charCodeAt(0) === 0xfeff ? ' ' + text.slice(1) : text, file, lines);
  return scanner.parse();
}
