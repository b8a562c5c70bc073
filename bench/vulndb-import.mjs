// Vulnerability database import and lookup throughput, on a synthetic OSV export.
//
//   npm run build && node bench/vulndb-import.mjs [--records 100000] [--lookups 50000]
//
// The export is synthesized from the shapes of the 51 real records in
// test/fixtures/vulndb/osv: record i is fixture (i mod 51) with its id, package names,
// versions and dates varied, pretty-printed as OSV's exports are, zipped flat as
// `<ID>.json` members by python3's zipfile when there is one (sizes in the local headers and
// zip64 past 65535 entries, like osv.dev's all.zip). Baselines in
// the same run: `unzip -p` of the zip (when /usr/bin/unzip exists) and our streaming
// reader inflating + JSON.parse without validation or database.
// VULNDB_MODULE=path/to/vulndb/index.js overrides the module under test.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { zipSync } from 'fflate';

const { values: args } = parseArgs({ options: { records: { type: 'string', default: '100000' }, lookups: { type: 'string', default: '50000' }, keep: { type: 'boolean', default: false } } });
const N = Number(args.records);
const LOOKUPS = Number(args.lookups);
const mod = process.env.VULNDB_MODULE ? resolve(process.env.VULNDB_MODULE) : new URL('../dist/vulndb/index.js', import.meta.url).pathname;
const { importLocations, readZipMembers, VulnDb } = await import(pathToFileURL(mod).href);

const fixtures = new URL('../test/fixtures/vulndb/osv/', import.meta.url).pathname;
const shapes = [];
for (const d of readdirSync(fixtures).sort()) {
  if (!statSync(join(fixtures, d)).isDirectory()) continue;
  for (const f of readdirSync(join(fixtures, d)).sort()) shapes.push(JSON.parse(readFileSync(join(fixtures, d, f), 'utf8')));
}

// Package names repeat across records (a name pool a third of the record count), so a
// lookup finds several records, as it does for openssl or the Go stdlib.
const pool = Math.max(1, Math.floor(N / 3));
const bump = (v, i) => (v === '0' ? v : `${v}.${i % 97}`);
function synthesize(i) {
  const rec = structuredClone(shapes[i % shapes.length]);
  rec.id = `${rec.id}-b${i}`;
  const day = new Date(Date.UTC(2020, 0, 1) + (i % 2000) * 86_400_000).toISOString().replace('.000Z', 'Z');
  rec.modified = day;
  for (const a of rec.affected ?? []) {
    if (a.package) a.package.name = `${a.package.name}-p${i % pool}`;
    for (const r of a.ranges ?? []) for (const e of r.events) for (const k of Object.keys(e)) if (k !== 'introduced') e[k] = bump(e[k], i);
    if (a.versions) a.versions = a.versions.map((v) => bump(v, i));
  }
  return rec;
}

const tmp = mkdtempSync(join(tmpdir(), 'pc-bench-vulndb-'));
const ms = (t0) => performance.now() - t0;
try {
  let t0 = performance.now();
  const keys = [];
  let jsonBytes = 0;
  const zipPath = join(tmp, 'bench', 'all.zip');
  mkdirSync(join(tmp, 'bench'));
  // python3's zipfile (native zlib, zip64 past 65535 entries) is what osv.dev's exporter
  // uses; without python3, fflate's zipSync (slower, and its entry count wraps at 65536).
  const python = spawnSync('python3', ['--version']).status === 0;
  const jsonl = join(tmp, 'records.jsonl');
  const fd = python ? openSync(jsonl, 'w') : undefined;
  const members = {};
  for (let i = 0; i < N; i++) {
    const rec = synthesize(i);
    const text = JSON.stringify(rec, null, 2);
    jsonBytes += Buffer.byteLength(text);
    if (fd !== undefined) writeSync(fd, JSON.stringify(rec) + '\n');
    else members[`${rec.id}.json`] = Buffer.from(text);
    if (i < shapes.length * 40) for (const a of rec.affected ?? []) if (a.package) keys.push([a.package.ecosystem, a.package.name]);
  }
  if (fd !== undefined) {
    closeSync(fd);
    const py = 'import json,sys,zipfile\nwith zipfile.ZipFile(sys.argv[2],"w",zipfile.ZIP_DEFLATED) as z:\n for line in open(sys.argv[1]):\n  r=json.loads(line); z.writestr(r["id"]+".json", json.dumps(r,indent=2,ensure_ascii=False))\n';
    const r = spawnSync('python3', ['-c', py, jsonl, zipPath], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('python3 zipfile failed');
    rmSync(jsonl);
  } else {
    writeFileSync(zipPath, zipSync(members, { level: 6 }));
  }
  const zipBytes = statSync(zipPath).size;
  console.log(`synthesized ${N} records (${(jsonBytes / 1e6).toFixed(0)} MB of JSON, ${(zipBytes / 1e6).toFixed(1)} MB zip) in ${(ms(t0) / 1000).toFixed(1)} s`);

  if (existsSync('/usr/bin/unzip')) {
    t0 = performance.now();
    spawnSync('sh', ['-c', `unzip -p '${zipPath}' > /dev/null`]);
    const t = ms(t0);
    console.log(`baseline unzip -p:                      ${(t / 1000).toFixed(2)} s  ${Math.round(N / (t / 1000))} records/s`);
  }
  t0 = performance.now();
  let parsed = 0;
  for await (const m of readZipMembers(zipPath, (n) => n.endsWith('.json'), { maxTotalBytes: 1e12, maxMemberBytes: 1e9 })) {
    JSON.parse(Buffer.from(m.data.buffer, m.data.byteOffset, m.data.byteLength).toString('utf8'));
    parsed++;
  }
  const tRead = ms(t0);
  console.log(`baseline stream-inflate + JSON.parse:   ${(tRead / 1000).toFixed(2)} s  ${Math.round(parsed / (tRead / 1000))} records/s`);

  const dbPath = join(tmp, 'portcullis.db');
  t0 = performance.now();
  const res = await importLocations(dbPath, [zipPath]);
  const tImport = ms(t0);
  const dbBytes = statSync(dbPath).size;
  console.log(`import (validate + store + index):      ${(tImport / 1000).toFixed(2)} s  ${Math.round(res.imported[0].records / (tImport / 1000))} records/s  (${(tImport / tRead).toFixed(2)}x the read baseline)`);
  console.log(`database: ${(dbBytes / 1e6).toFixed(1)} MB (${(dbBytes / jsonBytes).toFixed(2)}x the JSON), ${res.imported[0].records} records`);

  const db = VulnDb.open(dbPath);
  // Hits (names that exist, each several records) interleaved with misses.
  const queries = [];
  for (let i = 0; i < LOOKUPS; i++) queries.push(i % 2 === 0 ? keys[(i * 7919) % keys.length] : ['npm', `no-such-package-${i}`]);
  let matches = 0;
  for (const [e, n] of queries.slice(0, 1000)) matches += db.lookup(e, n).length; // warm-up
  matches = 0;
  t0 = performance.now();
  for (const [e, n] of queries) matches += db.lookup(e, n).length;
  const tLookup = ms(t0);
  db.close();
  console.log(`lookups: ${LOOKUPS} in ${(tLookup / 1000).toFixed(2)} s  ${Math.round(LOOKUPS / (tLookup / 1000))} lookups/s  (${(matches / LOOKUPS).toFixed(2)} matches per lookup, half are misses)`);
} finally {
  if (args.keep) console.log(`kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
