import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Write machine output to `-o FILE` atomically (temp file beside it, then rename), so a
 * failure never leaves a half-written report; without a file, write to stdout.
 */
export function writeOutput(text: string, file?: string): void {
  if (!file || file === '-') {
    process.stdout.write(text.endsWith('\n') ? text : text + '\n');
    return;
  }
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, text.endsWith('\n') ? text : text + '\n');
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
