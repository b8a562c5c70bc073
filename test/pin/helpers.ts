// Test helpers for pin: push small images and indexes into a real loopback registry,
// read Docker-Content-Digest straight off the wire (a raw HEAD, not through oci/), and
// run `portcullis pin`/`policy apply` through their commander registrations. Not a test file.
import { cpSync, mkdtempSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerPin } from '../../src/cli/commands/pin.js';
import { registerPolicy } from '../../src/cli/commands/policy.js';
import { isPortcullisError } from '../../src/errors/index.js';
import { MANIFEST_ACCEPT, MediaTypes, RegistryClient, type Credentials } from '../../src/oci/index.js';
import { sha256Digest } from '../../src/util/digest.js';
import { buildLayer } from '../helpers/build-image.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const FIX = join(ROOT, 'test', 'fixtures', 'pin');
export const BOOKSTORE = join(ROOT, 'examples', 'bookstore', 'raw-manifests');
export const DIGEST_RE = /sha256:[0-9a-f]{64}/g;

export function tempCopy(src: string, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), `portcullis-pin-${prefix}-`));
  cpSync(src, dir, { recursive: true });
  return dir;
}

function client(host: string, creds?: Credentials): RegistryClient {
  // A config path that does not exist: the developer's own ~/.docker/config.json never leaks in.
  return new RegistryClient(host, { plainHttp: true, dockerConfigPath: '/nonexistent/config.json', ...(creds ? { credentials: creds } : {}) });
}

/** Pushes a one-layer linux image under `reference` (a tag), or by its own digest when none is given. */
async function pushManifest(host: string, repo: string, reference: string | undefined, content: string, arch: string, creds?: Credentials): Promise<{ digest: string; size: number }> {
  const c = client(host, creds);
  const layer = await buildLayer([{ path: 'etc/image-id', content }]);
  await c.putBlob(repo, layer.blob);
  const config = Buffer.from(JSON.stringify({ architecture: arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: [layer.diffId] } }));
  await c.putBlob(repo, config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: sha256Digest(config), size: config.length },
      layers: [{ mediaType: layer.mediaType, digest: layer.digest, size: layer.size }],
    }),
  );
  const digest = await c.putManifest(repo, reference ?? sha256Digest(manifest), manifest, MediaTypes.ociManifest);
  return { digest, size: manifest.length };
}

/** Pushes a one-layer linux image (its only file holds `content`, so digests differ) under `repo:tag`; returns the manifest digest. */
export async function pushImage(host: string, repo: string, tag: string, content: string, opts: { arch?: string; creds?: Credentials } = {}): Promise<string> {
  return (await pushManifest(host, repo, tag, content, opts.arch ?? 'amd64', opts.creds)).digest;
}

/** Pushes one image per architecture and an OCI index over them, tagged `tag`. */
export async function pushIndex(host: string, repo: string, tag: string, archs: string[]): Promise<{ index: string; manifests: Record<string, string> }> {
  const manifests: Record<string, string> = {};
  const descriptors = [];
  for (const arch of archs) {
    const pushed = await pushManifest(host, repo, undefined, `${repo} for ${arch}`, arch);
    manifests[arch] = pushed.digest;
    descriptors.push({ mediaType: MediaTypes.ociManifest, digest: pushed.digest, size: pushed.size, platform: { os: 'linux', architecture: arch } });
  }
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: descriptors }));
  const digest = await client(host).putManifest(repo, tag, index, MediaTypes.ociIndex);
  return { index: digest, manifests };
}

/** Docker-Content-Digest of `repo:tag`, from a raw HEAD with the manifest Accept types. */
export function headDigest(host: string, repo: string, tag: string, basic?: { user: string; password: string }): Promise<string> {
  const [hostname, port] = host.split(':');
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Accept: MANIFEST_ACCEPT };
    if (basic) headers.Authorization = `Basic ${Buffer.from(`${basic.user}:${basic.password}`).toString('base64')}`;
    const req = http.request({ hostname, port: Number(port), method: 'HEAD', path: `/v2/${repo}/manifests/${tag}`, headers }, (res) => {
      res.resume();
      const d = res.headers['docker-content-digest'];
      if (res.statusCode !== 200 || typeof d !== 'string') reject(new Error(`HEAD ${repo}:${tag}: ${res.statusCode}`));
      else resolve(d);
    });
    req.on('error', reject);
    req.end();
  });
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs one command through a program holding only the given registrations, capturing stdout/stderr. */
async function runProgram(register: (p: Command) => void, args: string[]): Promise<CliResult> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  register(program);
  for (const c of program.commands) {
    c.exitOverride();
    for (const s of c.commands) s.exitOverride();
  }
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => (err.push(String(chunk)), true)) as typeof process.stderr.write;
  process.exitCode = undefined;
  let code: number;
  try {
    await program.parseAsync(args, { from: 'user' });
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (isPortcullisError(e)) {
      err.push(`portcullis: error: ${e.toLine()}\n`);
      code = e.exitCode;
    } else if (e instanceof CommanderError) code = 2;
    else throw e;
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = undefined;
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

export const runPin = (args: string[]) => runProgram(registerPin, ['pin', ...args]);
export const runPolicy = (args: string[]) => runProgram(registerPolicy, ['policy', ...args]);
