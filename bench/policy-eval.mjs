// Policy evaluation throughput: one Pod and one Deployment evaluated against the Pod Security
// Standards policies of kyverno/policies (and, with SET=all, best-practices too), compiled once.
//
//   npm run build && node bench/policy-eval.mjs
//   ENGINE_MODULE=path/to/policy/engine/index.js RUNS=3000 SET=pss|all node bench/policy-eval.mjs
//
// An "evaluation" is one resource against every policy of the set (CREATE admission); the
// report gives evaluations per second on this single thread and the per-resource p50/p99.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const mod = process.env.ENGINE_MODULE ? resolve(process.env.ENGINE_MODULE) : new URL('../dist/policy/engine/index.js', import.meta.url).pathname;
const { compilePolicy, evaluatePolicies, loadPolicies, loadResources } = await import(pathToFileURL(mod).href);

const CORPUS = process.env.CORPUS ?? new URL('../../shared/fixtures/kyverno/corpus', import.meta.url).pathname;
const RUNS = Number(process.env.RUNS ?? 3000);
const SET = process.env.SET ?? 'pss';

function policyFiles(dir) {
  const out = [];
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) {
      if (!e.startsWith('.')) out.push(...policyFiles(p));
    } else if (/\.ya?ml$/.test(e) && !/^(kyverno-test|resource|artifacthub-pkg)/.test(e)) out.push(p);
  }
  return out.sort();
}

const dirs = [join(CORPUS, 'pod-security')];
if (SET === 'all') dirs.push(join(CORPUS, 'best-practices'));
const t0 = performance.now();
const policies = [];
for (const f of dirs.flatMap(policyFiles)) for (const doc of loadPolicies(readFileSync(f, 'utf8'), f)) policies.push(compilePolicy(doc, f));
const compileMs = performance.now() - t0;
const rules = policies.reduce((n, p) => n + p.ruleNames.length, 0);

// Real resources from the same suites: a compliant Pod and Deployment (every rule runs to the end).
const resources = loadResources(readFileSync(join(CORPUS, 'pod-security/restricted/require-run-as-nonroot/.kyverno-test/resource.yaml'), 'utf8'), 'resource.yaml');
const pick = (kind, name) => resources.find((r) => r.kind === kind && r.metadata.name === name);
const subjects = [
  ['Pod', pick('Pod', 'goodpod01')],
  ['Deployment', pick('Deployment', 'gooddeployment01')],
];

function evaluateAll(resource) {
  return evaluatePolicies(policies, { resource, admission: { operation: 'CREATE' } }).length;
}

console.log(`policies: ${policies.length} (${rules} rules incl. autogen) from ${dirs.map((d) => d.replace(CORPUS + '/', '')).join(', ')}; compiled in ${compileMs.toFixed(1)} ms`);
for (const [kind, resource] of subjects) {
  if (!resource) throw new Error(`no ${kind} in the resource file`);
  let responses = 0;
  for (let i = 0; i < Math.min(500, RUNS); i++) responses = evaluateAll(resource); // warm-up (JIT, caches)
  const times = new Float64Array(RUNS);
  const start = performance.now();
  for (let i = 0; i < RUNS; i++) {
    const s = performance.now();
    evaluateAll(resource);
    times[i] = performance.now() - s;
  }
  const total = performance.now() - start;
  times.sort();
  const q = (p) => times[Math.min(RUNS - 1, Math.floor(p * RUNS))];
  console.log(
    `${kind.padEnd(10)} ${responses} rule responses/eval  ${(RUNS / (total / 1000)).toFixed(0).padStart(6)} evaluations/s  p50 ${(q(0.5) * 1000).toFixed(0)} µs  p99 ${(q(0.99) * 1000).toFixed(0)} µs`,
  );
}
