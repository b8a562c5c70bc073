// A Dockerfile parser that follows BuildKit's (moby/buildkit frontend/dockerfile/parser):
// parser directives at the top (`# syntax=`, `# escape=`, `# check=`), the escape token as
// line continuation (an escaped escape token does not continue), comment and empty lines
// dropped inside continuations, builder flags (`--platform=`, `--from=`, `--mount=`),
// JSON ("exec") and shell forms, and here-documents for RUN/COPY/ADD (`<<EOF`, `<<-EOF`,
// `<<"EOF"`, several per line). Written for Portcullis after reading BuildKit's parser.go.
import { ConfigError } from './types.js';
import { splitWords } from './shell.js';

export interface Heredoc {
  name: string;
  /** `5<<EOF` → 5; 0 when not given. */
  fd: number;
  /** False when the delimiter was quoted: the body is taken literally. */
  expand: boolean;
  /** `<<-`: leading tabs are stripped from the body and the delimiter line. */
  chomp: boolean;
  content: string;
}

export interface Instruction {
  /** Upper-case keyword: FROM, RUN, COPY… (unknown keywords are kept, as BuildKit ignores them). */
  keyword: string;
  /** Builder flags as written, without quotes: `--platform=$BUILDPLATFORM`, `--from=build`. */
  flags: string[];
  /** The argument text after the flags, continuation lines joined. */
  args: string;
  /** The JSON ("exec") form's array, when the arguments are one. */
  json?: string[];
  heredocs: Heredoc[];
  /** 1-based lines the instruction spans (heredoc bodies included). */
  startLine: number;
  endLine: number;
  /** ONBUILD's trigger instruction. */
  trigger?: Instruction;
}

export interface DockerfileAst {
  directives: Record<string, string>;
  escape: '\\' | '`';
  instructions: Instruction[];
  warnings: string[];
}

const DIRECTIVE = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const HEREDOC_WORD = /^(\d*)<<(-?)([^<]*)$/;
const HEREDOC_INSTRUCTIONS = new Set(['RUN', 'COPY', 'ADD']);
const JSON_FORMS = new Set(['RUN', 'CMD', 'ENTRYPOINT', 'SHELL', 'ADD', 'COPY', 'VOLUME']);

function fail(source: string, line: number, reason: string): ConfigError {
  return new ConfigError('INVALID_DOCKERFILE', `line ${line}: ${reason}`, { input: source });
}

const isCommentLine = (raw: string) => /^\s*#/.test(raw);

