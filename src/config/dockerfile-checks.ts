// Dockerfile misconfiguration checks over the parsed stages. Which stages a check reads
// follows what ships: the user and the health check come from the final stage and the
// stages it builds on; package caches only matter there too (a builder stage's layers are
// thrown away); base-image pinning, ADD from URLs and secrets apply to every stage, since
// a builder's inputs end up in the artifact and a secret in any stage is in the source.
import { parseDockerfile, flagValues, type Instruction } from './dockerfile.js';
import { DOCKERFILE_CHECKS, dockerfileCheck } from './dockerfile-meta.js';
import { argPairs, buildStages, envPairs, finalChain, imageUses, stageEnv, type DockerfileModel, type Stage } from './dockerfile-stages.js';
import { globMatch, imageAllowed } from './registries.js';
import { commandOf, expandWord, splitCommands, splitWords } from './shell.js';
import type { ConfigFinding } from './types.js';

export interface DockerfileScan {
  findings: ConfigFinding[];
  /** Check IDs evaluated that found nothing. */
  passed: string[];
}

interface Hit {
  id: string;
  ins: Instruction;
  resource: string;
  message: string;
}

/** Run the Dockerfile checks. Throws ConfigError INVALID_DOCKERFILE when it does not parse. */
export function checkDockerfile(text: string, file: string, opts: { allowedRegistries?: readonly string[] } = {}): DockerfileScan {
  const model = buildStages(parseDockerfile(text, file));
  const hits: Hit[] = [];
  // Checks that could not judge this file (the final base is decided by a build argument).
  const unknown = new Set<string>();
  const ran = DOCKERFILE_CHECKS.map((c) => c.id).filter((id) => id !== 'PCL-DF-011' || opts.allowedRegistries !== undefined);
  if (model.stages.length > 0) {
    checkBaseImages(model, hits, opts.allowedRegistries);
    if (baseMayBeStage(model, finalChain(model))) ['PCL-DF-003', 'PCL-DF-010'].forEach((id) => unknown.add(id));
    else {
      checkUser(model, hits);
      checkHealthcheck(model, hits);
    }
    checkPackageCaches(model, hits);
  }
  checkAddUrls(model, hits);
  checkSecrets(model, hits);
  const findings = hits.map((h): ConfigFinding => {
    const meta = dockerfileCheck(h.id);
    return { checkId: h.id, severity: meta.severity, title: meta.title, remediation: meta.remediation, file, line: h.ins.startLine, resource: h.resource, message: h.message, status: 'fail' };
  });
  const failed = new Set(hits.map((h) => h.id));
  return { findings, passed: ran.filter((id) => !failed.has(id) && !unknown.has(id)) };
}

/** `name[:tag][@digest]` split as Docker does: a colon before the last slash is a port. */
export function imageParts(ref: string): { name: string; tag?: string; digest?: string } {
  const at = ref.indexOf('@');
  const digest = at < 0 ? undefined : ref.slice(at + 1);
  const rest = at < 0 ? ref : ref.slice(0, at);
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) return { name: rest.slice(0, colon), tag: rest.slice(colon + 1), digest };
  return { name: rest, digest };
}

function checkBaseImages(model: DockerfileModel, hits: Hit[], allowed?: readonly string[]): void {
  for (const use of imageUses(model)) {
    const { tag, digest } = imageParts(use.image);
    const what = `${use.via} ${use.image}`;
    if (!digest || !/^[a-z0-9]+:[a-f0-9]{32,}$/.test(digest)) {
      hits.push({ id: 'PCL-DF-001', ins: use.instruction, resource: use.stage.label, message: `${what} is not pinned by digest` });
      if (tag === undefined) hits.push({ id: 'PCL-DF-002', ins: use.instruction, resource: use.stage.label, message: `${what} has no tag: it pulls whatever :latest is` });
      else if (tag === 'latest') hits.push({ id: 'PCL-DF-002', ins: use.instruction, resource: use.stage.label, message: `${what} uses the mutable :latest tag` });
    }
    if (allowed && !imageAllowed(use.image, allowed)) {
      hits.push({ id: 'PCL-DF-011', ins: use.instruction, resource: use.stage.label, message: `${what} is not from an allowed registry (${allowed.join(', ')})` });
    }
  }
}

