// Conformance: every kyverno-test.yaml suite of the kyverno/policies corpus (read in place from
// ../shared beside the clone), run through the test runner and the engine. Upstream's CI runs
// `kyverno test` over these, so every suite is expected to pass; the count that passes here
// must not drop below test/policy/corpus-floor.json. Nothing is written: regenerate the list of
// remaining failures with `node scripts/conformance.mjs --write` (docs/conformance.md).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConformance, findTestFiles } from '../../src/policy/testrunner/index.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const corpus = join(repoRoot, '..', 'shared', 'fixtures', 'kyverno', 'corpus');
const floor = JSON.parse(readFileSync(join(import.meta.dirname, 'corpus-floor.json'), 'utf8')) as { passingSuites: number; totalSuites: number };

describe('kyverno/policies conformance', () => {
  it('passes at least the recorded floor of suites', () => {
    if (!existsSync(corpus)) {
      throw new Error(`kyverno corpus not found at ${corpus}: this test reads ../shared/fixtures/kyverno/corpus beside the repository clone`);
    }
    const files = findTestFiles([corpus]);
    expect(files).toHaveLength(floor.totalSuites);
    const failures = files.map((f) => checkConformance(f)).filter((r) => !r.ok);
    const passing = files.length - failures.length;
    // On a drop the message lists what fails now (compare with docs/conformance.md).
    const list = failures.map((r) => `${r.file.slice(corpus.length + 1)}: ${r.firstFailure}`).join('\n');
    expect(passing, `${passing}/${files.length} suites pass; failing:\n${list}`).toBeGreaterThanOrEqual(floor.passingSuites);
  }, 300_000);
});
