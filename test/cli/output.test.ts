import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeOutput } from '../../src/cli/output.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-output-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeOutput', () => {
  it('writes a regular file atomically, leaving no temp file', () => {
    const f = join(dir, 'sub', 'out.json');
    writeOutput('{"a":1}', f);
    expect(readFileSync(f, 'utf8')).toBe('{"a":1}\n');
    expect(readdirSync(join(dir, 'sub'))).toEqual(['out.json']);
  });

  it('writes through a character device instead of renaming over it (-o /dev/null)', () => {
    writeOutput('discarded', '/dev/null');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync('/dev').some((n) => n.startsWith('.null.'))).toBe(false);
  });
});