/**
 * True when the final stage builds on a reference only the build decides and that could
 * name an earlier stage (`FROM buildkit-$TARGETOS`): its USER and HEALTHCHECK are unknown.
 */
function baseMayBeStage(model: DockerfileModel, chain: readonly Stage[]): boolean {
  const base = chain[chain.length - 1].base;
  if (base.kind !== 'unresolved') return false;
  const pattern = base.raw.toLowerCase().replace(/\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*/g, '*');
  return model.stages.some((s) => s.name !== undefined && globMatch(pattern, s.name));
}

function checkUser(model: DockerfileModel, hits: Hit[]): void {
  const chain = finalChain(model);
  const final = chain[0];
  for (const stage of chain) {
    for (let k = stage.instructions.length - 1; k >= 0; k--) {
      const ins = stage.instructions[k];
      if (ins.keyword !== 'USER') continue;
      const exp = expandWord(ins.args.trim(), stageEnv(model, stage, k), model.ast.escape);
      // A user that only a build argument decides cannot be judged.
      if (exp.unresolved.length || exp.inexact) return;
      const user = exp.value.split(':')[0].trim();
      if (user === 'root' || /^0+$/.test(user)) {
        hits.push({ id: 'PCL-DF-003', ins, resource: final.label, message: `the final stage runs as ${exp.value} (USER at line ${ins.startLine})` });
      }
      return;
    }
  }
  const base = chain[chain.length - 1].base;
  const from = base.kind === 'scratch' ? 'scratch, so it runs as root' : `the base image's user: root unless the base image sets another`;
  hits.push({ id: 'PCL-DF-003', ins: final.from, resource: final.label, message: `no USER in the final stage: it runs as ${from}` });
}

function checkHealthcheck(model: DockerfileModel, hits: Hit[]): void {
  const chain = finalChain(model);
  if (chain.some((s) => s.instructions.some((i) => i.keyword === 'HEALTHCHECK'))) return;
  hits.push({ id: 'PCL-DF-010', ins: chain[0].from, resource: chain[0].label, message: 'the final stage defines no HEALTHCHECK' });
}

function checkAddUrls(model: DockerfileModel, hits: Hit[]): void {
  for (const stage of model.stages) {
    stage.instructions.forEach((ins, k) => {
      if (ins.keyword !== 'ADD' || flagValues(ins.flags).has('checksum')) return;
      const words = ins.json ?? splitWords(ins.args, model.ast.escape).filter((w) => !/^\d*<<-?\S/.test(w));
      const env = stageEnv(model, stage, k);
      const urls = words.slice(0, -1).map((w) => (ins.json ? w : expandWord(w, env, model.ast.escape).value)).filter((w) => /^(https?:\/\/|git@)/i.test(w));
      if (urls.length) hits.push({ id: 'PCL-DF-004', ins, resource: stage.label, message: `ADD fetches ${urls.join(', ')} without --checksum` });
    });
  }
}

// --- package caches -------------------------------------------------------------------

interface Cmd {
  program: string;
  args: string[];
  assignments: string[];
}

const SHELLS = new Set(['sh', 'bash', 'ash', 'dash', 'zsh', 'ksh']);

/** The commands one RUN executes, as far as a reader can tell. */
function runCommands(ins: Instruction): Cmd[] {
  const scripts: string[][][] = [];
  if (ins.json) {
    const [prog, ...rest] = ins.json;
    const c = rest.indexOf('-c');
    if (prog && SHELLS.has(prog.slice(prog.lastIndexOf('/') + 1)) && c >= 0 && rest[c + 1] !== undefined) scripts.push(splitCommands(rest[c + 1]));
    else scripts.push([ins.json]);
  } else {
    const line = splitCommands(ins.args).map((w) => w.filter((x) => !/^\d*<<-?\S/.test(x))).filter((w) => w.length);
    scripts.push(line);
    const first = line[0] && commandOf(line[0]);
    // `RUN <<EOF` runs the body as a script (unless a shebang names another interpreter);
    // `RUN bash -e <<EOF` feeds it to a shell; `RUN python3 <<EOF` does not.
    for (const doc of ins.heredocs) {
      const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(doc.content);
      const interp = shebang ? (shebang[1].endsWith('/env') ? shebang[2] ?? '' : shebang[1]) : 'sh';
      const viaShell = line.length === 0 ? SHELLS.has(interp.slice(interp.lastIndexOf('/') + 1)) : first !== undefined && SHELLS.has(first.program);
      if (viaShell) scripts.push(splitCommands(doc.content));
    }
  }
  return scripts.flat().map((w) => commandOf(w)).filter((c): c is Cmd => c !== undefined);
}

