#!/usr/bin/env node
// The Bookstore walkthrough (../shared/seed/supply-chain-security.txt, hands-on): assemble
// the example image bookstore/catalog:dev from the files under examples/bookstore/catalog,
// then run Portcullis over it the way the chapter runs Trivy and syft.
import { spawnSync } from 'node:child_process';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { buildLayer, entriesFromDirectory, removeLayout, writeOciLayout } from '../../dist/assemble/index.js';
import { RegistryClient } from '../../dist/oci/index.js';
import { startLocalRegistry } from './registry.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const out = join(here, 'out');
const bin = join(root, 'bin', 'portcullis.js');
process.env.SOURCE_DATE_EPOCH ??= '1700000000';

function step(title) {
  process.stdout.write(`\n== ${title}\n`);
}

function portcullis(args) {
  process.stdout.write(`$ portcullis ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, stdio: 'inherit' });
  return r.status ?? 1;
}

step('Build bookstore/catalog:dev (distroless-style Debian 12 base + the Node catalog service)');
const layout = join(out, 'catalog');
removeLayout(layout);
const base = await buildLayer(entriesFromDirectory(join(here, 'catalog', 'base')));
const app = await buildLayer(entriesFromDirectory(join(here, 'catalog', 'app')));
const img = writeOciLayout(layout, 'dev', {
  layers: [base, app],
  config: { User: '65532', WorkingDir: '/app', Entrypoint: ['/nodejs/bin/node', 'server.js'] },
  history: ['COPY base rootfs /', 'COPY app /app'],
});
const ref = `oci:${relative(root, layout)}:dev`;
process.stdout.write(`image ${ref}\nmanifest ${img.manifestDigest}\n`);

step('1. What is in it? The SBOM summary');
let rc = portcullis(['sbom', ref, '--format', 'table', '--cache-dir', join(out, 'cache')]);
if (rc !== 0) process.exit(rc);

step('2. Generate the SBOM files (CycloneDX and SPDX), as an audit anchor to store with the image');
rc = portcullis(['sbom', ref, '--format', 'cyclonedx', '-o', join(relative(root, out), 'catalog.cdx.json'), '--cache-dir', join(out, 'cache'), '-q']);
if (rc !== 0) process.exit(rc);
rc = portcullis(['sbom', ref, '--format', 'spdx-json', '-o', join(relative(root, out), 'catalog.spdx.json'), '--cache-dir', join(out, 'cache'), '-q']);
if (rc !== 0) process.exit(rc);
process.stdout.write(`wrote ${relative(root, out)}/catalog.cdx.json and catalog.spdx.json\n`);

step('3. Build a small vulnerability database from real published advisories (offline)');
const db = join(relative(root, out), 'vulndb', 'portcullis.db');
rc = portcullis(['db', 'import', 'examples/bookstore/advisories/osv', 'examples/bookstore/advisories/debian-security-tracker', '--db', db]);
if (rc !== 0) process.exit(rc);

step('4. Scan the image (trivy image bookstore/catalog:dev); --severity HIGH,CRITICAL would keep only those');
rc = portcullis(['image', ref, '--db', db, '--cache-dir', join(out, 'cache')]);
if (rc !== 0) process.exit(rc);

step('5. The CI gate: fail when a CRITICAL finding remains (trivy image --exit-code 1 --severity CRITICAL)');
rc = portcullis(['image', ref, '--db', db, '--exit-code', '1', '--severity', 'CRITICAL', '--cache-dir', join(out, 'cache'), '-q', '--format', 'json', '-o', join(relative(root, out), 'catalog.scan.json')]);
process.stdout.write(`exit code ${rc}: ${rc === 1 ? 'the gate tripped, as it should — minimist 1.2.5 carries CVE-2021-44906 (CRITICAL), fixed in 1.2.6' : 'UNEXPECTED: the gate did not trip'}\n`);
if (rc !== 1) process.exit(1);

step('6. Lint the manifests (trivy config examples/bookstore/raw-manifests/)');
rc = portcullis(['config', 'examples/bookstore/raw-manifests', 'examples/bookstore/extra', '--severity', 'MEDIUM,HIGH,CRITICAL']);
if (rc !== 0) process.exit(rc);

step('7. The chapter\'s Kyverno policy, in Audit: what Enforce WOULD block (kubectl get policyreport -n bookstore)');
rc = portcullis(['policy', 'apply', 'examples/bookstore/raw-manifests/70-kyverno-policy.yaml', '--resource', 'examples/bookstore/raw-manifests', '--resource', 'examples/bookstore/extra']);
if (rc !== 0) process.exit(rc);
process.stdout.write('require-image-digest FAILs for every bookstore/<svc>:dev workload and for the bare `nginx` Pod;\n' +
  'disallow-latest-tag PASSes (it only catches an explicit :latest); require-run-as-non-root PASSes.\n' +
  'Audit reports without blocking (exit 0); the same policy in Enforce would refuse them (exit 1).\n');

step('7b. Readiness: what would Enforce block today? (the Audit → Enforce lifecycle)');
rc = portcullis(['readiness', '--policies', 'examples/bookstore/raw-manifests/70-kyverno-policy.yaml', '--resources', 'examples/bookstore/raw-manifests']);
if (rc !== 0) process.exit(rc);

step('7c. Promote to Enforce? Refused while the Bookstore images are unpinned');
rc = portcullis(['policy', 'promote', 'examples/bookstore/raw-manifests/70-kyverno-policy.yaml', '--to', 'Enforce', '--resources', 'examples/bookstore/raw-manifests']);
process.stdout.write(`exit code ${rc}: ${rc === 1 ? 'refused, as it should be: flipping now would blackhole the Bookstore' : 'UNEXPECTED'}\n`);
if (rc !== 1) process.exit(1);

step('8. Who vouches for it? Push by digest to a registry, sign, verify (cosign sign / cosign verify)');
const registry = await startLocalRegistry(join(out, 'registry'));
if (!registry) {
  process.stdout.write('skipped: Debian\'s docker-registry is not installed (apt-get install docker-registry)\n');
  process.exit(0);
}
try {
  // Push the OCI layout with our own registry client.
  const client = new RegistryClient(registry.host, { plainHttp: true });
  const index = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8'));
  const desc = index.manifests.find((m) => m.annotations?.['org.opencontainers.image.ref.name'] === 'dev');
  const blob = (d) => readFileSync(join(layout, 'blobs', 'sha256', d.slice('sha256:'.length)));
  const manifest = JSON.parse(blob(desc.digest).toString('utf8'));
  for (const b of [manifest.config, ...manifest.layers]) await client.putBlob('bookstore/catalog', blob(b.digest));
  await client.putManifest('bookstore/catalog', 'dev', blob(desc.digest), desc.mediaType);
  const image = `${registry.host}/bookstore/catalog@${desc.digest}`;
  process.stdout.write(`pushed ${image}\n`);

  process.env.COSIGN_PASSWORD = 'bookstore-demo';
  for (const f of ['cosign.key', 'cosign.pub']) rmSync(join(out, f), { force: true });
  rc = portcullis(['key', 'generate', '--output-key-prefix', join(relative(root, out), 'cosign')]);
  if (rc !== 0) process.exit(rc);
  // A private setup: no public transparency log from this sandbox (--tlog-upload=false).
  rc = portcullis(['sign', image, '--key', join(relative(root, out), 'cosign.key'), '--tlog-upload', 'false', '--plain-http']);
  if (rc !== 0) process.exit(rc);
  rc = portcullis(['verify', image, '--key', join(relative(root, out), 'cosign.pub'), '--plain-http']);
  if (rc !== 0) process.exit(rc);
  process.stdout.write('A signature proves PROVENANCE (this digest, signed by that key), not that the image is safe: step 4 still found a CRITICAL.\n');

  step('8b. The cluster refuses what nobody vouched for: a verifyImages policy (Enforce)');
  // The same bytes pushed under another name carry no signature there.
  for (const b of [manifest.config, ...manifest.layers]) await client.putBlob('bookstore/unsigned', blob(b.digest));
  await client.putManifest('bookstore/unsigned', 'dev', blob(desc.digest), desc.mediaType);
  const pub = readFileSync(join(out, 'cosign.pub'), 'utf8');
  const indent = (text, n) => text.trim().split('\n').map((l) => ' '.repeat(n) + l).join('\n');
  const verifyDir = join(out, 'verify-images');
  rmSync(verifyDir, { recursive: true, force: true });
  mkdirSync(join(verifyDir, 'pods'), { recursive: true });
  const policyFile = join(verifyDir, 'verify-bookstore-images.yaml');
  writeFileSync(policyFile, [
    'apiVersion: kyverno.io/v1',
    'kind: ClusterPolicy',
    'metadata: { name: verify-bookstore-images }',
    'spec:',
    '  background: false',
    '  rules:',
    '    - name: check-signature',
    '      match: { any: [ { resources: { kinds: ["Pod"], namespaces: ["bookstore"] } } ] }',
    '      verifyImages:',
    '        - failureAction: Enforce',
    `          imageReferences: ["${registry.host}/bookstore/*"]`,
    '          attestors:',
    '            - entries:',
    '                - keys:',
    '                    publicKeys: |-',
    indent(pub, 22),
    '                    rekor: { ignoreTlog: true }   # private setup: signed with --tlog-upload=false',
    '',
  ].join('\n'));
  const pod = (name, img) => JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'bookstore' }, spec: { securityContext: { runAsNonRoot: true }, containers: [{ name: 'app', image: img }] } });
  writeFileSync(join(verifyDir, 'pods', 'signed.json'), pod('catalog-signed', image));
  writeFileSync(join(verifyDir, 'pods', 'unsigned.json'), pod('catalog-unsigned', `${registry.host}/bookstore/unsigned@${desc.digest}`));
  rc = portcullis(['policy', 'apply', relative(root, policyFile), '--resource', join(relative(root, verifyDir), 'pods'), '--plain-http']);
  process.stdout.write(`exit code ${rc}: ${rc === 1 ? 'the signed Pod passes; the unsigned one would be refused at admission' : 'UNEXPECTED'}\n`);
  if (rc !== 1) process.exit(1);

  step('9. Is it exactly what we built? Pin every image by digest, then Enforce');
  // The example has one image; the other services reuse it under their own names here.
  for (const svc of ['orders', 'payments', 'storefront']) {
    for (const b of [manifest.config, ...manifest.layers]) await client.putBlob(`bookstore/${svc}`, blob(b.digest));
    await client.putManifest(`bookstore/${svc}`, 'dev', blob(desc.digest), desc.mediaType);
  }
  const pinned = join(relative(root, out), 'pinned-manifests');
  rmSync(join(root, pinned), { recursive: true, force: true });
  cpSync(join(here, 'raw-manifests'), join(root, pinned), { recursive: true });
  const mirror = ['--mirror', `docker.io=${registry.host}`, '--plain-http'];
  rc = portcullis(['pin', pinned, '--check']);
  process.stdout.write(`exit code ${rc}: unpinned references listed above\n`);
  rc = portcullis(['pin', pinned, '--write', '--keep-tag', ...mirror]);
  if (rc !== 0) process.exit(rc);
  rc = portcullis(['pin', pinned, '--check']);
  if (rc !== 0) process.exit(rc);
  rc = portcullis(['policy', 'apply', join(pinned, '70-kyverno-policy.yaml'), '--resource', pinned]);
  if (rc !== 0) process.exit(rc);
  rc = portcullis(['policy', 'promote', join(pinned, '70-kyverno-policy.yaml'), '--to', 'Enforce', '--resources', pinned, '--write']);
  if (rc !== 0) process.exit(rc);
  process.stdout.write('Pinned, signed, scanned: the policy is promoted to Enforce without blocking the Bookstore.\n');
} finally {
  registry.stop();
}
