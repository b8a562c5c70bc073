// The acceptance run: the Bookstore's raw manifests pinned against a real loopback
// registry (Debian's docker-registry), through the CLI. `bookstore/catalog:dev` is
// docker.io/bookstore/catalog:dev; --mirror docker.io=<loopback> looks it up locally and
// leaves the names as written. Checked: golden files (digests masked), each digest equal
// to the registry's Docker-Content-Digest from a raw HEAD, --check before and after,
// idempotency, and the chapter's policy passing require-image-digest for every Deployment.
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { BOOKSTORE, DIGEST_RE, FIX, headDigest, pushImage, runPin, runPolicy, tempCopy } from './helpers.js';

const SERVICES = ['catalog', 'orders', 'payments', 'storefront'];
const FILES = ['10-catalog.yaml', '20-orders.yaml', '30-payments.yaml', '40-storefront.yaml'];
const read = (p: string) => readFileSync(p, 'utf8');
/** The 1-based line of the first `image:` in a file, found by text search. */
const imageLine = (text: string) => text.split('\n').findIndex((l) => /^\s+image: /.test(l)) + 1;

let reg: TestRegistry;
let dir: string;
let work: string;
const pushed: Record<string, string> = {};
const savedDockerConfig = process.env.DOCKER_CONFIG;

beforeAll(async () => {
  work = tempCopy(join(FIX, 'bookstore'), 'work');
  // No developer credentials leak in: an empty docker config directory.
  mkdirSync(join(work, 'docker'));
  process.env.DOCKER_CONFIG = join(work, 'docker');
  reg = await startRegistry();
  for (const svc of SERVICES) pushed[svc] = await pushImage(reg.host, `bookstore/${svc}`, 'dev', `bookstore ${svc} built for the pin test`);
  dir = tempCopy(BOOKSTORE, 'bookstore');
});

afterAll(async () => {
  await reg?.stop();
  rmSync(dir, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
  if (savedDockerConfig === undefined) delete process.env.DOCKER_CONFIG;
  else process.env.DOCKER_CONFIG = savedDockerConfig;
});

const pinArgs = () => ['--mirror', `docker.io=${reg.host}`, '--plain-http', '-q'];

function deploymentVerdicts(jsonFile: string): Record<string, string | undefined> {
  const rows = (JSON.parse(read(jsonFile)) as { results: Array<{ rule: string; result: string; resource: { kind: string; name: string } }> }).results;
  return Object.fromEntries(SERVICES.map((s) => [s, rows.find((r) => r.resource.kind === 'Deployment' && r.resource.name === s && r.rule === 'autogen-require-image-digest')?.result]));
}

describe('portcullis pin on the Bookstore', () => {
  it('--check fails before pinning, listing file:line: image', async () => {
    const r = await runPin([dir, '--check']);
    expect(r.code).toBe(1);
    const want = FILES.map((f) => {
      const text = read(join(BOOKSTORE, f));
      return `${join(dir, f)}:${imageLine(text)}: ${/image: (\S+)/.exec(text)?.[1]}`;
    });
    expect(r.stdout.trim().split('\n')).toEqual(want);
  });

  it('the policy fails require-image-digest on every Deployment before pinning', async () => {
    const out = join(work, 'before.json');
    const r = await runPolicy(['apply', join(dir, '70-kyverno-policy.yaml'), '--resource', dir, '--format', 'json', '-o', out]);
    expect(r.code).toBe(0); // Audit: reported, not blocking
    expect(deploymentVerdicts(out)).toEqual(Object.fromEntries(SERVICES.map((s) => [s, 'fail'])));
  });

  it('without --write prints a unified diff and changes nothing', async () => {
    const r = await runPin([dir, ...pinArgs()]);
    expect(r.code).toBe(0);
    for (const [i, f] of FILES.entries()) {
      expect(read(join(dir, f))).toBe(read(join(BOOKSTORE, f)));
      expect(r.stdout).toContain(`--- a/${join(dir, f)}\n+++ b/${join(dir, f)}\n`);
      expect(r.stdout).toContain(`-          image: bookstore/${SERVICES[i]}:dev        # a mutable tag`);
      expect(r.stdout).toContain(`+          image: bookstore/${SERVICES[i]}@${pushed[SERVICES[i]]}        # a mutable tag`);
    }
  });

  it('--write pins every image; only the image strings change (golden files); each digest is the registry\'s', async () => {
    const r = await runPin([dir, '--write', ...pinArgs()]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    for (const [i, f] of FILES.entries()) {
      const svc = SERVICES[i];
      const text = read(join(dir, f));
      expect(text.replace(DIGEST_RE, 'sha256:<digest>')).toBe(read(join(FIX, 'bookstore', f)));
      const digests = text.match(DIGEST_RE) ?? [];
      expect(digests).toHaveLength(1);
      expect(digests[0]).toBe(await headDigest(reg.host, `bookstore/${svc}`, 'dev'));
      expect(r.stdout).toContain(`${join(dir, f)}:${imageLine(text)}: bookstore/${svc}:dev -> bookstore/${svc}@${digests[0]}\n`);
    }
    for (const f of readdirSync(BOOKSTORE).filter((n) => !FILES.includes(n))) expect(read(join(dir, f))).toBe(read(join(BOOKSTORE, f)));
  });

  it('--check passes after pinning, with no network', async () => {
    const r = await runPin([dir, '--check']);
    expect([r.code, r.stdout]).toEqual([0, '']);
  });

  it('pinning again changes nothing and asks the registry nothing', async () => {
    const before = FILES.map((f) => read(join(dir, f)));
    // No mirror: had pin asked docker.io, the lookup would fail; nothing is asked.
    const r = await runPin([dir, '--write', '-q']);
    expect([r.code, r.stdout, r.stderr]).toEqual([0, '', '']);
    expect(FILES.map((f) => read(join(dir, f)))).toEqual(before);
  });

  it('the chapter\'s policy passes require-image-digest for every Deployment', async () => {
    const out = join(work, 'after.json');
    const r = await runPolicy(['apply', join(dir, '70-kyverno-policy.yaml'), '--resource', dir, '--format', 'json', '-o', out]);
    expect(r.code).toBe(0);
    expect(deploymentVerdicts(out)).toEqual(Object.fromEntries(SERVICES.map((s) => [s, 'pass'])));
  });

  it('--keep-tag keeps the tag in front of the digest', async () => {
    const copy = tempCopy(BOOKSTORE, 'keep-tag');
    try {
      const r = await runPin([copy, '--write', '--keep-tag', ...pinArgs()]);
      expect(r.code).toBe(0);
      for (const [i, f] of FILES.entries()) {
        const svc = SERVICES[i];
        expect(read(join(copy, f))).toBe(read(join(BOOKSTORE, f)).replace(`bookstore/${svc}:dev`, `bookstore/${svc}:dev@${pushed[svc]}`));
      }
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });
});
