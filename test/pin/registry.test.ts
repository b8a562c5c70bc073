// pin against real loopback registries (Debian's docker-registry): a multi-arch index
// versus a single manifest, --platform, an htpasswd-protected registry with credentials
// from a docker config.json, a missing tag and an unreachable registry (clear errors, the
// file left byte for byte), --update after a tag moves, and the Dockerfile, compose,
// Kustomize and Helm fixtures pinned through --mirror.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pinPaths } from '../../src/pin/index.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { FIX, headDigest, pushImage, pushIndex, runPin } from './helpers.js';

const USER = { user: 'pinner', password: 'pin:s3cret' };
const read = (p: string) => readFileSync(p, 'utf8');
const pod = (name: string, image: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n    - name: app\n      image: ${image}   # keep this comment\n`;
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

let reg: TestRegistry;
let locked: TestRegistry;
let work: string;
let emptyConfig: string;
let multi: { index: string; manifests: Record<string, string> };
const savedDockerConfig = process.env.DOCKER_CONFIG;

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'portcullis-pin-registry-'));
  emptyConfig = join(work, 'no-docker-config');
  mkdirSync(emptyConfig);
  process.env.DOCKER_CONFIG = emptyConfig;
  [reg, locked] = await Promise.all([startRegistry(), startRegistry({ htpasswd: USER })]);
  multi = await pushIndex(reg.host, 'library/multi', '1.0', ['amd64', 'arm64']);
  await pushImage(reg.host, 'library/single', '1.0', 'single-platform amd64', { arch: 'amd64' });
  await pushImage(locked.host, 'team/private', '1', 'behind basic auth', { creds: { username: USER.user, password: USER.password } });
});

afterAll(async () => {
  await Promise.all([reg?.stop(), locked?.stop()]);
  rmSync(work, { recursive: true, force: true });
  if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
  else process.env.DOCKER_CONFIG = savedDockerConfig;
});

function caseDir(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

describe('multi-arch index versus single manifest', () => {
  it('pins the index digest by default, and the platform manifest with --platform', async () => {
    const dir = caseDir('multi', { 'multi.yaml': pod('m', `${reg.host}/library/multi:1.0`), 'single.yaml': pod('s', `${reg.host}/library/single:1.0`) });
    const original = { multi: read(join(dir, 'multi.yaml')), single: read(join(dir, 'single.yaml')) };
    const indexDigest = await headDigest(reg.host, 'library/multi', '1.0');
    expect(indexDigest).toBe(multi.index);

    const r = await runPin([dir, '--plain-http', '-q']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`+      image: ${reg.host}/library/multi@${indexDigest}   # keep this comment`);
    expect(r.stdout).toContain(`+      image: ${reg.host}/library/single@${await headDigest(reg.host, 'library/single', '1.0')}   # keep this comment`);

    const arm = await runPin([join(dir, 'multi.yaml'), '--plain-http', '--platform', 'linux/arm64', '--write', '-q']);
    expect(arm.code).toBe(0);
    expect(read(join(dir, 'multi.yaml'))).toBe(original.multi.replace(`${reg.host}/library/multi:1.0`, `${reg.host}/library/multi@${multi.manifests.arm64}`));
    expect(multi.manifests.arm64).not.toBe(indexDigest);

    // A single-platform amd64 image cannot be pinned for arm64: an error, the file untouched.
    const wrong = await runPin([join(dir, 'single.yaml'), '--plain-http', '--platform', 'linux/arm64', '--write']);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`${join(dir, 'single.yaml')}:${lineOf(original.single, 'image:')}: ${reg.host}/library/single:1.0: `);
    expect(wrong.stderr).toMatch(/single-platform image for linux\/amd64, not linux\/arm64/);
    expect(read(join(dir, 'single.yaml'))).toBe(original.single);
  });
});

