import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifests, MAX_FILE_BYTES, scanConfig, type ConfigFileResult, type ConfigReport } from '../../src/config/index.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'config');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-config-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (r: ConfigReport, name: string): ConfigFileResult => {
  const f = r.files.find((x) => x.file === name || x.file.endsWith('/' + name));
  if (!f) throw new Error(`no result for ${name}: ${r.files.map((x) => x.file).join(', ')}`);
  return f;
};
const checksOf = (f: ConfigFileResult, resource: string) => [...new Set(f.findings.filter((x) => x.resource === resource).map((x) => x.checkId))].sort();
/** The line of the `apiVersion:` that opens the document holding `needle` (found in the text, not from the scanner). */
function docLine(text: string, needle: string): number {
  const lines = text.split('\n');
  let i = lines.findIndex((l) => l.includes(needle));
  while (i > 0 && !/^apiVersion:/.test(lines[i])) i--;
  return i + 1;
}

describe('the Bookstore, as the chapter leaves it', () => {
  let report: ConfigReport;
  beforeAll(() => {
    report = scanConfig([join(FIX, 'bookstore')]);
  });

  it('finds the Dockerfiles and the manifests in the directory', () => {
    expect(report.files.map((f) => [f.file.slice(FIX.length + 1), f.type, f.resources])).toEqual([
      ['bookstore/catalog/Dockerfile', 'dockerfile', 1],
      ['bookstore/catalog/Dockerfile.pinned', 'dockerfile', 1],
      ['bookstore/raw-manifests/10-catalog.yaml', 'kubernetes', 2],
      ['bookstore/raw-manifests/70-kyverno-policy.yaml', 'kubernetes', 1],
    ]);
    expect(report.errors).toEqual([]);
  });

  it('the catalog Deployment fails only the digest check: :dev is not :latest, runAsNonRoot is set on the Pod', () => {
    const f = file(report, '10-catalog.yaml');
    const text = readFileSync(join(FIX, 'bookstore/raw-manifests/10-catalog.yaml'), 'utf8');
    expect(f.findings.map((x) => [x.checkId, x.resource, x.line, x.rule, x.status])).toEqual([['PCL-K8S-040', 'Deployment/bookstore/catalog', docLine(text, 'name: catalog'), 'autogen-require-image-digest', 'fail']]);
    expect(f.findings[0].message).toContain('Reference images by digest');
    expect(f.successes).toBeGreaterThan(0);
  });

  it('the chapter policy file itself is an object with nothing to check', () => {
    expect(file(report, '70-kyverno-policy.yaml').findings).toEqual([]);
  });

  it('lists the checks that ran, without the registry checks unless asked', () => {
    const ids = report.checks.map((c) => c.id);
    expect(ids).toContain('PCL-K8S-040');
    expect(ids).toContain('PCL-DF-001');
    expect(ids).not.toContain('PCL-K8S-043');
    expect(ids).not.toContain('PCL-DF-011');
    expect([...ids].sort()).toEqual(ids);
  });
});

describe('manifest files', () => {
  it('the chapter image story: bare nginx fails digest and untagged, passes :latest', () => {
    const text = readFileSync(join(FIX, 'manifests/chapter-images.yaml'), 'utf8');
    const f = file(scanConfig([join(FIX, 'manifests/chapter-images.yaml')]), 'chapter-images.yaml');
    const image = (res: string) => checksOf(f, res).filter((id) => ['PCL-K8S-040', 'PCL-K8S-041', 'PCL-K8S-042'].includes(id));
    expect(image('Pod/bookstore/bare')).toEqual(['PCL-K8S-040', 'PCL-K8S-042']);
    expect(image('Pod/bookstore/latest')).toEqual(['PCL-K8S-040', 'PCL-K8S-041']);
    expect(image('Pod/bookstore/pinned')).toEqual([]);
    const lines = (res: string) => [...new Set(f.findings.filter((x) => x.resource === res).map((x) => x.line))];
    expect(lines('Pod/bookstore/bare')).toEqual([docLine(text, 'name: bare')]);
    expect(lines('Pod/bookstore/latest')).toEqual([docLine(text, 'name: latest')]);
    expect(lines('Pod/bookstore/pinned')).toEqual([docLine(text, 'name: pinned')]);
    expect(f.resources).toBe(3);
  });

  it('expands a List and keeps the List document line for its items', () => {
    const text = readFileSync(join(FIX, 'manifests/list.yaml'), 'utf8');
    const m = loadManifests(text, 'list.yaml');
    expect(m.objects.map((o) => [o.resource.kind, (o.resource.metadata as { name: string }).name, o.line])).toEqual([
      ['Pod', 'one', docLine(text, 'kind: List')],
      ['ConfigMap', 'settings', docLine(text, 'kind: List')],
      ['Pod', 'two', docLine(text, 'name: two')],
    ]);
    const f = file(scanConfig([join(FIX, 'manifests/list.yaml')]), 'list.yaml');
    expect(checksOf(f, 'Pod/two')).toContain('PCL-K8S-001');
    expect(checksOf(f, 'Pod/one')).not.toContain('PCL-K8S-001');
    expect(checksOf(f, 'ConfigMap/settings')).toEqual([]);
  });

  it('reads a typed JSON list whose items carry no kind', () => {
    const f = file(scanConfig([join(FIX, 'manifests/deployments.json')]), 'deployments.json');
    expect(f.resources).toBe(1);
    expect(checksOf(f, 'Deployment/prod/api')).toContain('PCL-K8S-002');
    expect(f.findings.every((x) => x.line === 1 && x.rule?.startsWith('autogen-'))).toBe(true);
  });

  it('reads YAML 1.1 scalars as Kubernetes does: yes is true', () => {
    const p = join(dir, 'yes.yaml');
    writeFileSync(p, 'apiVersion: v1\nkind: Pod\nmetadata: {name: yes-pod}\nspec:\n  hostNetwork: yes\n  containers: [{name: c, image: "busybox:1.36"}]\n');
    expect(checksOf(file(scanConfig([p]), 'yes.yaml'), 'Pod/yes-pod')).toContain('PCL-K8S-001');
  });
});

