// verifyImages: signature verification throughput, cold and cached, and the admission latency of
// an 8-container Pod sharing one image against one with 8 distinct images (the baseline: what
// verifying per container costs). A real registry (Debian's docker-registry) on 127.0.0.1;
// images signed with a cosign key by our own signImage (legacy .sig and bundle referrer).
//
//   npm run build && node bench/verify.mjs
//   ROUNDS=20 IMAGES=16 REVIEWS=30 PORTCULLIS_DIST=path/to/dist node bench/verify.mjs
//
// cold      a fresh ImageVerifier per round: tag resolution + signature reads + crypto per image
// cached    one ImageVerifier: every verification after the first is a cache hit (no I/O)
// admission reviewAdmissionWithVerification of a Pod CREATE review; cold = fresh verifier per review
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const DIST = resolve(process.env.PORTCULLIS_DIST ?? new URL('../dist', import.meta.url).pathname);
const load = (p) => import(pathToFileURL(join(DIST, p)).href);
const [{ RegistryClient }, trust, verify, engine, admission] = await Promise.all([
  load('oci/index.js'),
  load('trust/index.js'),
  load('policy/verify/index.js'),
  load('policy/engine/index.js'),
  Promise.all([load('admission/verify-review.js'), load('admission/policyset.js')]),
]);
const [{ reviewAdmissionWithVerification }, { policySetFromDocs }] = admission;

const ROUNDS = Number(process.env.ROUNDS ?? 10);
const IMAGES = Number(process.env.IMAGES ?? 16);
const REVIEWS = Number(process.env.REVIEWS ?? 20);
const CACHED_RUNS = Number(process.env.CACHED_RUNS ?? 20000);

