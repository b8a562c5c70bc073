// Rewriting, offline: the edits for each kind of reference, with a fixed digest standing in
// for a registry's answer. Expected texts are built from the fixtures by plain string
// replacement of the one scalar each edit may touch; everything else must stay byte for byte.
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyEdits, editsFor, findReferences, PinError, writeFileAtomic, type FileScan } from '../../src/pin/index.js';
import { sha256Digest } from '../../src/util/digest.js';
import { FIX } from './helpers.js';

const D = sha256Digest('a stand-in manifest');
const read = (p: string) => readFileSync(p, 'utf8');

/** Pins every unpinned reference of a scan to D. */
function pinAll(scan: FileScan, keepTag = false): string {
  const edits = scan.references.filter((r) => r.digest === undefined).flatMap((r) => editsFor(r, D, keepTag));
  return applyEdits(scan.text, edits, scan.file);
}

describe('container images (YAML and JSON)', () => {
  it('replaces only the image scalars, keeping quotes, comments and flow style', () => {
    const file = join(FIX, 'k8s', 'workloads.yaml');
    const text = read(file);
    const out = pinAll(findReferences(text, file));
    const expected = text
      .replace('image: "busybox:1.36"', `image: "busybox@${D}"`)
      .replace("image: 'nicolaka/netshoot:v0.13'", `image: 'nicolaka/netshoot@${D}'`)
      .replace('image: busybox   #', `image: busybox@${D}   #`)
      .replace('image: registry.example.com:5000/shop/web:1.4.0 #', `image: registry.example.com:5000/shop/web@${D} #`)
      .replace('image: envoyproxy/envoy:v1.30.1 }', `image: envoyproxy/envoy@${D} }`)
      .replace('image: nginx:1.27 #', `image: nginx@${D} #`)
      .replace('image: docker.io/library/redis:7.2 #', `image: docker.io/library/redis@${D} #`)
      .replace('image: alpine:3.20 #', `image: alpine@${D} #`)
      .replace('image: ghcr.io/acme/report:2024.06 #', `image: ghcr.io/acme/report@${D} #`)
      .replace('image: quay.io/prometheus/node-exporter:v1.8.1 #', `image: quay.io/prometheus/node-exporter@${D} #`);
    expect(out).toBe(expected);
    const again = findReferences(out, file);
    expect(again.references.every((r) => r.digest !== undefined)).toBe(true);
    // Idempotent: nothing left to edit.
    expect(pinAll(again)).toBe(out);
  });

  it('--keep-tag writes name:tag@digest, and name:latest@digest for an untagged name', () => {
    const text = 'kind: Pod\napiVersion: v1\nspec:\n  containers:\n    - {name: a, image: nginx:1.27}\n    - {name: b, image: "busybox"}\n';
    const out = pinAll(findReferences(text, 'p.yaml'), true);
    expect(out).toBe(text.replace('nginx:1.27', `nginx:1.27@${D}`).replace('"busybox"', `"busybox:latest@${D}"`));
  });

  it('JSON strings stay JSON strings', () => {
    const file = join(FIX, 'k8s', 'list.json');
    const text = read(file);
    const out = pinAll(findReferences(text, file));
    expect(out).toBe(text.replace('"registry.k8s.io/coredns/coredns:v1.11.1"', `"registry.k8s.io/coredns/coredns@${D}"`).replace('"registry.k8s.io/etcd:3.5.12-0"', `"registry.k8s.io/etcd@${D}"`));
    expect(JSON.parse(out).items[1].spec.containers[0].image).toBe(`registry.k8s.io/etcd@${D}`);
  });
});

describe('Dockerfiles, compose', () => {
  it('FROM and COPY --from words are replaced in place; stage names and flags untouched', () => {
    const text = 'FROM --platform=$BUILDPLATFORM golang:1.22 AS build\nFROM scratch\nCOPY --from=build /a /a\nCOPY --link --from=ghcr.io/acme/tools:1.2 /c /c\n';
    const out = pinAll(findReferences(text, 'Dockerfile'));
    expect(out).toBe(text.replace('golang:1.22', `golang@${D}`).replace('ghcr.io/acme/tools:1.2', `ghcr.io/acme/tools@${D}`));
  });

  it('compose images', () => {
    const file = join(FIX, 'compose', 'compose.yaml');
    const text = read(file);
    expect(pinAll(findReferences(text, file))).toBe(text.replace('image: postgres\n', `image: postgres@${D}\n`).replace('image: nginx\n', `image: nginx@${D}\n`));
  });
});

