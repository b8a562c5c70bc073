import { asBytes, compareDigitRuns, compareStrings, isDigitCode } from './bytes.js';
import type { Comparator } from './types.js';

/**
 * Alpine versions, `digit{.digit}...{letter}{_suffix{N}}...{~hash}{-rN}`, ordered as
 * apk-tools 3 does (src/version.c: token_first/token_next/token_cmp and
 * apk_version_compare_fuzzy).
 */

// Token kinds in grammar order: token_next only moves forward through them.
const INITIAL_DIGIT = 0;
const DIGIT = 1;
const LETTER = 2;
const SUFFIX = 3;
const SUFFIX_NO = 4;
const COMMIT_HASH = 5;
const REVISION_NO = 6;
const END = 7;
const INVALID = 8;

// Suffix ranks; NONE (no suffix) is the pivot between pre- and post-release suffixes.
const SUFFIX_RANK: ReadonlyMap<string, number> = new Map([
  ['alpha', 1],
  ['beta', 2],
  ['pre', 3],
  ['rc', 4],
  ['cvs', 6],
  ['svn', 7],
  ['git', 8],
  ['hg', 9],
  ['p', 10],
]);
const SUFFIX_NONE = 5;

interface Token {
  kind: number;
  /** The token's text: digits, one letter, a suffix word or a hash. */
  text: string;
  /** Suffix rank when kind is SUFFIX. */
  rank: number;
}

/** A cursor over one version string, producing apk-tools' tokens one at a time. */
class Tokenizer {
  private pos = 0;
  readonly token: Token = { kind: INITIAL_DIGIT, text: '', rank: 0 };

  constructor(private readonly s: string) {
    this.digits();
  }

  private digits(): void {
    const start = this.pos;
    while (this.pos < this.s.length && isDigitCode(this.s.charCodeAt(this.pos))) this.pos++;
    this.token.text = this.s.slice(start, this.pos);
    if (this.token.text === '') this.token.kind = INVALID;
  }

  private span(accept: (c: number) => boolean): string {
    const start = this.pos;
    while (this.pos < this.s.length && accept(this.s.charCodeAt(this.pos))) this.pos++;
    return this.s.slice(start, this.pos);
  }

  next(): void {
    const t = this.token;
    if (this.pos >= this.s.length) {
      t.kind = END;
      return;
    }
    const c = this.s.charCodeAt(this.pos);
    if (c >= 97 && c <= 122) {
      if (t.kind > DIGIT) return this.invalid();
      t.kind = LETTER;
      t.text = this.s[this.pos];
      this.pos++;
    } else if (c === 46 || isDigitCode(c)) {
      if (c === 46) {
        if (t.kind > DIGIT) return this.invalid();
        this.pos++;
      }
      if (t.kind === INITIAL_DIGIT || t.kind === DIGIT) t.kind = DIGIT;
      else if (t.kind === SUFFIX) t.kind = SUFFIX_NO;
      else return this.invalid();
      this.digits();
    } else if (c === 95) {
      if (t.kind > SUFFIX_NO) return this.invalid();
      this.pos++;
      t.text = this.span((x) => x >= 97 && x <= 122);
      const rank = SUFFIX_RANK.get(t.text);
      if (rank === undefined) return this.invalid();
      t.kind = SUFFIX;
      t.rank = rank;
    } else if (c === 126) {
      if (t.kind >= COMMIT_HASH) return this.invalid();
      this.pos++;
      t.text = this.span((x) => isDigitCode(x) || (x >= 97 && x <= 102) || (x >= 65 && x <= 70));
      if (t.text === '') return this.invalid();
      t.kind = COMMIT_HASH;
    } else if (c === 45) {
      if (t.kind >= REVISION_NO || this.s.charCodeAt(this.pos + 1) !== 114) return this.invalid();
      this.pos += 2;
      t.kind = REVISION_NO;
      this.digits();
    } else {
      this.invalid();
    }
  }

  private invalid(): void {
    this.token.kind = INVALID;
  }
}

function compareTokens(a: Token, b: Token): number {
  switch (a.kind) {
    case DIGIT:
      // A leading zero makes apk compare the digit runs as strings (Gentoo's rule).
      if (a.text.charCodeAt(0) === 48 || b.text.charCodeAt(0) === 48) return compareStrings(a.text, b.text);
      return compareDigitRuns(a.text, b.text);
    case INITIAL_DIGIT:
    case SUFFIX_NO:
    case REVISION_NO:
      return compareDigitRuns(a.text, b.text);
    case LETTER:
      return compareStrings(a.text, b.text);
    case SUFFIX:
      return a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0;
    default:
      return compareStrings(a.text, b.text);
  }
}

/**
 * apk_version_compare_fuzzy. With `fuzzy`, `a` equals `b` when `b` is a prefix of it
 * token-wise (the `~` dependency operator: `3.6.9 ~ 3.6`).
 */
function compareApkTokens(a: string, b: string, fuzzy: boolean): number {
  const ta = new Tokenizer(a);
  const tb = new Tokenizer(b);
  while (ta.token.kind === tb.token.kind && ta.token.kind < END) {
    const r = compareTokens(ta.token, tb.token);
    if (r !== 0) return r;
    ta.next();
    tb.next();
  }
  const ka = ta.token.kind;
  const kb = tb.token.kind;
  if (ka === kb) return 0;
  if (kb === END && fuzzy) return 0;
  // Equal so far: the longer version is greater, unless what it has more of is a
  // pre-release suffix. An INVALID token ranks after END, so it sorts lowest.
  if (ka === SUFFIX && ta.token.rank < SUFFIX_NONE) return -1;
  if (kb === SUFFIX && tb.token.rank < SUFFIX_NONE) return 1;
  if (ka > kb) return -1;
  if (kb > ka) return 1;
  return 0;
}

/**
 * apk_version_compare. apk-tools compares even invalid versions token by token, up to
 * the first invalid token (which ranks below the end of a version), and calls two
 * versions equal when they break at the same point. That is kept; only such a tie
 * between differently spelt versions, one of them invalid, is broken with a byte-wise
 * string sort (apk-tools' "invalid. do string sort"), so that the order is total.
 */
export function compareApk(a: string, b: string): number {
  const ba = asBytes(a);
  const bb = asBytes(b);
  const r = compareApkTokens(ba, bb, false);
  if (r === 0 && ba !== bb && (!validBytes(ba) || !validBytes(bb))) return compareStrings(ba, bb);
  return r;
}

/**
 * apk's fuzzy comparison (`~`, `<~`, `>~` in dependencies): 0 when `b` is a token-wise
 * prefix of `a` or they are equal, otherwise the ordinary order.
 */
export function compareApkFuzzy(a: string, b: string): number {
  return compareApkTokens(asBytes(a), asBytes(b), true);
}

/** apk_version_validate. */
export function isValidApk(v: string): boolean {
  return validBytes(asBytes(v));
}

function validBytes(s: string): boolean {
  const t = new Tokenizer(s);
  while (t.token.kind < END) t.next();
  return t.token.kind === END;
}

export const apkComparator: Comparator = { scheme: 'apk', compare: compareApk, isValid: isValidApk };
