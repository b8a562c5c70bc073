// The build stages of a parsed Dockerfile: what each FROM names once the global ARGs are
// expanded (an image, an earlier stage, scratch, or something only a --build-arg decides),
// the stage each one builds on, and the variables visible at each instruction.
import type { DockerfileAst, Instruction } from './dockerfile.js';
import { flagValues } from './dockerfile.js';
import { expandWord, splitWords } from './shell.js';

export type StageBase =
  | { kind: 'image'; raw: string; image: string }
  | { kind: 'stage'; raw: string; stage: number }
  | { kind: 'scratch'; raw: string }
  /** The reference uses a build argument with no default: only the build decides. */
  | { kind: 'unresolved'; raw: string; vars: string[] };

export interface Stage {
  index: number;
  /** Lower-cased, as BuildKit compares stage names. */
  name?: string;
  /** `stage build` or `stage 2`: how findings name it. */
  label: string;
  from: Instruction;
  base: StageBase;
  /** The instructions after FROM, up to the next FROM. */
  instructions: Instruction[];
}

export interface DockerfileModel {
  ast: DockerfileAst;
  /** ARGs before the first FROM: name → default (undefined: declared without one). */
  globalArgs: Map<string, string | undefined>;
  stages: Stage[];
  /** Instructions before the first FROM (ARGs, and anything BuildKit would reject). */
  preamble: Instruction[];
}

/** An image some instruction pulls: a FROM base or a `COPY --from=` source. */
export interface ImageUse {
  image: string;
  instruction: Instruction;
  stage: Stage;
  via: 'FROM' | 'COPY --from';
}

/** `ARG a=1 b` → [[a, "1"], [b, undefined]] with values expanded against `env`. */
export function argPairs(ins: Instruction, env: ReadonlyMap<string, string>, escape: string): Array<[string, string | undefined]> {
  return splitWords(ins.args, escape).map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) return [w, undefined];
    return [w.slice(0, eq), expandWord(w.slice(eq + 1), env, escape).value];
  });
}

/** `ENV a=1 b="x y"` or the legacy `ENV name value…`, values expanded against `env`. */
export function envPairs(ins: Instruction, env: ReadonlyMap<string, string>, escape: string): Array<{ name: string; raw: string; value: string }> {
  const words = splitWords(ins.args, escape);
  if (words.length === 0) return [];
  if (!words[0].includes('=')) {
    const raw = ins.args.slice(ins.args.indexOf(words[0]) + words[0].length).trim();
    return [{ name: words[0], raw, value: expandWord(raw, env, escape).value }];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    const raw = eq < 0 ? '' : w.slice(eq + 1);
    return { name: eq < 0 ? w : w.slice(0, eq), raw, value: expandWord(raw, env, escape).value };
  });
}

