// A renderer for the subset of Helm's Go templates that deploy/portcullis uses, for tests only:
// Helm cannot be installed on this machine (Debian does not package it and there is no other
// network), so the chart is rendered here to compare it with `portcullis install`.
//
// Supported, with Go text/template semantics: text and {{ actions }} with the `{{-` / `-}}`
// whitespace trim markers; comments; define/include; if/else/end; range over a list
// (rebinding `.`); pipelines `a | f b`; parentheses; fields of `.` and `$`; string, number and
// boolean literals; and Helm's functions toYaml, nindent, indent, quote, int, sub, ge.
// Anything else — an unknown function, a missing value, a map printed without toYaml — throws,
// so a template that strays outside the subset fails the test instead of rendering wrongly.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

type Node =
  | { t: 'text'; s: string }
  | { t: 'out'; expr: string }
  | { t: 'if'; cond: string; then: Node[]; else: Node[] }
  | { t: 'range'; expr: string; body: Node[] };

interface Scope {
  dot: unknown;
  root: unknown;
  defines: Map<string, Node[]>;
}

/** Split a template into text and actions, applying the trim markers. */
function lex(src: string): Array<{ text: string } | { action: string }> {
  const out: Array<{ text: string } | { action: string }> = [];
  let i = 0;
  let trimNext = false;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    let text = src.slice(i, open === -1 ? src.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      out.push({ text });
      break;
    }
    const close = src.indexOf('}}', open + 2);
    if (close === -1) throw new Error(`unclosed action at offset ${open}`);
    let inner = src.slice(open + 2, close);
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    trimNext = /\s-$/.test(inner);
    if (trimNext) inner = inner.slice(0, -1);
    out.push({ text }, { action: inner.trim() });
    i = close + 2;
  }
  return out;
}

/** Build the node tree; `define` blocks go into `defines`. */
function parseTemplate(src: string, defines: Map<string, Node[]>): Node[] {
  const tokens = lex(src);
  let pos = 0;
  const block = (endWords: string[]): { nodes: Node[]; end: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const tok = tokens[pos++]!;
      if ('text' in tok) {
        if (tok.text) nodes.push({ t: 'text', s: tok.text });
        continue;
      }
      const a = tok.action;
      if (a.startsWith('/*')) {
        if (!a.endsWith('*/')) throw new Error(`bad comment: ${a}`);
        continue;
      }
      const word = a.split(/\s+/)[0]!;
      if (endWords.includes(word)) return { nodes, end: word };
      if (word === 'define') {
        const name = JSON.parse(a.slice(6).trim()) as string;
        defines.set(name, block(['end']).nodes);
      } else if (word === 'if') {
        const then = block(['else', 'end']);
        const els = then.end === 'else' ? block(['end']).nodes : [];
        nodes.push({ t: 'if', cond: a.slice(2).trim(), then: then.nodes, else: els });
      } else if (word === 'range') {
        nodes.push({ t: 'range', expr: a.slice(5).trim(), body: block(['end']).nodes });
      } else if (['else', 'end', 'with', 'block', 'template'].includes(word) || a.includes(':=')) {
        throw new Error(`unsupported or misplaced action: {{ ${a} }}`);
      } else {
        nodes.push({ t: 'out', expr: a });
      }
    }
    if (endWords.length > 0) throw new Error(`missing {{ end }}`);
    return { nodes, end: '' };
  };
  return block([]).nodes;
}

