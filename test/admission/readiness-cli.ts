// Runs `portcullis readiness` and `portcullis policy promote` in-process through commander,
// the way src/cli/main.ts does once the lead registers them: the same exit-code mapping
// (a PortcullisError's exitCode, 2 for usage errors), with stdout and stderr captured.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { vi } from 'vitest';
import { isPortcullisError } from '../../src/errors/index.js';
import { registerPromote } from '../../src/cli/commands/promote.js';
import { registerReadiness } from '../../src/cli/commands/readiness.js';
import { sha256Hex } from '../../src/util/digest.js';
import { bookstoreDir } from './reports-fixtures.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  error?: unknown;
}

export async function runCli(args: string[]): Promise<CliRun> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerReadiness(program);
  registerPromote(program.command('policy'));
  for (const c of program.commands) c.exitOverride();
  for (const c of program.commands.flatMap((x) => x.commands)) c.exitOverride();
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  process.exitCode = undefined;
  try {
    await program.parseAsync(args, { from: 'user' });
    return { code: typeof process.exitCode === 'number' ? process.exitCode : 0, stdout, stderr };
  } catch (e) {
    if (e instanceof CommanderError) return { code: 2, stdout, stderr, error: e };
    if (isPortcullisError(e)) return { code: e.exitCode, stdout, stderr: stderr + `portcullis: error: ${e.toLine()}\n`, error: e };
    throw e;
  } finally {
    out.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

/**
 * A copy of the Bookstore manifests with every `bookstore/<svc>:dev` image pinned to a
 * digest-shaped reference (what CI would write; the digest is a stand-in, since the policy
 * checks the reference's shape, not the registry).
 */
export function pinnedBookstoreCopy(dir: string): string {
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(bookstoreDir)) {
    const text = readFileSync(join(bookstoreDir, f), 'utf8').replace(/image: (bookstore\/[a-z]+):dev/g, (_m, repo: string) => `image: ${repo}@sha256:${sha256Hex(repo)}`);
    writeFileSync(join(dir, f), text);
  }
  return dir;
}
