#!/usr/bin/env node
// Conformance against the kyverno/policies corpus: every kyverno-test.yaml suite run through
// the test runner and the engine, one line per suite (with the first failing row's reason),
// then a summary by failure category.
//
//   node scripts/conformance.mjs [--write] [--corpus DIR] [--only SUBSTRING]
//
// --write regenerates the failure list in docs/conformance.md (between the
// `<!-- failures:begin -->` and `<!-- failures:end -->` markers); the explanations around it
// are written by hand. The CI floor is test/policy/corpus-floor.json (raise it when this
// script reports more passing suites).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const corpus = flag('--corpus') ?? join(repoRoot, '..', 'shared', 'fixtures', 'kyverno', 'corpus');
const only = flag('--only');
const write = args.includes('--write');

if (!existsSync(corpus)) {
  process.stderr.write(`conformance: corpus not found at ${corpus} (expected ../shared beside the clone, or --corpus DIR)\n`);
  process.exit(2);
}
// Bundle the runner and the engine from src/ with esbuild (a devDependency) into a temp file,
// so this works without a full `npm run build` and always measures the current sources.
const { build } = await import('esbuild');
const tmp = mkdtempSync(join(tmpdir(), 'portcullis-conformance-'));
let checkConformance, findTestFiles;
try {
  const out = join(tmp, 'testrunner.mjs');
  await build({
    entryPoints: [join(repoRoot, 'src', 'policy', 'testrunner', 'index.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    // CommonJS dependencies (yaml) require node built-ins: give the ES module a require.
    banner: { js: "import { createRequire as __pcCreateRequire } from 'node:module'; const require = __pcCreateRequire(import.meta.url);" },
  });
  ({ checkConformance, findTestFiles } = await import(pathToFileURL(out).href));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// INDEX.tsv names the features each suite uses: shown next to failures to help route them.
const features = new Map();
const indexFile = join(corpus, 'INDEX.tsv');
if (existsSync(indexFile)) {
  for (const line of readFileSync(indexFile, 'utf8').split('\n').slice(1)) {
    const cols = line.split('\t');
    if (cols.length >= 6) features.set(cols[0], cols[5]);
  }
}

const files = findTestFiles([corpus]).filter((f) => !only || f.includes(only));
const results = files.map((f) => ({ ...checkConformance(f), name: relative(corpus, f) }));
for (const r of results) {
  process.stdout.write(r.ok ? `pass  ${r.name}\n` : `FAIL  ${r.name}\n      ${r.category}: ${r.firstFailure}\n`);
}
const failed = results.filter((r) => !r.ok);
const passing = results.length - failed.length;
const byCategory = new Map();
for (const r of failed) byCategory.set(r.category, (byCategory.get(r.category) ?? 0) + 1);
const lenient = failed.filter((r) => r.okWithKyvernoBug).length;
const checks = results.reduce((n, r) => n + r.checks, 0);
const excluded = results.filter((r) => r.excludedChecks > 0);
process.stdout.write(`\n${passing}/${results.length} suites pass (${((100 * passing) / Math.max(1, results.length)).toFixed(1)}%)\n`);
process.stdout.write(`  ${checks} checks; ${excluded.reduce((n, r) => n + r.excludedChecks, 0)} passed as Excluded (no rule response) in: ${excluded.map((r) => r.name.replace(/\/\.kyverno-test\/kyverno-test\.yaml$/, '')).join(', ') || 'none'}\n`);
for (const [c, n] of [...byCategory].sort((a, b) => b[1] - a[1])) process.stdout.write(`  ${n} ${c}\n`);
if (lenient > 0) process.stdout.write(`  (${lenient} failing suites would pass under kyverno's expected-fail bug, kyverno/kyverno#11519)\n`);

if (write) {
  if (only) {
    process.stderr.write('conformance: --write needs the whole corpus (drop --only)\n');
    process.exit(2);
  }
  const doc = join(repoRoot, 'docs', 'conformance.md');
  const text = readFileSync(doc, 'utf8');
  const begin = '<!-- failures:begin -->';
  const end = '<!-- failures:end -->';
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) {
    process.stderr.write(`conformance: ${doc} lacks the ${begin} … ${end} markers\n`);
    process.exit(2);
  }
  const rows = failed.map((r) => `| \`${r.name.replace(/\/\.kyverno-test\/kyverno-test\.yaml$/, '')}\` | ${r.category} | ${String(r.firstFailure).replace(/\|/g, '\\|')} |`);
  const table =
    rows.length === 0
      ? `None: ${passing}/${results.length} suites pass.`
      : [`${passing}/${results.length} suites pass.`, '', '| suite | category | first failure |', '|---|---|---|', ...rows].join('\n');
  writeFileSync(doc, `${text.slice(0, a + begin.length)}\n${table}\n${text.slice(b)}`);
  process.stdout.write(`wrote ${relative(process.cwd(), doc)}\n`);
}
process.exitCode = failed.length > 0 ? 1 : 0;