// --- a registry -------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'portcullis-bench-verify-'));
const port = await new Promise((res) => {
  const s = createServer().listen(0, '127.0.0.1', () => {
    const p = s.address().port;
    s.close(() => res(p));
  });
});
const host = `127.0.0.1:${port}`;
writeFileSync(
  join(work, 'config.yml'),
  ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${join(work, 'data')}`, 'http:', `  addr: ${host}`].join('\n') + '\n',
);
const registry = spawn('/usr/bin/docker-registry', ['serve', join(work, 'config.yml')], { stdio: 'ignore' });
const cleanup = () => {
  registry.kill('SIGTERM');
  rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (let i = 0; ; i++) {
  const up = await new Promise((res) => connect(port, '127.0.0.1').on('connect', function () { this.destroy(); res(true); }).on('error', () => res(false)));
  if (up) break;
  if (i > 200) throw new Error('docker-registry did not start');
  await new Promise((r) => setTimeout(r, 50));
}

// --- signed images ------------------------------------------------------------------------
const client = new RegistryClient(host, { plainHttp: true });
const pair = trust.generateKeyPair('');
const key = trust.loadPrivateKey(pair.privateKeyPem, '');
async function pushSigned(repo) {
  // Verification reads only the manifest digest and the signatures: any layer blob will do.
  const layer = gzipSync(randomBytes(256));
  const l = await client.putBlob(repo, layer);
  const cfg = await client.putBlob(repo, Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } })));
  const manifest = Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size }],
  }));
  const digest = await client.putManifest(repo, 'v1', manifest, 'application/vnd.oci.image.manifest.v1+json');
  await trust.signImage(`${host}/${repo}@${digest}`, { plainHttp: true, key });
  return `${host}/${repo}:v1`;
}
const images = [];
for (let i = 0; i < Math.max(IMAGES, 9); i++) images.push(await pushSigned(`bench/app${i}`));

const policyDoc = {
  apiVersion: 'kyverno.io/v1',
  kind: 'ClusterPolicy',
  metadata: { name: 'verify-bench' },
  spec: {
    background: false,
    rules: [{
      name: 'signed',
      match: { any: [{ resources: { kinds: ['Pod'] } }] },
      verifyImages: [{ failureAction: 'Enforce', imageReferences: [`${host}/bench/*`], attestors: [{ entries: [{ keys: { publicKeys: pair.publicKeyPem, rekor: { ignoreTlog: true } } }] }] }],
    }],
  },
};
const policy = engine.compilePolicy(policyDoc, 'bench');
const set = policySetFromDocs([policyDoc], 'bench');
const newVerifier = () => new verify.ImageVerifier({ registry: { plainHttp: true } });
const podOf = (imgs) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: imgs.map((image, i) => ({ name: `c${i}`, image })) } });
const reviewOf = (imgs, i) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: { uid: `uid-${i}`, kind: { group: '', version: 'v1', kind: 'Pod' }, resource: { group: '', version: 'v1', resource: 'pods' }, namespace: 'default', operation: 'CREATE', userInfo: { username: 'bench' }, object: podOf(imgs) },
});
const planOf = (img) => engine.planImageVerification([policy], { resource: podOf([img]) });

// --- measurements ---------------------------------------------------------------------------
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

// Cold: every verification with a fresh cache; IMAGES distinct images per round.
const plans = images.slice(0, IMAGES).map(planOf);
for (const pl of plans.slice(0, 2)) await newVerifier().verify(pl.requests, { context: pl.context }); // warm-up (JIT, lazy imports)
let t = performance.now();
let cold = 0;
for (let r = 0; r < ROUNDS; r++) {
  const v = newVerifier();
  for (const pl of plans) {
    const out = await v.verify(pl.requests, { context: pl.context });
    if (!engine.imageVerificationResults(pl, out).results.every((x) => x.status === 'pass')) throw new Error('a signed image did not verify');
    cold++;
  }
}
const coldMs = performance.now() - t;

// Cached: one verifier, the same image again and again.
const cachedVerifier = newVerifier();
await cachedVerifier.verify(plans[0].requests, { context: plans[0].context });
t = performance.now();
for (let i = 0; i < CACHED_RUNS; i++) await cachedVerifier.verify(plans[0].requests, { context: plans[0].context });
const cachedMs = performance.now() - t;
if (cachedVerifier.stats.verifications !== 1) throw new Error('cached runs verified again');

// Admission latency: 8 containers of one image vs 8 distinct images, cold and cached.
async function latency(imgs, fresh) {
  const times = [];
  let v = newVerifier();
  let verifications = 0;
  await reviewAdmissionWithVerification(reviewOf(imgs, 0), set, { verifier: v }); // warm-up / fills the cache
  for (let i = 0; i < REVIEWS; i++) {
    if (fresh) v = newVerifier();
    const before = v.stats.verifications;
    const s = performance.now();
    const out = await reviewAdmissionWithVerification(reviewOf(imgs, i + 1), set, { verifier: v });
    times.push(performance.now() - s);
    verifications += v.stats.verifications - before;
    if (!out.review.response.allowed) throw new Error('signed Pod denied');
  }
  return { p50: pct(times, 50), p99: pct(times, 99), perReview: verifications / REVIEWS };
}
const shared = Array.from({ length: 8 }, () => images[0]);
const distinct = images.slice(1, 9);
const rows = [
  ['8 containers, 1 image (cold)', await latency(shared, true)],
  ['8 containers, 8 images (cold, baseline)', await latency(distinct, true)],
  ['8 containers, 1 image (cached)', await latency(shared, false)],
  ['8 containers, 8 images (cached)', await latency(distinct, false)],
];

console.log(`command: ROUNDS=${ROUNDS} IMAGES=${IMAGES} REVIEWS=${REVIEWS} CACHED_RUNS=${CACHED_RUNS} node bench/verify.mjs   (dist: ${DIST})`);
console.log(`node ${process.version}, registry docker-registry on ${host}, key signatures (legacy .sig + bundle referrer per image)\n`);
const fmt = (n, d = 1) => n.toFixed(d);
console.log('| measure | result |');
console.log('|---|---|');
console.log(`| verifications/s, cold (fresh cache, ${cold} verifications) | ${fmt((cold / coldMs) * 1000)} (${fmt(coldMs / cold, 2)} ms each) |`);
console.log(`| verifications/s, cached (${CACHED_RUNS} calls) | ${fmt((CACHED_RUNS / cachedMs) * 1000, 0)} (${fmt((cachedMs / CACHED_RUNS) * 1000, 1)} µs each) |`);
console.log('\n| admission review (Pod CREATE, Enforce) | p50 ms | p99 ms | verifications per review |');
console.log('|---|---|---|---|');
for (const [name, r] of rows) console.log(`| ${name} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.perReview, 0)} |`);
cleanup();
process.exit(0);