describe('an htpasswd-protected registry', () => {
  it('refuses without credentials (UNAUTHORIZED, file untouched), pins with a docker config.json', async () => {
    const dir = caseDir('auth', { 'private.yaml': pod('p', `${locked.host}/team/private:1`) });
    const file = join(dir, 'private.yaml');
    const original = read(file);

    const denied = await pinPaths([dir], { plainHttp: true, write: true });
    expect(denied.files[0].failures.map((f) => f.code)).toEqual(['UNAUTHORIZED']);
    expect(read(file)).toBe(original);

    const cfg = join(work, 'docker-auth');
    mkdirSync(cfg);
    writeFileSync(join(cfg, 'config.json'), JSON.stringify({ auths: { [locked.host]: { auth: Buffer.from(`${USER.user}:${USER.password}`).toString('base64') } } }));
    process.env.DOCKER_CONFIG = cfg;
    try {
      const r = await runPin([dir, '--plain-http', '--write', '-q']);
      expect(r.code).toBe(0);
    } finally {
      process.env.DOCKER_CONFIG = emptyConfig;
    }
    const digest = await headDigest(locked.host, 'team/private', '1', USER);
    expect(read(file)).toBe(original.replace(`team/private:1`, `team/private@${digest}`));
  });
});

describe('failures are per reference, and a file is written only when all of its references resolved', () => {
  it('a missing tag and an unreachable registry: clear errors with file:line, those files byte-identical, the others pinned', async () => {
    const dead = `127.0.0.1:${await closedPort()}`;
    const good = `${reg.host}/library/single:1.0`;
    const missing = `${reg.host}/library/single:no-such-tag`;
    const files = {
      'a.yaml': `${pod('a1', good)}---\n${pod('a2', missing)}`,
      'b.yaml': pod('b', good),
      'c.yaml': pod('c', `${dead}/team/app:1`),
    };
    const dir = caseDir('failures', files);
    const r = await runPin([dir, '--plain-http', '--write']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`portcullis: error: ${join(dir, 'a.yaml')}:${lineOf(files['a.yaml'], 'no-such-tag')}: ${missing}: `);
    expect(r.stderr).toContain(`portcullis: error: ${join(dir, 'c.yaml')}:${lineOf(files['c.yaml'], dead)}: ${dead}/team/app:1: `);
    expect(r.stderr).toContain(`${join(dir, 'a.yaml')} left unchanged`);
    expect(read(join(dir, 'a.yaml'))).toBe(files['a.yaml']);
    expect(read(join(dir, 'c.yaml'))).toBe(files['c.yaml']);
    expect(read(join(dir, 'b.yaml'))).toBe(files['b.yaml'].replace('single:1.0', `single@${await headDigest(reg.host, 'library/single', '1.0')}`));

    const report = await pinPaths([dir], { plainHttp: true });
    expect(report.files.map((f) => [f.file.slice(dir.length + 1), f.failures.map((x) => x.code)])).toEqual([
      ['a.yaml', ['NOT_FOUND']],
      ['b.yaml', []],
      ['c.yaml', ['NETWORK']],
    ]);
  });
});

describe('--update', () => {
  it('re-resolves pinned references whose tag moved and reports which; digest-only pins are left, with a note', async () => {
    const first = await pushImage(reg.host, 'team/moving', 'stable', 'moving v1');
    await pushImage(reg.host, 'team/still', 'stable', 'still v1');
    const dir = caseDir('update', {
      'moving.yaml': pod('m', `${reg.host}/team/moving:stable`),
      'still.yaml': pod('s', `${reg.host}/team/still:stable`),
      'bare.yaml': pod('b', `${reg.host}/team/still@${await headDigest(reg.host, 'team/still', 'stable')}`),
    });
    expect((await runPin([dir, '--plain-http', '--write', '--keep-tag', '-q'])).code).toBe(0);
    expect(read(join(dir, 'moving.yaml'))).toContain(`team/moving:stable@${first}`);
    const still = read(join(dir, 'still.yaml'));
    const bare = read(join(dir, 'bare.yaml'));

    const second = await pushImage(reg.host, 'team/moving', 'stable', 'moving v2');
    expect(second).not.toBe(first);
    const r = await runPin([dir, '--plain-http', '--write', '--update']);
    expect(r.code).toBe(0);
    const line = lineOf(read(join(dir, 'moving.yaml')), 'image:');
    expect(r.stdout).toBe(`${join(dir, 'moving.yaml')}:${line}: ${reg.host}/team/moving:stable@${first} -> ${reg.host}/team/moving:stable@${second} (tag moved from ${first})\n`);
    expect(read(join(dir, 'moving.yaml'))).toBe(pod('m', `${reg.host}/team/moving:stable@${second}`));
    expect(read(join(dir, 'still.yaml'))).toBe(still);
    expect(read(join(dir, 'bare.yaml'))).toBe(bare);
    expect(r.stderr).toContain(`skipped ${join(dir, 'bare.yaml')}:${lineOf(bare, 'image:')}: ${reg.host}/team/still@`);
    expect(r.stderr).toContain('nothing for --update to follow');
  });
});

