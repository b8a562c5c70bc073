// `policy promote`: the failure action rewritten in the policy file with every comment and
// all other formatting kept (golden diffs made with GNU diff), staged per-namespace
// enforcement through overrides (checked through the engine), and the refusal while
// readiness finds resources Enforce would block — on the chapter's Bookstore.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from '../../src/admission/diff.js';
import { planOverrides, rewriteFailureAction } from '../../src/admission/promote.js';
import { compilePolicy, evaluatePolicy, loadPolicies } from '../../src/policy/index.js';
import type { Resource } from '../../src/policy/types.js';
import { pinnedBookstoreCopy, runCli } from './readiness-cli.js';
import { SERVICES, bookstoreDir, chapterPolicyFile, lifecycleDir } from './reports-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'portcullis-promote-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const ruleLevelFile = join(lifecycleDir, 'rule-level-actions.yaml');
const golden = (name: string) => readFileSync(join(lifecycleDir, 'golden', `${name}.diff`), 'utf8');

function commentsOf(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.match(/#.*$/)?.[0])
    .filter((c): c is string => c !== undefined);
}

function diffOf(file: string, before: string, after: string): string {
  return unifiedDiff(before, after, { fromFile: `a/${basename(file)}`, toFile: `b/${basename(file)}` });
}

/** GNU diff's output for the same two texts (the reference the helper must agree with). */
function gnuDiff(file: string, before: string, after: string): string {
  const a = join(tmp, 'gnu-a');
  const b = join(tmp, 'gnu-b');
  writeFileSync(a, before);
  writeFileSync(b, after);
  return spawnSync('diff', ['-u', '--label', `a/${basename(file)}`, '--label', `b/${basename(file)}`, a, b], { encoding: 'utf8' }).stdout;
}

/** A Pod with a tag image in `namespace`, through the engine: the action each rule resolves to there. */
function actionsIn(policyText: string, namespace: string): Record<string, string> {
  const policy = compilePolicy(loadPolicies(policyText, 'p.yaml')[0]!, 'p.yaml');
  const pod: Resource = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace }, spec: { securityContext: { runAsNonRoot: true }, containers: [{ name: 'c', image: 'bookstore/catalog:dev' }] } };
  return Object.fromEntries(evaluatePolicy(policy, { resource: pod, admission: { operation: 'CREATE' } }).map((r) => [r.rule, r.action]));
}

