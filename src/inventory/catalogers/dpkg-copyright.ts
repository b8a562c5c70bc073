// Licences from Debian's machine-readable copyright files (DEP-5,
// https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/). Only DEP-5 files
// are read: a free-form copyright file yields no licence rather than a guess.
import type { ChunkReducer } from '../../layers/types.js';

const FORMAT = /^Format(?:-Specification)?:\s*\S/i;
const LICENSE = /^License:(.*)$/i;
/** A copyright line longer than this is cut: short names are short. */
const MAX_LINE = 4096;
const MAX_LICENSE_LINES = 2000;

/**
 * Streams a copyright file and keeps only what `licensesFromCopyright` reads: the header's
 * `Format:` line and every `License:` line. Copyright files run to megabytes (firmware,
 * toolchains), so the layer reader never buffers them whole. `end()` gives null for a
 * file that is not DEP-5.
 */
export function createCopyrightReducer(): ChunkReducer {
  let carry: Buffer = Buffer.alloc(0);
  let overlong = false;
  let inHeader = true;
  let seenContent = false;
  let format: string | undefined;
  const licenses: string[] = [];

  const onLine = (raw: Buffer): void => {
    const line = raw.toString('utf8').replace(/\r$/, '');
    if (line.trim() === '') {
      if (seenContent) inHeader = false;
      return;
    }
    seenContent = true;
    if (inHeader && format === undefined && FORMAT.test(line)) format = line;
    if (LICENSE.test(line) && licenses.length < MAX_LICENSE_LINES) licenses.push(line);
  };

  return {
    push(chunk: Buffer): void {
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl);
        if (!overlong) onLine(carry.length ? Buffer.concat([carry, piece]).subarray(0, MAX_LINE) : piece.subarray(0, MAX_LINE));
        carry = Buffer.alloc(0);
        overlong = false;
        start = nl + 1;
      }
      const rest = chunk.subarray(start);
      if (overlong) return;
      if (carry.length + rest.length > MAX_LINE) {
        // Keep the head of an overlong line (its field name) and drop the rest.
        onLine(Buffer.concat([carry, rest]).subarray(0, MAX_LINE));
        carry = Buffer.alloc(0);
        overlong = true;
      } else if (rest.length) {
        carry = Buffer.concat([carry, rest]);
      }
    },
    end(): Buffer | null {
      if (carry.length && !overlong) onLine(carry);
      carry = Buffer.alloc(0);
      if (format === undefined) return null;
      return Buffer.from([format, '', ...licenses, ''].join('\n'));
    },
  };
}

/**
 * Licence short names from a DEP-5 copyright file (whole or reduced): the first line of
 * every `License:` field, in order of appearance, deduplicated. Undefined when the file
 * is not DEP-5 (no `Format:` in its header paragraph).
 */
export function licensesFromCopyright(text: string): string[] | undefined {
  const lines = text.split('\n').map((l) => l.replace(/\r$/, ''));
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  let dep5 = false;
  for (; i < lines.length && lines[i].trim() !== ''; i++) if (FORMAT.test(lines[i])) dep5 = true;
  if (!dep5) return undefined;
  const out = new Set<string>();
  for (const line of lines) {
    const m = LICENSE.exec(line);
    const v = m?.[1].trim();
    if (v) out.add(v);
  }
  return [...out];
}
