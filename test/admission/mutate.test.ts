// `/mutate` with `serve --pin-images`, over HTTPS with real AdmissionReview payloads and a real
// loopback registry: the JSONPatch, applied, pins the containers to the digest the registry
// reports (Docker-Content-Digest); opt-outs and pinned images get no patch; a missing tag is a
// warning, never a denial; a repeat is served from the TTL cache.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DigestCache } from '../../src/admission/index.js';
import { startServe, type RunningServe } from '../../src/cli/commands/serve-run.js';
import { startRegistry, type TestRegistry } from '../helpers/registry.js';
import { pushImage } from '../policy/verify/helpers.js';
import { policyDir, postReview, reviewFixture, withUid } from './server-helpers.js';

const work = mkdtempSync(join(tmpdir(), 'portcullis-mutate-'));
let reg: TestRegistry;
let running: RunningServe;
let policies: string;

type Answer = { response: { uid: string; allowed: boolean; patchType?: string; patch?: string; warnings?: string[] } };
type Op = { op: string; path: string; value: unknown };

/** RFC 6902 `replace` only (what /mutate emits): the target must exist, else it throws. */
function applyPatch(doc: unknown, ops: readonly Op[]): unknown {
  const out = structuredClone(doc);
  for (const o of ops) {
    if (o.op !== 'replace') throw new Error(`unexpected op ${o.op}`);
    const parts = o.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let parent = out as Record<string, unknown>;
    for (const p of parts) parent = parent[p] as Record<string, unknown>;
    if (!(last in parent)) throw new Error(`replace target ${o.path} missing`);
    parent[last] = o.value;
  }
  return out;
}