describe('stdin', () => {
  it('reads Helm/Kustomize output piped to -', () => {
    const text = readFileSync(join(FIX, 'bookstore/raw-manifests/10-catalog.yaml'), 'utf8');
    const r = scanConfig(['-'], { stdin: text });
    expect(r.files.map((f) => [f.file, f.type, f.resources])).toEqual([['-', 'kubernetes', 2]]);
    expect(r.files[0].findings.map((x) => x.checkId)).toEqual(['PCL-K8S-040']);
  });

  it('recognizes a Dockerfile piped in', () => {
    const r = scanConfig(['-'], { stdin: '# a comment\nFROM nginx\nUSER 1000\nHEALTHCHECK NONE\n' });
    expect(r.files[0].type).toBe('dockerfile');
    expect(r.files[0].findings.map((x) => x.checkId)).toEqual(['PCL-DF-001', 'PCL-DF-002']);
  });

  it('empty stdin is a file with nothing in it', () => {
    expect(scanConfig(['-'], { stdin: '' }).files).toEqual([{ file: '-', type: 'kubernetes', resources: 0, successes: 0, findings: [] }]);
  });
});

describe('bad input: an error entry naming the file, and the scan goes on', () => {
  let bad: string;
  let report: ConfigReport;
  beforeAll(() => {
    bad = join(dir, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'a-invalid.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: x\nspec: [\n');
    // The billion-laughs shape: each level doubles the aliases the next expands.
    const bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    writeFileSync(join(bad, 'b-bomb.yaml'), bomb.join('\n') + '\n');
    copyFileSync('/usr/bin/true', join(bad, 'c-binary.yaml'));
    writeFileSync(join(bad, 'd-latin1.yaml'), Buffer.from('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n', 'latin1'));
    writeFileSync(join(bad, 'e-deep.yaml'), '['.repeat(100_000) + ']'.repeat(100_000));
    writeFileSync(join(bad, 'f-good.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: ok}\nspec:\n  containers: [{name: c, image: "busybox:1.36"}]\n');
    writeFileSync(join(bad, 'Dockerfile'), 'FROM x\nRUN <<EOF\nnever ends\n');
    report = scanConfig([bad, join(dir, 'missing.yaml')]);
  }, 60_000);

  it('names each bad file with a code', () => {
    expect(report.errors.map((e) => [e.file.slice(dir.length + 1), e.code])).toEqual([
      ['bad/Dockerfile', 'INVALID_DOCKERFILE'],
      ['bad/a-invalid.yaml', 'INVALID_YAML'],
      ['bad/b-bomb.yaml', 'INVALID_YAML'],
      ['bad/c-binary.yaml', 'BINARY'],
      ['bad/d-latin1.yaml', 'BINARY'],
      ['bad/e-deep.yaml', 'INVALID_YAML'],
      ['missing.yaml', 'NOT_FOUND'],
    ]);
    for (const e of report.errors) expect(e.message).not.toMatch(/\n/);
  });

  it('still scans the good file', () => {
    expect(report.files.map((f) => f.file.slice(dir.length + 1))).toEqual(['bad/f-good.yaml']);
    expect(report.files[0].findings.length).toBeGreaterThan(0);
  });

  it('scans a 10 MB manifest, and refuses one over the cap without reading it', () => {
    const big = join(dir, 'big.yaml');
    const data = 'x'.repeat(10 * 1024 * 1024);
    writeFileSync(big, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: big}\ndata:\n  blob: "${data}"\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: true\n  containers: [{name: c, image: "busybox:1.36"}]\n`);
    const t0 = performance.now();
    const r = scanConfig([big]);
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(r.errors).toEqual([]);
    expect(r.files[0].resources).toBe(2);
    expect(r.files[0].findings.find((x) => x.checkId === 'PCL-K8S-001')?.line).toBe(7);

    const huge = join(dir, 'huge.yaml');
    writeFileSync(huge, Buffer.alloc(MAX_FILE_BYTES + 1, 0x20));
    expect(scanConfig([huge]).errors.map((e) => e.code)).toEqual(['TOO_LARGE']);
    expect(scanConfig(['-'], { stdin: ' '.repeat(MAX_FILE_BYTES + 1) }).errors.map((e) => e.code)).toEqual(['TOO_LARGE']);
  }, 60_000);
});

describe('walking directories', () => {
  let root: string;
  beforeAll(() => {
    root = join(dir, 'walk');
    mkdirSync(join(root, 'svc', 'docker'), { recursive: true });
    mkdirSync(join(root, '.git'));
    mkdirSync(join(root, 'node_modules', 'x'), { recursive: true });
    mkdirSync(join(root, 'chart', 'templates'), { recursive: true });
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: "busybox:1.36"}]\n';
    writeFileSync(join(root, 'svc', 'pod.yml'), pod);
    writeFileSync(join(root, '.git', 'pod.yaml'), pod);
    writeFileSync(join(root, 'node_modules', 'x', 'pod.yaml'), pod);
    writeFileSync(join(root, 'svc', 'docker', 'app.Dockerfile'), 'FROM scratch\n');
    writeFileSync(join(root, 'svc', 'Dockerfile.dev'), 'FROM scratch\n');
    writeFileSync(join(root, 'svc', 'Containerfile'), 'FROM scratch\n');
    writeFileSync(join(root, 'svc', 'Dockerfile.md'), '# notes\n');
    writeFileSync(join(root, 'workflow.yaml'), 'on: push\njobs: {}\n');
    // JSON that is not strict JSON (the YAML reader accepts comments and trailing commas, but not this).
    writeFileSync(join(root, 'tsconfig.json'), '{\n  "a": 1, /* c */ "b": [1,\n}\n');
    writeFileSync(join(root, 'chart', 'Chart.yaml'), 'apiVersion: v2\nname: c\nversion: 0.1.0\n');
    writeFileSync(join(root, 'chart', 'values.yaml'), 'image: nginx\n');
    writeFileSync(join(root, 'chart', 'templates', 'deploy.yaml'), 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n');
    symlinkSync(root, join(root, 'svc', 'loop'));
    symlinkSync('/etc/passwd', join(root, 'passwd.yaml'));
  });

  it('finds Dockerfiles by name and manifests by extension; skips .git, node_modules, links and chart templates', () => {
    const r = scanConfig([root]);
    expect(r.files.map((f) => [f.file.slice(root.length + 1), f.type])).toEqual([
      ['svc/Containerfile', 'dockerfile'],
      ['svc/Dockerfile.dev', 'dockerfile'],
      ['svc/docker/app.Dockerfile', 'dockerfile'],
      ['svc/pod.yml', 'kubernetes'],
    ]);
    expect(r.errors).toEqual([]);
    expect(r.skipped.map((s) => s.file.slice(root.length + 1))).toEqual(['chart/templates', 'tsconfig.json']);
  });

  it('a YAML file named on the command line is listed even when it holds no object', () => {
    const r = scanConfig([join(root, 'workflow.yaml')]);
    expect(r.files.map((f) => [f.resources, f.findings.length])).toEqual([[0, 0]]);
  });
});

describe('options', () => {
  it('--severity keeps only those findings and checks', () => {
    const r = scanConfig([join(FIX, 'manifests/chapter-images.yaml'), join(FIX, 'dockerfiles/go-boring/Dockerfile')], { severities: ['HIGH'] });
    const all = r.files.flatMap((f) => f.findings);
    expect(all.length).toBeGreaterThan(0);
    expect(new Set(all.map((f) => f.severity))).toEqual(new Set(['HIGH']));
    expect(r.checks.every((c) => c.severity === 'HIGH')).toBe(true);
  });

  it('--allowed-registries adds the registry checks', () => {
    const r = scanConfig([join(FIX, 'manifests/chapter-images.yaml'), join(FIX, 'bookstore/catalog/Dockerfile')], { allowedRegistries: ['docker.io'] });
    expect(r.checks.map((c) => c.id)).toEqual(expect.arrayContaining(['PCL-K8S-043', 'PCL-DF-011']));
    expect(file(r, 'Dockerfile').findings.filter((f) => f.checkId === 'PCL-DF-011').map((f) => f.message)).toEqual([
      'FROM gcr.io/distroless/static-debian12:nonroot is not from an allowed registry (docker.io/*)',
    ]);
    expect(file(r, 'chapter-images.yaml').findings.filter((f) => f.checkId === 'PCL-K8S-043')).toEqual([]);
  });

  it('rejects an unusable registry entry', () => {
    expect(() => scanConfig([], { allowedRegistries: ['bad registry'] })).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
  });

  it('is deterministic', () => {
    const a = scanConfig([join(FIX, 'bookstore'), join(FIX, 'manifests'), join(FIX, 'dockerfiles')]);
    const b = scanConfig([join(FIX, 'dockerfiles'), join(FIX, 'manifests'), join(FIX, 'bookstore')]);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});
