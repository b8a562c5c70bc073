import { relative } from 'node:path';
import { unifiedDiff } from '../../admission/diff.js';
import { UsageError } from '../../errors/index.js';
import { checkPaths, parseMirror, pinPaths, type FileProblem, type PinOptions, type SkippedReference } from '../../pin/index.js';
import { logger, openOptionsFrom } from '../context.js';
import type { PinFlags } from './pin.js';

/** Paths in output as the user would type them: relative to the working directory when inside it. */
function shown(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !rel.startsWith('/') ? rel : file;
}

function reportProblems(errors: readonly FileProblem[], skippedFiles: ReadonlyArray<{ file: string; reason: string }>, skipped: readonly SkippedReference[], log: (m: string) => void): void {
  for (const e of errors) process.stderr.write(`portcullis: error: ${shown(e.file)}: ${e.message}\n`);
  for (const s of skippedFiles) log(`skipped ${shown(s.file)}: ${s.reason}`);
  for (const s of skipped) log(`skipped ${shown(s.file)}:${s.line}: ${s.image || '(no image)'}: ${s.reason}`);
}

function pinOptions(flags: PinFlags): PinOptions {
  const mirrors: Record<string, string> = {};
  for (const m of flags.mirror ?? []) {
    const [from, to] = parseMirror(m);
    mirrors[from] = to;
  }
  return { ...openOptionsFrom(flags), mirrors, write: flags.write, keepTag: flags.keepTag, update: flags.update, helm: flags.helm };
}

export async function runPin(paths: string[], flags: PinFlags): Promise<void> {
  if (flags.check && (flags.write || flags.update)) {
    throw new UsageError('BAD_FLAG', `--check only reads: it cannot be combined with ${flags.write ? '--write' : '--update'}`, { input: '--check' });
  }
  const log = logger(flags);
  if (flags.check) {
    const r = checkPaths(paths, { helm: flags.helm });
    for (const ref of r.unpinned) process.stdout.write(`${shown(ref.file)}:${ref.line}: ${ref.image}\n`);
    reportProblems(r.errors, r.skippedFiles, r.skipped, log);
    const files = new Set(r.unpinned.map((u) => u.file)).size;
    log(r.unpinned.length ? `${r.unpinned.length} unpinned reference(s) in ${files} file(s); ${r.pinned} pinned` : `all ${r.pinned} reference(s) pinned`);
    process.exitCode = r.errors.length ? 2 : r.unpinned.length ? 1 : 0;
    return;
  }

  const report = await pinPaths(paths, pinOptions(flags));
  let changed = 0;
  let failed = 0;
  for (const f of report.files) {
    for (const x of f.failures) process.stderr.write(`portcullis: error: ${shown(x.file)}:${x.line}: ${x.image}: ${x.message}\n`);
    if (f.failures.length) {
      failed += f.failures.length;
      process.stderr.write(`portcullis: ${shown(f.file)} left unchanged: ${f.failures.length} reference(s) did not resolve\n`);
      continue;
    }
    for (const c of f.changes) {
      const moved = c.previous ? ` (tag moved from ${c.previous})` : '';
      if (flags.write) process.stdout.write(`${shown(c.file)}:${c.line}: ${c.before} -> ${c.after}${moved}\n`);
      else if (c.previous) log(`moved ${shown(c.file)}:${c.line}: ${c.before} -> ${c.after}`);
    }
    changed += f.changes.length;
    if (!flags.write && f.after !== f.before) {
      process.stdout.write(unifiedDiff(f.before, f.after, { fromFile: `a/${shown(f.file)}`, toFile: `b/${shown(f.file)}` }));
    }
  }
  reportProblems(report.errors, report.skippedFiles, report.skipped, log);
  const current = report.files.reduce((n, f) => n + f.current, 0);
  const files = report.files.filter((f) => f.changes.length && !f.failures.length).length;
  const verb = flags.write ? 'pinned' : 'would pin';
  log(changed ? `${verb} ${changed} reference(s) in ${files} file(s); ${current} already pinned` : `nothing to pin; ${current} reference(s) already pinned`);
  if (!flags.write && changed) log('dry run: rerun with --write to change the files');
  process.exitCode = report.errors.length ? 2 : failed ? 1 : 0;
}
