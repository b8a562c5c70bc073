// The unified-diff helper against the real tools: on 200 generated file pairs, GNU `patch`
// applied to its output must reproduce the new file exactly, and its hunks must change as
// many lines as GNU `diff -u` changes (alignment may differ where several are shortest).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/admission/diff.js';

const tmp = mkdtempSync(join(tmpdir(), 'portcullis-diff-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A small deterministic generator (a linear congruential sequence), so failures reproduce. */
function generator(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    return s / 0x7fffffff;
  };
}

function pair(seed: number): [string, string] {
  const r = generator(seed);
  const a = Array.from({ length: Math.floor(r() * 40) }, () => `line ${Math.floor(r() * 8)}`);
  const b = a.filter(() => r() > 0.2).map((x) => (r() > 0.85 ? `changed ${Math.floor(r() * 4)}` : x));
  if (r() > 0.5) b.splice(Math.floor(r() * (b.length + 1)), 0, 'inserted');
  const eol = (lines: string[]) => lines.join('\n') + (lines.length > 0 && r() > 0.2 ? '\n' : '');
  return [eol(a), eol(b)];
}

const changedLines = (d: string, sign: '-' | '+') => d.split('\n').filter((l) => l.startsWith(sign) && !l.startsWith(sign.repeat(3))).length;

describe('unifiedDiff', () => {
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', { fromFile: 'a', toFile: 'b' })).toBe('');
  });

  it('agrees with GNU diff and patch on 200 generated pairs', () => {
    const fa = join(tmp, 'a');
    const fb = join(tmp, 'b');
    const fp = join(tmp, 'p.diff');
    const out = join(tmp, 'out');
    for (let seed = 1; seed <= 200; seed++) {
      const [a, b] = pair(seed);
      writeFileSync(fa, a);
      writeFileSync(fb, b);
      const mine = unifiedDiff(a, b, { fromFile: 'a', toFile: 'b' });
      const gnu = spawnSync('diff', ['-u', '--label', 'a', '--label', 'b', fa, fb], { encoding: 'utf8' }).stdout;
      expect(mine === '', `seed ${seed}`).toBe(gnu === '');
      expect([changedLines(mine, '-'), changedLines(mine, '+')], `seed ${seed}`).toEqual([changedLines(gnu, '-'), changedLines(gnu, '+')]);
      if (mine === '') continue;
      writeFileSync(fp, mine);
      const p = spawnSync('patch', ['--quiet', '-o', out, fa, fp], { encoding: 'utf8' });
      expect(p.status, `seed ${seed}: ${p.stderr}${p.stdout}`).toBe(0);
      expect(readFileSync(out, 'utf8'), `seed ${seed}`).toBe(b);
    }
  });
});
