// Helpers for the verifyImages tests (not a test file): small images pushed to the real
// loopback registry with our own client, Pods that name them, policies built from the
// fixture templates, and a forwarding proxy that counts the registry requests it carries.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { RegistryClient, type Credentials } from '../../../src/oci/index.js';
import { compilePolicy, type CompiledPolicy } from '../../../src/policy/engine/index.js';
import type { Resource } from '../../../src/policy/types.js';
import { buildLayer } from '../../helpers/build-image.js';

export const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'policy', 'verify');

/** Pushes a one-layer image (`files` as its content) as repo:tag; returns its manifest digest. */
export async function pushImage(host: string, repo: string, tag: string, files: Record<string, string>, credentials?: Credentials): Promise<string> {
  const client = new RegistryClient(host, { plainHttp: true, ...(credentials ? { credentials } : {}) });
  const layer = await buildLayer(Object.entries(files).map(([path, content]) => ({ path, content })));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [layer.diffId] }, config: {} }));
  await client.putBlob(repo, layer.blob);
  const cfg = await client.putBlob(repo, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: cfg.digest, size: cfg.size },
      layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
    }),
  );
  return client.putManifest(repo, tag, manifest, 'application/vnd.oci.image.manifest.v1+json');
}

/** A Pod whose containers run `images` (named c0, c1, …), with optional pull secrets and service account. */
export function pod(name: string, images: string[], opts: { namespace?: string; pullSecrets?: string[]; serviceAccountName?: string; initImages?: string[] } = {}): Resource {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: opts.namespace ?? 'default' },
    spec: {
      ...(opts.serviceAccountName ? { serviceAccountName: opts.serviceAccountName } : {}),
      ...(opts.pullSecrets ? { imagePullSecrets: opts.pullSecrets.map((n) => ({ name: n })) } : {}),
      ...(opts.initImages ? { initContainers: opts.initImages.map((image, i) => ({ name: `init${i}`, image })) } : {}),
      containers: images.map((image, i) => ({ name: `c${i}`, image })),
    },
  };
}

/**
 * A policy from a fixture template: `${NAME}` placeholders replaced, then compiled as the engine
 * compiles any policy file. A PEM value becomes a YAML block scalar; other multi-line values
 * become lines at the placeholder's indentation.
 */
export function policyFromFixture(file: string, vars: Record<string, string>): CompiledPolicy {
  let text = readFileSync(join(FIXTURES, file), 'utf8');
  for (const [k, v] of Object.entries(vars)) {
    text = text.replace(new RegExp(`^( *)(.*)\\$\\{${k}\\}`, 'gm'), (_m, indent: string, before: string) => {
      const lines = v.trimEnd().split('\n');
      if (lines.length === 1) return `${indent}${before}${v}`;
      if (v.includes('-----BEGIN')) return `${indent}${before}|\n${lines.map((l) => `${indent}  ${l}`).join('\n')}`;
      return `${indent}${before}${lines.map((l, i) => (i === 0 ? l : `${indent}${l}`)).join('\n')}`;
    });
  }
  return compilePolicy(parseYaml(text) as Resource, file);
}

export interface CountingProxy {
  /** `127.0.0.1:PORT`: use as the registry host. */
  host: string;
  /** Requests forwarded, as `METHOD path`. */
  requests: string[];
  close(): Promise<void>;
}

/** A plain HTTP forwarder to `target` that records every request (to prove what the verifier sends). */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const requests: string[] = [];
  const [host, port] = target.split(':') as [string, string];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method ?? ''} ${req.url ?? ''}`);
    const up = http.request({ host, port: Number(port), method: req.method, path: req.url, headers: { ...req.headers, host: target } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', (e) => res.writeHead(502).end(e.message));
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
