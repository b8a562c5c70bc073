// `serve --pull-secrets`: verifyImages may read pull secrets through the API while policies
// come from files. Here only the flag contract is checked (the secret lookups themselves are
// tested against a stand-in API server in test/policy/verify/admission.test.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServe } from '../../src/cli/commands/serve-run.js';
import type { ServeFlags } from '../../src/cli/commands/serve.js';
import { policyDir } from './server-helpers.js';

const work = mkdtempSync(join(tmpdir(), 'portcullis-serve-pull-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const kubeconfig = join(work, 'kubeconfig');
writeFileSync(
  kubeconfig,
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{ name: c, cluster: { server: "https://127.0.0.1:1", insecure-skip-tls-verify: true } }]',
    'users: [{ name: u, user: { token: t } }]',
    'contexts: [{ name: x, context: { cluster: c, user: u } }]',
    'current-context: x',
    '',
  ].join('\n'),
);

const flags = (over: Partial<ServeFlags>): ServeFlags => ({
  addr: '127.0.0.1:0',
  generateCert: true,
  caOut: join(work, `ca-${Math.random().toString(36).slice(2)}.pem`),
  serviceName: 'portcullis',
  namespace: 'portcullis',
  timeout: '8s',
  logLevel: 'silent',
  policies: [policyDir('Audit')],
  ...over,
});

describe('serve --pull-secrets', () => {
  it('starts with policies from files and a kubeconfig for secret lookups', async () => {
    const running = await startServe(flags({ pullSecrets: true, kubeconfig }));
    expect(running.address.port).toBeGreaterThan(0);
    await running.close();
  });

  it('still refuses --kubeconfig with neither --cluster nor --pull-secrets', async () => {
    await expect(startServe(flags({ kubeconfig }))).rejects.toMatchObject({ code: 'USAGE', exitCode: 2 });
  });
});
