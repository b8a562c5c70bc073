// The image's Dockerfile, checked by our own Dockerfile checks and read with our own parser:
// digest-pinned bases, a distroless non-root runtime that runs `portcullis serve`, and a build
// context (.dockerignore) that holds what the build copies. There is no Docker here to build it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderInstallManifests } from '../../src/admission/index.js';
import { buildStages, checkDockerfile, parseDockerfile, scanConfig } from '../../src/config/index.js';
import { parseDocuments } from '../../src/policy/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const TEXT = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const model = buildStages(parseDockerfile(TEXT, 'Dockerfile'));
const [build, runtime] = model.stages;

describe('Dockerfile', () => {
  it('passes every Dockerfile check of portcullis config, with no exception', () => {
    const report = scanConfig([join(ROOT, 'Dockerfile')]);
    expect(report.errors).toEqual([]);
    expect(report.files).toHaveLength(1);
    expect(report.files[0]!.findings).toEqual([]);
    expect(report.files[0]!.successes).toBeGreaterThanOrEqual(10);
  });

  it('the checks would catch a regression (tag-only base, no USER)', () => {
    const weakened = TEXT.replace(/@sha256:[0-9a-f]{64} AS runtime/, ' AS runtime').replace(/^USER .*$/m, '');
    const ids = checkDockerfile(weakened, 'Dockerfile', {}).findings.map((f) => f.checkId);
    expect(ids).toContain('PCL-DF-001');
    expect(ids).toContain('PCL-DF-003');
  });

  it('builds on Node 20 bookworm and runs on distroless Node 20 Debian 12 nonroot, both by digest', () => {
    expect(model.stages).toHaveLength(2);
    for (const s of [build!, runtime!]) {
      expect(s.base.kind).toBe('image');
      expect((s.base as { image: string }).image).toMatch(/^[^@]+:[^@]+@sha256:[0-9a-f]{64}$/);
    }
    expect((build!.base as { image: string }).image).toMatch(/^node:20-bookworm@/);
    expect((runtime!.base as { image: string }).image).toMatch(/^gcr\.io\/distroless\/nodejs20-debian12:nonroot@/);
  });

  it('copies only package.json, bin, dist and the production node_modules into the runtime', () => {
    const copies = runtime!.instructions.filter((i) => i.keyword === 'COPY');
    expect(copies.every((c) => c.flags.includes('--from=build'))).toBe(true);
    expect(copies.map((c) => c.args.split(/\s+/)[0])).toEqual(['/src/package.json', '/src/bin', '/src/dist', '/src/node_modules']);
    expect(build!.instructions.some((i) => i.keyword === 'RUN' && /npm prune --omit=dev/.test(i.args))).toBe(true);
  });

  it('runs `portcullis serve` as UID 65532, the user and port the Deployment expects', () => {
    const last = (kw: string) => runtime!.instructions.filter((i) => i.keyword === kw).at(-1)!;
    expect(last('USER').args).toBe('65532:65532');
    expect(last('ENTRYPOINT').json).toEqual(['/nodejs/bin/node', '/app/bin/portcullis.js', 'serve']);
    expect(last('HEALTHCHECK').args).toBe('NONE');
    // The entry script exists and is an ES module (package.json "type": "module" is copied for it).
    expect(existsSync(join(ROOT, 'bin/portcullis.js'))).toBe(true);
    expect((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { type: string }).type).toBe('module');

    const objs = parseDocuments(renderInstallManifests(), 'install') as Array<{ kind: string; spec?: { template?: { spec: { securityContext: { runAsUser: number }; containers: Array<{ ports: Array<{ containerPort: number }> }> } } } }>;
    const pod = objs.find((o) => o.kind === 'Deployment')!.spec!.template!.spec;
    expect(pod.securityContext.runAsUser).toBe(65532);
    expect(`${pod.containers[0]!.ports[0]!.containerPort}`).toBe(last('EXPOSE').args);
  });

  it('.dockerignore lets in exactly what the build stage copies from the context', () => {
    const lines = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    expect(lines[0]).toBe('**');
    const allowed = lines.slice(1).map((l) => l.replace(/^!/, '').replace(/\/$/, ''));
    const fromContext = build!.instructions.filter((i) => i.keyword === 'COPY' && !i.flags.some((f) => f.startsWith('--from'))).flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const src of fromContext) {
      const path = src.replace(/^\.\//, '');
      expect(allowed.some((a) => a === path || a.startsWith(`${path}/`)), src).toBe(true);
      expect(existsSync(join(ROOT, path)), src).toBe(true);
    }
  });
});