function tokenizeExpr(expr: string): string[] {
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\(|\)|\||\$?[.A-Za-z_][\w.]*|\$|-?\d+)/gy;
  const out: string[] = [];
  let m: RegExpExecArray | null;
  let last = 0;
  while ((m = re.exec(expr))) {
    out.push(m[1]!);
    last = re.lastIndex;
  }
  if (expr.slice(last).trim() !== '') throw new Error(`cannot read expression: ${expr}`);
  return out;
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function field(base: unknown, path: string, expr: string): unknown {
  let v = base;
  for (const key of path.split('.').filter(Boolean)) {
    if (v === null || typeof v !== 'object' || !(key in (v as object))) throw new Error(`missing value ${expr}`);
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

const indentText = (n: number, s: string) => s.split('\n').map((l) => ' '.repeat(n) + l).join('\n');

function evaluate(expr: string, scope: Scope): unknown {
  const toks = tokenizeExpr(expr);
  let pos = 0;
  const functions: Record<string, (...a: unknown[]) => unknown> = {
    include: (name, data) => render(scope.defines.get(name as string) ?? fail(`no template ${String(name)}`), { ...scope, dot: data }),
    toYaml: (v) => stringify(v, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, ''),
    nindent: (n, s) => '\n' + indentText(n as number, s as string),
    indent: (n, s) => indentText(n as number, s as string),
    quote: (...a) => a.map((x) => JSON.stringify(String(x))).join(' '),
    int: (v) => Math.trunc(Number(v)),
    sub: (a, b) => (a as number) - (b as number),
    ge: (a, b) => (a as number) >= (b as number),
  };
  const operand = (): unknown => {
    const t = toks[pos++];
    if (t === undefined) throw new Error(`unexpected end: ${expr}`);
    if (t === '(') {
      const v = pipeline();
      if (toks[pos++] !== ')') throw new Error(`missing ) in ${expr}`);
      return v;
    }
    if (t.startsWith('"')) return JSON.parse(t) as string;
    if (t.startsWith('`')) return t.slice(1, -1);
    if (/^-?\d+$/.test(t)) return Number(t);
    if (t === 'true' || t === 'false') return t === 'true';
    if (t === '.' || t === '$') return t === '.' ? scope.dot : scope.root;
    if (t.startsWith('$.')) return field(scope.root, t.slice(2), t);
    if (t.startsWith('.')) return field(scope.dot, t.slice(1), t);
    throw new Error(`unexpected ${t} in ${expr}`);
  };
  const command = (piped: unknown[]): unknown => {
    const t = toks[pos];
    if (t !== undefined && /^[A-Za-z_]\w*$/.test(t) && t !== 'true' && t !== 'false') {
      pos++;
      const fn = functions[t] ?? fail(`unsupported function ${t}`);
      const args: unknown[] = [];
      while (pos < toks.length && toks[pos] !== '|' && toks[pos] !== ')') args.push(operand());
      return fn(...args, ...piped);
    }
    if (piped.length > 0) throw new Error(`cannot pipe into a value: ${expr}`);
    return operand();
  };
  const pipeline = (): unknown => {
    let v = command([]);
    while (toks[pos] === '|') {
      pos++;
      v = command([v]);
    }
    return v;
  };
  const v = pipeline();
  if (pos !== toks.length) throw new Error(`trailing tokens in ${expr}`);
  return v;
}

function fail(msg: string): never {
  throw new Error(msg);
}

function print(v: unknown, expr: string): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  throw new Error(`{{ ${expr} }} prints ${v === null || v === undefined ? 'nothing' : 'a collection'}: use toYaml`);
}

function render(nodes: Node[], scope: Scope): string {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.s;
    else if (n.t === 'out') out += print(evaluate(n.expr, scope), n.expr);
    else if (n.t === 'if') out += render(truthy(evaluate(n.cond, scope)) ? n.then : n.else, scope);
    else {
      const list = evaluate(n.expr, scope);
      if (!Array.isArray(list)) throw new Error(`range over a non-list: ${n.expr}`);
      for (const item of list) out += render(n.body, { ...scope, dot: item });
    }
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Helm's values merge: maps merge key by key, anything else replaces. */
export function mergeValues(base: unknown, over: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = k in base ? mergeValues(base[k], v) : v;
  return out;
}

/**
 * `helm template` for deploy/portcullis (templates only, sorted by file name as Helm's
 * output is not; callers compare objects, not order). Returns the YAML stream.
 */
export function renderChart(chartDir: string, opts: { namespace: string; values?: Record<string, unknown> }): { values: Record<string, unknown>; text: string } {
  const chart = parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as { name: string; version: string; appVersion: string };
  const defaults = parse(readFileSync(join(chartDir, 'values.yaml'), 'utf8')) as Record<string, unknown>;
  const values = mergeValues(defaults, opts.values ?? {}) as Record<string, unknown>;
  const root = {
    Values: values,
    Release: { Name: 'portcullis', Namespace: opts.namespace, Service: 'Helm' },
    Chart: { Name: chart.name, Version: chart.version, AppVersion: chart.appVersion },
  };
  const defines = new Map<string, Node[]>();
  const dir = join(chartDir, 'templates');
  const files = readdirSync(dir).sort();
  // Helpers first: a define is visible to every template.
  for (const f of files.filter((f) => f.startsWith('_'))) parseTemplate(readFileSync(join(dir, f), 'utf8'), defines);
  const parts: string[] = [];
  for (const f of files.filter((f) => !f.startsWith('_') && /\.ya?ml$/.test(f))) {
    const nodes = parseTemplate(readFileSync(join(dir, f), 'utf8'), defines);
    parts.push(`# Source: portcullis/templates/${f}\n` + render(nodes, { dot: root, root, defines }));
  }
  return { values, text: parts.map((p) => `---\n${p}\n`).join('') };
}
