// `portcullis config` through its commander registration and its run function (the lead
// registers the command in main.ts; these tests build their own program around it).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerConfig } from '../../src/cli/commands/config.js';
import { parseConfigSeverities, runConfig } from '../../src/cli/commands/config-run.js';
import type { ConfigJson } from '../../src/config/index.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'config');
const CATALOG = join(FIX, 'bookstore', 'raw-manifests', '10-catalog.yaml');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-config-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => {
  process.exitCode = undefined;
});

async function cli(args: string[]): Promise<void> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerConfig(program);
  for (const c of program.commands) c.exitOverride();
  await program.parseAsync(['config', ...args, '-q'], { from: 'user' });
}

describe('portcullis config', () => {
  it('writes a JSON report with -o, exit code 0 without --exit-code', async () => {
    const out = join(dir, 'r.json');
    await cli([CATALOG, '--format', 'json', '-o', out]);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as ConfigJson;
    expect(doc.results.map((r) => r.findings.map((f) => f.checkId))).toEqual([['PCL-K8S-040']]);
    expect(process.exitCode ?? 0).toBe(0);
  });

  it('--exit-code trips on findings that remain after --severity', async () => {
    await cli([CATALOG, '--exit-code', '3', '-o', join(dir, 't.txt')]);
    expect(process.exitCode).toBe(3);
    process.exitCode = undefined;
    // The catalog's one finding is MEDIUM: filtering to HIGH leaves nothing.
    await cli([CATALOG, '--exit-code', '3', '--severity', 'HIGH,CRITICAL', '-o', join(dir, 't.txt')]);
    expect(process.exitCode ?? 0).toBe(0);
    expect(readFileSync(join(dir, 't.txt'), 'utf8')).toContain('FAILURES: 0');
  });

  it('writes SARIF', async () => {
    const out = join(dir, 'r.sarif');
    await cli([join(FIX, 'bookstore'), '--format', 'sarif', '-o', out]);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { version: string }).version).toBe('2.1.0');
  });

  it('passes --allowed-registries to both kinds of check', async () => {
    const out = join(dir, 'reg.json');
    await cli([join(FIX, 'bookstore', 'catalog', 'Dockerfile'), '--allowed-registries', 'docker.io,ghcr.io/acme', '--format', 'json', '-o', out]);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as ConfigJson;
    expect(doc.checks.map((c) => c.id)).toContain('PCL-DF-011');
    expect(doc.results[0].findings.filter((f) => f.checkId === 'PCL-DF-011')).toHaveLength(1);
  });

  it('exits 2 after writing the report when a file could not be scanned', async () => {
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'a: [\n');
    const out = join(dir, 'partial.json');
    await cli([broken, CATALOG, '--format', 'json', '-o', out]);
    expect(process.exitCode).toBe(2);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as ConfigJson;
    expect(doc.errors.map((e) => [e.file, e.code])).toEqual([[broken, 'INVALID_YAML']]);
    expect(doc.results).toHaveLength(1);
  });

  it('reads stdin for -', async () => {
    const out = join(dir, 'stdin.json');
    await runConfig(['-'], { format: 'json', output: out, quiet: true }, { stdin: () => readFileSync(CATALOG, 'utf8') });
    expect((JSON.parse(readFileSync(out, 'utf8')) as ConfigJson).results.map((r) => [r.file, r.failures])).toEqual([['-', 1]]);
  });

  it.each([
    [['--format', 'xml'], 'BAD_FLAG'],
    [['--exit-code', '-1'], 'BAD_FLAG'],
    [['--exit-code', '256'], 'BAD_FLAG'],
    [['--severity', 'UNKNOWN'], 'BAD_FLAG'],
    [['--allowed-registries', 'has space'], 'BAD_OPTION'],
  ])('rejects %j with %s before writing anything', async (flags, code) => {
    const out = join(dir, `never-${code}-${flags[1]}.json`);
    await expect(cli([CATALOG, ...flags, '-o', out])).rejects.toMatchObject({ code });
    expect(existsSync(out)).toBe(false);
  });

  it('reads severities case-insensitively', () => {
    expect(parseConfigSeverities('high, critical')).toEqual(['HIGH', 'CRITICAL']);
  });
});
