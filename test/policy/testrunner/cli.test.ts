// `portcullis policy apply` and `policy test` through commander, in process, with the real
// engine: exit codes (Enforce fail → 1, Audit fail → 0 with a warning, bad input → 2 with one
// line), the table/json/policyreport outputs, and PolicyReports checked against the
// wgpolicyk8s.io CRD schema. The error mapping below mirrors src/cli/main.ts (which the lead
// owns and registers `policy` in): PortcullisError → one `portcullis: error:` line and its exit code.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { Command, CommanderError } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { registerPolicy } from '../../../src/cli/commands/policy.js';
import { isPortcullisError } from '../../../src/errors/index.js';

const fx = join(import.meta.dirname, '..', '..', 'fixtures', 'policy', 'testrunner');
const tmp = mkdtempSync(join(tmpdir(), 'portcullis-policy-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const program = new Command().name('portcullis').exitOverride();
  let stdout = '';
  let stderr = '';
  program.configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
  registerPolicy(program);
  for (const c of program.commands) {
    c.exitOverride().configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
    for (const s of c.commands) s.exitOverride().configureOutput({ writeOut: (x) => void (stdout += x), writeErr: (x) => void (stderr += x) });
  }
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  process.stdout.write = ((s: string | Uint8Array) => ((stdout += String(s)), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => ((stderr += String(s)), true)) as typeof process.stderr.write;
  process.exitCode = undefined;
  let code: number;
  try {
    await program.parseAsync(args, { from: 'user' });
    code = typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) code = 2;
    else if (isPortcullisError(e)) {
      stderr += `portcullis: error: ${e.toLine()}\n`;
      code = e.exitCode;
    } else throw e;
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { code, stdout, stderr };
}

const policies = join(fx, 'cli', 'policies');
const resources = join(fx, 'cli', 'resources');

describe('policy apply', () => {
  it('an Enforce failure exits 1 and says why on stderr', async () => {
    const r = await cli(['policy', 'apply', policies, '--resource', join(fx, 'cli', 'latest')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Enforce fail: disallow-latest\/no-latest on Pod\/apps\/floating: /m);
    expect(r.stdout).toMatch(/disallow-latest\s+no-latest\s+Pod\/apps\/floating\s+fail\s+Enforce/);
  });

  it('an Audit failure exits 0 with a warning; directories are walked for manifests', async () => {
    const r = await cli(['policy', 'apply', join(policies, 'audit.yaml'), '--resource', resources]);
    expect(r.code).toBe(0);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^warning: Audit fail: require-team-label\/check-team on Pod\/apps\/unlabelled: /)]);
    const lines = r.stdout.split('\n');
    // A namespaced kind without a namespace lands in default; a Namespace stays cluster-scoped.
    expect(lines.some((l) => /require-team-label\s+check-team\s+Pod\/default\/pinned\s+pass\s+Audit/.test(l))).toBe(true);
    expect(lines.some((l) => /require-team-label\s+check-team\s+Namespace\/apps\s+pass\s+Audit/.test(l))).toBe(true);
    expect(r.stdout).toMatch(/3 results: 2 pass, 1 fail, 0 warn, 0 error, 0 skip/);
  });

  it('an Enforce rule that errors blocks too (admission fails closed with the default failurePolicy)', async () => {
    const r = await cli(['policy', 'apply', join(fx, 'cli', 'error'), '--resource', resources, '--format', 'json']);
    const doc = JSON.parse(r.stdout) as { results: Array<{ result: string }> };
    expect(doc.results.map((x) => x.result)).toEqual(['error', 'error']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: Enforce error: owner-from-catalog\/owner-known on Pod\/apps\/unlabelled: /m);
  });

  it('a policy the engine rejects exits 2 with one line naming the file', async () => {
    const r = await cli(['policy', 'apply', join(fx, 'cli', 'bad'), '--resource', resources]);
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^portcullis: error: .*bad-policy\.yaml/);
    expect(r.stdout).toBe('');
  });

  it('bad usage exits 2: unknown format, missing resource path, no --resource', async () => {
    expect((await cli(['policy', 'apply', policies, '--resource', resources, '--format', 'xml'])).code).toBe(2);
    const missing = await cli(['policy', 'apply', policies, '--resource', join(tmp, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^portcullis: error: --resource .*nope: no such file or directory$/m);
    expect((await cli(['policy', 'apply', policies])).code).toBe(2);
  });

  it('--values sets the operation per resource (UPDATE with a changed oldObject label fails an Enforce rule)', async () => {
    const dir = join(fx, 'update');
    const r = await cli(['policy', 'apply', join(dir, 'policy.yaml'), '--resource', join(dir, 'resources.yaml'), '--values', join(dir, 'values.yaml'), '--format', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { results: Array<{ rule: string; result: string; resource: { name: string } }> };
    expect(doc.results.filter((x) => x.rule === 'keep-team').map((x) => `${x.resource.name}:${x.result}`)).toEqual(['created:skip', 'updated-changed:fail', 'updated-same:pass']);
    expect(r.stderr).toMatch(/^error: Enforce fail: team-label-immutable\/keep-team on ConfigMap\/apps\/updated-changed: .*the team label cannot change/m);
    // Without the values every resource is a CREATE: the rule skips and nothing blocks.
    expect((await cli(['policy', 'apply', join(dir, 'policy.yaml'), '--resource', join(dir, 'resources.yaml')])).code).toBe(0);
  });

  it('--format json has a summary that counts its results', async () => {
    const r = await cli(['policy', 'apply', policies, '--resource', resources, '--resource', join(fx, 'cli', 'latest'), '--format', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { summary: Record<string, number>; results: Array<{ policy: string; result: string; action: string; resource: { name: string } }> };
    const counted: Record<string, number> = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
    for (const x of doc.results) counted[x.result]!++;
    expect(doc.summary).toEqual(counted);
    expect(doc.results.filter((x) => x.result === 'fail').map((x) => `${x.policy}:${x.resource.name}:${x.action}`)).toEqual(['disallow-latest:floating:Enforce', 'require-team-label:unlabelled:Audit']);
  });

  it('--format policyreport: one report per namespace plus a cluster report, valid for the CRD, timestamps from SOURCE_DATE_EPOCH', async () => {
    const out = join(tmp, 'reports.yaml');
    const r = await cli(['policy', 'apply', policies, '--resource', resources, '--format', 'policyreport', '-o', out], { SOURCE_DATE_EPOCH: '1700000000' });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    const docs = parseAllDocuments(readFileSync(out, 'utf8')).map((d) => d.toJS() as Record<string, never>);
    const schema = JSON.parse(readFileSync(join(fx, 'policyreport.schema.json'), 'utf8')) as object;
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
    for (const d of docs) expect(validate(d), JSON.stringify(validate.errors)).toBe(true);
    expect(docs.map((d) => [d.kind, (d.metadata as { namespace?: string }).namespace])).toEqual([
      ['ClusterPolicyReport', undefined],
      ['PolicyReport', 'apps'],
      ['PolicyReport', 'default'],
    ]);
    for (const d of docs) {
      const results = d.results as Array<{ result: string; timestamp: { seconds: number }; source: string; resources: Array<{ namespace?: string }> }>;
      const counted: Record<string, number> = { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
      for (const x of results) {
        counted[x.result]!++;
        expect(x.timestamp.seconds).toBe(1700000000);
        expect(x.source).toBe('portcullis');
        expect(x.resources[0]!.namespace).toBe((d.metadata as { namespace?: string }).namespace);
      }
      expect(d.summary).toEqual(counted);
    }
    const apps = docs[1]!.results as Array<{ policy: string; rule: string; result: string; category?: string; severity?: string; properties: Record<string, string> }>;
    expect(apps).toEqual([
      expect.objectContaining({ policy: 'disallow-latest', rule: 'no-latest', result: 'pass', category: 'Best Practices', severity: 'medium', properties: { process: 'policy apply', action: 'Enforce' } }),
      expect.objectContaining({ policy: 'require-team-label', rule: 'check-team', result: 'fail', category: 'Multi-Tenancy', severity: 'low', properties: { process: 'policy apply', action: 'Audit' } }),
    ]);
  });
});

describe('policy test', () => {
  it('a passing suite exits 0 and prints its table', async () => {
    const r = await cli(['policy', 'test', join(fx, 'autogen')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/autogen-cronjob-no-latest/);
    expect(r.stdout).toMatch(/Test Summary: 3 tests passed and 0 tests failed .*; 1 of 1 suites passed/);
  });

  it('any mismatch exits 1; --fail-only shows only failing rows; --detailed-results adds messages', async () => {
    const r = await cli(['policy', 'test', fx, '--fail-only', '--detailed-results']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/Not found/);
    expect(r.stdout).toMatch(/Want fail, got pass/);
    expect(r.stdout).not.toMatch(/\bExcluded\b/);
    expect(r.stdout).toMatch(/MESSAGE/);
    expect(r.stdout).toMatch(/Failed suites: .*notfound\/kyverno-test\.yaml.*resource-specs\/kyverno-test\.yaml/);
    // The invalid policy is reported, not silently passed.
    expect(r.stderr).toMatch(/warning: .*invalid-policy\/kyverno-test\.yaml: policy broken skipped: INVALID_POLICY/);
  });

  it('no suites, or a path that does not exist, is bad input (2)', async () => {
    expect((await cli(['policy', 'test', join(fx, 'malformed')])).code).toBe(2);
    expect((await cli(['policy', 'test', join(tmp, 'nope')])).code).toBe(2);
  });

  it('a malformed suite is reported with its field and exits 2 after the others ran', async () => {
    const r = await cli(['policy', 'test', join(fx, 'malformed', 'bad-result.yaml'), join(fx, 'autogen')]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/bad-result\.yaml: error: .*results\[0\]\.result: /);
    expect(r.stdout).toMatch(/1 of 2 suites passed/);
  });
});
