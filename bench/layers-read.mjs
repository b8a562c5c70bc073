// Layer-read throughput against `gzip -dc` of the same blob, in the same run.
//
//   npm run build && [VERIFY=1] node bench/layers-read.mjs [LAYER.tar.gz ...]
//
// Without arguments it builds a ~100 MB tar from this machine's /usr (tar | gzip -6) in a
// temp dir. The wanter wants a handful of files, as an SBOM scan of a Debian image does.
// LAYERS_MODULE=path/to/layers/index.js overrides the module under test.
import { spawnSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const mod = process.env.LAYERS_MODULE ? resolve(process.env.LAYERS_MODULE) : new URL('../dist/layers/index.js', import.meta.url).pathname;
const { readLayer } = await import(pathToFileURL(mod).href);

const RUNS = Number(process.env.RUNS ?? 5);
let tmp;
let files = process.argv.slice(2);
if (files.length === 0) {
  tmp = mkdtempSync(join(tmpdir(), 'pc-bench-'));
  const list = spawnSync('sh', ['-c', "cd / && find usr/share/doc usr/lib/python3* usr/bin usr/lib/x86_64-linux-gnu -xdev \\( -type f -o -type l \\) -printf '%s %p\\n' 2>/dev/null | awk '{s+=$1; if (s>100000000) exit; print $2}'"], { maxBuffer: 1 << 26 }).stdout;
  writeFileSync(join(tmp, 'list'), list);
  const f = join(tmp, 'layer.tar.gz');
  spawnSync('sh', ['-c', `tar -C / --no-recursion -cf - -T ${join(tmp, 'list')} 2>/dev/null | gzip -6 > ${f}`]);
  files = [f];
}

const wanted = new Set(['var/lib/dpkg/status', 'etc/os-release', 'usr/lib/os-release']);
const wanters = [
  { id: 'few', version: '1', want: (c) => wanted.has(c.path) || c.path.endsWith('/METADATA') || c.path.endsWith('.gemspec') },
];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const f of files) {
  const gz = [];
  const rd = [];
  let info = '';
  // VERIFY=1 passes the real diffId, so readLayer also hashes the tar (as it does for images).
  const diffId = process.env.VERIFY ? 'sha256:' + spawnSync('sh', ['-c', `gzip -dc '${f}' | sha256sum`]).stdout.toString().slice(0, 64) : '';
  for (let i = 0; i < RUNS; i++) {
    let t = performance.now();
    spawnSync('sh', ['-c', `gzip -dc '${f}' > /dev/null`]);
    gz.push(performance.now() - t);
    t = performance.now();
    const layer = { index: 0, digest: 'sha256:bench', diffId, mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', size: -1 };
    const c = await readLayer(createReadStream(f, { highWaterMark: 1 << 20 }), layer, wanters, {});
    rd.push(performance.now() - t);
    info = `kept ${c.files.size} files, ${c.symlinks.size} symlinks`;
  }
  const g = median(gz);
  const r = median(rd);
  console.log(`${f}: gzip -dc ${g.toFixed(0)} ms, readLayer ${r.toFixed(0)} ms (median of ${RUNS}), ratio ${(r / g).toFixed(2)}; ${info}`);
}
if (tmp) rmSync(tmp, { recursive: true, force: true });
