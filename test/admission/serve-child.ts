// `portcullis serve` in a child process, built from the sources with esbuild (so the test runs
// the current code without `npm run build`, and the server has a process of its own: its
// memory, its crashes and its exit code are observable).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import type { ServeFlags } from '../../src/cli/commands/serve.js';

const ROOT = join(import.meta.dirname, '..', '..');

let bundled: Promise<string> | undefined;

/** One bundle per test file: src/cli/commands/serve-run.ts and a two-line entry point. */
export function bundleServe(): Promise<string> {
  bundled ??= (async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'portcullis-serve-bundle-')), 'serve.mjs');
    await build({
      stdin: {
        contents: [
          `import { runServe } from ${JSON.stringify(join(ROOT, 'src/cli/commands/serve-run.ts'))};`,
          `runServe(JSON.parse(process.argv[2])).then(() => process.exit(0), (e) => { process.stderr.write('portcullis: error: ' + (e.toLine ? e.toLine() : String(e)) + '\\n'); process.exit(e.exitCode ?? 2); });`,
        ].join('\n'),
        resolveDir: ROOT,
        loader: 'ts',
      },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: out,
      banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" },
      logLevel: 'error',
    });
    return out;
  })();
  return bundled;
}

export interface ServeChild {
  readonly child: ChildProcess;
  readonly port: number;
  readonly ca: string;
  /** Every JSON log line so far. */
  readonly lines: Array<Record<string, unknown>>;
  /** Non-JSON stderr (an error line, a crash's stack). */
  readonly otherStderr: string[];
  readonly exited: Promise<number | null>;
}

export async function startServeChild(flags: Partial<ServeFlags> & { policies: string[] }, caOut: string): Promise<ServeChild> {
  const script = await bundleServe();
  const all: ServeFlags = {
    addr: '127.0.0.1:0',
    generateCert: true,
    serviceName: 'portcullis',
    namespace: 'portcullis',
    caOut,
    timeout: '8s',
    logLevel: 'info',
    ...flags,
  };
  const child = spawn(process.execPath, [script, JSON.stringify(all)], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  const otherStderr: string[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // Listening gives the port; the CA file is written right after.
  let listening: number | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    createInterface({ input: child.stderr! }).on('line', (l) => {
      let obj: Record<string, unknown>;
      try {
        obj = JSON.parse(l) as Record<string, unknown>;
      } catch {
        otherStderr.push(l);
        return;
      }
      lines.push(obj);
      if (obj.msg === 'admission server listening') listening = obj.port as number;
      if (typeof obj.msg === 'string' && obj.msg.startsWith('generated a CA') && listening !== undefined) resolve(listening);
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${otherStderr.join('\n')}`)));
  });
  return { child, port, ca: readFileSync(caOut, 'utf8'), lines, otherStderr, exited };
}
