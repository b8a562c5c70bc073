// `portcullis pin` usage and offline behaviour through its commander registration.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIX, runPin } from './helpers.js';

describe('portcullis pin usage', () => {
  it('--check cannot be combined with --write or --update; a bad --mirror or --platform is a usage error (exit 2)', async () => {
    const file = join(FIX, 'k8s', 'list.json');
    for (const args of [['--check', '--write'], ['--check', '--update'], ['--mirror', 'docker.io'], ['--mirror', 'docker.io=host/path'], ['--platform', 'linux']]) {
      const r = await runPin([file, ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(/^portcullis: error: /);
    }
  });

  it('--check lists unpinned references, skipped ones on stderr, and a missing path is exit 2', async () => {
    const file = join(FIX, 'k8s', 'workloads.yaml');
    const r = await runPin([file, '--check']);
    expect(r.code).toBe(1);
    const lines = r.stdout.trim().split('\n');
    const expected = readFileSync(file, 'utf8').split('\n').filter((l) => l.endsWith('# expect-pin') && !l.includes('@sha256:'));
    expect(lines).toHaveLength(expected.length);
    expect(lines.every((l) => l.startsWith(`${file.replace(process.cwd() + '/', '')}:`))).toBe(true);
    expect(lines.some((l) => l.includes('@sha256:'))).toBe(false);
    expect(r.stderr).toMatch(/skipped .*\$\{MIGRATE_IMAGE\}/);
    const missing = await runPin([join(FIX, 'no-such-dir'), '--check']);
    expect(missing.code).toBe(2);
  });
});
