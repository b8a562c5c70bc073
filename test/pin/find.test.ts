// Finding image references, offline. Expected positions are derived from the fixtures
// themselves (marker comments, plain text searches), not from the code under test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPaths, findReferences, PinError, scanPaths, type FileScan } from '../../src/pin/index.js';
import { BOOKSTORE, FIX } from './helpers.js';

const read = (p: string) => readFileSync(p, 'utf8');
const linesWith = (text: string, re: RegExp) => text.split('\n').flatMap((l, i) => (re.test(l) ? [i + 1] : []));
/** The image value on a line, read with a regexp: `image: "x"`, `image: x # c`, `{ image: x }`. */
const imageOnLine = (line: string) => /image:\s*(['"]?)([^'"\s},#]+)\1/.exec(line)?.[2];
const source = (text: string, r: { byteStart: number; byteEnd: number }) => Buffer.from(text).subarray(r.byteStart, r.byteEnd).toString();

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'portcullis-pin-find-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('Kubernetes manifests', () => {
  it('finds the Bookstore Deployments\' images at their lines, and nothing in the other documents', () => {
    const scan = scanPaths([BOOKSTORE]);
    expect(scan.errors).toEqual([]);
    const refs = scan.files.flatMap((f) => f.references);
    expect(refs).toHaveLength(4);
    for (const f of scan.files) {
      const text = read(f.file);
      const want = linesWith(text, /^\s+image: /);
      expect(f.references.map((r) => r.line), f.file).toEqual(want);
      for (const r of f.references) {
        const line = text.split('\n')[r.line - 1];
        expect(r.image).toBe(imageOnLine(line));
        expect(line.slice(r.column - 1)).toMatch(new RegExp(`^${r.image}\\s`));
        expect(source(text, r)).toBe(r.image);
        expect(r.kind).toBe('kubernetes');
        expect(r.digest).toBeUndefined();
        expect(r.where).toMatch(/^Deployment\/bookstore\/\w+ spec\.template\.spec\.containers\[0\]/);
      }
    }
  });

  it('reads every workload kind, init and ephemeral containers, CronJob templates and List items', () => {
    const file = join(FIX, 'k8s', 'workloads.yaml');
    const text = read(file);
    const scan = findReferences(text, file);
    expect(scan.references.map((r) => r.line)).toEqual(linesWith(text, /# expect-pin$/));
    expect(scan.skipped.map((s) => s.line)).toEqual(linesWith(text, /# expect-skip$/));
    const lines = text.split('\n');
    for (const r of scan.references) {
      expect(r.image).toBe(imageOnLine(lines[r.line - 1]));
      // The slot covers the scalar as written, quotes included.
      expect(lines[r.line - 1]).toContain(source(text, r));
      expect(source(text, r).replace(/^['"]|['"]$/g, '')).toBe(r.image);
      expect(r.digest !== undefined).toBe(r.image.includes('@sha256:'));
    }
    const where = scan.references.map((r) => r.where.split(' ')[0]);
    expect(new Set(where)).toEqual(new Set(['Pod/tools/debug', 'Deployment/shop/web', 'StatefulSet/db', 'DaemonSet/agent', 'ReplicaSet/rs', 'ReplicationController/rc', 'CronJob/nightly', 'PodTemplate/tpl']));
    expect(scan.references.find((r) => r.image === 'alpine:3.20')?.where).toBe('CronJob/nightly spec.jobTemplate.spec.template.spec.initContainers[0] (wait)');
    expect(scan.references.find((r) => r.image === 'busybox')?.where).toBe('Pod/tools/debug spec.ephemeralContainers[0] (dbg)');
    const reasons = scan.skipped.map((s) => s.reason);
    expect(reasons[0]).toMatch(/\$\{MIGRATE_IMAGE\}/);
    expect(reasons[1]).toMatch(/lowercase/);
    expect(reasons[2]).toMatch(/block scalar/);
  });

  it('reads JSON Lists (kubectl get -o json) with exact offsets', () => {
    const file = join(FIX, 'k8s', 'list.json');
    const text = read(file);
    const scan = findReferences(text, file);
    expect(scan.format).toBe('json');
    expect(scan.references.map((r) => r.line)).toEqual(linesWith(text, /"image":/));
    expect(scan.references.map((r) => source(text, r))).toEqual(['"registry.k8s.io/coredns/coredns:v1.11.1"', '"registry.k8s.io/etcd:3.5.12-0"']);
    expect(scan.references.map((r) => r.where)).toEqual([
      'Deployment/kube-system/coredns spec.template.spec.containers[0] (coredns)',
      'Pod/kube-system/etcd-kind-control-plane spec.containers[0] (etcd)',
    ]);
  });
});

it('byte offsets address the scalar after multi-byte text, a BOM and CRLF line ends', () => {
  const text = '\uFEFF# café ☕ 𝄞\r\nkind: Pod\r\napiVersion: v1\r\nspec:\r\n  containers:\r\n  - name: a\r\n    image: nginx:1.27 # x\r\n';
  const [r] = findReferences(text, 'p.yaml').references;
  expect([r.line, r.column, source(text, r)]).toEqual([7, 12, 'nginx:1.27']);
  const json = '\uFEFF{"kind":"Pod","apiVersion":"v1","spec":{"containers":[{"image":"é/x:1"}]}}';
  expect(findReferences(json, 'p.json').skipped.map((x) => source(json, x))).toEqual(['"é/x:1"']);
});

describe('Dockerfiles', () => {
  /** FROM words that are images, by plain text: not scratch, not an earlier stage name, no variables. */
  function fromImages(text: string): Array<{ line: number; image: string }> {
    const stages = new Set<string>();
    const out: Array<{ line: number; image: string }> = [];
    text.split('\n').forEach((l, i) => {
      const m = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+as\s+(\S+))?/i.exec(l);
      if (!m) return;
      if (!stages.has(m[1].toLowerCase()) && m[1] !== 'scratch' && !m[1].includes('$')) out.push({ line: i + 1, image: m[1] });
      if (m[2]) stages.add(m[2].toLowerCase());
    });
    return out;
  }

  it('finds FROM images, not build stages (distroless example, lower-case `as` and indented instructions)', () => {
    for (const name of ['distroless-go.Dockerfile', 'pyenv-test.Dockerfile']) {
      const file = join(FIX, 'dockerfile', name);
      const text = read(file);
      const scan = findReferences(text, file);
      expect(scan.format).toBe('dockerfile');
      expect(scan.references.map((r) => ({ line: r.line, image: r.image }))).toEqual(fromImages(text));
      for (const r of scan.references) expect(source(text, r)).toBe(r.image);
    }
  });

  it('reports ARG-built references as skipped with the reason, and finds digest-pinned FROM and COPY --from images', () => {
    const file = join(FIX, 'dockerfile', 'buildkit.Dockerfile');
    const text = read(file);
    const scan = findReferences(text, file);
    const withVars = linesWith(text, /^\s*FROM\s+(--\S+\s+)*\S*\$/i);
    expect(scan.skipped.map((s) => s.line)).toEqual(withVars);
    expect(scan.skipped.every((s) => /ARG|build argument/.test(s.reason))).toBe(true);
    const pinned = linesWith(text, /^\s*(FROM|COPY)\s.*@sha256:/i);
    expect(scan.references.map((r) => r.line)).toEqual(pinned);
    expect(scan.references.every((r) => r.digest !== undefined)).toBe(true);
    const copy = scan.references.find((r) => r.where.startsWith('COPY --from'));
    expect(copy && source(text, copy)).toBe(copy?.image);
    expect(copy?.image).toMatch(/^tonistiigi\/binfmt:[^@]+@sha256:/);
  });

  it('skips scratch, stage indexes and names; finds COPY --from=<image>', () => {
    const text = 'FROM golang:1.22 AS build\nRUN true\nFROM scratch\nCOPY --from=build /a /a\nCOPY --from=0 /b /b\nCOPY --link --from=ghcr.io/acme/tools:1.2 /c /c\n';
    const scan = findReferences(text, 'Dockerfile');
    expect(scan.references.map((r) => [r.line, r.image, source(text, r)])).toEqual([
      [1, 'golang:1.22', 'golang:1.22'],
      [6, 'ghcr.io/acme/tools:1.2', 'ghcr.io/acme/tools:1.2'],
    ]);
  });
});

describe('compose, Kustomize, Helm values', () => {
  it('compose: services.*.image (a build-only service has none)', () => {
    const file = join(FIX, 'compose', 'compose.yaml');
    const text = read(file);
    const scan = findReferences(text, file);
    expect(scan.references.map((r) => [r.line, r.image, r.where])).toEqual(
      linesWith(text, /^ {4}image: /).map((l) => [l, imageOnLine(text.split('\n')[l - 1]), `services.${serviceAbove(text, l)}.image`]),
    );
  });

  it('Kustomize images: newName/newTag composed, a digest already pinned, an entry with no tag skipped', () => {
    const file = join(FIX, 'kustomize', 'kustomization.yaml');
    const scan = findReferences(read(file), file);
    expect(scan.references.map((r) => [r.image, r.digest !== undefined])).toEqual([
      ['my-registry/my-postgres:v1', false],
      ['nginx:1.8.0', false],
      ['alpine@sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3', true],
    ]);
    expect(scan.skipped.map((s) => [s.image, s.reason])).toEqual([['my-app', expect.stringMatching(/no newTag/)]]);
    const component = 'apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nimages:\n  - name: redis\n    newTag: "7.2"\n';
    expect(findReferences(component, 'components/cache/kustomization.yaml').references.map((r) => r.image)).toEqual(['redis:7.2']);
    expect(findReferences(component, 'cache-component.yaml').references.map((r) => r.image)).toEqual(['redis:7.2']);
    // The resources the kustomization points at are ordinary manifests.
    const dep = join(FIX, 'kustomize', 'deployment.yaml');
    expect(findReferences(read(dep), dep).references.map((r) => r.image)).toEqual(['postgres:8', 'nginx:1.7.9', 'my-demo-app:latest', 'alpine:3.7']);
  });

  it('Helm values only with --helm: image maps at any depth; registry joined; an empty tag is skipped', () => {
    const file = join(FIX, 'helm', 'values.yaml');
    expect(findReferences(read(file), file).references).toEqual([]);
    const scan = findReferences(read(file), file, { helm: true });
    expect(scan.references.map((r) => [r.image, r.where])).toEqual([
      ['docker.io/bitnami/nginx:1.29.1-debian-12-r0', 'image'],
      ['docker.io/bitnami/git:2.50.1-debian-12-r6', 'cloneStaticSiteFromGit.image'],
    ]);
    const create = join(FIX, 'helm', 'values-create.yaml');
    expect(findReferences(read(create), create, { helm: true }).references.map((r) => r.image)).toEqual(['nginx:1.27']);
    const app = join(FIX, 'helm', 'values-appversion.yaml');
    const skipped = findReferences(read(app), app, { helm: true }).skipped;
    expect(skipped.map((s) => s.reason)).toEqual([expect.stringMatching(/appVersion/)]);
  });
});

function serviceAbove(text: string, line: number): string {
  const lines = text.split('\n').slice(0, line - 1).reverse();
  return /^ {2}([\w-]+):/.exec(lines.find((l) => /^ {2}[\w-]+:/.test(l)) ?? '')?.[1] ?? '';
}

describe('check (offline)', () => {
  it('lists the Bookstore\'s unpinned references with their file and line', () => {
    const r = checkPaths([BOOKSTORE]);
    expect(r.pinned).toBe(0);
    expect(r.unpinned.map((u) => `${u.file.slice(BOOKSTORE.length + 1)}:${u.line}: ${u.image}`)).toEqual(
      ['10-catalog.yaml', '20-orders.yaml', '30-payments.yaml', '40-storefront.yaml'].map((f) => {
        const text = read(join(BOOKSTORE, f));
        const line = linesWith(text, /^\s+image: /)[0];
        return `${f}:${line}: ${imageOnLine(text.split('\n')[line - 1])}`;
      }),
    );
  });
});

describe('untrusted input', () => {
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e instanceof PinError ? e.code : `not a PinError: ${String(e)}`;
    }
    return undefined;
  };

  it('an alias bomb costs nothing: aliases are never expanded', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const text = `${levels.join('\n')}\nkind: Pod\napiVersion: v1\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: *l\n    - name: d\n      image: nginx:1\n`;
    const started = Date.now();
    const scan: FileScan = findReferences(text, 'bomb.yaml');
    expect(Date.now() - started).toBeLessThan(2000);
    expect(scan.references.map((r) => r.image)).toEqual(['nginx:1']);
    expect(scan.skipped.map((s) => s.reason)).toEqual([expect.stringMatching(/alias/)]);
  });

  it('deep nesting, bad syntax, binary and non-UTF-8 input are errors with codes; the walk goes on', () => {
    expect(codeOf(() => findReferences('['.repeat(5000) + ']'.repeat(5000), 'deep.json'))).toBe('TOO_DEEP');
    expect(codeOf(() => findReferences('a:\n  - ' + '['.repeat(3000) + ']'.repeat(3000), 'deep.yaml'))).toMatch(/^(TOO_DEEP|INVALID_YAML)$/);
    expect(codeOf(() => findReferences('kind: Pod\nspec: [unclosed\n', 'bad.yaml'))).toBe('INVALID_YAML');
    expect(codeOf(() => findReferences('{"kind": "Pod",}', 'bad.json'))).toBe('INVALID_JSON');
    const dir = mkdtempSync(join(tmp, 'walk-'));
    writeFileSync(join(dir, 'bin.yaml'), Buffer.from([0x6b, 0x00, 0x01]));
    writeFileSync(join(dir, 'latin1.yaml'), Buffer.from([0x69, 0x6d, 0x61, 0x67, 0x65, 0x3a, 0x20, 0xe9, 0x0a]));
    writeFileSync(join(dir, 'tsconfig.json'), '{ // comments\n}\n');
    writeFileSync(join(dir, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx:1.27}]}\n');
    const scan = scanPaths([dir, join(dir, 'missing.yaml')]);
    expect(scan.errors.map((e) => [e.file.slice(dir.length + 1) || e.file, e.code])).toEqual([
      ['bin.yaml', 'BINARY'],
      ['latin1.yaml', 'BINARY'],
      ['missing.yaml', 'NOT_FOUND'],
    ]);
    expect(scan.skippedFiles.map((s) => s.file.slice(dir.length + 1))).toEqual(['tsconfig.json']);
    expect(scan.files.flatMap((f) => f.references.map((r) => r.image))).toEqual(['nginx:1.27']);
  });
});
