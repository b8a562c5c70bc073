/**
 * A line-based unified diff (Myers' O(ND) algorithm), in the format of GNU `diff -u`, so
 * `policy promote` can show what it changes without another dependency.
 */

type Op = { kind: ' ' | '-' | '+'; line: string };

/** A marker on a last line without newline: `x` and `x\n` are different lines, as in GNU diff. */
const NO_EOL = '\u0000no-eol';

function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: true };
  const finalNewline = text.endsWith('\n');
  const lines = (finalNewline ? text.slice(0, -1) : text).split('\n');
  if (!finalNewline) lines[lines.length - 1] += NO_EOL;
  return { lines, finalNewline };
}

/** The shortest edit script from a to b (Myers 1986, greedy forward with a saved trace). */
function myers(a: readonly string[], b: readonly string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
    v = next;
  }
  // Walk the trace back from (n, m): trace[d] holds the furthest x per diagonal before round d.
  const ops: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0 && (x > 0 || y > 0); d--) {
    const vd = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && vd[offset + k - 1]! < vd[offset + k + 1]!);
    const prevK = down ? k + 1 : k - 1;
    const prevX = d === 0 ? 0 : vd[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      ops.push({ kind: ' ', line: a[x - 1]! });
      x--;
      y--;
    }
    if (d > 0) {
      if (down) ops.push({ kind: '+', line: b[y - 1]! });
      else ops.push({ kind: '-', line: a[x - 1]! });
    }
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    ops.push({ kind: ' ', line: a[x - 1]! });
    x--;
    y--;
  }
  ops.reverse();
  // Within each run of changes, deletions first (as GNU diff prints them).
  const out: Op[] = [];
  for (let i = 0; i < ops.length; ) {
    if (ops[i]!.kind === ' ') {
      out.push(ops[i++]!);
      continue;
    }
    let j = i;
    while (j < ops.length && ops[j]!.kind !== ' ') j++;
    const run = ops.slice(i, j);
    out.push(...run.filter((o) => o.kind === '-'), ...run.filter((o) => o.kind === '+'));
    i = j;
  }
  return out;
}

function range(start: number, count: number): string {
  // GNU: an empty range is shown at the line before it; a count of 1 is omitted.
  if (count === 0) return `${start - 1},0`;
  return count === 1 ? `${start}` : `${start},${count}`;
}

export interface DiffOptions {
  fromFile: string;
  toFile: string;
  /** Lines of context around each change (diff -u's default is 3). */
  context?: number;
}

/** A unified diff of two texts; '' when they are equal. */
export function unifiedDiff(before: string, after: string, opts: DiffOptions): string {
  if (before === after) return '';
  const context = opts.context ?? 3;
  const A = splitLines(before);
  const B = splitLines(after);
  const ops = myers(A.lines, B.lines);
  // Line numbers (1-based) of each op in a and b.
  const pos: Array<{ ai: number; bi: number }> = [];
  let ai = 1;
  let bi = 1;
  for (const op of ops) {
    pos.push({ ai, bi });
    if (op.kind !== '+') ai++;
    if (op.kind !== '-') bi++;
  }
  const changed = ops.map((o, i) => (o.kind !== ' ' ? i : -1)).filter((i) => i >= 0);
  const out = [`--- ${opts.fromFile}`, `+++ ${opts.toFile}`];
  let i = 0;
  while (i < changed.length) {
    const start = Math.max(0, changed[i]! - context);
    let end = Math.min(ops.length - 1, changed[i]! + context);
    while (i + 1 < changed.length && changed[i + 1]! - context <= end + 1) {
      i++;
      end = Math.min(ops.length - 1, changed[i]! + context);
    }
    const hunk = ops.slice(start, end + 1);
    const aCount = hunk.filter((o) => o.kind !== '+').length;
    const bCount = hunk.filter((o) => o.kind !== '-').length;
    out.push(`@@ -${range(pos[start]!.ai, aCount)} +${range(pos[start]!.bi, bCount)} @@`);
    for (let j = start; j <= end; j++) {
      const op = ops[j]!;
      // The last line of a file without a final newline is marked, as GNU diff does.
      const noEol = op.line.endsWith(NO_EOL);
      out.push(`${op.kind}${noEol ? op.line.slice(0, -NO_EOL.length) : op.line}`);
      if (noEol) out.push('\\ No newline at end of file');
    }
    i++;
  }
  return out.join('\n') + '\n';
}
