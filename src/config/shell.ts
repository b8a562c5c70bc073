// Just enough shell to read Dockerfiles: BuildKit's word expansion for instruction
// arguments (FROM, USER, ENV, ARG: quotes, the escape token, $VAR and ${VAR…} forms), and
// a splitter that turns a RUN script into simple commands (quotes, operators, comments,
// here-documents) so the checks can ask "does this RUN call apt-get install, and does the
// same RUN remove the lists?". Nothing here runs anything or evaluates substitutions.

export interface Expanded {
  value: string;
  /** Variables the word used that had no value (BuildKit substitutes ""; we cannot know the build arg). */
  unresolved: string[];
  /** True when a `${VAR#…}`-style operator we do not evaluate was used: the value is a guess. */
  inexact: boolean;
}

const NAME_CHAR = /[A-Za-z0-9_]/;
// `${A:-${B:-…}}` nests; deeper than this (only a hostile file does it) is not evaluated.
const MAX_NESTING = 32;

/**
 * Expand one Dockerfile word as BuildKit's shell lexer does for instruction arguments:
 * '…' is literal, "…" expands variables, the escape token quotes the next character, and
 * `$NAME`, `${NAME}`, `${NAME:-w}`, `${NAME-w}`, `${NAME:+w}`, `${NAME+w}`, `${NAME:?w}` are
 * expanded from `env` (an undefined name gives "").
 */
export function expandWord(word: string, env: ReadonlyMap<string, string>, escape = '\\'): Expanded {
  const out: Expanded = { value: '', unresolved: [], inexact: false };
  out.value = expandRange(word, env, escape, out, 0);
  out.unresolved = [...new Set(out.unresolved)];
  return out;
}

function expandRange(s: string, env: ReadonlyMap<string, string>, escape: string, acc: Expanded, depth: number): string {
  if (depth > MAX_NESTING) {
    acc.inexact = true;
    return '';
  }
  let value = '';
  let i = 0;
  while (i < s.length) {
    const ch = s[i];
    if (ch === escape) {
      if (i + 1 < s.length) value += s[i + 1];
      i += 2;
    } else if (ch === "'") {
      const end = s.indexOf("'", i + 1);
      value += s.slice(i + 1, end < 0 ? s.length : end);
      i = end < 0 ? s.length : end + 1;
    } else if (ch === '"') {
      i++;
      while (i < s.length && s[i] !== '"') {
        if (s[i] === escape && i + 1 < s.length && (s[i + 1] === '"' || s[i + 1] === '$' || s[i + 1] === escape)) {
          value += s[i + 1];
          i += 2;
        } else if (s[i] === '$') {
          const r = expandDollar(s, i, env, escape, acc, depth);
          value += r.text;
          i = r.next;
        } else {
          value += s[i++];
        }
      }
      i++;
    } else if (ch === '$') {
      const r = expandDollar(s, i, env, escape, acc, depth);
      value += r.text;
      i = r.next;
    } else {
      value += ch;
      i++;
    }
  }
  return value;
}

/** `s[i]` is `$`: the expansion and the index after it. */
function expandDollar(s: string, i: number, env: ReadonlyMap<string, string>, escape: string, acc: Expanded, depth: number): { text: string; next: number } {
  if (s[i + 1] === '{') {
    const close = matchingBrace(s, i + 2);
    if (close < 0) return { text: s.slice(i), next: s.length };
    const body = s.slice(i + 2, close);
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(.*)$/s.exec(body);
    if (!m) return { text: '', next: close + 1 };
    const [, name, rest] = m;
    const set = env.has(name);
    const val = env.get(name) ?? '';
    const op = /^(:?[-+?])(.*)$/s.exec(rest);
    if (rest === '') {
      if (!set) acc.unresolved.push(name);
      return { text: val, next: close + 1 };
    }
    if (op) {
      const [, o, w] = op;
      const empty = o.startsWith(':') ? val === '' : !set;
      if (o.endsWith('-')) return { text: empty ? expandRange(w, env, escape, acc, depth + 1) : val, next: close + 1 };
      if (o.endsWith('+')) return { text: empty ? '' : expandRange(w, env, escape, acc, depth + 1), next: close + 1 };
      if (empty) acc.unresolved.push(name);
      return { text: val, next: close + 1 };
    }
    // ${NAME#pat}, ${NAME%pat}, ${NAME/a/b}: patterns we do not evaluate.
    acc.inexact = true;
    if (!set) acc.unresolved.push(name);
    return { text: val, next: close + 1 };
  }
  let j = i + 1;
  while (j < s.length && NAME_CHAR.test(s[j])) j++;
  if (j === i + 1) return { text: '$', next: i + 1 };
  const name = s.slice(i + 1, j);
  if (!env.has(name)) acc.unresolved.push(name);
  return { text: env.get(name) ?? '', next: j };
}

function matchingBrace(s: string, from: number): number {
  let depth = 1;
  for (let k = from; k < s.length; k++) {
    if (s[k] === '{') depth++;
    else if (s[k] === '}' && --depth === 0) return k;
  }
  return -1;
}

/**
 * Split an instruction's argument text into words on unquoted whitespace, keeping quotes
 * and escapes in the words (BuildKit's parseWords: ENV/ARG/LABEL pairs are split this way
 * and expanded afterwards).
 */
export function splitWords(s: string, escape = '\\'): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (quote) {
      word += ch;
      if (ch === escape && quote === '"' && i + 1 < s.length) word += s[++i];
      else if (ch === quote) quote = '';
      continue;
    }
    if (/\s/.test(ch)) {
      if (word) words.push(word);
      word = '';
      continue;
    }
    word += ch;
    if (ch === escape && i + 1 < s.length) word += s[++i];
    else if (ch === '"' || ch === "'") quote = ch;
  }
  if (word) words.push(word);
  return words;
}