export function buildStages(ast: DockerfileAst): DockerfileModel {
  const escape = ast.escape;
  const globalArgs = new Map<string, string | undefined>();
  const preamble: Instruction[] = [];
  const stages: Stage[] = [];
  for (const ins of ast.instructions) {
    if (ins.keyword === 'FROM') {
      stages.push(stageFrom(ins, stages, globalArgs, escape));
    } else if (stages.length === 0) {
      preamble.push(ins);
      if (ins.keyword === 'ARG') {
        for (const [name, value] of argPairs(ins, definedOnly(globalArgs), escape)) globalArgs.set(name, value);
      }
    } else {
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return { ast, globalArgs, stages, preamble };
}

function definedOnly(args: ReadonlyMap<string, string | undefined>): Map<string, string> {
  const env = new Map<string, string>();
  for (const [k, v] of args) if (v !== undefined) env.set(k, v);
  return env;
}

function stageFrom(ins: Instruction, earlier: readonly Stage[], globalArgs: ReadonlyMap<string, string | undefined>, escape: string): Stage {
  const words = splitWords(ins.args, escape);
  const raw = words[0] ?? '';
  const asAt = words.findIndex((w, k) => k > 0 && w.toLowerCase() === 'as');
  const name = asAt > 0 && words[asAt + 1] ? words[asAt + 1].toLowerCase() : undefined;
  const index = earlier.length;
  const env = definedOnly(globalArgs);
  // BuildKit's automatic args (TARGETARCH…) have no value here either: a base that uses
  // one is decided by the build, like one that uses an ARG without a default.
  const exp = expandWord(raw, env, escape);
  const missing = exp.unresolved;
  let base: StageBase;
  if (missing.length || exp.inexact || exp.value === '') base = { kind: 'unresolved', raw, vars: missing };
  else if (exp.value.toLowerCase() === 'scratch') base = { kind: 'scratch', raw };
  else {
    const stage = earlier.find((s) => s.name !== undefined && s.name === exp.value.toLowerCase());
    base = stage ? { kind: 'stage', raw, stage: stage.index } : { kind: 'image', raw, image: exp.value };
  }
  return { index, name, label: name ? `stage ${name}` : `stage ${index}`, from: ins, base, instructions: [] };
}

/** The final stage and the stages it builds on, final first (what ships in the image). */
export function finalChain(model: DockerfileModel): Stage[] {
  const chain: Stage[] = [];
  let s: Stage | undefined = model.stages[model.stages.length - 1];
  while (s && !chain.includes(s)) {
    chain.push(s);
    s = s.base.kind === 'stage' ? model.stages[s.base.stage] : undefined;
  }
  return chain;
}

/**
 * The variables visible just before `stage.instructions[upTo]` (all of them when upTo is
 * omitted): the parent stage's ENV, the stage's ARGs (a bare `ARG X` re-imports the global
 * default) and ENVs. Build-arg values are unknown, so only defaults count.
 */
export function stageEnv(model: DockerfileModel, stage: Stage, upTo = stage.instructions.length, seen = new Set<number>()): Map<string, string> {
  seen.add(stage.index);
  const env = stage.base.kind === 'stage' && !seen.has(stage.base.stage) ? inheritedEnv(model, model.stages[stage.base.stage], seen) : new Map<string, string>();
  for (const ins of stage.instructions.slice(0, upTo)) {
    if (ins.keyword === 'ARG') {
      for (const [name, value] of argPairs(ins, env, model.ast.escape)) {
        const v = value ?? model.globalArgs.get(name);
        if (v !== undefined) env.set(name, v);
      }
    } else if (ins.keyword === 'ENV') {
      for (const p of envPairs(ins, env, model.ast.escape)) env.set(p.name, p.value);
    }
  }
  return env;
}

// A child stage inherits its parent's ENV (part of the image config), not its ARGs.
function inheritedEnv(model: DockerfileModel, parent: Stage, seen: Set<number>): Map<string, string> {
  const env = stageEnv(model, parent, parent.instructions.length, seen);
  const args = new Set(parent.instructions.filter((i) => i.keyword === 'ARG').flatMap((i) => argPairs(i, env, model.ast.escape).map(([n]) => n)));
  const envNames = new Set(parent.instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => envPairs(i, env, model.ast.escape).map((p) => p.name)));
  for (const n of args) if (!envNames.has(n)) env.delete(n);
  return env;
}

/** Every external image the Dockerfile pulls: FROM bases and `COPY --from=<image>`. */
export function imageUses(model: DockerfileModel): ImageUse[] {
  const uses: ImageUse[] = [];
  for (const stage of model.stages) {
    if (stage.base.kind === 'image') uses.push({ image: stage.base.image, instruction: stage.from, stage, via: 'FROM' });
    stage.instructions.forEach((ins, k) => {
      if (ins.keyword !== 'COPY') return;
      const from = flagValues(ins.flags).get('from')?.at(-1);
      if (!from) return;
      const exp = expandWord(from, stageEnv(model, stage, k), model.ast.escape);
      if (exp.unresolved.length || exp.inexact || exp.value === '') return;
      const v = exp.value.toLowerCase();
      if (/^\d+$/.test(v) || model.stages.some((s) => s.index < stage.index && s.name === v) || v === 'scratch') return;
      uses.push({ image: exp.value, instruction: ins, stage, via: 'COPY --from' });
    });
  }
  return uses;
}