/** Parse a Dockerfile. Throws ConfigError INVALID_DOCKERFILE naming the line and reason. */
export function parseDockerfile(text: string, source: string): DockerfileAst {
  const lines = text.replace(/^\uFEFF/, '').split('\n').map((l) => l.replace(/\r$/, ''));
  const directives: Record<string, string> = {};
  let escape: '\\' | '`' = '\\';
  let directivesDone = false;
  const instructions: Instruction[] = [];
  const warnings: string[] = [];

  const continuation = () => (escape === '\\' ? /([^\\])\\[ \t]*$|^\\[ \t]*$/ : /([^`])`[ \t]*$|^`[ \t]*$/);
  const lookForDirective = (line: string, n: number) => {
    if (directivesDone) return;
    const m = DIRECTIVE.exec(line);
    const key = m?.[1].toLowerCase();
    if (!m || !key || !KNOWN_DIRECTIVES.has(key)) {
      directivesDone = true;
      return;
    }
    if (key in directives) throw fail(source, n, `only one ${key} parser directive can be used`);
    if (key === 'escape') {
      if (m[2] !== '\\' && m[2] !== '`') throw fail(source, n, `invalid escape token '${m[2]}' does not match \` or \\`);
      escape = m[2];
    }
    directives[key] = m[2];
  };

  let i = 0;
  while (i < lines.length) {
    const startLine = i + 1;
    const first = lines[i++].trimStart();
    lookForDirective(first, startLine);
    if (first.startsWith('#') || first.trim() === '') continue;
    let { text: line, more } = trimContinuation(first, continuation());
    let emptyContinuation = false;
    while (more && i < lines.length) {
      const raw = lines[i++];
      if (isCommentLine(raw)) continue;
      if (raw.trim() === '') {
        emptyContinuation = true;
        continue;
      }
      const next = trimContinuation(raw, continuation());
      line += next.text;
      more = next.more;
    }
    if (emptyContinuation) warnings.push(`line ${startLine}: empty continuation line`);
    const ins = instructionFrom(line, startLine);
    const target = ins.keyword === 'ONBUILD' ? ins.trigger : ins;
    if (target && HEREDOC_INSTRUCTIONS.has(target.keyword) && !target.json) {
      for (const doc of heredocsIn(target.args, target.flags)) {
        let terminated = false;
        let body = '';
        while (i < lines.length) {
          const raw = lines[i++];
          if ((doc.chomp ? raw.replace(/^\t+/, '') : raw) === doc.name) {
            terminated = true;
            break;
          }
          body += raw + '\n';
        }
        if (!terminated) throw fail(source, startLine, `unterminated heredoc ${doc.name}`);
        target.heredocs.push({ ...doc, content: doc.chomp ? body.replace(/^\t+/gm, '') : body });
      }
    }
    ins.endLine = i;
    if (target && target !== ins) target.endLine = i;
    instructions.push(ins);
  }
  if (instructions.length === 0) throw fail(source, lines.length, 'file with no instructions');
  return { directives, escape, instructions, warnings };
}

function trimContinuation(line: string, re: RegExp): { text: string; more: boolean } {
  return re.test(line) ? { text: line.replace(re, '$1'), more: true } : { text: line, more: false };
}

function instructionFrom(line: string, startLine: number): Instruction {
  const trimmed = line.trim();
  const sp = trimmed.search(/[\t\v\f\r ]/);
  const keyword = (sp < 0 ? trimmed : trimmed.slice(0, sp)).toUpperCase();
  const rest = sp < 0 ? '' : trimmed.slice(sp).trimStart();
  const { flags, remainder } = extractFlags(rest);
  const args = remainder.trim();
  const ins: Instruction = { keyword, flags, args, heredocs: [], startLine, endLine: startLine };
  if (JSON_FORMS.has(keyword) && args.startsWith('[')) {
    const json = parseJsonArray(args);
    if (json) ins.json = json;
  }
  if (keyword === 'ONBUILD' && args) ins.trigger = instructionFrom(args, startLine);
  return ins;
}

/** A JSON array of strings, or undefined (BuildKit then treats the text as shell form). */
function parseJsonArray(s: string): string[] | undefined {
  try {
    const v: unknown = JSON.parse(s);
    return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
  } catch {
    return undefined;
  }
}

/** Leading `--name[=value]` words (BuildKit's extractBuilderFlags): quotes removed, `\` escapes. */
function extractFlags(line: string): { flags: string[]; remainder: string } {
  const flags: string[] = [];
  let pos = 0;
  for (;;) {
    while (pos < line.length && /\s/.test(line[pos])) pos++;
    if (!line.startsWith('--', pos)) break;
    let word = '';
    let quote = '';
    let end = pos;
    for (; end < line.length; end++) {
      const ch = line[end];
      if (quote) {
        if (ch === quote) quote = '';
        else if (ch === '\\' && end + 1 < line.length) word += line[++end];
        else word += ch;
      } else if (/\s/.test(ch)) break;
      else if (ch === '"' || ch === "'") quote = ch;
      else if (ch === '\\' && end + 1 < line.length) word += line[++end];
      else word += ch;
    }
    if (word === '--') return { flags, remainder: line.slice(end) };
    flags.push(word);
    pos = end;
  }
  return { flags, remainder: line.slice(pos) };
}

/** The here-documents an instruction line opens, in order. */
function heredocsIn(args: string, flags: readonly string[]): Array<Omit<Heredoc, 'content'>> {
  const docs: Array<Omit<Heredoc, 'content'>> = [];
  for (const word of [...flags, ...splitWords(args)]) {
    const m = HEREDOC_WORD.exec(word);
    if (!m || m[3] === '') continue;
    const rest = m[3];
    const quoted = /['"]/.test(rest);
    const name = rest.replace(/['"]/g, '');
    if (!name || /\s/.test(name)) continue;
    docs.push({ name, fd: m[1] ? Number(m[1]) : 0, expand: !quoted, chomp: m[2] === '-' });
  }
  return docs;
}

/** `--name=value` flags as a lookup (the last one wins); `--link` alone gives "". */
export function flagValues(flags: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const f of flags) {
    const eq = f.indexOf('=');
    const name = (eq < 0 ? f.slice(2) : f.slice(2, eq)).toLowerCase();
    out.set(name, [...(out.get(name) ?? []), eq < 0 ? '' : f.slice(eq + 1)]);
  }
  return out;
}
