import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Write machine output to `-o FILE` atomically (temp file beside it, then rename), so a
 * failure never leaves a half-written report; without a file, write to stdout. A target
 * that exists and is not a regular file (/dev/null, a fifo, /dev/stdout) is written in
 * place: renaming over it would replace the device with a file.
 */
export function writeOutput(text: string, file?: string): void {
  const body = text.endsWith('\n') ? text : text + '\n';
  if (!file || file === '-') {
    process.stdout.write(body);
    return;
  }
  const st = statSync(file, { throwIfNoEntry: false });
  if (st && !st.isFile()) {
    writeFileSync(file, body);
    return;
  }
  const dir = dirname(file);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    writeFileSync(tmp, body);
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
