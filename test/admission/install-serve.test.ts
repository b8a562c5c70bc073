// The rendered Deployment runs: its container arguments, read by `portcullis serve`'s own
// command definition, start the real server on files laid out as the kubelet projects a
// ConfigMap and a Secret volume (`..data` symlinks), with the certificate made by
// deploy/tls/generate-certs.sh; the probes' paths answer over HTTPS to a client that trusts
// only the caBundle the install rendered, for the Service's DNS name, and /validate (the
// webhook's path) admits a violating Pod with warnings while the policies are in Audit.
// Only the listen address changes: 127.0.0.1 and a free port instead of :8443.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderInstallManifests } from '../../src/admission/index.js';
import { registerServe, type ServeFlags } from '../../src/cli/commands/serve.js';
import { startServe, type RunningServe } from '../../src/cli/commands/serve-run.js';
import { parseDocuments } from '../../src/policy/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const FIX = join(ROOT, 'test', 'fixtures', 'admission');

/** A directory as the kubelet's atomic writer makes it: files in a timestamped dir, `..data` → it, each name → `..data/name`. */
function projectedVolume(dir: string, files: Record<string, string>): void {
  const stamp = '..2026_01_01_00_00_00.000000001';
  mkdirSync(join(dir, stamp), { recursive: true });
  for (const [name, from] of Object.entries(files)) cpSync(from, join(dir, stamp, name));
  symlinkSync(stamp, join(dir, '..data'));
  for (const name of Object.keys(files)) symlinkSync(join('..data', name), join(dir, name));
}

interface Reply {
  status: number;
  body: string;
}

let tmp: string;
let running: RunningServe;
let caPem: string;
let args: string[];

function call(path: string, body?: unknown): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(
      {
        host: '127.0.0.1',
        port: running.address.port,
        path,
        method: data ? 'POST' : 'GET',
        // The API server dials the Service name and trusts only the caBundle.
        servername: 'portcullis.portcullis.svc',
        ca: caPem,
        headers: data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {},
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'portcullis-install-serve-'));
  const certs = join(tmp, 'certs');
  execFileSync('sh', [join(ROOT, 'deploy/tls/generate-certs.sh'), 'portcullis', certs, '2'], { stdio: 'ignore' });
  const policyDir = join(FIX, 'install', 'policies');
  const policies = Object.fromEntries(readdirSync(policyDir).filter((f) => f !== 'kyverno-test.yaml').map((f) => [f, join(policyDir, f)]));
  projectedVolume(join(tmp, 'policies'), policies);
  projectedVolume(join(tmp, 'tls'), { 'tls.crt': join(certs, 'tls.crt'), 'tls.key': join(certs, 'tls.key') });

  const objs = parseDocuments(renderInstallManifests({ caBundle: readFileSync(join(certs, 'ca.crt'), 'utf8') }), 'install') as Array<Record<string, unknown>>;
  const dep = objs.find((o) => o.kind === 'Deployment') as { spec: { template: { spec: { containers: Array<{ args: string[] }> } } } };
  const webhook = objs.find((o) => o.kind === 'ValidatingWebhookConfiguration') as { webhooks: Array<{ clientConfig: { caBundle: string } }> };
  caPem = Buffer.from(webhook.webhooks[0]!.clientConfig.caBundle, 'base64').toString('utf8');
  args = dep.spec.template.spec.containers[0]!.args;

  const remapped = args.map((a) =>
    a.replace('/etc/portcullis/policies', join(tmp, 'policies')).replace('/etc/portcullis/tls', join(tmp, 'tls')).replace(/^--addr=:8443$/, '--addr=127.0.0.1:0'),
  );
  let flags: ServeFlags | undefined;
  const program = new Command().exitOverride();
  registerServe(program);
  const serve = program.commands.find((c) => c.name() === 'serve')!;
  serve.exitOverride().action((f: ServeFlags) => {
    flags = f;
  });
  await program.parseAsync(['serve', ...remapped, '--log-level=silent'], { from: 'user' });
  running = await startServe(flags!);
});

afterAll(async () => {
  await running?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the rendered Deployment, run by portcullis serve', () => {
  it('passes serve only flags it defines, listening on every interface', () => {
    expect(args).toContain('--addr=:8443');
    expect(running.address.port).toBeGreaterThan(0);
  });

  it('answers the liveness and readiness probes over HTTPS for the Service name, trusting only the caBundle', async () => {
    expect((await call('/healthz')).status).toBe(200);
    expect((await call('/readyz')).status).toBe(200);
  });

  it('reviews at the webhook path: an Audit violation is admitted with warnings', async () => {
    const review = JSON.parse(readFileSync(join(FIX, 'reviews', 'pod-create.json'), 'utf8')) as { request: { uid: string } };
    const reply = await call('/validate', review);
    expect(reply.status).toBe(200);
    const response = (JSON.parse(reply.body) as { response: { uid: string; allowed: boolean; warnings?: string[] } }).response;
    expect(response.uid).toBe(review.request.uid);
    expect(response.allowed).toBe(true);
    // nginx:latest and runAsNonRoot: false break both fixture policies.
    expect(response.warnings?.join('\n')).toMatch(/disallow-latest-tag/);
    expect(response.warnings?.join('\n')).toMatch(/require-run-as-nonroot/);
  });
});
