// Path globs for ignore rules, with doublestar's syntax (what Trivy's .trivyignore.yaml
// uses): `**` any number of path segments, `*` and `?` within one segment, `[...]`
// classes, `{a,b}` alternatives. Compiled to a RegExp once per pattern.

function escape(ch: string): string {
  return /[\\^$.*+?()[\]{}|/]/.test(ch) ? `\\${ch}` : ch;
}

/** Compile a glob; throws on an unterminated class or brace. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let depth = 0;
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') {
      if (glob[i + 1] === '*') {
        const atStart = i === 0 || glob[i - 1] === '/';
        const atEnd = i + 2 === glob.length || glob[i + 2] === '/';
        if (atStart && atEnd) {
          // `**/` matches zero or more whole segments; a trailing `**` matches the rest.
          // `dir/**` matches dir itself too, as doublestar's does.
          if (i + 2 === glob.length) re = re.endsWith('\\/') ? `${re.slice(0, -2)}(?:/.*)?` : `${re}.*`;
          else {
            re += '(?:[^/]*/)*';
            i++; // the slash
          }
          i++;
          continue;
        }
      }
      re += '[^/]*';
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw new Error(`unterminated [ in glob "${glob}"`);
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/\\/g, '\\\\').replace(/]/g, '\\]')}]`;
      i = end;
    } else if (ch === '{') {
      depth++;
      re += '(?:';
    } else if (ch === '}' && depth > 0) {
      depth--;
      re += ')';
    } else if (ch === ',' && depth > 0) {
      re += '|';
    } else if (ch === '\\' && i + 1 < glob.length) {
      re += escape(glob[++i]);
    } else {
      re += escape(ch);
    }
  }
  if (depth) throw new Error(`unterminated { in glob "${glob}"`);
  return new RegExp(`^${re}$`);
}
