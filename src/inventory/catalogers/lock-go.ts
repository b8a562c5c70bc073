// go.mod: the modules a Go main module requires, direct and `// indirect`, with its
// `replace` directives applied (as the build would). go.mod lists requirements, not a
// graph, so `dependsOn` is left unset; go.sum is not read (it lists every version ever
// considered, not the ones selected).
import type { CollectedFile } from '../../layers/types.js';
import type { Cataloger, CatalogContext, Package } from '../types.js';
import { golangPurlParts, toPurl } from '../purl.js';
import { LockPackages, catalogEach, readText, warnFile, wantByName } from './lockfile-util.js';

export interface GoModVersion {
  path: string;
  version?: string;
}
export interface GoModRequire {
  path: string;
  version: string;
  indirect: boolean;
}
/** The parts of a go.mod this cataloger uses, in the shape of `go mod edit -json`. */
export interface GoMod {
  module?: string;
  require: GoModRequire[];
  replace: Array<{ old: GoModVersion; new: GoModVersion }>;
  exclude: GoModVersion[];
}

const BLOCK_VERBS = new Set(['require', 'replace', 'exclude', 'retract', 'godebug', 'tool', 'ignore']);

// go.mod holds canonical semantic versions only (`v1.2.3`, pseudo-versions, `+incompatible`).
const VERSION = /^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/** Splits a line into tokens (Go-quoted and raw strings kept whole) and its `//` comment. */
function tokenize(line: string): { tokens: string[]; comment: string } | undefined {
  const tokens: string[] = [];
  let i = 0;
  while (i < line.length) {
    const c = line[i];
    if (c === ' ' || c === '\t' || c === '\r') {
      i++;
    } else if (line.startsWith('//', i)) {
      return { tokens, comment: line.slice(i + 2).trim() };
    } else if (c === '"' || c === '`') {
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += c === '"' && line[j] === '\\' ? 2 : 1;
      if (j >= line.length) return undefined;
      let tok = line.slice(i + 1, j);
      if (c === '"') {
        try {
          tok = JSON.parse(line.slice(i, j + 1)) as string;
        } catch {
          return undefined;
        }
      }
      tokens.push(tok);
      i = j + 1;
    } else if (c === '(' || c === ')') {
      tokens.push(c);
      i++;
    } else {
      let j = i;
      while (j < line.length && !' \t\r()"`'.includes(line[j]) && !line.startsWith('//', j)) j++;
      tokens.push(line.slice(i, j));
      i = j;
    }
  }
  return { tokens, comment: '' };
}

/** Parses go.mod text; returns the directives and the number of lines it could not read. */
export function parseGoMod(text: string): { mod: GoMod; bad: number } {
  const mod: GoMod = { require: [], replace: [], exclude: [] };
  let block: string | undefined;
  let bad = 0;
  for (const raw of text.split('\n')) {
    const t = tokenize(raw);
    if (!t) {
      bad++;
      continue;
    }
    let args = t.tokens;
    if (!args.length) continue;
    let verb = block;
    if (block) {
      if (args[0] === ')' && args.length === 1) {
        block = undefined;
        continue;
      }
    } else {
      verb = args[0];
      args = args.slice(1);
      if (BLOCK_VERBS.has(verb) && args.length === 1 && args[0] === '(') {
        block = verb;
        continue;
      }
    }
    // `// indirect` or `// indirect; reason`, as cmd/go reads it.
    const indirect = t.comment === 'indirect' || t.comment.startsWith('indirect;');
    switch (verb) {
      case 'module':
        if (args.length === 1) mod.module = args[0];
        else bad++;
        break;
      case 'require':
        if (args.length === 2 && VERSION.test(args[1])) mod.require.push({ path: args[0], version: args[1], indirect });
        else bad++;
        break;
      case 'exclude':
        if (args.length === 2 && VERSION.test(args[1])) mod.exclude.push({ path: args[0], version: args[1] });
        else bad++;
        break;
      case 'replace': {
        const arrow = args.indexOf('=>');
        const left = args.slice(0, arrow);
        const right = args.slice(arrow + 1);
        const versions = [left[1], right[1]].filter((v): v is string => v !== undefined);
        if (arrow < 1 || left.length > 2 || right.length < 1 || right.length > 2 || !versions.every((v) => VERSION.test(v))) bad++;
        else mod.replace.push({ old: { path: left[0], version: left[1] }, new: { path: right[0], version: right[1] } });
        break;
      }
      default:
        // go, toolchain, godebug, retract, tool, ignore and future directives: nothing to record.
        if (verb && !/^[a-z]+$/.test(verb)) bad++;
    }
  }
  if (block) bad++; // unterminated block
  return { mod, bad };
}

function isLocalPath(p: string): boolean {
  return p.startsWith('./') || p.startsWith('../') || p.startsWith('/') || p === '.' || p === '..' || /^[A-Za-z]:[\\/]/.test(p);
}

function parseGoModFile(file: CollectedFile, ctx: CatalogContext): Package[] {
  const { mod, bad } = parseGoMod(readText(file, ctx));
  if (bad) warnFile(ctx, file.path, `${bad} malformed line(s) skipped`);
  const out = new LockPackages(file.path, 'go-mod', false);
  for (const r of mod.require) {
    if (r.path === mod.module) continue;
    // A version-specific replacement wins over one for every version of the module.
    const rep =
      mod.replace.findLast((x) => x.old.path === r.path && x.old.version === r.version) ??
      mod.replace.findLast((x) => x.old.path === r.path && x.old.version === undefined);
    let { path, version } = r as { path: string; version: string | undefined };
    if (rep) {
      if (rep.new.version === undefined || isLocalPath(rep.new.path)) continue; // replaced by local code
      ({ path, version } = rep.new);
    }
    if (!version) continue;
    out.add({
      name: path,
      version,
      type: 'golang',
      purl: toPurl(golangPurlParts(path, version)),
      metadata: r.indirect ? { indirect: 'true' } : undefined,
    });
  }
  return out.toPackages();
}

export const goModCataloger: Cataloger = {
  name: 'go-mod',
  version: '1',
  scopes: ['filesystem'],
  want: wantByName((b) => b === 'go.mod', ['node_modules', 'vendor']),
  catalog: (ctx) => catalogEach(ctx, (f) => parseGoModFile(f, ctx)),
};
