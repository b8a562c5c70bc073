// A real OCI registry for tests: Debian's docker-registry (CNCF Distribution) on
// 127.0.0.1 with a random port and a temporary storage directory. Optionally with
// htpasswd basic auth, or with token auth served by a small token server in this process
// that signs JWTs with a key whose self-signed certificate the registry trusts.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSign, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface RegistryOptions {
  /** Require these credentials: basic auth, or (with `token`) at the token server. */
  htpasswd?: { user: string; password: string };
  /** Bearer-token auth through a token server in this process. */
  token?: boolean;
  /** Serve HTTPS with a self-signed certificate for 127.0.0.1 (see `caCert`). */
  tls?: boolean;
}

export interface TestRegistry {
  /** `127.0.0.1:PORT` */
  host: string;
  /** Requests the token server has answered (token mode only; 0 otherwise). */
  tokenRequests(): number;
  /** With `tls`: the PEM certificate the registry serves, to trust as a CA. */
  caCert?: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

/** A token server as the distribution token spec describes: GET ?service=&scope= → signed JWT. */
async function startTokenServer(dir: string, service: string, issuer: string, creds?: { user: string; password: string }) {
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'token.key'), '-out', join(dir, 'token.crt'), '-days', '2', '-subj', '/CN=portcullis-test-token']);
  const key = await readFile(join(dir, 'token.key'), 'utf8');
  const certPem = await readFile(join(dir, 'token.crt'), 'utf8');
  const certDer = certPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  let requests = 0;

  const server = http.createServer((req, res) => {
    requests++;
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const auth = req.headers.authorization;
    let subject = '';
    if (auth?.startsWith('Basic ')) {
      const [user, ...rest] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
      if (!creds || user !== creds.user || rest.join(':') !== creds.password) {
        res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"bad credentials"}');
        return;
      }
      subject = user;
    } else if (creds) {
      res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"details":"credentials required"}');
      return;
    }
    const access = url.searchParams.getAll('scope').flatMap((scope) => {
      const parts = scope.split(':');
      if (parts.length < 3) return [];
      return [{ type: parts[0], name: parts.slice(1, -1).join(':'), actions: parts[parts.length - 1].split(',') }];
    });
    const now = Math.floor(Date.now() / 1000);
    const header = { alg: 'RS256', typ: 'JWT', x5c: [certDer] };
    const claims = { iss: issuer, sub: subject, aud: url.searchParams.get('service') ?? service, exp: now + 300, nbf: now - 10, iat: now, jti: randomBytes(8).toString('hex'), access };
    const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
    const signature = createSign('RSA-SHA256').update(signingInput).sign(key);
    const token = `${signingInput}.${b64url(signature)}`;
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date(now * 1000).toISOString() }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    realm: `http://127.0.0.1:${port}/token`,
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function waitForRegistry(host: string, tls: boolean, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null || proc.pid === undefined) throw new Error(`docker-registry exited with ${proc.exitCode}: ${log()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const req = (tls ? https : http).get(`${tls ? 'https' : 'http'}://${host}/v2/`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(true);
      });
      req.on('error', () => resolve(false));
      req.setTimeout(1000, () => req.destroy());
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`docker-registry did not answer on ${host}: ${log()}`);
}

export async function startRegistry(opts: RegistryOptions = {}): Promise<TestRegistry> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-registry-'));
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  let token: Awaited<ReturnType<typeof startTokenServer>> | undefined;
  const lines = [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${join(dir, 'data')}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: ${host}`,
    `  secret: ${randomBytes(16).toString('hex')}`,
  ];
  let caCert: string | undefined;
  try {
    if (opts.tls) {
      await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
      caCert = await readFile(join(dir, 'tls.crt'), 'utf8');
      lines.push('  tls:', `    certificate: ${join(dir, 'tls.crt')}`, `    key: ${join(dir, 'tls.key')}`);
    }
    if (opts.token) {
      token = await startTokenServer(dir, 'portcullis-test', 'portcullis-test-issuer', opts.htpasswd);
      lines.push('auth:', '  token:', `    realm: ${token.realm}`, '    service: portcullis-test', '    issuer: portcullis-test-issuer', `    rootcertbundle: ${join(dir, 'token.crt')}`);
    } else if (opts.htpasswd) {
      const { stdout } = await run('htpasswd', ['-Bbn', opts.htpasswd.user, opts.htpasswd.password]);
      await writeFile(join(dir, 'htpasswd'), stdout.trim() + '\n');
      lines.push('auth:', '  htpasswd:', '    realm: portcullis-test', `    path: ${join(dir, 'htpasswd')}`);
    }
    await writeFile(join(dir, 'config.yml'), lines.join('\n') + '\n');
  } catch (e) {
    await token?.close();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }

  const proc = spawn('/usr/bin/docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  // A missing binary is an 'error' event, not an exit; report it instead of crashing.
  proc.on('error', (e) => {
    stderr += `cannot run /usr/bin/docker-registry (apt-get install docker-registry): ${e.message}`;
  });
  proc.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const stop = async () => {
    if (proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await token?.close();
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await waitForRegistry(host, opts.tls ?? false, proc, () => stderr);
  } catch (e) {
    await stop();
    throw e;
  }
  return { host, tokenRequests: () => token?.requests() ?? 0, stop, ...(caCert ? { caCert } : {}) };
}

/** `skopeo copy` into a plain-HTTP registry; with `all`, every image of an index. */
export async function copyToRegistry(src: string, dest: string, opts: { creds?: string; all?: boolean } = {}): Promise<void> {
  const args = ['copy', '--quiet', '--insecure-policy', '--dest-tls-verify=false'];
  if (opts.creds) args.push('--dest-creds', opts.creds);
  if (opts.all) args.push('--all');
  await run('skopeo', [...args, src, dest]);
}

/** `skopeo inspect` against a plain-HTTP registry: the raw manifest, or a Go template. */
export async function skopeoInspect(ref: string, opts: { raw?: boolean; format?: string; creds?: string } = {}): Promise<string> {
  const args = ['inspect', '--tls-verify=false'];
  if (opts.raw) args.push('--raw');
  if (opts.format) args.push('--format', opts.format);
  if (opts.creds) args.push('--creds', opts.creds);
  const { stdout } = await run('skopeo', [...args, `docker://${ref}`]);
  return stdout;
}
