import { compareDigitRuns, compareStrings } from './bytes.js';
import type { Comparator } from './types.js';

/**
 * Maven versions, ordered as Maven's ComparableVersion (maven-artifact, Maven 4 line:
 * combination items such as `rc1`, `.X` treated as `-X`, MNG-6964, MNG-7644).
 *
 * A version parses into a list of items: numbers (any size), qualifier strings,
 * combinations (a qualifier with its number, `alpha1`) and sub-lists (after `-`, or
 * where a qualifier starts). Trailing "null" items (0, "", ga, final, release) are
 * dropped, so `1.0.0` == `1`.
 */

type Item = NumberItem | StringItem | CombinationItem | ListItem;

interface NumberItem {
  kind: 'number';
  /** Decimal digits without leading zeros ("0" for zero). */
  digits: string;
}
interface StringItem {
  kind: 'string';
  value: string;
}
interface CombinationItem {
  kind: 'combination';
  text: StringItem;
  number: Item;
}
interface ListItem {
  kind: 'list';
  items: Item[];
}

// Known qualifiers in order; "" (a release) is the pivot. Unknown ones sort after all.
const QUALIFIERS = ['alpha', 'beta', 'milestone', 'rc', 'snapshot', '', 'sp'];
const RELEASE_RANK = QUALIFIERS.indexOf('');
const RELEASE_ALIASES = new Set(['ga', 'final', 'release']);

/** Maven refuses longer version strings; beyond this we fall back to a string order. */
const MAX_VERSION_LENGTH = 256;

function makeString(value: string, followedByDigit: boolean): StringItem {
  if (followedByDigit && value.length === 1) {
    // a1 = alpha-1, b1 = beta-1, m1 = milestone-1
    if (value === 'a') value = 'alpha';
    else if (value === 'b') value = 'beta';
    else if (value === 'm') value = 'milestone';
  }
  return { kind: 'string', value: value === 'cr' ? 'rc' : value };
}

/** Compare two qualifiers by their rank; unknown qualifiers after known ones, lexically. */
function compareQualifiers(a: string, b: string): number {
  const ra = RELEASE_ALIASES.has(a) ? RELEASE_RANK : QUALIFIERS.indexOf(a);
  const rb = RELEASE_ALIASES.has(b) ? RELEASE_RANK : QUALIFIERS.indexOf(b);
  if (ra >= 0 && rb >= 0) return ra < rb ? -1 : ra > rb ? 1 : 0;
  if (ra >= 0) return -1;
  if (rb >= 0) return 1;
  return compareStrings(a, b);
}

function isNull(item: Item): boolean {
  switch (item.kind) {
    case 'number':
      return item.digits === '0';
    case 'string':
      return item.value === '';
    case 'combination':
      return false;
    case 'list':
      return item.items.length === 0;
  }
}

/** item.compareTo(null): how the item compares with "nothing here" (padding). */
function compareToNothing(item: Item): number {
  switch (item.kind) {
    case 'number':
      return item.digits === '0' ? 0 : 1; // 1.0 == 1, 1.1 > 1
    case 'string':
      return compareQualifiers(item.value, ''); // 1-rc < 1, 1-sp > 1
    case 'combination': {
      const r = compareToNothing(item.text);
      // A release-like qualifier with a number (ga1) is decided by the number.
      return r === 0 ? compareToNothing(item.number) : r;
    }
    case 'list':
      // The whole list decides, not just its first item (MNG-6964).
      for (const i of item.items) {
        const r = compareToNothing(i);
        if (r !== 0) return r;
      }
      return 0;
  }
}

function compareItems(a: Item, b: Item): number {
  switch (a.kind) {
    case 'number':
      // Numbers beat everything that is not a number.
      return b.kind === 'number' ? compareDigitRuns(a.digits, b.digits) : 1;
    case 'string':
      switch (b.kind) {
        case 'number':
          return -1;
        case 'string':
          return compareQualifiers(a.value, b.value);
        case 'combination': {
          const r = compareItems(a, b.text);
          if (r !== 0) return r;
          return compareToNothing(a) === 0 ? -compareToNothing(b.number) : -1;
        }
        case 'list':
          return -compareItems(b, a);
      }
      break;
    case 'combination':
      switch (b.kind) {
        case 'number':
          return -1;
        case 'string': {
          const r = compareItems(a.text, b);
          if (r !== 0) return r;
          // X1 > X, unless X is a release qualifier: then the number decides.
          return compareToNothing(a.text) === 0 ? compareToNothing(a.number) : 1;
        }
        case 'combination':
          return compareItems(a.text, b.text) || compareItems(a.number, b.number);
        case 'list':
          return -compareItems(b, a);
      }
      break;
    case 'list':
      switch (b.kind) {
        case 'number':
          return -1; // 1-1 < 1.0.x
        case 'string':
        case 'combination': {
          let r = a.items.length === 0 ? -compareToNothing(b) : compareItems(a.items[0], b);
          for (let i = 1; r === 0 && i < a.items.length; i++) r = compareToNothing(a.items[i]);
          return r;
        }
        case 'list': {
          const n = Math.max(a.items.length, b.items.length);
          for (let i = 0; i < n; i++) {
            const l = a.items[i];
            const r = b.items[i];
            const c = l === undefined ? (r === undefined ? 0 : -compareToNothing(r)) : r === undefined ? compareToNothing(l) : compareItems(l, r);
            if (c !== 0) return c;
          }
          return 0;
        }
      }
  }
  return 0;
}

