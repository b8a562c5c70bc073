// Admission webhook latency and throughput: `portcullis serve` in a child process with the Pod
// Security Standards policies of kyverno/policies plus the Bookstore policy (bench/policies/),
// driven by autocannon over HTTPS on loopback, closed-loop (each connection sends its next
// request when the previous answer arrives) at fixed concurrency.
//
//   npm run build && node bench/admission.mjs
//   CONNECTIONS=10 DURATION=15 LOG_LEVEL=info node bench/admission.mjs
//
// Scenarios, in one run:
//   baseline   POST /mutate: TLS, HTTP, body parse and shape check, no policy evaluation
//   compliant  POST /validate: a ReplicaSet's Pod that passes every rule (every rule runs to the end)
//   violating  POST /validate: `kubectl run web --image=nginx:latest` in bookstore (Audit: allowed with warnings)
// Latency is measured per response (autocannon's `response` event) for p50/p95/p99.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { pathToFileURL } from 'node:url';
import autocannon from 'autocannon';

const root = new URL('..', import.meta.url).pathname;
const SERVE_MODULE = process.env.SERVE_MODULE ?? join(root, 'dist/cli/commands/serve-run.js');
const CONNECTIONS = Number(process.env.CONNECTIONS ?? 10);
const DURATION = Number(process.env.DURATION ?? 15);
const WARMUP = Number(process.env.WARMUP ?? 3);
const LOG_LEVEL = process.env.LOG_LEVEL ?? 'info';

const work = mkdtempSync(join(tmpdir(), 'portcullis-bench-admission-'));
const caOut = join(work, 'ca.pem');
// A free port picked here, so the server's log level does not matter for finding it.
const port = await new Promise((resolve) => {
  const srv = createServer().listen(0, '127.0.0.1', () => {
    const p = srv.address().port;
    srv.close(() => resolve(p));
  });
});
const flags = {
  policies: [join(root, 'bench/policies')],
  addr: `127.0.0.1:${port}`,
  generateCert: true,
  serviceName: 'portcullis',
  namespace: 'portcullis',
  caOut,
  timeout: '8s',
  logLevel: LOG_LEVEL,
};
const entry = `import(${JSON.stringify(pathToFileURL(SERVE_MODULE).href)}).then((m) => m.runServe(JSON.parse(process.argv[1]))).then(() => process.exit(0), (e) => { console.error(e); process.exit(2); });`;
// The server's logs go to a file (as to a container runtime's log file), not through this
// process, which must keep its CPU for autocannon; the file's tail is shown if serve fails.
const logFile = join(work, 'serve.log');
const child = spawn(process.execPath, ['--input-type=module', '-e', entry, JSON.stringify(flags)], { stdio: ['ignore', 'ignore', openSync(logFile, 'w')] });
const exited = new Promise((resolve) => child.once('exit', resolve));
const logTail = () => readFileSync(logFile, 'utf8').split('\n').slice(-5).join('\n');

/** GET /readyz until the policy set is loaded; its answer names the policy count. */
async function waitReady() {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`serve exited with ${child.exitCode}:\n${logTail()}`);
    const body = await new Promise((resolve) => {
      const req = httpsRequest({ host: '127.0.0.1', port, path: '/readyz', ca: readFileSync(caOut, 'utf8'), servername: 'portcullis.portcullis.svc' }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve(res.statusCode === 200 ? JSON.parse(text) : undefined));
      });
      req.on('error', () => resolve(undefined));
      req.end();
    }).catch(() => undefined);
    if (body) return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('serve did not become ready');
}
const { policies } = await waitReady();
const ca = readFileSync(caOut, 'utf8');

const review = (name) => readFileSync(join(root, 'test/fixtures/admission/reviews', `${name}.json`), 'utf8');
const scenarios = [
  ['baseline', '/mutate', review('pod-create-compliant')],
  ['compliant', '/validate', review('pod-create-compliant')],
  ['violating', '/validate', review('pod-create')],
];

function run(path, body, duration, collect) {
  return new Promise((resolve, reject) => {
    const inst = autocannon(
      {
        url: `https://127.0.0.1:${port}${path}`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: CONNECTIONS,
        pipelining: 1,
        duration,
        servername: 'portcullis.portcullis.svc',
        tlsOptions: { ca },
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
    if (collect) inst.on('response', (_client, statusCode, _bytes, responseTime) => collect(statusCode, responseTime));
  });
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
console.log(`portcullis serve: ${policies} policies (bench/policies: PSS + Bookstore), HTTPS on loopback, log level ${LOG_LEVEL}`);
console.log(`autocannon: ${CONNECTIONS} connections, closed-loop, ${DURATION} s per scenario after ${WARMUP} s warm-up\n`);
console.log('scenario    body      req/s     p50 ms   p95 ms   p99 ms   max ms   non-2xx');
const rows = [];
try {
  for (const [name, path, body] of scenarios) {
    await run(path, body, WARMUP);
    const times = [];
    let bad = 0;
    const result = await run(path, body, DURATION, (status, ms) => {
      times.push(ms);
      if (status !== 200) bad++;
    });
    times.sort((a, b) => a - b);
    const row = {
      name,
      bytes: Buffer.byteLength(body),
      rps: times.length / DURATION,
      p50: quantile(times, 0.5),
      p95: quantile(times, 0.95),
      p99: quantile(times, 0.99),
      max: times[times.length - 1],
      non2xx: bad + result.errors + result.timeouts,
    };
    rows.push(row);
    console.log(
      `${name.padEnd(10)} ${String(row.bytes).padStart(6)} ${row.rps.toFixed(0).padStart(9)} ${row.p50.toFixed(2).padStart(9)} ${row.p95.toFixed(2).padStart(8)} ${row.p99.toFixed(2).padStart(8)} ${row.max.toFixed(1).padStart(8)} ${String(row.non2xx).padStart(9)}`,
    );
  }
} finally {
  console.log(`\nserver log: ${statSync(logFile).size} bytes (${LOG_LEVEL})`);
  child.kill('SIGTERM');
  await exited;
  rmSync(work, { recursive: true, force: true });
}
const target = rows.filter((r) => r.name !== 'baseline').every((r) => r.rps >= 500 && r.p99 < 25 && r.non2xx === 0);
console.log(`\ntarget (concurrency 10: ≥ 500 req/s, p99 < 25 ms, all 200) ${target ? 'met' : 'NOT met'}`);
