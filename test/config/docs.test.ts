// docs/config-checks.md has one row per check, and the rows say what the library says.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allChecks, toConfigJson, scanConfig } from '../../src/config/index.js';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'config-checks.md'), 'utf8');
const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/\\\|/g, '|');
const rows = doc
  .split('\n')
  .filter((l) => /^\| PCL-/.test(l))
  .map((l) => l.slice(2, -2).split(/ \| /).map(unescape));

describe('docs/config-checks.md', () => {
  it('lists every check once, with its severity, title and remediation', () => {
    const checks = allChecks();
    expect(rows.map((r) => r[0]).sort()).toEqual(checks.map((c) => c.id));
    for (const c of checks) {
      const row = rows.find((r) => r[0] === c.id) as string[];
      expect(row[1]).toBe(c.severity);
      expect(row[2]).toBe(c.title);
      expect(row).toContain(c.remediation);
      if (c.policy) expect(row[4]).toBe('`' + c.policy + '`');
    }
  });

  it('documents every top-level field of the JSON report', () => {
    const json = toConfigJson(scanConfig([]));
    for (const key of Object.keys(json)) expect(doc).toContain(`"${key}"`);
  });
});