describe('Dockerfile, compose, Kustomize and Helm values against the registry', () => {
  it('pins each format where it reads its images, through --mirror', async () => {
    const images: Array<[string, string]> = [
      ['library/golang', '1.13.1-alpine'],
      ['distroless/base', 'latest'],
      ['library/postgres', 'latest'],
      ['library/nginx', 'latest'],
      ['my-registry/my-postgres', 'v1'],
      ['library/nginx', '1.8.0'],
      ['library/nginx', '1.27'],
      ['bitnami/nginx', '1.29.1-debian-12-r0'],
      ['bitnami/git', '2.50.1-debian-12-r6'],
    ];
    const d: Record<string, string> = {};
    for (const [repo, tag] of images) {
      await pushImage(reg.host, repo, tag, `${repo}:${tag}`);
      d[`${repo}:${tag}`] = await headDigest(reg.host, repo, tag);
    }
    const dir = join(work, 'formats');
    mkdirSync(dir);
    const src = {
      Dockerfile: read(join(FIX, 'dockerfile', 'distroless-go.Dockerfile')),
      'compose.yaml': read(join(FIX, 'compose', 'compose.yaml')),
      'kustomization.yaml': read(join(FIX, 'kustomize', 'kustomization.yaml')),
      'values.yaml': read(join(FIX, 'helm', 'values.yaml')),
      'values-create.yaml': read(join(FIX, 'helm', 'values-create.yaml')),
      'values-appversion.yaml': read(join(FIX, 'helm', 'values-appversion.yaml')),
    };
    for (const [f, text] of Object.entries(src)) writeFileSync(join(dir, f), text);

    const r = await runPin([dir, '--write', '--helm', '--plain-http', '--mirror', `docker.io=${reg.host}`, '--mirror', `gcr.io=${reg.host}`]);
    expect(r.code).toBe(0);
    expect(read(join(dir, 'Dockerfile'))).toBe(
      src.Dockerfile.replace('FROM golang:1.13.1-alpine AS builder', `FROM golang@${d['library/golang:1.13.1-alpine']} AS builder`).replace('FROM gcr.io/distroless/base\n', `FROM gcr.io/distroless/base@${d['distroless/base:latest']}\n`),
    );
    expect(read(join(dir, 'compose.yaml'))).toBe(
      src['compose.yaml'].replace('image: postgres\n', `image: postgres@${d['library/postgres:latest']}\n`).replace('image: nginx\n', `image: nginx@${d['library/nginx:latest']}\n`),
    );
    expect(read(join(dir, 'kustomization.yaml'))).toBe(
      src['kustomization.yaml'].replace('  newTag: v1\n', `  digest: ${d['my-registry/my-postgres:v1']}\n`).replace('  newTag: 1.8.0\n', `  digest: ${d['library/nginx:1.8.0']}\n`),
    );
    expect(read(join(dir, 'values.yaml'))).toBe(
      src['values.yaml']
        .replace('tag: 1.29.1-debian-12-r0\n  digest: ""', `tag: 1.29.1-debian-12-r0\n  digest: "${d['bitnami/nginx:1.29.1-debian-12-r0']}"`)
        .replace('tag: 2.50.1-debian-12-r6\n    digest: ""', `tag: 2.50.1-debian-12-r6\n    digest: "${d['bitnami/git:2.50.1-debian-12-r6']}"`),
    );
    expect(read(join(dir, 'values-create.yaml'))).toBe(src['values-create.yaml'].replace('tag: "1.27"', `tag: "1.27@${d['library/nginx:1.27']}"`));
    expect(read(join(dir, 'values-appversion.yaml'))).toBe(src['values-appversion.yaml']);
    expect(r.stderr).toContain(`skipped ${join(dir, 'values-appversion.yaml')}:${lineOf(src['values-appversion.yaml'], 'repository: nginx')}: nginx: no tag`);
    expect(r.stderr).toContain(`skipped ${join(dir, 'kustomization.yaml')}:${lineOf(src['kustomization.yaml'], 'name: my-demo-app')}: my-app: no newTag`);

    const check = await runPin([dir, '--check', '--helm']);
    expect([check.code, check.stdout]).toEqual([0, '']);
  });
});
