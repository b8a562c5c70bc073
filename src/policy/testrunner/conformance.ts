import { loadTestSuite } from './load.js';
import { runTestSuite } from './run.js';
import type { RunOptions } from './types.js';

export interface ConformanceResult {
  file: string;
  /** No row failed and no policy was rejected. */
  ok: boolean;
  /** The first failing row (or the rejected policy, or the load error), one line. */
  firstFailure?: string;
  /** `load error`, `policy skipped`, `engine error`, `mismatch`, `not found`, `unsupported`. */
  category?: string;
  /** Failing rows / all checks. */
  failedChecks: number;
  checks: number;
  /** Checks that passed only because no rule answered ("Excluded"): worth a look when this grows. */
  excludedChecks: number;
  /** The suite passes under kyverno's expected-fail bug (RunOptions.expectedFailAlwaysPasses). */
  okWithKyvernoBug: boolean;
}

/**
 * Run one suite for conformance. Stricter than `kyverno test` in one way: a policy the engine
 * rejects fails the suite (kyverno would report its rows as skips, which would hide an engine
 * that rejects valid policies).
 */
export function checkConformance(file: string, opts: RunOptions = {}): ConformanceResult {
  let r;
  try {
    r = runTestSuite(loadTestSuite(file), opts);
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    return { file, ok: false, firstFailure: `error: ${msg}`, category: 'load error', failedChecks: 0, checks: 0, excludedChecks: 0, okWithKyvernoBug: false };
  }
  const checks = r.outcomes.length;
  const excludedChecks = r.outcomes.filter((o) => o.reason === 'Excluded').length;
  const failed = r.outcomes.filter((o) => o.status === 'fail');
  let lenient = true;
  for (const o of failed) if (o.row.result !== 'fail' || !o.actual) lenient = false;
  const skipped = Object.entries(r.skippedPolicies)[0];
  if (skipped) {
    return { file, ok: false, firstFailure: `policy ${skipped[0]} skipped: ${skipped[1]}`, category: 'policy skipped', failedChecks: failed.length, checks, excludedChecks, okWithKyvernoBug: false };
  }
  const bad = failed[0];
  if (!bad) return { file, ok: true, failedChecks: 0, checks, excludedChecks, okWithKyvernoBug: true };
  const category = bad.reason.startsWith('Engine error')
    ? 'engine error'
    : bad.reason === 'Not found'
      ? 'not found'
      : bad.reason.startsWith('Unsupported')
        ? 'unsupported'
        : 'mismatch';
  const where = `results[${bad.row.index}] ${bad.row.policy}/${bad.row.rule} ${bad.matched ?? bad.resource}`;
  const msg = bad.message && bad.message !== bad.reason ? ` (${bad.message.replace(/\s*\n\s*/g, ' ')})` : '';
  return { file, ok: false, firstFailure: `${where}: ${bad.reason}${msg}`, category, failedChecks: failed.length, checks, excludedChecks, okWithKyvernoBug: lenient };
}
