/**
 * Parser for Go `regexp/syntax` (RE2, Perl flags) into a small AST of code point sets,
 * literals, anchors, groups, alternations and repeats; `goregex.ts` emits it as a JS RegExp.
 * Folding for `(?i)` is applied here, so the AST needs no flags. See goregex.ts for the why.
 */
import { GoRegexError, MAX_CP, PERL, POSIX, foldRanges, foldsOf, negate, normalize, unicodeClass, type Range } from './goregex-sets.js';

export { GoRegexError, MAX_CP, type Range };

export type Node =
  | { t: 'set'; r: Range[] }
  | { t: 'str'; cps: number[] }
  | { t: 'bot' | 'eot' | 'bol' | 'eol' | 'wb' | 'nwb' | 'empty' }
  | { t: 'group'; index: number; body: Node }
  | { t: 'cat'; items: Node[] }
  | { t: 'alt'; items: Node[] }
  | { t: 'rep'; min: number; max: number; greedy: boolean; body: Node };

interface Flags {
  i: boolean;
  m: boolean;
  s: boolean;
  U: boolean;
}

const MAX_REPEAT = 1000;

// ---------- parser ----------

export class Parser {
  private pos = 0;
  captures = 0;
  names: (string | undefined)[] = [undefined];
  usesMultiline = false;

  constructor(private readonly src: string) {}

  parse(): Node {
    const node = this.parseAlt({ i: false, m: false, s: false, U: false }, 0);
    if (this.pos < this.src.length) throw new GoRegexError(`unexpected ): \`${this.src}\``);
    return node;
  }

  private peek(): string | undefined {
    return this.src[this.pos];
  }

  private codePointAt(): number {
    const cp = this.src.codePointAt(this.pos);
    if (cp === undefined) throw new GoRegexError(`trailing backslash at end of expression`);
    this.pos += cp > 0xffff ? 2 : 1;
    return cp;
  }

  private parseAlt(flags: Flags, depth: number): Node {
    if (depth > 1000) throw new GoRegexError('expression nests too deeply');
    const items: Node[] = [];
    const f = { ...flags };
    items.push(this.parseConcat(f, depth));
    while (this.peek() === '|') {
      this.pos++;
      items.push(this.parseConcat(f, depth));
    }
    return items.length === 1 ? items[0]! : { t: 'alt', items };
  }

  private parseConcat(flags: Flags, depth: number): Node {
    const items: Node[] = [];
    for (;;) {
      const c = this.peek();
      if (c === undefined || c === '|' || c === ')') break;
      if (c === '*' || c === '+' || c === '?') {
        throw new GoRegexError(`missing argument to repetition operator: \`${c}\``);
      }
      if (c === '(' && this.src[this.pos + 1] === '?' && this.tryFlagGroup(flags)) continue;
      let atom = this.parseAtom(flags, depth);
      atom = this.parseRepeats(atom, flags);
      items.push(atom);
    }
    if (items.length === 0) return { t: 'empty' };
    return items.length === 1 ? items[0]! : { t: 'cat', items };
  }

  /** `(?flags)` changing the rest of the current group; returns false for `(?flags:…)` and named groups. */
  private tryFlagGroup(flags: Flags): boolean {
    const m = /^\(\?([imsU]*)(?:-([imsU]*))?\)/.exec(this.src.slice(this.pos));
    if (!m || (m[1] === '' && m[2] === undefined) || m[2] === '') {
      if (m && m[2] === '') throw new GoRegexError(`missing argument to repetition operator`);
      return false;
    }
    for (const ch of m[1]!) flags[ch as keyof Flags] = true;
    for (const ch of m[2] ?? '') flags[ch as keyof Flags] = false;
    this.pos += m[0].length;
    return true;
  }