/** The digest the registry itself reports for a tag (not our client's computation). */
async function registryDigest(repo: string, tag: string): Promise<string> {
  const res = await fetch(`http://${reg.host}/v2/${repo}/manifests/${tag}`, { method: 'HEAD', headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
  const d = res.headers.get('docker-content-digest');
  if (!d) throw new Error('no Docker-Content-Digest');
  return d;
}

function podReview(uid: string, image: string, annotations?: Record<string, string>): Record<string, unknown> {
  const r = withUid(reviewFixture('pod-create'), uid) as { request: { object: { metadata: Record<string, unknown>; spec: { containers: Array<Record<string, unknown>> } } } };
  r.request.object.spec.containers = [{ ...r.request.object.spec.containers[0]!, image }];
  if (annotations) r.request.object.metadata.annotations = annotations;
  return r as unknown as Record<string, unknown>;
}

function objectOf(review: Record<string, unknown>): unknown {
  return (review.request as { object: unknown }).object;
}

beforeAll(async () => {
  reg = await startRegistry();
  await pushImage(reg.host, 'acme/app', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=1\n' });
  await pushImage(reg.host, 'acme/cached', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=3\n' });
  policies = policyDir('Audit', 'portcullis-mutate-policies-');
  running = await startServe({
    addr: '127.0.0.1:0',
    generateCert: true,
    caOut: join(work, 'ca.pem'),
    serviceName: 'portcullis',
    namespace: 'portcullis',
    timeout: '8s',
    logLevel: 'silent',
    policies: [policies],
    registryPlainHttp: true,
    pinImages: true,
    pinCacheTtl: '5m',
    pinExclude: ['*/acme/excluded:*'],
  });
}, 120_000);

afterAll(async () => {
  await running?.close();
  await reg?.stop();
  rmSync(work, { recursive: true, force: true });
  if (policies) rmSync(policies, { recursive: true, force: true });
});

describe('/mutate pins images by digest', () => {
  const t = () => ({ port: running.address.port, agent: new Agent({ ca: readFileSync(join(work, 'ca.pem'), 'utf8'), keepAlive: false }) });
  const mutate = async (review: Record<string, unknown>) => {
    const r = await postReview(t(), review, '/mutate');
    expect(r.status).toBe(200);
    return (r.json() as unknown as Answer).response;
  };
  const ops = (a: Answer['response']) => JSON.parse(Buffer.from(a.patch!, 'base64').toString('utf8')) as Op[];

  it('patches a Pod: the applied patch names the registry digest, tag kept', async () => {
    const review = podReview('pod-1', `${reg.host}/acme/app:v1`);
    const a = await mutate(review);
    expect(a.uid).toBe('pod-1');
    expect(a.allowed).toBe(true);
    expect(a.patchType).toBe('JSONPatch');
    const pod = applyPatch(objectOf(review), ops(a)) as { spec: { containers: Array<{ image: string; name: string }> } };
    expect(pod.spec.containers[0]!.image).toBe(`${reg.host}/acme/app:v1@${await registryDigest('acme/app', 'v1')}`);
    // Nothing else changed.
    expect({ ...pod, spec: { ...pod.spec, containers: [] } }).toEqual({ ...(objectOf(review) as object), spec: { ...(objectOf(review) as typeof pod).spec, containers: [] } });
  });

  it('patches a Deployment template', async () => {
    const review = withUid(reviewFixture('deployment-create'), 'deploy-1') as { request: { object: { spec: { template: { spec: { containers: Array<Record<string, unknown>> } } } } } };
    const tpl = review.request.object.spec.template.spec;
    tpl.containers = [{ ...tpl.containers[0]!, image: `${reg.host}/acme/app:v1` }];
    const a = await mutate(review as unknown as Record<string, unknown>);
    const got = ops(a);
    expect(got.map((o) => o.path)).toEqual(['/spec/template/spec/containers/0/image']);
    const d = applyPatch(review.request.object, got) as typeof review.request.object;
    expect(d.spec.template.spec.containers[0]!.image).toBe(`${reg.host}/acme/app:v1@${await registryDigest('acme/app', 'v1')}`);
  });

  it('leaves an already-pinned image alone', async () => {
    const digest = await registryDigest('acme/app', 'v1');
    const a = await mutate(podReview('pinned-1', `${reg.host}/acme/app:v1@${digest}`));
    expect(a.allowed).toBe(true);
    expect(a.patch).toBeUndefined();
    expect(a.patchType).toBeUndefined();
  });

  it('honours the opt-out annotation and --pin-exclude', async () => {
    const a = await mutate(podReview('optout-1', `${reg.host}/acme/app:v1`, { 'portcullis.dev/pin': 'false' }));
    expect(a.allowed).toBe(true);
    expect(a.patch).toBeUndefined();
    const b = await mutate(podReview('exclude-1', `${reg.host}/acme/excluded:v1`));
    expect(b.patch).toBeUndefined();
    expect(b.warnings).toBeUndefined();
    // The same annotation set to anything else does not opt out.
    const c = await mutate(podReview('optout-2', `${reg.host}/acme/app:v1`, { 'portcullis.dev/pin': 'true' }));
    expect(c.patchType).toBe('JSONPatch');
  });

  it('a missing tag: allowed, a warning naming the image, no patch', async () => {
    const image = `${reg.host}/acme/app:nope`;
    const a = await mutate(podReview('missing-1', image));
    expect(a.allowed).toBe(true);
    expect(a.patch).toBeUndefined();
    expect(a.warnings?.length).toBe(1);
    expect(a.warnings![0]).toContain(`image ${image} not pinned`);
  });

  it('serves a repeat from the cache: a re-pushed tag keeps its cached digest within the TTL', async () => {
    const first = await registryDigest('acme/cached', 'v1');
    const a = await mutate(podReview('cache-1', `${reg.host}/acme/cached:v1`));
    expect(ops(a)[0]!.value).toBe(`${reg.host}/acme/cached:v1@${first}`);
    await pushImage(reg.host, 'acme/cached', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=4\n' });
    const moved = await registryDigest('acme/cached', 'v1');
    expect(moved).not.toBe(first);
    const b = await mutate(podReview('cache-2', `${reg.host}/acme/cached:v1`));
    expect(ops(b)[0]!.value).toBe(`${reg.host}/acme/cached:v1@${first}`);
    // Past the TTL the registry is asked again (a clock we move, same registry).
    let now = 0;
    const cache = new DigestCache({ ttlMs: 1000, registry: { plainHttp: true }, now: () => now });
    expect(await cache.resolve(`${reg.host}/acme/cached:v1`)).toBe(moved);
    await pushImage(reg.host, 'acme/cached', 'v1', { 'etc/os-release': 'ID=acme\nVERSION_ID=5\n' });
    now = 999;
    expect(await cache.resolve(`${reg.host}/acme/cached:v1`)).toBe(moved);
    now = 1000;
    expect(await cache.resolve(`${reg.host}/acme/cached:v1`)).toBe(await registryDigest('acme/cached', 'v1'));
  });
});
