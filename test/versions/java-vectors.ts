import type { OrderFact } from './vectors.js';

/**
 * Reads the facts out of Maven's ComparableVersionTest.java without re-typing them: the
 * static ascending arrays, and in every @Test method the calls checkVersionsOrder /
 * checkVersionsEqual / checkVersionsHaveSameOrder / checkVersionsArrayEqual and
 * `assertTrue(x.compareTo(y) OP 0)`, with local String variables, String arrays,
 * `new ComparableVersion(...)` variables and `for (String x : new String[] {...})` loops
 * resolved. Lines in @Test methods that assert something else are returned as
 * `unhandled` for the test to list as exceptions.
 */

export interface JavaVectors {
  facts: OrderFact[];
  /** 1-based lines that produced (or fed) a fact. */
  claimed: Set<number>;
  /** 1-based lines inside @Test methods or the static arrays that carry a string literal. */
  vectorLines: number[];
}

const STRING_LITERAL = /"(?:[^"\\]|\\.)*"/g;

function unescapeJava(literal: string): string {
  return literal.slice(1, -1).replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.startsWith('u')) return String.fromCharCode(parseInt(e.slice(1), 16));
    const simple: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\', "'": "'" };
    if (!(e in simple)) throw new Error(`unsupported Java escape \\${e}`);
    return simple[e];
  });
}

/** Split at top-level commas (outside strings, parentheses and braces). */
function splitArgs(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(s.slice(i));
      if (!m) throw new Error(`unterminated string in ${s}`);
      cur += m[0];
      i += m[0].length - 1;
      continue;
    }
    if (c === '(' || c === '{') depth++;
    if (c === ')' || c === '}') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else {
      cur += c;
    }
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** The text between the `(` at `open` and its matching `)`. */
function balanced(text: string, open: number, openCh = '(', closeCh = ')'): { inner: string; end: number } {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const m = /^"(?:[^"\\]|\\.)*"/.exec(text.slice(i));
      if (m) i += m[0].length - 1;
      continue;
    }
    if (c === openCh) depth++;
    if (c === closeCh && --depth === 0) return { inner: text.slice(open + 1, i), end: i };
  }
  throw new Error(`unbalanced ${openCh} at ${open}`);
}

interface Scope {
  strings: Map<string, { value: string; line: number }>;
  arrays: Map<string, Array<{ value: string; line: number }>>;
}

