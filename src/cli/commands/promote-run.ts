import { randomBytes } from 'node:crypto';
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../../errors/index.js';
import { compilePolicy, loadPolicies } from '../../policy/index.js';
import type { FailureAction } from '../../policy/types.js';
import { readManifestText } from '../../admission/background.js';
import { unifiedDiff } from '../../admission/diff.js';
import { decidePromotion, rewriteFailureAction } from '../../admission/promote.js';
import { assessReadiness } from '../../admission/readiness.js';
import { LifecycleError } from '../../admission/reports.js';
import { writeOutput } from '../output.js';
import type { PromoteFlags } from './promote.js';
import { loadLifecycleInput } from './readiness-run.js';

function parseAction(s: string): FailureAction {
  const v = s.toLowerCase();
  if (v === 'enforce') return 'Enforce';
  if (v === 'audit') return 'Audit';
  throw new UsageError('BAD_FLAG', `unknown action "${s}": want Enforce or Audit`, { input: '--to' });
}

/** Temp file beside the target, then rename: the policy file is never left half-written. */
function writeAtomic(file: string, text: string): void {
  const mode = statSync(file).mode & 0o777;
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text, { mode });
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw new LifecycleError('BAD_INPUT', `cannot write (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { input: file, cause: e });
  }
}

export async function runPromote(file: string, flags: PromoteFlags): Promise<void> {
  const to = parseAction(flags.to);
  const text = readManifestText(file);
  const rewrite = rewriteFailureAction(text, file, { to, ...(flags.namespace ? { namespace: flags.namespace } : {}), ...(flags.name ? { name: flags.name } : {}) });
  const where = flags.namespace ? ` in namespace ${flags.namespace}` : '';
  if (!rewrite.changed) {
    process.stderr.write(`portcullis: ${rewrite.policy} already resolves to ${to}${where}: nothing to change\n`);
    return;
  }
  const sources = flags.cluster || (flags.resources?.length ?? 0) > 0 || (flags.file?.length ?? 0) > 0;
  if (to === 'Enforce') {
    if (!sources && !flags.force) {
      throw new UsageError('USAGE', 'promoting to Enforce checks what it would block: give --resources DIR, -f dump.json or --cluster (or --force)', { input: file });
    }
    if (sources) {
      const { input } = await loadLifecycleInput(flags, null);
      // The policy as it is in the file now: what resolves to Audit is what Enforce would newly block.
      const doc = loadPolicies(text, file).find((d) => compilePolicy(d, file).name === rewrite.policy)!;
      const report = assessReadiness([compilePolicy(doc, file)], input, { ownNamespace: flags.ownNamespace, ...(flags.namespace ? { namespace: flags.namespace } : {}) });
      const readiness = report.policies[0];
      const decision = decidePromotion(readiness, flags.force === true);
      if (decision.refused) {
        for (const b of decision.blockers) process.stderr.write(`portcullis: refused: ${b}\n`);
        process.stderr.write(`portcullis: ${rewrite.policy}: ${readiness!.verdict}\n`);
        process.stderr.write('hint: fix or exclude these resources, promote one namespace at a time with --namespace, or override with --force\n');
        process.exitCode = 1;
        return;
      }
      for (const b of decision.blockers) process.stderr.write(`portcullis: warning: forced past: ${b}\n`);
    }
  }
  writeOutput(unifiedDiff(text, rewrite.text, { fromFile: `a/${file}`, toFile: `b/${file}` }));
  for (const c of rewrite.changes) process.stderr.write(`portcullis: ${rewrite.policy}: ${c}\n`);
  for (const n of rewrite.notes) process.stderr.write(`portcullis: note: ${n}\n`);
  if (rewrite.reprinted) process.stderr.write(`portcullis: note: the spec is in flow style, so the document was re-printed\n`);
  if (flags.write) {
    writeAtomic(file, rewrite.text);
    process.stderr.write(`portcullis: wrote ${file}\n`);
  } else {
    process.stderr.write(`portcullis: dry run: pass --write to change ${file}\n`);
  }
}