/** Cache and tmpfs mount targets of `RUN --mount=…` (their contents never reach a layer). */
function cacheMounts(ins: Instruction): string[] {
  return (flagValues(ins.flags).get('mount') ?? []).flatMap((spec) => {
    const kv = new Map(spec.split(',').map((p) => [p.split('=')[0].trim().toLowerCase(), p.slice(p.indexOf('=') + 1).trim()] as [string, string]));
    const type = kv.get('type') ?? 'bind';
    const target = kv.get('target') ?? kv.get('dst') ?? kv.get('destination');
    return (type === 'cache' || type === 'tmpfs') && target ? [target.replace(/\/+$/, '')] : [];
  });
}

/** The first non-option argument, skipping the values of options that take one. */
function subcommand(args: readonly string[], valueOptions: ReadonlySet<string>): string | undefined {
  for (let k = 0; k < args.length; k++) {
    const a = args[k];
    if (!a.startsWith('-')) return a;
    if (valueOptions.has(a)) k++;
  }
  return undefined;
}

const APT = new Set(['apt-get', 'apt', 'aptitude']);
const APT_VALUE = new Set(['-o', '-c', '-t', '-a', '--option', '--config-file', '--target-release', '--host-architecture']);
const APK_VALUE = new Set(['-X', '--repository', '-p', '--root', '--arch', '--cache-dir', '--keys-dir', '--repositories-file']);
const YUM = new Set(['yum', 'dnf', 'dnf5', 'microdnf', 'tdnf']);
const YUM_VALUE = new Set(['-c', '--config', '--installroot', '--releasever', '-x', '--exclude', '--repo', '--repoid', '--enablerepo', '--disablerepo', '--setopt', '-R', '--randomwait', '-d', '--debuglevel', '-e', '--errorlevel']);
const YUM_INSTALL = new Set(['install', 'groupinstall', 'localinstall', 'reinstall']);

const removes = (cmds: readonly Cmd[], prefix: RegExp) => cmds.some((c) => c.program === 'rm' && c.args.some((a) => prefix.test(a)));
const mounted = (mounts: readonly string[], target: RegExp) => mounts.some((m) => target.test(m));

function pipInstall(c: Cmd): boolean {
  if (/^pip[0-9.]*$/.test(c.program)) return subcommand(c.args, new Set()) === 'install';
  if (!/^python[0-9.]*$/.test(c.program)) return false;
  const m = c.args.findIndex((a, k) => (a === '-m' && c.args[k + 1] === 'pip') || a === '-mpip');
  if (m < 0) return false;
  return subcommand(c.args.slice(m + (c.args[m] === '-mpip' ? 1 : 2)), new Set()) === 'install';
}