export function readJavaVectors(source: string, file: string): JavaVectors {
  const lineOf = (offset: number): number => source.slice(0, offset).split('\n').length;
  const facts: OrderFact[] = [];
  const claimed = new Set<number>();
  const vectorLines = new Set<number>();

  const evalExpr = (expr: string, scope: Scope): { value: string; lines: number[] } => {
    const lines: number[] = [];
    const value = expr
      .split(/\s*\+\s*(?=(?:[^"]*"[^"]*")*[^"]*$)/)
      .map((term) => {
        const t = term.trim();
        if (t.startsWith('"')) return unescapeJava(t);
        const v = scope.strings.get(t);
        if (!v) throw new Error(`${file}: cannot resolve ${JSON.stringify(t)}`);
        lines.push(v.line);
        return v.value;
      })
      .join('');
    return { value, lines };
  };

  const readArray = (body: string, offset: number): Array<{ value: string; line: number }> =>
    [...body.matchAll(STRING_LITERAL)].map((m) => ({ value: unescapeJava(m[0]), line: lineOf(offset + (m.index ?? 0)) }));

  const globalArrays = new Map<string, Array<{ value: string; line: number }>>();
  for (const m of source.matchAll(/private static final String\[\] (\w+) = \{/g)) {
    const open = (m.index ?? 0) + m[0].length - 1;
    const { inner } = balanced(source, open, '{', '}');
    const items = readArray(inner, open + 1);
    globalArrays.set(m[1], items);
    for (const it of items) vectorLines.add(it.line);
  }

  const add = (where: number, a: string, b: string, expected: -1 | 0 | 1, feeding: number[]): void => {
    facts.push({ where: `${file}:${where}#${facts.length}`, a, b, expected });
    claimed.add(where);
    for (const l of feeding) claimed.add(l);
  };

  const orderList = (call: number, items: Array<{ value: string; line: number }>): void => {
    for (let i = 0; i < items.length; i++) {
      for (let j = 0; j < items.length; j++) {
        add(call, items[i].value, items[j].value, i < j ? -1 : i > j ? 1 : 0, [items[i].line, items[j].line]);
      }
    }
  };

  /** Interpret one stretch of method body in a scope (recursing into String-array loops). */
  const run = (body: string, offset: number, scope: Scope): void => {
    let pos = 0;
    const loop = /for \(String (\w+) : new String\[\] \{/g;
    for (;;) {
      loop.lastIndex = pos;
      const m = loop.exec(body);
      const stop = m ? m.index : body.length;
      statements(body.slice(pos, stop), offset + pos, scope);
      if (!m) return;
      const arr = balanced(body, m.index + m[0].length - 1, '{', '}');
      const values = readArray(arr.inner, offset + m.index + m[0].length);
      const blockOpen = body.indexOf('{', arr.end + 1);
      const block = balanced(body, blockOpen, '{', '}');
      for (const v of values) {
        const inner: Scope = { strings: new Map(scope.strings), arrays: scope.arrays };
        inner.strings.set(m[1], v);
        run(block.inner, offset + blockOpen + 1, inner);
      }
      pos = block.end + 1;
    }
  };

  const statements = (text: string, offset: number, scope: Scope): void => {
    for (const m of text.matchAll(/String (\w+) = ("(?:[^"\\]|\\.)*");/g)) {
      scope.strings.set(m[1], { value: unescapeJava(m[2]), line: lineOf(offset + (m.index ?? 0)) });
    }
    for (const m of text.matchAll(/(?:ComparableVersion|Comparable<\?>|Comparable) (\w+) = new ComparableVersion\(("(?:[^"\\]|\\.)*")\);/g)) {
      scope.strings.set(m[1], { value: unescapeJava(m[2]), line: lineOf(offset + (m.index ?? 0)) });
    }
    for (const m of text.matchAll(/String\[\] (\w+) = new String\[\] \{/g)) {
      const open = (m.index ?? 0) + m[0].length - 1;
      scope.arrays.set(m[1], readArray(balanced(text, open, '{', '}').inner, offset + open + 1));
    }
    for (const m of text.matchAll(/\b(checkVersionsOrder|checkVersionsEqual|checkVersionsHaveSameOrder|checkVersionsArrayEqual)\(/g)) {
      const at = m.index ?? 0;
      const line = lineOf(offset + at);
      const args = splitArgs(balanced(text, at + m[0].length - 1).inner);
      if (args.length === 1) {
        const items = scope.arrays.get(args[0]) ?? globalArrays.get(args[0]);
        if (!items) throw new Error(`${file}:${line}: unknown array ${args[0]}`);
        if (m[1] === 'checkVersionsOrder') orderList(line, items);
        else for (const x of items) for (const y of items) add(line, x.value, y.value, 0, [x.line, y.line]);
      } else if (args.length === 2) {
        const a = evalExpr(args[0], scope);
        const b = evalExpr(args[1], scope);
        add(line, a.value, b.value, m[1] === 'checkVersionsOrder' ? -1 : 0, [...a.lines, ...b.lines]);
      } else {
        throw new Error(`${file}:${line}: unexpected arguments to ${m[1]}`);
      }
    }
    for (const m of text.matchAll(/assertTrue\((\w+)\.compareTo\((\w+)\) (==|<|>) 0/g)) {
      const line = lineOf(offset + (m.index ?? 0));
      const a = evalExpr(m[1], scope);
      const b = evalExpr(m[2], scope);
      add(line, a.value, b.value, m[3] === '<' ? -1 : m[3] === '>' ? 1 : 0, [...a.lines, ...b.lines]);
    }
  };

  for (const m of source.matchAll(/@Test\s+(?:public\s+)?void (\w+)\(\) \{/g)) {
    const open = (m.index ?? 0) + m[0].length - 1;
    const { inner, end } = balanced(source, open, '{', '}');
    const lines = source.split('\n');
    for (let l = lineOf(open) + 1; l < lineOf(end); l++) {
      const text = lines[l - 1];
      if (!/^\s*\/\//.test(text) && /"|check\w+\(|compareTo\(/.test(text)) vectorLines.add(l);
    }
    run(inner, open + 1, { strings: new Map(), arrays: new Map() });
  }
  return { facts, claimed, vectorLines: [...vectorLines].sort((x, y) => x - y) };
}
