#!/usr/bin/env node
// Benchmark (issue: scan gate): scanning the debootstrap Debian image with a warm database
// against building its SBOM, in the same run; and a rescan served from the layer cache.
//
//   npm run build && node bench/vulndb-import.mjs --keep      # prints "kept DIR" (100k records)
//   node bench/scan.mjs --db DIR/portcullis.db [--runs 5]
//
// Without --db it imports the real fixture records and the Debian tracker excerpts into a
// small database (fast to build, but lookups then hit a tiny index).
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const bin = join(root, 'bin', 'portcullis.js');
const img = process.env.PORTCULLIS_ACCEPTANCE_DIR ?? '/var/tmp/portcullis-acceptance';
const { values: args } = parseArgs({ options: { db: { type: 'string' }, runs: { type: 'string', default: '5' } } });
const runs = Number(args.runs);
execFileSync('bash', [join(root, 'test/acceptance/build-debian-image.sh'), img], { stdio: 'inherit' });

const tmp = mkdtempSync(join(tmpdir(), 'portcullis-bench-scan-'));
const db = join(tmp, 'portcullis.db');
const cli = (argv) => spawnSync(process.execPath, [bin, ...argv], { encoding: 'utf8', maxBuffer: 256 << 20 });
if (args.db) copyFileSync(args.db, db);
// The Debian tracker excerpts on top, so the image has real Debian matches.
const imp = cli(['db', 'import', join(root, 'test/fixtures/vulndb/osv'), join(root, 'examples/bookstore/advisories/debian-security-tracker'), '--db', db, '-q']);
if (imp.status !== 0) throw new Error(imp.stderr);

function time(argv) {
  const t0 = process.hrtime.bigint();
  const r = cli(argv);
  if (r.status !== 0) throw new Error(`portcullis ${argv.join(' ')}: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const archive = `docker-archive:${img}/debian.tar`;
const cache = join(tmp, 'cache');
const r = { sbom: [], scan: [], rescan: [] };
try {
  // Warm the database file in the page cache once (a "warm DB").
  time(['image', archive, '--db', db, '--no-cache', '-q', '-o', '/dev/null']);
  for (let i = 0; i < runs; i++) {
    r.sbom.push(time(['sbom', archive, '--no-cache', '-q', '-o', '/dev/null']));
    r.scan.push(time(['image', archive, '--db', db, '--no-cache', '-q', '-o', '/dev/null']));
  }
  time(['image', archive, '--db', db, '--cache-dir', cache, '-q', '-o', '/dev/null']);
  for (let i = 0; i < runs; i++) r.rescan.push(time(['image', archive, '--db', db, '--cache-dir', cache, '-q', '-o', '/dev/null']));
  const s = median(r.sbom);
  console.log(`runs: ${runs} (medians); database ${args.db ? args.db : 'fixtures + tracker excerpts'}`);
  console.log('');
  console.log('| what | time | vs sbom |');
  console.log('|---|---|---|');
  console.log(`| portcullis sbom docker-archive: (baseline, no cache) | ${s.toFixed(0)} ms | 1.00× |`);
  console.log(`| portcullis image docker-archive: (warm DB, no layer cache) | ${median(r.scan).toFixed(0)} ms | ${(median(r.scan) / s).toFixed(2)}× |`);
  console.log(`| portcullis image docker-archive: (rescan from the layer cache) | ${median(r.rescan).toFixed(0)} ms | ${(median(r.rescan) / s).toFixed(2)}× |`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