describe('Kustomize images', () => {
  const file = join(FIX, 'kustomize', 'kustomization.yaml');
  const text = read(file);

  it('by default the newTag line becomes the digest line (kustomize then writes name@digest)', () => {
    expect(pinAll(findReferences(text, file))).toBe(text.replace('  newTag: v1\n', `  digest: ${D}\n`).replace('  newTag: 1.8.0\n', `  digest: ${D}\n`));
  });

  it('with --keep-tag the digest is added after the entry, at its keys\' indentation', () => {
    expect(pinAll(findReferences(text, file), true)).toBe(text.replace('  newTag: v1\n', `  newTag: v1\n  digest: ${D}\n`).replace('  newTag: 1.8.0\n', `  newTag: 1.8.0\n  digest: ${D}\n`));
  });

  it('flow-style entries, trailing comments, CRLF files and JSON kustomizations', () => {
    const flow = 'kind: Kustomization\nimages: [{ name: nginx, newTag: "1.27" }]\n';
    expect(pinAll(findReferences(flow, 'kustomization.yaml'), true)).toBe(flow.replace('newTag: "1.27" }', `newTag: "1.27", digest: ${D} }`));
    expect(pinAll(findReferences(flow, 'kustomization.yaml'))).toBe(flow.replace('newTag: "1.27"', `digest: "${D}"`));
    const commented = 'kind: Kustomization\r\nimages:\r\n  - name: nginx\r\n    newName: mirror.example.com/nginx\r\n    newTag: "1.27" # the LTS\r\n';
    expect(pinAll(findReferences(commented, 'kustomization.yaml'), true)).toBe(commented.replace('# the LTS\r\n', `# the LTS\r\n    digest: ${D}\r\n`));
    const json = '{\n  "kind": "Kustomization",\n  "images": [\n    {\n      "name": "nginx",\n      "newTag": "1.27"\n    }\n  ]\n}\n';
    expect(pinAll(findReferences(json, 'kustomization.json'), true)).toBe(json.replace('"newTag": "1.27"', `"newTag": "1.27",\n      "digest": "${D}"`));
  });
});

describe('Helm values', () => {
  it('a chart with a digest field (Bitnami) gets the digest there; the tag stays', () => {
    const file = join(FIX, 'helm', 'values.yaml');
    const text = read(file);
    const out = pinAll(findReferences(text, file, { helm: true }));
    expect(out).toBe(text.replace(/digest: ""/g, `digest: "${D}"`));
  });

  it('a chart without one (helm create) gets tag@digest, which its repository:tag template renders as a pin', () => {
    const file = join(FIX, 'helm', 'values-create.yaml');
    const text = read(file);
    const out = pinAll(findReferences(text, file, { helm: true }));
    expect(out).toBe(text.replace('tag: "1.27"', `tag: "1.27@${D}"`));
    const again = findReferences(out, file, { helm: true }).references[0];
    expect([again.tag, again.digest, again.image]).toEqual(['1.27', D, `nginx:1.27@${D}`]);
  });
});

it('overlapping edits are refused', () => {
  let code: string | undefined;
  try {
    applyEdits('abcdef', [{ start: 1, end: 4, text: 'x' }, { start: 3, end: 5, text: 'y' }], 'f');
  } catch (e) {
    code = e instanceof PinError ? e.code : String(e);
  }
  expect(code).toBe('VERIFY_FAILED');
});

it('files are replaced atomically, keeping their mode; a symbolic link named is followed, not replaced', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-pin-write-'));
  try {
    const target = join(dir, 'real.yaml');
    writeFileSync(target, 'old\n');
    chmodSync(target, 0o640);
    symlinkSync('real.yaml', join(dir, 'link.yaml'));
    writeFileAtomic(join(dir, 'link.yaml'), 'new\n');
    expect(readFileSync(target, 'utf8')).toBe('new\n');
    expect(statSync(target).mode & 0o777).toBe(0o640);
    expect(lstatSync(join(dir, 'link.yaml')).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['link.yaml', 'real.yaml']); // no temporary file left
    let code: string | undefined;
    try {
      writeFileAtomic(join(dir, 'missing', 'x.yaml'), 'x');
    } catch (e) {
      code = e instanceof PinError ? e.code : String(e);
    }
    expect(code).toBe('WRITE_FAILED');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