function isAsciiDigit(c: string | undefined): boolean {
  return c !== undefined && c >= '0' && c <= '9';
}

/** Java's Character.isDigit. */
function isUnicodeDigit(c: string): boolean {
  return /\p{Nd}/u.test(c);
}

function stripZeros(digits: string): string {
  const s = digits.replace(/^0+/, '');
  return s === '' ? '0' : s;
}

function parseItem(isCombination: boolean, isDigit: boolean, buf: string): Item {
  if (isCombination) return parseCombination(buf.replaceAll('-', ''));
  if (isDigit) return { kind: 'number', digits: stripZeros(buf) };
  return makeString(buf, false);
}

function parseCombination(value: string): CombinationItem {
  // The qualifier runs up to the first digit (Java's Character.isDigit: any Unicode digit).
  let index = 0;
  for (let i = 0; i < value.length; i++) {
    if (isUnicodeDigit(value[i])) {
      index = i;
      break;
    }
  }
  return { kind: 'combination', text: makeString(value.slice(0, index), true), number: parseItem(false, true, value.slice(index)) };
}

/** Drop trailing null items, as ListItem.normalize does. */
function normalize(list: ListItem): void {
  const items = list.items;
  for (let i = items.length - 1; i >= 0; i--) {
    if (!isNull(items[i])) continue;
    const next = items[i + 1];
    if (next === undefined || next.kind === 'string') {
      items.splice(i, 1);
    } else if (next.kind === 'list') {
      const first = next.items[0];
      if (first !== undefined && (first.kind === 'combination' || first.kind === 'string')) items.splice(i, 1);
    }
  }
  if (items.length === 1 && items[0].kind === 'list') {
    // Removing a zero prefix must not leave an extra qualifier nesting level.
    const inner = items[0].items;
    items.length = 0;
    items.push(...inner);
  }
}

/** ComparableVersion.parseVersion. */
function parseMaven(version: string): ListItem {
  const root: ListItem = { kind: 'list', items: [] };
  const v = version.toLowerCase();
  let list = root;
  const stack: ListItem[] = [root];
  const push = (): void => {
    const sub: ListItem = { kind: 'list', items: [] };
    list.items.push(sub);
    list = sub;
    stack.push(sub);
  };
  let isDigit = false;
  let isCombination = false;
  let start = 0;
  // Only ASCII `.`, `-` and digits steer the parse, so UTF-16 code units can stand in
  // for Java's code points.
  for (let i = 0; i < v.length; i++) {
    const c = v[i];
    if (c === '.') {
      if (i === start) list.items.push({ kind: 'number', digits: '0' });
      else list.items.push(parseItem(isCombination, isDigit, v.slice(start, i)));
      isCombination = false;
      start = i + 1;
    } else if (c === '-') {
      if (i === start) {
        list.items.push({ kind: 'number', digits: '0' });
      } else {
        // X-1 is treated as X1.
        if (!isDigit && i !== v.length - 1 && isUnicodeDigit(v[i + 1])) {
          isCombination = true;
          continue;
        }
        list.items.push(parseItem(isCombination, isDigit, v.slice(start, i)));
      }
      start = i + 1;
      if (list.items.length > 0) push();
      isCombination = false;
    } else if (isAsciiDigit(c)) {
      if (!isDigit && i > start) {
        // X1
        isCombination = true;
        if (list.items.length > 0) push();
      }
      isDigit = true;
    } else {
      if (isDigit && i > start) {
        list.items.push(parseItem(isCombination, true, v.slice(start, i)));
        start = i;
        push();
        isCombination = false;
      }
      isDigit = false;
    }
  }
  if (v.length > start) {
    // 1.0.0.X1 < 1.0.0-X2: a trailing .X is treated as -X.
    if (!isDigit && list.items.length > 0) push();
    list.items.push(parseItem(isCombination, isDigit, v.slice(start)));
  }
  while (stack.length > 0) normalize(stack.pop() as ListItem);
  return root;
}

export function compareMaven(a: string, b: string): number {
  if (a.length > MAX_VERSION_LENGTH || b.length > MAX_VERSION_LENGTH) return compareStrings(a, b);
  return compareItems(parseMaven(a), parseMaven(b));
}

/** Maven accepts any string up to its length limit; an empty one is no version. */
export function isValidMaven(v: string): boolean {
  return v.length > 0 && v.length <= MAX_VERSION_LENGTH;
}

export const mavenComparator: Comparator = { scheme: 'maven', compare: compareMaven, isValid: isValidMaven };
