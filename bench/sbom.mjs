#!/usr/bin/env node
// Benchmark (issue: foundation): SBOM of the debootstrap Debian image against `gzip -dc` of
// its layer, measured in the same run; peak RSS; a cached rerun; optionally cdxgen.
// Run: npm run build && node bench/sbom.mjs [--runs 5] [--cdxgen]
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const bin = join(root, 'bin', 'portcullis.js');
const img = process.env.PORTCULLIS_ACCEPTANCE_DIR ?? '/var/tmp/portcullis-acceptance';
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1]) || 5;

execFileSync('bash', [join(root, 'test/acceptance/build-debian-image.sh'), img], { stdio: 'inherit' });

// The layer blob of the OCI layout (gzip), as the registry would serve it.
const index = JSON.parse(readFileSync(join(img, 'oci/index.json'), 'utf8'));
const manifest = JSON.parse(readFileSync(join(img, 'oci/blobs/sha256', index.manifests[0].digest.slice(7)), 'utf8'));
const layerPath = join(img, 'oci/blobs/sha256', manifest.layers[0].digest.slice(7));

function timeIt(cmd, argv, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...argv], { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${argv.join(' ')} failed: ${r.stderr}`);
  const rssKb = Number(r.stderr.trim().split('\n').pop());
  return { ms, rssMb: rssKb / 1024 };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cache = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
const results = { gunzip: [], archive: [], oci: [], cached: [], rss: [] };
for (let i = 0; i < runs; i++) {
  // Interleave baseline and subject so machine noise hits both alike.
  results.gunzip.push(timeIt('sh', ['-c', `gzip -dc '${layerPath}' > /dev/null`]).ms);
  const a = timeIt(process.execPath, [bin, 'sbom', `docker-archive:${img}/debian.tar`, '--no-cache', '-q', '-o', '/dev/null']);
  results.archive.push(a.ms);
  results.rss.push(a.rssMb);
  const o = timeIt(process.execPath, [bin, 'sbom', `oci:${img}/oci:bookworm`, '--no-cache', '-q', '-o', '/dev/null']);
  results.oci.push(o.ms);
  results.rss.push(o.rssMb);
}
// Warm the cache once, then time reruns.
timeIt(process.execPath, [bin, 'sbom', `docker-archive:${img}/debian.tar`, '--cache-dir', cache, '-q', '-o', '/dev/null']);
for (let i = 0; i < runs; i++) results.cached.push(timeIt(process.execPath, [bin, 'sbom', `docker-archive:${img}/debian.tar`, '--cache-dir', cache, '-q', '-o', '/dev/null']).ms);
rmSync(cache, { recursive: true, force: true });

const g = median(results.gunzip);
const line = (name, xs) => `| ${name} | ${median(xs).toFixed(0)} ms | ${(median(xs) / g).toFixed(2)}× |`;
const report = [
  `runs: ${runs} (medians); layer ${manifest.layers[0].size} bytes gzip`,
  '',
  '| what | time | vs gzip -dc |',
  '|---|---|---|',
  line('gzip -dc of the layer (baseline)', results.gunzip),
  line('portcullis sbom docker-archive: (no cache)', results.archive),
  line('portcullis sbom oci: (gzip layer, no cache)', results.oci),
  line('portcullis sbom docker-archive: (cached rerun)', results.cached),
  '',
  `peak RSS (max over uncached runs): ${Math.max(...results.rss).toFixed(0)} MB`,
];

if (args.includes('--cdxgen')) {
  // A peer for comparison: cdxgen on the same docker-archive tarball, one run (it is slow).
  const tmp = mkdtempSync(join(tmpdir(), 'portcullis-cdxgen-'));
  try {
    const outFile = join(tmp, 'cdxgen.json');
    const c = timeIt('npx', ['--yes', '@cyclonedx/cdxgen', '-t', 'oci', '-o', outFile, `${img}/debian.tar`], { FETCH_LICENSE: 'false' });
    const comps = JSON.parse(readFileSync(outFile, 'utf8')).components ?? [];
    const debs = comps.filter((x) => String(x.purl ?? '').startsWith('pkg:deb/')).length;
    report.push(`cdxgen -t oci (same tarball, 1 run): ${c.ms.toFixed(0)} ms (${(c.ms / g).toFixed(2)}× gzip -dc), peak RSS ${c.rssMb.toFixed(0)} MB, ${debs} deb components of ${comps.length}`);
  } catch (e) {
    report.push(`cdxgen: could not run here (${String(e.message).split('\n')[0].slice(0, 200)})`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
console.log(report.join('\n'));
