// `portcullis install` through its commander registration and run function (the lead adds
// registerInstall to main.ts; these tests build their own program around it).
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerInstall } from '../../src/cli/commands/install.js';
import { PortcullisError } from '../../src/errors/index.js';
import { parseDocuments } from '../../src/policy/index.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'admission', 'install');
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-install-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(args: string[]): Promise<string[]> {
  const warnings: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => {
    warnings.push(String(s));
    return true;
  });
  try {
    const program = new Command().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    registerInstall(program);
    for (const c of program.commands) c.exitOverride();
    await program.parseAsync(['install', ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  return warnings;
}

type Obj = { kind: string; metadata: { name: string }; data?: Record<string, string>; webhooks?: Array<{ failurePolicy: string; clientConfig: { caBundle?: string } }> };
const read = (file: string) => parseDocuments(readFileSync(file, 'utf8'), file) as Obj[];

async function errorOf(args: string[]): Promise<PortcullisError> {
  try {
    await cli(args);
  } catch (e) {
    expect(e).toBeInstanceOf(PortcullisError);
    return e as PortcullisError;
  }
  throw new Error(`no error for ${args.join(' ')}`);
}

describe('docs/deployment.md', () => {
  it('documents every flag of portcullis install', () => {
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'deployment.md'), 'utf8');
    const program = new Command();
    registerInstall(program);
    const flags = program.commands[0]!.options.map((o) => o.long!);
    expect(flags.length).toBeGreaterThan(10);
    // The first cell of each row of the install flag table, e.g. `-n, --namespace NS` (the
    // page also has a `portcullis serve` flag table, under its own heading: left out here).
    const serveTable = /^### `portcullis serve` flags[\s\S]*?(?=^## )/m;
    const cells = doc.replace(serveTable, '').split('\n').filter((l) => /^\| `-/.test(l)).map((l) => l.split(' | ')[0]!);
    for (const f of flags) expect(cells.some((c) => new RegExp(`[ \`]${f}[ \`]`).test(c)), f).toBe(true);
    expect(cells).toHaveLength(flags.length);
  });
});

describe('portcullis install', () => {
  it('writes the manifests to -o, with the CA bundle, failure policy and policies given', async () => {
    const out = join(dir, 'a.yaml');
    const warnings = await cli(['--ca-bundle', join(FIX, 'ca.crt'), '--failure-policy', 'Fail', '--policies', join(FIX, 'policies'), '-n', 'gatekeeping', '-o', out]);
    const objs = read(out);
    const wh = objs.find((o) => o.kind === 'ValidatingWebhookConfiguration')!.webhooks![0]!;
    expect(wh.failurePolicy).toBe('Fail');
    expect(Buffer.from(wh.clientConfig.caBundle!, 'base64').toString()).toBe(readFileSync(join(FIX, 'ca.crt'), 'utf8'));
    const cm = objs.find((o) => o.kind === 'ConfigMap')!;
    // Both policies verbatim; the kyverno-test.yaml, which holds none, left out with a warning.
    expect(Object.keys(cm.data!)).toEqual(['disallow-latest-tag.yaml', 'require-run-as-nonroot.yaml']);
    expect(cm.data!['disallow-latest-tag.yaml']).toBe(readFileSync(join(FIX, 'policies/disallow-latest-tag.yaml'), 'utf8'));
    expect(warnings.join('')).toMatch(/kyverno-test\.yaml: no Kyverno policy in it/);
    expect(warnings.join('')).toMatch(/failurePolicy Fail/);
  });

  it('warns when there is no CA bundle, and --no-crds leaves the CRDs out', async () => {
    const out = join(dir, 'b.yaml');
    const warnings = await cli(['--no-crds', '-o', out]);
    expect(warnings.join('')).toMatch(/no --ca-bundle or --cert-manager/);
    expect(read(out).some((o) => o.kind === 'CustomResourceDefinition')).toBe(false);
    expect(await cli(['--no-crds', '-q', '-o', out])).toEqual([]);
  });

  it('takes repeated --exclude-namespace and the numeric flags', async () => {
    const out = join(dir, 'c.yaml');
    await cli(['--exclude-namespace', 'monitoring', '--exclude-namespace', 'argocd', '--replicas', '3', '--timeout-seconds', '5', '-q', '-o', out]);
    const text = readFileSync(out, 'utf8');
    expect(text).toMatch(/- argocd\n\s+- kube-system\n\s+- monitoring\n\s+- portcullis\n/);
    expect(text).toContain('replicas: 3');
    expect(text).toContain('--timeout=3s');
  });

  it('refuses bad flags and inputs with a code naming them (exit 2)', async () => {
    const e1 = await errorOf(['--failure-policy', 'Sometimes']);
    expect([e1.code, e1.input, e1.exitCode]).toEqual(['BAD_FLAG', '--failure-policy', 2]);
    const e2 = await errorOf(['--replicas', 'two']);
    expect([e2.code, e2.input]).toEqual(['BAD_FLAG', '--replicas']);
    const e3 = await errorOf(['--ca-bundle', join(dir, 'missing.crt')]);
    expect([e3.code, e3.input]).toEqual(['BAD_OPTION', join(dir, 'missing.crt')]);
    const e4 = await errorOf(['--ca-bundle', join(FIX, 'SOURCE.md')]);
    expect([e4.code, e4.input]).toEqual(['BAD_OPTION', '--ca-bundle']);
    const e5 = await errorOf(['--namespace', 'kube-system']);
    expect([e5.code, e5.input]).toEqual(['BAD_OPTION', '--namespace']);
  });

  it('refuses a policy directory with a broken policy, a symbolic link, or no policy at all', async () => {
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    const text = readFileSync(join(FIX, 'policies/disallow-latest-tag.yaml'), 'utf8');
    writeFileSync(join(broken, 'p.yaml'), text.replace('validate:', 'validate:\n      bogusField: 1'));
    const e1 = await errorOf(['--policies', broken]);
    expect(e1.code).toBe('INVALID_POLICY');

    const linked = join(dir, 'linked');
    mkdirSync(linked);
    symlinkSync(join(FIX, 'policies/disallow-latest-tag.yaml'), join(linked, 'p.yaml'));
    const e2 = await errorOf(['--policies', linked]);
    expect([e2.code, e2.input]).toEqual(['BAD_OPTION', join(linked, 'p.yaml')]);

    const empty = join(dir, 'empty');
    mkdirSync(empty);
    cpSync(join(FIX, 'policies/kyverno-test.yaml'), join(empty, 'kyverno-test.yaml'));
    const e3 = await errorOf(['--policies', empty, '-q']);
    expect([e3.code, e3.input]).toEqual(['BAD_OPTION', empty]);
  });
});