  private parseRepeats(atom: Node, flags: Flags): Node {
    let node = atom;
    let repeated = false;
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === '*' || c === '+' || c === '?') {
        this.pos++;
        [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
      } else if (c === '{') {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
        if (!m) return node; // not a repeat: the `{` is a literal, read by the next atom
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
        if (min > MAX_REPEAT || (max !== Infinity && max > MAX_REPEAT) || max < min) {
          throw new GoRegexError(`invalid repeat count: \`${m[0]}\``);
        }
        this.pos += m[0].length;
      } else return node;
      if (repeated) throw new GoRegexError(`invalid nested repetition operator`);
      repeated = true;
      let greedy = true;
      if (this.peek() === '?') {
        this.pos++;
        greedy = false;
      }
      if (flags.U) greedy = !greedy;
      if (node.t === 'empty' || node.t === 'bot' || node.t === 'eot' || node.t === 'bol' || node.t === 'eol') {
        // Go allows repeating empty-width assertions; they stay empty-width.
      }
      node = { t: 'rep', min, max, greedy, body: node };
    }
  }

  private literal(cp: number, flags: Flags): Node {
    if (flags.i) {
      const folded = foldsOf(cp);
      if (folded.length > 1) return { t: 'set', r: normalize(folded.map((c) => [c, c])) };
    }
    return { t: 'str', cps: [cp] };
  }

  private set(ranges: Range[], flags: Flags): Node {
    return { t: 'set', r: flags.i ? foldRanges(ranges) : normalize(ranges) };
  }

  private parseAtom(flags: Flags, depth: number): Node {
    const c = this.peek()!;
    switch (c) {
      case '(':
        return this.parseGroup(flags, depth);
      case '[':
        return this.parseClass(flags);
      case '.':
        this.pos++;
        return { t: 'set', r: flags.s ? [[0, MAX_CP]] : [[0, 9], [11, MAX_CP]] };
      case '^':
        this.pos++;
        if (flags.m) this.usesMultiline = true;
        return { t: flags.m ? 'bol' : 'bot' };
      case '$':
        this.pos++;
        if (flags.m) this.usesMultiline = true;
        return { t: flags.m ? 'eol' : 'eot' };
      case '\\':
        return this.parseEscape(flags);
      default:
        return this.literal(this.codePointAt(), flags);
    }
  }

  private parseGroup(flags: Flags, depth: number): Node {
    const rest = this.src.slice(this.pos);
    let name: string | undefined;
    let capture = true;
    const inner = { ...flags };
    const named = /^\(\?P?<([^>]*)>/.exec(rest);
    if (named) {
      if (!/^[A-Za-z0-9_]+$/.test(named[1]!)) throw new GoRegexError(`invalid named capture: \`${named[0]}\``);
      if (this.names.includes(named[1])) throw new GoRegexError(`duplicate capture group name: \`${named[1]}\``);
      name = named[1];
      this.pos += named[0].length;
    } else if (rest.startsWith('(?')) {
      const m = /^\(\?([imsU]*)(?:-([imsU]*))?:/.exec(rest);
      if (!m) throw new GoRegexError(`invalid or unsupported Perl syntax: \`${rest.slice(0, 3)}\``);
      for (const ch of m[1]!) inner[ch as keyof Flags] = true;
      for (const ch of m[2] ?? '') inner[ch as keyof Flags] = false;
      capture = false;
      this.pos += m[0].length;
    } else this.pos++;
    let index = 0;
    if (capture) {
      index = ++this.captures;
      this.names[index] = name;
    }
    const body = this.parseAlt(inner, depth + 1);
    if (this.peek() !== ')') throw new GoRegexError(`missing closing ): \`${this.src}\``);
    this.pos++;
    return capture ? { t: 'group', index, body } : { t: 'group', index: 0, body };
  }

  /** An escape valid both outside and inside classes: returns a code point or a set. */
  private parseClassEscape(flags: Flags): { cp: number } | { ranges: Range[] } {
    this.pos++; // backslash
    const c = this.src[this.pos];
    if (c === undefined) throw new GoRegexError('trailing backslash at end of expression');
    this.pos++;
    switch (c) {
      case 'a': return { cp: 7 };
      case 'f': return { cp: 12 };
      case 't': return { cp: 9 };
      case 'n': return { cp: 10 };
      case 'r': return { cp: 13 };
      case 'v': return { cp: 11 };
      case 'd': case 's': case 'w': return { ranges: PERL[c]! };
      case 'D': case 'S': case 'W': return { ranges: negate(PERL[c.toLowerCase()]!) };
      case 'p': case 'P': {
        let name: string;
        if (this.peek() === '{') {
          const end = this.src.indexOf('}', this.pos);
          if (end < 0) throw new GoRegexError('invalid character class range');
          name = this.src.slice(this.pos + 1, end);
          this.pos = end + 1;
        } else {
          const ch = this.peek();
          if (ch === undefined) throw new GoRegexError('invalid character class range');
          name = ch;
          this.pos++;
        }
        let neg = c === 'P';
        if (name.startsWith('^')) {
          neg = !neg;
          name = name.slice(1);
        }
        const r = unicodeClass(name);
        return { ranges: neg ? negate(flags.i ? foldRanges(r) : r) : r };
      }
      case 'x': {
        if (this.peek() === '{') {
          const end = this.src.indexOf('}', this.pos);
          const hex = end < 0 ? '' : this.src.slice(this.pos + 1, end);
          if (!/^[0-9a-fA-F]+$/.test(hex) || parseInt(hex, 16) > MAX_CP) throw new GoRegexError('invalid escape sequence: \\x');
          this.pos = end + 1;
          return { cp: parseInt(hex, 16) };
        }
        const hex = this.src.slice(this.pos, this.pos + 2);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new GoRegexError('invalid escape sequence: \\x');
        this.pos += 2;
        return { cp: parseInt(hex, 16) };
      }
      default:
        break;
    }
    if (c >= '0' && c <= '7') {
      // \0 and two-or-three digit octal; a single non-zero digit would be a backreference.
      const m = /^[0-7]{0,2}/.exec(this.src.slice(this.pos))![0];
      if (c !== '0' && m === '') throw new GoRegexError(`invalid escape sequence: \\${c}`);
      this.pos += m.length;
      return { cp: parseInt(c + m, 8) };
    }
    const code = c.codePointAt(0)!;
    if (code < 0x80 && !/[0-9A-Za-z]/.test(c)) return { cp: code };
    throw new GoRegexError(`invalid escape sequence: \\${c}`);
  }

  private parseEscape(flags: Flags): Node {
    const c = this.src[this.pos + 1];
    switch (c) {
      case 'A': this.pos += 2; return { t: 'bot' };
      case 'z': this.pos += 2; return { t: 'eot' };
      case 'b': this.pos += 2; return { t: 'wb' };
      case 'B': this.pos += 2; return { t: 'nwb' };
      case 'C': this.pos += 2; return { t: 'set', r: [[0, MAX_CP]] };
      case 'Q': {
        const end = this.src.indexOf('\\E', this.pos + 2);
        const text = end < 0 ? this.src.slice(this.pos + 2) : this.src.slice(this.pos + 2, end);
        this.pos = end < 0 ? this.src.length : end + 2;
        const items = Array.from(text).map((ch) => this.literal(ch.codePointAt(0)!, flags));
        return items.length === 0 ? { t: 'empty' } : items.length === 1 ? items[0]! : { t: 'cat', items };
      }
      default: {
        const e = this.parseClassEscape(flags);
        return 'cp' in e ? this.literal(e.cp, flags) : this.set(e.ranges, { ...flags, i: false });
      }
    }
  }

  private parseClass(flags: Flags): Node {
    this.pos++; // [
    let neg = false;
    if (this.peek() === '^') {
      neg = true;
      this.pos++;
    }
    const ranges: Range[] = [];
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) throw new GoRegexError(`missing closing ]: \`${this.src}\``);
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      first = false;
      if (c === '[' && this.src[this.pos + 1] === ':') {
        const m = /^\[:(\^?)([a-z]+):\]/.exec(this.src.slice(this.pos));
        if (m && POSIX[m[2]!]) {
          const r = POSIX[m[2]!]!;
          ranges.push(...(m[1] ? negate(r) : r));
          this.pos += m[0].length;
          continue;
        }
      }
      let lo: number;
      if (c === '\\') {
        const e = this.parseClassEscape(flags);
        if ('ranges' in e) {
          ranges.push(...e.ranges);
          continue;
        }
        lo = e.cp;
      } else lo = this.codePointAt();
      let hi = lo;
      if (this.peek() === '-' && this.src[this.pos + 1] !== ']' && this.src[this.pos + 1] !== undefined) {
        this.pos++;
        if (this.peek() === '\\') {
          const e = this.parseClassEscape(flags);
          if ('ranges' in e) throw new GoRegexError('invalid character class range');
          hi = e.cp;
        } else hi = this.codePointAt();
        if (hi < lo) throw new GoRegexError('invalid character class range');
      }
      ranges.push([lo, hi]);
    }
    let set = normalize(ranges);
    if (flags.i) set = foldRanges(set);
    if (neg) set = negate(set);
    return { t: 'set', r: set };
  }
}

