// Image references in a Dockerfile: FROM bases and `COPY --from=<image>`, found with the
// config folder's BuildKit-compatible parser. Build stages and `scratch` are not images;
// a reference built from an ARG is reported as skipped (only the build decides it). The
// parser gives lines, so each word is then located in the source to get its offsets.
import { buildStages, parseDockerfile, type Instruction } from '../config/index.js';
import { Collector } from './collector.js';
import type { LineIndex } from './tree.js';
import { PinError } from './types.js';

interface Word {
  start: number;
  end: number;
  text: string;
}

/** The words of an instruction's source span, continuation lines and comment lines skipped. */
function wordsOf(text: string, ins: Instruction, lines: LineIndex, escape: string, max = 64): Word[] {
  const from = lines.startOfLine(ins.startLine);
  const to = lines.startOfLine(ins.endLine + 1);
  const words: Word[] = [];
  let i = from;
  let lineStartsAt = from;
  while (i < to && words.length < max) {
    const ch = text[i];
    if (ch === '\n') {
      i++;
      lineStartsAt = i;
      continue;
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      i++;
      continue;
    }
    if (ch === escape) {
      const m = /^[ \t]*\r?\n/.exec(text.slice(i + 1, i + 80));
      if (m) {
        i += 1 + m[0].length;
        lineStartsAt = i;
        continue;
      }
    }
    if (ch === '#' && text.slice(lineStartsAt, i).trim() === '' && lineStartsAt > from) {
      // A comment line inside a continued instruction.
      while (i < to && text[i] !== '\n') i++;
      continue;
    }
    const s = i;
    while (i < to && !/\s/.test(text[i])) i++;
    words.push({ start: s, end: i, text: text.slice(s, i) });
  }
  return words;
}

/** Finds FROM and COPY --from references. Throws PinError INVALID_DOCKERFILE. */
export function locateDockerfile(text: string, c: Collector): void {
  let model;
  try {
    model = buildStages(parseDockerfile(text, c.file));
  } catch (e) {
    throw new PinError('INVALID_DOCKERFILE', (e as Error).message, { input: c.file, cause: e });
  }
  const escape = model.ast.escape;
  const stageNames = new Set(model.stages.map((s) => s.name).filter((n): n is string => n !== undefined));
  for (const stage of model.stages) {
    const where = `FROM (${stage.label})`;
    const base = stage.base;
    if (base.kind === 'image' || base.kind === 'unresolved') {
      const words = wordsOf(text, stage.from, c.lines, escape, 8);
      const word = words.find((w, k) => k > 0 && !w.text.startsWith('--'));
      const start = word?.start ?? c.lines.startOfLine(stage.from.startLine);
      const end = word?.end ?? start;
      if (base.kind === 'unresolved') {
        c.skip('dockerfile', where, base.raw, start, end, base.vars.length ? `uses build argument${base.vars.length > 1 ? 's' : ''} ${base.vars.join(', ')} with no default: only the build decides` : 'only the build decides this reference');
      } else if (base.raw.includes('$')) {
        c.skip('dockerfile', where, base.raw, start, end, `built from ARG defaults (${base.image}): pin the ARG default by hand`);
      } else if (!word || word.text !== base.raw || base.raw !== base.image) {
        c.skip('dockerfile', where, base.raw, start, end, 'quoted or escaped in the source: edit it by hand');
      } else {
        c.addImage('dockerfile', where, null, { start: word.start, end: word.end, style: 'raw', value: word.text });
      }
    }
    for (const ins of stage.instructions) {
      if (ins.keyword !== 'COPY') continue;
      const flag = [...ins.flags].reverse().find((f) => f.toLowerCase().startsWith('--from='));
      if (!flag) continue;
      const value = flag.slice('--from='.length);
      const lower = value.toLowerCase();
      if (value === '' || /^\d+$/.test(value) || stageNames.has(lower) || lower === 'scratch') continue;
      const cwhere = `COPY --from (${stage.label}, line ${ins.startLine})`;
      const word = wordsOf(text, ins, c.lines, escape).find((w) => w.text.toLowerCase().startsWith('--from='));
      const start = word ? word.start + '--from='.length : c.lines.startOfLine(ins.startLine);
      const end = word?.end ?? start;
      if (value.includes('$')) c.skip('dockerfile', cwhere, value, start, end, 'uses a build argument: only the build decides');
      else if (!word || word.text.slice('--from='.length) !== value) c.skip('dockerfile', cwhere, value, start, end, 'quoted or escaped in the source: edit it by hand');
      else c.addImage('dockerfile', cwhere, null, { start, end, style: 'raw', value });
    }
  }
}
