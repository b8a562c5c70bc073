// A local registry for the walkthrough: Debian's docker-registry (CNCF Distribution) on
// 127.0.0.1, storage in examples/bookstore/out/registry. The chapter pushes to a real
// registry; here it is a loopback one so the walkthrough runs anywhere.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';

const BIN = '/usr/bin/docker-registry';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Starts the registry, or returns undefined when Debian's docker-registry is not installed. */
export async function startLocalRegistry(dir) {
  if (!existsSync(BIN)) return undefined;
  mkdirSync(join(dir, 'data'), { recursive: true });
  const host = `127.0.0.1:${await freePort()}`;
  const config = ['version: 0.1', 'log:', '  level: error', '  accesslog:', '    disabled: true', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, 'http:', `  addr: ${host}`].join('\n');
  writeFileSync(join(dir, 'config.yml'), config + '\n');
  const proc = spawn(BIN, ['serve', join(dir, 'config.yml')], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://${host}/v2/`);
      if (res.ok) return { host, stop: () => proc.kill() };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error(`docker-registry did not start on ${host}`);
}
