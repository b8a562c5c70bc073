import { homedir } from 'node:os';
import { join } from 'node:path';
import { existsSync, statSync, readFileSync } from 'node:fs';
import { UsageError } from '../errors/index.js';
import type { OpenOptions, Platform } from '../oci/types.js';

/** Flags shared by every command that reads images. */
export interface ImageFlags {
  plainHttp?: boolean;
  platform?: string;
  username?: string;
  passwordStdin?: boolean;
  cacheDir?: string;
  cache?: boolean;
  debug?: boolean;
  quiet?: boolean;
}

/** `$PORTCULLIS_CACHE_DIR`, else `$XDG_CACHE_HOME/portcullis`, else `~/.cache/portcullis`. */
export function defaultCacheDir(): string {
  if (process.env.PORTCULLIS_CACHE_DIR) return process.env.PORTCULLIS_CACHE_DIR;
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.cache'), 'portcullis');
}

/** The vulnerability database: `<cache dir>/db/portcullis.db` unless `--db` says otherwise. */
export function defaultDbPath(): string {
  return join(defaultCacheDir(), 'db', 'portcullis.db');
}

export function cacheDirFrom(flags: ImageFlags): string | undefined {
  if (flags.cache === false) return undefined;
  return flags.cacheDir ?? defaultCacheDir();
}

export function parsePlatform(s: string): Platform {
  const [os, architecture, variant] = s.split('/');
  if (!os || !architecture) throw new UsageError('BAD_FLAG', `invalid platform "${s}": want os/arch[/variant], e.g. linux/amd64`, { input: '--platform' });
  return variant ? { os, architecture, variant } : { os, architecture };
}

export function openOptionsFrom(flags: ImageFlags): OpenOptions {
  const opts: OpenOptions = { plainHttp: flags.plainHttp };
  if (flags.platform) opts.platform = parsePlatform(flags.platform);
  if (flags.username) {
    if (!flags.passwordStdin) throw new UsageError('BAD_FLAG', '--username needs --password-stdin', { input: '--username' });
    const password = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
    opts.credentials = { username: flags.username, password };
  }
  return opts;
}

/** A bare directory path (no transport prefix) names a filesystem target. */
export function isDirectoryTarget(target: string): boolean {
  if (/^(docker-archive|oci|dir):/.test(target)) return false;
  return existsSync(target) && statSync(target).isDirectory();
}

/** Progress and logs go to stderr; suppressed with --quiet. */
export function logger(flags: ImageFlags): (msg: string) => void {
  return flags.quiet ? () => undefined : (msg) => process.stderr.write(`portcullis: ${msg}\n`);
}

/**
 * Read a file the user named on the command line; a failure is a usage error (exit 2)
 * naming the file and what it was for, never a stack trace.
 */
export function readUserFile(file: string, what: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new UsageError('USAGE', `cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { input: file });
  }
}