// Words that start a compound command or precede the command proper in `if x; then y; fi`.
const RESERVED = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', 'for', 'case', 'esac', 'in', '!', '{', '}', 'time']);

/**
 * The simple commands of a POSIX shell script, each as its words with quotes removed
 * (variables are left as written: the shell, not the Dockerfile, expands them). Operators
 * (`&&`, `||`, `;`, `|`, `&`, newlines, parentheses) end a command; `#` comments and
 * here-document bodies are skipped; `$(…)` and backquotes stay inside their word.
 */
export function splitCommands(script: string): string[][] {
  const commands: string[][] = [];
  let cmd: string[] = [];
  let word = '';
  let inWord = false;
  const pendingHeredocs: Array<{ delim: string; strip: boolean }> = [];
  const endWord = () => {
    if (inWord) {
      const h = /^\d*<<(-?)(.+)$/.exec(word);
      if (h) pendingHeredocs.push({ delim: h[2].replace(/['"\\]/g, ''), strip: h[1] === '-' });
      cmd.push(word);
    }
    word = '';
    inWord = false;
  };
  const endCommand = () => {
    endWord();
    if (cmd.length) commands.push(cmd);
    cmd = [];
  };
  const n = script.length;
  let i = 0;
  while (i < n) {
    const ch = script[i];
    if (ch === '\\') {
      if (script[i + 1] === '\n') i += 2;
      else {
        word += script[i + 1] ?? '';
        inWord = true;
        i += 2;
      }
    } else if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      word += script.slice(i + 1, end < 0 ? n : end);
      inWord = true;
      i = end < 0 ? n : end + 1;
    } else if (ch === '"') {
      i++;
      while (i < n && script[i] !== '"') {
        if (script[i] === '\\' && i + 1 < n && '"\\$`\n'.includes(script[i + 1])) {
          if (script[i + 1] !== '\n') word += script[i + 1];
          i += 2;
        } else word += script[i++];
      }
      inWord = true;
      i++;
    } else if (ch === '$' && script[i + 1] === '(') {
      const end = skipBalanced(script, i + 1, '(', ')');
      word += script.slice(i, end);
      inWord = true;
      i = end;
    } else if (ch === '`') {
      const end = script.indexOf('`', i + 1);
      word += script.slice(i, end < 0 ? n : end + 1);
      inWord = true;
      i = end < 0 ? n : end + 1;
    } else if (ch === '#' && !inWord) {
      while (i < n && script[i] !== '\n') i++;
    } else if (ch === '\n') {
      endCommand();
      i++;
      i = skipHeredocBodies(script, i, pendingHeredocs);
    } else if (ch === ' ' || ch === '\t' || ch === '\r') {
      endWord();
      i++;
    } else if (ch === ';' || ch === '&' || ch === '|' || ch === '(' || ch === ')') {
      endCommand();
      i++;
    } else if (ch === '<' && script[i + 1] === '<' && !word.endsWith('<')) {
      // Keep `<<EOF` (and `<<-'EOF'`) together as one word so its body can be skipped.
      endWord();
      const m = /^<<-?\s*(['"]?)([A-Za-z0-9_.-]+)\1/.exec(script.slice(i, i + 300));
      if (m) {
        word = m[0].replace(/\s+/g, '');
        inWord = true;
        i += m[0].length;
        endWord();
      } else {
        word += '<<';
        inWord = true;
        i += 2;
      }
    } else {
      word += ch;
      inWord = true;
      i++;
    }
  }
  endCommand();
  return commands;
}

function skipBalanced(s: string, from: number, open: string, close: string): number {
  let depth = 0;
  for (let k = from; k < s.length; k++) {
    if (s[k] === open) depth++;
    else if (s[k] === close && --depth === 0) return k + 1;
  }
  return s.length;
}

function skipHeredocBodies(s: string, i: number, pending: Array<{ delim: string; strip: boolean }>): number {
  while (pending.length) {
    const { delim, strip } = pending.shift() as { delim: string; strip: boolean };
    while (i < s.length) {
      const nl = s.indexOf('\n', i);
      const line = s.slice(i, nl < 0 ? s.length : nl);
      i = nl < 0 ? s.length : nl + 1;
      if ((strip ? line.replace(/^\t+/, '') : line).replace(/\r$/, '') === delim) break;
    }
  }
  return i;
}

// Words that run the command that follows them (`sudo apt-get`, `env X=1 pip`).
const WRAPPERS = new Set(['sudo', 'env', 'command', 'exec', 'nice', 'nohup', 'time', 'builtin']);

/**
 * A simple command with the noise in front taken off: reserved words, `NAME=value`
 * assignments (returned), and wrappers such as sudo/env with their options. `program` is
 * the basename of the command word (`/venv/bin/pip` → `pip`).
 */
export function commandOf(words: readonly string[]): { program: string; args: string[]; assignments: string[] } | undefined {
  let k = 0;
  const assignments: string[] = [];
  for (;;) {
    while (k < words.length && RESERVED.has(words[k])) k++;
    while (k < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[k])) assignments.push(words[k++]);
    if (k < words.length && WRAPPERS.has(words[k])) {
      k++;
      while (k < words.length && words[k].startsWith('-')) k++;
      continue;
    }
    break;
  }
  if (k >= words.length) return undefined;
  const program = words[k].slice(words[k].lastIndexOf('/') + 1);
  return { program, args: words.slice(k + 1), assignments };
}
