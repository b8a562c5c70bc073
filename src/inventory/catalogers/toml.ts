// A small TOML 1.0 reader for the subset lockfiles use (Cargo.lock, poetry.lock): tables,
// arrays of tables, dotted and quoted keys, basic/literal/multi-line strings, integers,
// floats, booleans, arrays and inline tables. Dates are kept as their text. It is strict
// where lockfiles could be ambiguous (duplicate keys, redefined tables, bad escapes) and
// stops at the first error, returning what it read so far with the error, so a truncated
// lockfile still yields its complete entries.
import { InventoryError } from '../types.js';

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export interface TomlResult {
  value: TomlTable;
  error?: InventoryError;
}

// Inline tables and arrays nest by recursion; lockfiles nest two or three levels.
const MAX_DEPTH = 64;

function table(): TomlTable {
  return Object.create(null) as TomlTable;
}

function isTable(v: TomlValue | undefined): v is TomlTable {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Range checks for a date/time token already matched by shape. */
function validDateTime(tok: string): boolean {
  const date = /^(\d{4})-(\d{2})-(\d{2})/.exec(tok);
  if (date) {
    const [y, m, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
    const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
    if (days === undefined || d < 1 || d > days) return false;
  }
  const time = /(\d{2}):(\d{2}):(\d{2})/.exec(date ? tok.slice(10) : tok);
  if (time && (Number(time[1]) > 23 || Number(time[2]) > 59 || Number(time[3]) > 60)) return false;
  const off = /[+-](\d{2}):(\d{2})$/.exec(date ? tok.slice(10) : '');
  return !off || (Number(off[1]) <= 23 && Number(off[2]) <= 59);
}

class Parser {
  pos = 0;
  readonly root = table();
  private current: TomlTable = this.root;
  /** Tables defined by a [header] or by key/value (cannot be reopened by a header). */
  private readonly defined = new WeakSet<TomlTable>();
  /** Inline tables and static arrays: closed to later additions. */
  private readonly frozen = new WeakSet<object>();
  /** Tables created by dotted keys (a header cannot define them again). */
  private readonly dotted = new WeakSet<TomlTable>();
  /** Arrays created by [[header]] (static arrays cannot be appended to). */
  private readonly tableArrays = new WeakSet<TomlValue[]>();

  constructor(private readonly s: string) {}

  fail(msg: string, at = this.pos): never {
    const line = this.s.slice(0, at).split('\n').length;
    throw new InventoryError('PARSE_ERROR', `line ${line}: ${msg}`);
  }

  parse(): void {
    for (;;) {
      this.skipBlankLines();
      if (this.pos >= this.s.length) return;
      if (this.s[this.pos] === '[') this.header();
      else this.keyValue(this.current);
      this.endOfLine();
    }
  }

  private skipWs(): void {
    while (this.s[this.pos] === ' ' || this.s[this.pos] === '\t') this.pos++;
  }

  private skipComment(): void {
    if (this.s[this.pos] !== '#') return;
    while (this.pos < this.s.length && this.s[this.pos] !== '\n') {
      const c = this.s.charCodeAt(this.pos);
      if ((c < 0x20 && c !== 0x09 && c !== 0x0d) || c === 0x7f) this.fail('control character in comment');
      this.pos++;
    }
  }

  private newline(): boolean {
    if (this.s[this.pos] === '\n') return (this.pos++, true);
    if (this.s[this.pos] === '\r' && this.s[this.pos + 1] === '\n') return ((this.pos += 2), true);
    return false;
  }

  private skipBlankLines(): void {
    for (;;) {
      this.skipWs();
      this.skipComment();
      if (!this.newline()) return;
    }
  }

  /** Whitespace, comments and newlines inside arrays. */
  private skipArraySpace(): void {
    for (;;) {
      this.skipWs();
      this.skipComment();
      if (!this.newline()) return;
    }
  }

  private endOfLine(): void {
    this.skipWs();
    this.skipComment();
    if (this.pos < this.s.length && !this.newline()) this.fail(`unexpected ${JSON.stringify(this.s[this.pos])}`);
  }

  private key(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipWs();
      const c = this.s[this.pos];
      if (c === '"') parts.push(this.basicString());
      else if (c === "'") parts.push(this.literalString());
      else {
        const m = /^[A-Za-z0-9_-]+/.exec(this.s.slice(this.pos, this.pos + 256));
        if (!m) this.fail('expected a key');
        parts.push(m[0]);
        this.pos += m[0].length;
      }
      this.skipWs();
      if (this.s[this.pos] !== '.') return parts;
      this.pos++;
    }
  }

  /**
   * Walks to (creating) the table at `path` below `from`. Headers may pass through the
   * last element of an array of tables; dotted keys may not, nor enter a table that a
   * header defined (TOML forbids extending those from elsewhere).
   */
  private descend(from: TomlTable, path: string[], at: number, dotted: boolean): TomlTable {
    let t = from;
    for (const k of path) {
      const v = t[k];
      if (v === undefined) {
        const n = table();
        if (dotted) this.dotted.add(n);
        t[k] = n;
        t = n;
      } else if (!dotted && Array.isArray(v) && this.tableArrays.has(v) && isTable(v[v.length - 1])) {
        t = v[v.length - 1] as TomlTable;
      } else if (isTable(v) && !this.frozen.has(v) && !(dotted && this.defined.has(v))) {
        t = v;
      } else this.fail(`key ${JSON.stringify(k)} cannot be extended here`, at);
    }
    return t;
  }

  private header(): void {
    const at = this.pos;
    const isArray = this.s.startsWith('[[', this.pos);
    this.pos += isArray ? 2 : 1;
    const path = this.key();
    if (!this.s.startsWith(isArray ? ']]' : ']', this.pos)) this.fail('unterminated table header');
    this.pos += isArray ? 2 : 1;
    const parent = this.descend(this.root, path.slice(0, -1), at, false);
    const last = path[path.length - 1];
    const existing = parent[last];
    if (isArray) {
      const t = table();
      if (existing === undefined) {
        const arr: TomlValue[] = [t];
        this.tableArrays.add(arr);
        parent[last] = arr;
      } else if (Array.isArray(existing) && this.tableArrays.has(existing)) existing.push(t);
      else this.fail(`[[${path.join('.')}]] conflicts with an earlier value`, at);
      this.defined.add(t);
      this.current = t;
      return;
    }
    if (existing === undefined) {
      const t = table();
      parent[last] = t;
      this.current = t;
    } else if (isTable(existing) && !this.defined.has(existing) && !this.dotted.has(existing) && !this.frozen.has(existing)) {
      this.current = existing;
    } else this.fail(`table [${path.join('.')}] defined twice`, at);
    this.defined.add(this.current);
  }

  private keyValue(into: TomlTable, depth = 0): void {
    const at = this.pos;
    const path = this.key();
    if (this.s[this.pos] !== '=') this.fail('expected "=" after key');
    this.pos++;
    this.skipWs();
    const target = this.descend(into, path.slice(0, -1), at, true);
    const last = path[path.length - 1];
    if (target[last] !== undefined) this.fail(`duplicate key ${JSON.stringify(path.join('.'))}`, at);
    target[last] = this.value(depth);
    if (isTable(target[last])) this.defined.add(target[last] as TomlTable);
  }

  private value(depth: number): TomlValue {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const c = this.s[this.pos];
    if (c === '"') return this.s.startsWith('"""', this.pos) ? this.multilineBasic() : this.basicString();
    if (c === "'") return this.s.startsWith("'''", this.pos) ? this.multilineLiteral() : this.literalString();
    if (c === '[') return this.array(depth);
    if (c === '{') return this.inlineTable(depth);
    const m = /^[^\s,\]}#]+/.exec(this.s.slice(this.pos, this.pos + 128));
    if (!m) this.fail('expected a value');
    let tok = m[0];
    // An offset date-time may contain one space between date and time.
    const dt = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}/.exec(this.s.slice(this.pos, this.pos + 64));
    if (/^\d{4}-\d{2}-\d{2}$/.test(tok) && dt && dt[0][10] === ' ') tok = /^\S+ \S+/.exec(this.s.slice(this.pos))![0];
    this.pos += tok.length;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (/^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})?)?$|^\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(tok)) {
      if (!validDateTime(tok)) this.fail(`invalid date or time ${JSON.stringify(tok)}`, this.pos - tok.length);
      return tok;
    }
    if (/^[+-]?(0|[1-9](_?\d)*)$/.test(tok)) return Number(tok.replace(/_/g, ''));
    if (/^0x[0-9A-Fa-f](_?[0-9A-Fa-f])*$/.test(tok)) return Number.parseInt(tok.slice(2).replace(/_/g, ''), 16);
    if (/^0o[0-7](_?[0-7])*$/.test(tok)) return Number.parseInt(tok.slice(2).replace(/_/g, ''), 8);
    if (/^0b[01](_?[01])*$/.test(tok)) return Number.parseInt(tok.slice(2).replace(/_/g, ''), 2);
    if (/^[+-]?(0|[1-9](_?\d)*)(\.\d(_?\d)*)?([eE][+-]?\d(_?\d)*)?$/.test(tok)) return Number(tok.replace(/_/g, ''));
    if (/^[+-]?(inf|nan)$/.test(tok)) return tok.endsWith('nan') ? Number.NaN : tok.startsWith('-') ? -Infinity : Infinity;
    return this.fail(`invalid value ${JSON.stringify(tok.slice(0, 40))}`, this.pos - tok.length);
  }

  private array(depth: number): TomlValue[] {
    this.pos++; // [
    const out: TomlValue[] = [];
    for (;;) {
      this.skipArraySpace();
      if (this.s[this.pos] === ']') break;
      out.push(this.value(depth + 1));
      this.skipArraySpace();
      if (this.s[this.pos] === ',') {
        this.pos++;
        continue;
      }
      if (this.s[this.pos] !== ']') this.fail('expected "," or "]" in array');
      break;
    }
    this.pos++; // ]
    this.frozen.add(out);
    return out;
  }

  private inlineTable(depth: number): TomlTable {
    this.pos++; // {
    const t = table();
    this.skipWs();
    if (this.s[this.pos] === '}') {
      this.pos++;
      this.frozen.add(t);
      return t;
    }
    for (;;) {
      this.keyValue(t, depth + 1);
      this.skipWs();
      if (this.s[this.pos] === ',') {
        this.pos++;
        this.skipWs();
        continue;
      }
      if (this.s[this.pos] !== '}') this.fail('expected "," or "}" in inline table');
      this.pos++;
      this.frozen.add(t);
      return t;
    }
  }

  private basicString(): string {
    this.pos++; // "
    let out = '';
    for (;;) {
      if (this.pos >= this.s.length) this.fail('unterminated string');
      const c = this.s[this.pos];
      if (c === '"') {
        this.pos++;
        return out;
      }
      if (c === '\\') out += this.escape();
      else if (c === '\n' || c === '\r') this.fail('newline in string');
      else {
        this.checkControl(c);
        out += c;
        this.pos++;
      }
    }
  }

  private multilineBasic(): string {
    this.pos += 3;
    this.newline(); // a newline right after the opening delimiter is trimmed
    let out = '';
    for (;;) {
      if (this.pos >= this.s.length) this.fail('unterminated string');
      if (this.s.startsWith('"""', this.pos)) {
        // Up to two quotes may sit right before the closing delimiter.
        let extra = 0;
        while (extra < 2 && this.s[this.pos + 3 + extra] === '"') extra++;
        out += '"'.repeat(extra);
        this.pos += 3 + extra;
        return out;
      }
      const c = this.s[this.pos];
      if (c === '\\') {
        // A line-ending backslash trims the newline and following whitespace.
        const m = /^\\[ \t]*\r?\n/.exec(this.s.slice(this.pos, this.pos + 256));
        if (m) {
          this.pos += m[0].length;
          while (/[ \t\r\n]/.test(this.s[this.pos] ?? '')) this.pos++;
        } else out += this.escape();
      } else if (c === '\r') {
        if (this.s[this.pos + 1] !== '\n') this.fail('bare carriage return in string');
        out += '\r\n';
        this.pos += 2;
      } else {
        if (c !== '\n') this.checkControl(c);
        out += c;
        this.pos++;
      }
    }
  }

  private literalString(): string {
    const end = this.s.indexOf("'", this.pos + 1);
    const nl = this.s.indexOf('\n', this.pos + 1);
    if (end < 0 || (nl >= 0 && nl < end)) this.fail('unterminated string');
    const out = this.s.slice(this.pos + 1, end);
    for (const c of out) this.checkControl(c);
    this.pos = end + 1;
    return out;
  }

  private multilineLiteral(): string {
    this.pos += 3;
    this.newline();
    const end = this.s.indexOf("'''", this.pos);
    if (end < 0) this.fail('unterminated string');
    let extra = 0;
    while (extra < 2 && this.s[end + 3 + extra] === "'") extra++;
    const out = this.s.slice(this.pos, end + extra);
    this.pos = end + 3 + extra;
    return out;
  }

  private checkControl(c: string): void {
    const code = c.charCodeAt(0);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) this.fail('control character in string');
  }

  private escape(): string {
    const c = this.s[this.pos + 1];
    const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
    if (c !== undefined && Object.prototype.hasOwnProperty.call(simple, c)) {
      this.pos += 2;
      return simple[c];
    }
    if (c === 'u' || c === 'U') {
      const len = c === 'u' ? 4 : 8;
      const hex = this.s.slice(this.pos + 2, this.pos + 2 + len);
      const cp = /^[0-9A-Fa-f]+$/.test(hex) && hex.length === len ? Number.parseInt(hex, 16) : -1;
      if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) this.fail('invalid unicode escape');
      this.pos += 2 + len;
      return String.fromCodePoint(cp);
    }
    return this.fail(`invalid escape "\\${c ?? ''}"`);
  }
}

/**
 * Parses TOML text. Never throws: on the first error the result holds everything read
 * before it, and `error` (code PARSE_ERROR) names the line and the reason.
 */
export function parseToml(text: string): TomlResult {
  const p = new Parser(text);
  try {
    p.parse();
    return { value: p.root };
  } catch (e) {
    if (e instanceof InventoryError) return { value: p.root, error: e };
    // e.g. a RangeError from the engine: still one clear error, never a crash.
    return { value: p.root, error: new InventoryError('PARSE_ERROR', `unreadable TOML: ${e instanceof Error ? e.message : String(e)}`) };
  }
}