describe('rewriteFailureAction keeps the file as it was, but for the action', () => {
  const chapterText = readFileSync(chapterPolicyFile, 'utf8');
  const ruleText = readFileSync(ruleLevelFile, 'utf8');

  it('the Bookstore policy to Enforce: one line changes, its comment stays', () => {
    const r = rewriteFailureAction(chapterText, chapterPolicyFile, { to: 'Enforce' });
    expect(r.changes).toEqual(['spec.validationFailureAction: Audit → Enforce']);
    expect(r.reprinted).toBe(false);
    expect(r.text).toBe(chapterText.replace('validationFailureAction: Audit #', 'validationFailureAction: Enforce #'));
    expect(diffOf(chapterPolicyFile, chapterText, r.text)).toBe(golden('bookstore-enforce'));
    expect(diffOf(chapterPolicyFile, chapterText, r.text)).toBe(gnuDiff(chapterPolicyFile, chapterText, r.text));
    expect(commentsOf(r.text)).toEqual(commentsOf(chapterText));
  });

  it('--namespace bookstore: an override, Enforce there and Audit elsewhere (through the engine)', () => {
    const r = rewriteFailureAction(chapterText, chapterPolicyFile, { to: 'Enforce', namespace: 'bookstore' });
    expect(diffOf(chapterPolicyFile, chapterText, r.text)).toBe(golden('bookstore-enforce-namespace-bookstore'));
    expect(commentsOf(r.text)).toEqual(commentsOf(chapterText));
    const spec = (parse(r.text) as { spec: Record<string, unknown> }).spec;
    expect(spec.validationFailureActionOverrides).toEqual([{ action: 'Enforce', namespaces: ['bookstore'] }]);
    expect(actionsIn(chapterText, 'bookstore')['require-image-digest']).toBe('Audit');
    expect(actionsIn(r.text, 'bookstore')['require-image-digest']).toBe('Enforce');
    // Extending it, then taking both back, restores the file byte for byte.
    const two = rewriteFailureAction(r.text, chapterPolicyFile, { to: 'Enforce', namespace: 'payments' });
    expect((parse(two.text) as { spec: Record<string, unknown> }).spec.validationFailureActionOverrides).toEqual([{ action: 'Enforce', namespaces: ['bookstore', 'payments'] }]);
    const back = rewriteFailureAction(rewriteFailureAction(two.text, chapterPolicyFile, { to: 'Audit', namespace: 'payments' }).text, chapterPolicyFile, { to: 'Audit', namespace: 'bookstore' });
    expect(back.text).toBe(chapterText);
  });

  it('the per-rule form (Kyverno 1.13): each rule’s failureAction, comments kept', () => {
    const r = rewriteFailureAction(ruleText, ruleLevelFile, { to: 'Enforce' });
    expect(r.changes).toEqual(['spec.rules[0].validate.failureAction: Audit → Enforce', 'spec.rules[1].validate.failureAction: Audit → Enforce']);
    expect(diffOf(ruleLevelFile, ruleText, r.text)).toBe(golden('rule-level-enforce'));
    expect(commentsOf(r.text)).toEqual(commentsOf(ruleText));
    // Demoting again reports the override that keeps payments in Enforce.
    const back = rewriteFailureAction(r.text, ruleLevelFile, { to: 'Audit' });
    expect(back.text).toBe(ruleText);
    expect(back.notes).toEqual(['spec.rules[0].validate.failureActionOverrides keeps Enforce for namespaces payments']);
  });

  it('the per-rule form, --namespace orders: the rule overrides grow; nothing else moves', () => {
    const r = rewriteFailureAction(ruleText, ruleLevelFile, { to: 'Enforce', namespace: 'orders' });
    expect(diffOf(ruleLevelFile, ruleText, r.text)).toBe(golden('rule-level-enforce-namespace-orders'));
    expect(diffOf(ruleLevelFile, ruleText, r.text)).toBe(gnuDiff(ruleLevelFile, ruleText, r.text));
    expect(actionsIn(r.text, 'orders')).toEqual({ 'require-image-digest': 'Enforce', 'disallow-latest-tag': 'Enforce' });
    expect(actionsIn(r.text, 'payments')).toEqual({ 'require-image-digest': 'Enforce', 'disallow-latest-tag': 'Audit' });
    expect(actionsIn(r.text, 'bookstore')).toEqual({ 'require-image-digest': 'Audit', 'disallow-latest-tag': 'Audit' });
    // Taking payments out of the first rule's Enforce list removes its line (and its comment) only.
    const out = rewriteFailureAction(r.text, ruleLevelFile, { to: 'Audit', namespace: 'payments' });
    expect(out.text).toBe(r.text.replace('              - payments       # already pinned\n', ''));
    expect(rewriteFailureAction(rewriteFailureAction(r.text, ruleLevelFile, { to: 'Audit', namespace: 'orders' }).text, ruleLevelFile, { to: 'Enforce' }).text).toBe(
      rewriteFailureAction(ruleText, ruleLevelFile, { to: 'Enforce' }).text,
    );
  });

  it('nothing to do: already Audit', () => {
    expect(rewriteFailureAction(chapterText, chapterPolicyFile, { to: 'Audit' })).toMatchObject({ changed: false, changes: [] });
  });

  it('a value inside a flow-style spec is spliced too', () => {
    const flow = 'spec: { validationFailureAction: Audit, background: true, rules: [ { name: r, match: { any: [ { resources: { kinds: [Pod] } } ] }, validate: { pattern: { spec: { containers: [ { image: "*@sha256:*" } ] } } } } ] }\n';
    const text = `apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: { name: p }\n${flow}`;
    const r = rewriteFailureAction(text, 'flow.yaml', { to: 'Enforce' });
    expect(r).toMatchObject({ reprinted: false, text: text.replace('Audit', 'Enforce') });
  });

  it('a key to add inside a flow-style spec cannot be spliced: the document is re-printed, still the same policy', () => {
    const flow = 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: { name: p }\nspec: { rules: [ { name: r, match: { any: [ { resources: { kinds: [Pod] } } ] }, validate: { pattern: { spec: { containers: [ { image: "*@sha256:*" } ] } } } } ] }\n';
    const r = rewriteFailureAction(flow, 'flow.yaml', { to: 'Enforce' });
    expect(r.reprinted).toBe(true);
    const before = parse(flow) as { spec: Record<string, unknown> };
    expect(parse(r.text)).toEqual({ ...before, spec: { ...before.spec, validationFailureAction: 'Enforce' } });
  });

  it('several policies in one file: --name picks one', () => {
    const two = `${chapterText}---\n${readFileSync(join(lifecycleDir, 'require-image-digest-everywhere.yaml'), 'utf8')}`;
    expect(() => rewriteFailureAction(two, 'two.yaml', { to: 'Enforce' })).toThrow(expect.objectContaining({ code: 'BAD_INPUT' }));
    expect(() => rewriteFailureAction(two, 'two.yaml', { to: 'Enforce', name: 'nope' })).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
    const r = rewriteFailureAction(two, 'two.yaml', { to: 'Enforce', name: 'require-image-digest' });
    expect(r.text).toBe(two.replace('validationFailureAction: Audit # land', 'validationFailureAction: Enforce # land'));
  });

  it('untrusted input: an alias bomb is refused before any rewrite', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...Array.from({ length: 8 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n');
    expect(() => rewriteFailureAction(bomb, 'bomb.yaml', { to: 'Enforce' })).toThrow(expect.objectContaining({ code: 'INVALID_YAML' }));
  });
});

describe('planOverrides: first match wins', () => {
  it('a wildcard Audit entry that matches comes first: a new Enforce entry goes before it', () => {
    const plan = planOverrides([{ action: 'Audit', namespaces: ['book*'] }], 'bookstore', 'Enforce', 'Audit')!;
    expect(plan.list).toEqual([
      { action: 'Enforce', namespaces: ['bookstore'] },
      { action: 'Audit', namespaces: ['book*'] },
    ]);
  });

  it('an exact Audit entry loses the namespace; an entry left empty goes', () => {
    expect(planOverrides([{ action: 'Audit', namespaces: ['bookstore', 'orders'] }], 'bookstore', 'Enforce', 'Enforce')!.list).toEqual([{ action: 'Audit', namespaces: ['orders'] }]);
    expect(planOverrides([{ action: 'Audit', namespaces: ['bookstore'] }], 'bookstore', 'Enforce', 'Enforce')!.list).toEqual([]);
  });

  it('already effective: no plan; an entry with a namespaceSelector is never assumed to cover it', () => {
    expect(planOverrides([{ action: 'Enforce', namespaces: ['*'] }], 'bookstore', 'Enforce', 'Audit')).toBeUndefined();
    expect(planOverrides([], 'bookstore', 'Audit', 'Audit')).toBeUndefined();
    const sel = { action: 'Enforce', namespaceSelector: { matchLabels: { team: 'books' } } };
    expect(planOverrides([sel], 'bookstore', 'Enforce', 'Audit')!.list).toEqual([{ action: 'Enforce', namespaces: ['bookstore'] }, sel]);
  });
});

describe('portcullis policy promote (CLI)', () => {
  function copyPolicy(name: string, from = chapterPolicyFile): string {
    const f = join(tmp, name);
    copyFileSync(from, f);
    return f;
  }

  it('refuses on the Bookstore while its images are unpinned: exit 1, one line per blocker, file untouched', async () => {
    const f = copyPolicy('refuse.yaml');
    const before = readFileSync(f, 'utf8');
    const r = await runCli(['policy', 'promote', f, '--to', 'Enforce', '--resources', bookstoreDir, '--write']);
    expect(r.code).toBe(1);
    const refused = r.stderr.split('\n').filter((l) => l.startsWith('portcullis: refused: '));
    expect(refused).toEqual(
      SERVICES.map(
        (s) => `portcullis: refused: bookstore-image-supply-chain/autogen-require-image-digest would block Deployment bookstore/${s}: validation error: Reference images by digest name@sha256:... rule autogen-require-image-digest failed at path /spec/template/spec/containers/0/image/`,
      ),
    );
    expect(r.stderr).toContain('not ready: Enforce would block 4 resources');
    expect(r.stdout).toBe('');
    expect(readFileSync(f, 'utf8')).toBe(before);
  });

  it('--force goes ahead: the diff on stdout, the blockers as warnings; --write changes the file (mode kept)', async () => {
    const f = copyPolicy('force.yaml');
    chmodSync(f, 0o640);
    const before = readFileSync(f, 'utf8');
    const dry = await runCli(['policy', 'promote', f, '--to', 'Enforce', '--resources', bookstoreDir, '--force']);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toBe(golden('bookstore-enforce').replaceAll('/70-kyverno-policy.yaml', `/${f}`));
    expect(dry.stderr.split('\n').filter((l) => l.startsWith('portcullis: warning: forced past: '))).toHaveLength(4);
    expect(dry.stderr).toContain('dry run: pass --write');
    expect(readFileSync(f, 'utf8')).toBe(before);
    const wet = await runCli(['policy', 'promote', f, '--to', 'Enforce', '--resources', bookstoreDir, '--force', '--write']);
    expect(wet.code).toBe(0);
    expect(readFileSync(f, 'utf8')).toBe(before.replace('validationFailureAction: Audit #', 'validationFailureAction: Enforce #'));
    expect(statSync(f).mode & 0o777).toBe(0o640);
    const again = await runCli(['policy', 'promote', f, '--to', 'Enforce', '--resources', bookstoreDir]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already resolves to Enforce: nothing to change');
  });

  it('once the Bookstore is pinned, promote succeeds without --force', async () => {
    const dir = pinnedBookstoreCopy(join(tmp, 'pinned'));
    const f = join(dir, '70-kyverno-policy.yaml');
    const before = readFileSync(f, 'utf8');
    const r = await runCli(['policy', 'promote', f, '--to', 'Enforce', '--resources', dir, '--write']);
    expect(r.code).toBe(0);
    expect(r.stderr).not.toContain('refused');
    expect(readFileSync(f, 'utf8')).toBe(before.replace('validationFailureAction: Audit #', 'validationFailureAction: Enforce #'));
    const after = await runCli(['readiness', '--resources', dir]);
    expect(after.stdout).toContain('already Enforce: bookstore-image-supply-chain');
  });

  it('--namespace: refused where violations are, allowed where there are none', async () => {
    const f = copyPolicy('staged.yaml');
    const there = await runCli(['policy', 'promote', f, '--to', 'Enforce', '--namespace', 'bookstore', '--resources', bookstoreDir]);
    expect(there.code).toBe(1);
    const elsewhere = await runCli(['policy', 'promote', f, '--to', 'Enforce', '--namespace', 'default', '--resources', bookstoreDir, '--write']);
    expect(elsewhere.code).toBe(0);
    expect((parse(readFileSync(f, 'utf8')) as { spec: Record<string, unknown> }).spec.validationFailureActionOverrides).toEqual([{ action: 'Enforce', namespaces: ['default'] }]);
  });

  it('demotion needs no readiness check; bad input exits 2', async () => {
    const f = join(tmp, 'enforced.yaml');
    writeFileSync(f, readFileSync(chapterPolicyFile, 'utf8').replace('validationFailureAction: Audit', 'validationFailureAction: Enforce'));
    const down = await runCli(['policy', 'promote', f, '--to', 'Audit']);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('+  validationFailureAction: Audit # <-- NOT Enforce. Deliberate.');
    const noInput = await runCli(['policy', 'promote', copyPolicy('noinput.yaml'), '--to', 'Enforce']);
    expect(noInput).toMatchObject({ code: 2, error: expect.objectContaining({ code: 'USAGE' }) });
    const badTo = await runCli(['policy', 'promote', f, '--to', 'Block']);
    expect(badTo).toMatchObject({ code: 2, error: expect.objectContaining({ code: 'BAD_FLAG' }) });
    const missing = await runCli(['policy', 'promote', join(tmp, 'missing.yaml'), '--to', 'Enforce', '--force']);
    expect(missing).toMatchObject({ code: 2, error: expect.objectContaining({ code: 'BAD_INPUT' }) });
  });
});