function checkPackageCaches(model: DockerfileModel, hits: Hit[]): void {
  for (const stage of finalChain(model)) {
    stage.instructions.forEach((ins, k) => {
      if (ins.keyword !== 'RUN') return;
      const cmds = runCommands(ins);
      const mounts = cacheMounts(ins);
      const hit = (id: string, message: string) => hits.push({ id, ins, resource: stage.label, message });
      if (cmds.some((c) => APT.has(c.program) && subcommand(c.args, APT_VALUE) === 'install')) {
        if (!removes(cmds, /^\/var\/lib\/apt\/lists/) && !mounted(mounts, /^\/var\/lib\/apt(\/lists)?$/)) hit('PCL-DF-005', 'apt-get install without rm -rf /var/lib/apt/lists/* in the same RUN');
      }
      const apk = cmds.filter((c) => c.program === 'apk' && subcommand(c.args, APK_VALUE) === 'add');
      if (apk.some((c) => !c.args.includes('--no-cache')) && !removes(cmds, /^\/var\/cache\/apk/) && !mounted(mounts, /^(\/var\/cache\/apk|\/etc\/apk\/cache)$/)) {
        hit('PCL-DF-006', 'apk add without --no-cache');
      }
      if (cmds.some((c) => YUM.has(c.program) && YUM_INSTALL.has(subcommand(c.args, YUM_VALUE) ?? ''))) {
        const cleaned = cmds.some((c) => YUM.has(c.program) && subcommand(c.args, YUM_VALUE) === 'clean' && c.args.includes('all'));
        if (!cleaned && !removes(cmds, /^\/var\/cache\/(yum|dnf)/) && !mounted(mounts, /^\/var\/cache\/(yum|dnf|libdnf5)$/)) hit('PCL-DF-007', 'yum/dnf install without clean all in the same RUN');
      }
      const pip = cmds.filter(pipInstall);
      if (pip.length) {
        const envSet = (stageEnv(model, stage, k).get('PIP_NO_CACHE_DIR') ?? '') !== '';
        const bad = pip.some((c) => !c.args.some((a) => a === '--no-cache-dir' || a.startsWith('--no-cache-dir=')) && !c.assignments.some((a) => a.startsWith('PIP_NO_CACHE_DIR=') && a.length > 'PIP_NO_CACHE_DIR='.length));
        if (bad && !envSet && !mounted(mounts, /\.cache(\/pip)?$/)) hit('PCL-DF-008', 'pip install without --no-cache-dir');
      }
    });
  }
}

// --- secrets ---------------------------------------------------------------------------

const SECRET_WORD = /(password|passwd|passphrase|secret|token|credentials?|apikey|accesskey|privatekey|secretkey)$/;
const NOT_SECRET_WORD = new Set(['public', 'gpg', 'pgp', 'fingerprint', 'keyring', 'keyserver', 'keyid']);
const NOT_SECRET_LAST = new Set(['file', 'path', 'dir', 'url', 'uri', 'name', 'id', 'type', 'length', 'size', 'enabled', 'version']);

/** A name that says it holds a credential: PASSWORD, DB_PASSWORD, GITHUB_TOKEN, API_KEY, KEY. */
export function isSecretName(name: string): boolean {
  const words = name.toLowerCase().split(/[_\-.]+/).filter(Boolean);
  if (words.length === 0 || words.some((w) => NOT_SECRET_WORD.has(w)) || NOT_SECRET_LAST.has(words[words.length - 1])) return false;
  return words.some((w) => SECRET_WORD.test(w) || w === 'key');
}

function checkSecrets(model: DockerfileModel, hits: Hit[]): void {
  const esc = model.ast.escape;
  const visit = (ins: Instruction, label: string, env: Map<string, string>) => {
    if (ins.keyword === 'ARG') {
      for (const w of splitWords(ins.args, esc)) {
        const eq = w.indexOf('=');
        if (eq < 0 || !isSecretName(w.slice(0, eq))) continue;
        const raw = w.slice(eq + 1);
        // An ARG default is literal when it uses no variable; an empty default holds nothing.
        if (!raw.includes('$') && expandWord(raw, env, esc).value !== '') {
          hits.push({ id: 'PCL-DF-009', ins, resource: label, message: `ARG ${w.slice(0, eq)} has a literal default value` });
        }
      }
      for (const [n, v] of argPairs(ins, env, esc)) if (v !== undefined) env.set(n, v);
    } else if (ins.keyword === 'ENV') {
      for (const p of envPairs(ins, env, esc)) {
        if (isSecretName(p.name) && p.raw !== '' && (p.value !== '' || p.raw.includes('$'))) {
          const how = p.raw.includes('$') ? 'copies a variable (a build argument ends up in the image config)' : 'sets a literal value';
          hits.push({ id: 'PCL-DF-009', ins, resource: label, message: `ENV ${p.name} ${how}` });
        }
        env.set(p.name, p.value);
      }
    }
  };
  const globalEnv = new Map<string, string>();
  for (const ins of model.preamble) visit(ins, 'global ARGs', globalEnv);
  for (const stage of model.stages) {
    const env = new Map<string, string>();
    for (const ins of stage.instructions) visit(ins, stage.label, env);
  }
}

