// Policy sets: loading a tree (the Pod Security Standards of kyverno/policies, a ConfigMap
// volume's layout), content-hash versions, load errors naming the file, and hot reload under a
// running server: a new set takes effect, a broken one keeps the old set and bumps the metric.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AdmissionError, PolicyStore, loadPolicySet, loadPolicySetAsync, policySetFromDocs, watchPolicies } from '../../src/admission/index.js';
import { loadPolicies } from '../../src/policy/index.js';
import { FIXTURES, metricValue, postReview, reviewFixture, send, setBookstoreAction, startTestServer, waitFor, withUid } from './server-helpers.js';

const PSS = join(FIXTURES, 'pss');
const BOOKSTORE_POLICY = join(FIXTURES, 'policies', 'bookstore', '70-kyverno-policy.yaml');
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'portcullis-policyset-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function loadError(fn: () => unknown): AdmissionError {
  try {
    fn();
  } catch (e) {
    if (e instanceof AdmissionError) return e;
    throw e;
  }
  throw new Error('no error thrown');
}

describe('loading', () => {
  it('the Pod Security Standards tree: every policy file, same set sync and async', async () => {
    const set = loadPolicySet(PSS);
    // One ClusterPolicy per file (pss/<level>/<policy>.yaml); LICENSE and SOURCE.md are not read.
    const files = ['baseline', 'restricted'].flatMap((level) => readdirSync(join(PSS, level)));
    expect(set.policies).toHaveLength(files.length);
    expect(set.policies.map((p) => p.name)).toContain('disallow-privileged-containers');
    expect(set.policies.map((p) => p.name)).toContain('require-run-as-nonroot');
    expect(set.version).toMatch(/^[0-9a-f]{16}$/);
    const again = await loadPolicySetAsync(PSS);
    expect(again.version).toBe(set.version);
    expect(again.policies.map((p) => p.name)).toEqual(set.policies.map((p) => p.name));
  });

  it('a ConfigMap volume (keys are symlinks into ..data): each policy once', () => {
    const dir = join(tmp, 'configmap');
    const data = join(dir, '..2026_11_27_04_00_00.123');
    mkdirSync(data, { recursive: true });
    cpSync(BOOKSTORE_POLICY, join(data, 'bookstore.yaml'));
    symlinkSync('..2026_11_27_04_00_00.123', join(dir, '..data'));
    symlinkSync('..data/bookstore.yaml', join(dir, 'bookstore.yaml'));
    const set = loadPolicySet(dir);
    expect(set.policies.map((p) => p.name)).toEqual(['bookstore-image-supply-chain']);
  });

  it('the version is the content: comments and key order do not change it, a rule change does', () => {
    const a = join(tmp, 'va');
    const b = join(tmp, 'vb');
    mkdirSync(a);
    mkdirSync(b);
    const text = readFileSync(BOOKSTORE_POLICY, 'utf8');
    writeFileSync(join(a, 'p.yaml'), text);
    writeFileSync(join(b, 'other-name.yaml'), `# a comment\n${text.replace('metadata: { name: bookstore-image-supply-chain }', 'metadata:\n  name: bookstore-image-supply-chain')}`);
    expect(loadPolicySet(b).version).toBe(loadPolicySet(a).version);
    writeFileSync(join(b, 'other-name.yaml'), text.replace('validationFailureAction: Audit', 'validationFailureAction: Enforce'));
    expect(loadPolicySet(b).version).not.toBe(loadPolicySet(a).version);
  });

  it('errors are POLICY_LOAD and name the file', () => {
    const dir = join(tmp, 'bad');
    mkdirSync(dir);
    const missing = loadError(() => loadPolicySet(join(tmp, 'does-not-exist')));
    expect(missing.code).toBe('POLICY_LOAD');
    writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: { name: x\n');
    const yaml = loadError(() => loadPolicySet(dir));
    expect(yaml.code).toBe('POLICY_LOAD');
    expect(yaml.input).toBe(join(dir, 'broken.yaml'));
    writeFileSync(join(dir, 'broken.yaml'), 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: { name: x }\nspec:\n  rules:\n  - name: r\n    match: { any: [ { resources: { kinds: [Pod], operations: [PATCH] } } ] }\n    validate: { pattern: { spec: {} } }\n');
    const invalid = loadError(() => loadPolicySet(dir));
    expect(invalid.code).toBe('POLICY_LOAD');
    expect(invalid.toLine()).toContain('broken.yaml');
    rmSync(join(dir, 'broken.yaml'));
    cpSync(BOOKSTORE_POLICY, join(dir, 'one.yaml'));
    cpSync(BOOKSTORE_POLICY, join(dir, 'two.yaml'));
    const dup = loadError(() => loadPolicySet(dir));
    expect(dup.code).toBe('POLICY_LOAD');
    expect(dup.toLine()).toMatch(/two\.yaml.*one\.yaml/);
  });

  it('policySetFromDocs: the same set from parsed objects (cluster mode)', () => {
    const docs = loadPolicies(readFileSync(BOOKSTORE_POLICY, 'utf8'), 'x.yaml');
    const set = policySetFromDocs(docs, 'cluster');
    expect(set.source).toBe('cluster');
    expect(set.version).toBe(loadPolicySet(BOOKSTORE_POLICY).version);
    expect(set.policies[0]!.source).toBe('cluster: ClusterPolicy bookstore-image-supply-chain');
  });
});

describe('the watcher', () => {
  it('reloads once per change; unchanged files are not recompiled; errors are reported once per content', async () => {
    const dir = join(tmp, 'watch');
    mkdirSync(dir);
    cpSync(BOOKSTORE_POLICY, join(dir, 'p.yaml'));
    const store = new PolicyStore();
    const events: string[] = [];
    store.subscribe({ loaded: (s) => events.push(`loaded ${s.version}`), failed: (e) => events.push(`failed ${e.code}`) });
    const w = watchPolicies(dir, store, { debounceMs: 30 });
    try {
      expect(await w.reload()).toEqual({ changed: true });
      expect(await w.reload()).toEqual({ changed: false });
      writeFileSync(join(dir, 'p.yaml'), 'not: [valid');
      await waitFor(() => events.length === 2);
      expect(events[1]).toBe('failed POLICY_LOAD');
      expect((await w.reload()).changed).toBe(false);
      expect(events).toHaveLength(2); // the same broken content is not reported again
      cpSync(BOOKSTORE_POLICY, join(dir, 'p.yaml'));
      await new Promise((r) => setTimeout(r, 200));
      // Back to the serving content: nothing to swap.
      expect(events).toHaveLength(2);
      writeFileSync(join(dir, 'p.yaml'), readFileSync(BOOKSTORE_POLICY, 'utf8').replace('Audit', 'Enforce'));
      await waitFor(() => events.length === 3);
      expect(events[2]).toBe(`loaded ${store.current!.version}`);
    } finally {
      w.close();
    }
  });
});

describe('a ConfigMap volume updated the way the kubelet does it', () => {
  it('a new timestamped directory, then ..data swapped by rename: the watcher reloads', async () => {
    const dir = join(tmp, 'configmap-watch');
    const first = join(dir, '..2026_11_27_05_00_00.1');
    mkdirSync(first, { recursive: true });
    cpSync(BOOKSTORE_POLICY, join(first, 'bookstore.yaml'));
    symlinkSync('..2026_11_27_05_00_00.1', join(dir, '..data'));
    symlinkSync('..data/bookstore.yaml', join(dir, 'bookstore.yaml'));
    const store = new PolicyStore();
    const w = watchPolicies(dir, store, { debounceMs: 30 });
    try {
      await w.reload();
      const before = store.current!.version;
      const second = join(dir, '..2026_11_27_05_01_00.2');
      mkdirSync(second);
      writeFileSync(join(second, 'bookstore.yaml'), readFileSync(BOOKSTORE_POLICY, 'utf8').replace('validationFailureAction: Audit', 'validationFailureAction: Enforce'));
      symlinkSync('..2026_11_27_05_01_00.2', join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      rmSync(first, { recursive: true });
      await waitFor(() => store.current!.version !== before);
      expect(store.current!.policies).toHaveLength(1);
    } finally {
      w.close();
    }
  });
});

describe('hot reload under a running server', () => {
  it('a new policy set takes effect; a broken one keeps the old set serving and bumps the error metric', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-hot-'));
    cpSync(join(FIXTURES, 'policies'), dir, { recursive: true });
    const t = await startTestServer(dir, { debounceMs: 50 });
    try {
      const allowed = async (uid: string) => {
        const res = await postReview(t, withUid(reviewFixture('pod-create'), uid));
        expect(res.status).toBe(200);
        return (res.json().response as { allowed: boolean }).allowed;
      };
      const v1 = t.store.current!.version;
      expect(await allowed('a1')).toBe(true);

      // Enforce: the same Pod is now denied, without a restart.
      setBookstoreAction(dir, 'Enforce');
      await waitFor(async () => !(await allowed('a2')));
      const v2 = t.store.current!.version;
      expect(v2).not.toBe(v1);

      // A broken set (invalid YAML in a new file): Enforce keeps serving, the error is counted.
      writeFileSync(join(dir, 'zz-broken.yaml'), 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nspec: [');
      await waitFor(async () => metricValue((await send(t, 'GET', '/metrics')).text, 'portcullis_policy_load_errors_total') === 1);
      expect(t.store.current!.version).toBe(v2);
      expect(await allowed('a3')).toBe(false);
      expect((await send(t, 'GET', '/readyz')).status).toBe(200);
      expect(t.lines.some((l) => l.msg === 'policy set failed to load; the previous set keeps serving')).toBe(true);

      // Fixed by an atomic rename over the broken file (Audit again): allowed again.
      writeFileSync(join(dir, '.tmp'), readFileSync(BOOKSTORE_POLICY, 'utf8').replace('bookstore-image-supply-chain', 'second-copy').replace(/namespaces: \["bookstore"\]/g, 'namespaces: ["elsewhere"]'));
      renameSync(join(dir, '.tmp'), join(dir, 'zz-broken.yaml'));
      setBookstoreAction(dir, 'Audit');
      await waitFor(async () => await allowed('a4'));
      expect(t.store.current!.policies.map((p) => p.name)).toContain('second-copy');
      const m = (await send(t, 'GET', '/metrics')).text;
      expect(metricValue(m, 'portcullis_policy_load_errors_total')).toBe(1);
      expect(metricValue(m, 'portcullis_policy_reloads_total')).toBeGreaterThanOrEqual(3);
      expect(metricValue(m, 'portcullis_policy_set_info', { version: t.store.current!.version })).toBe(1);
      expect(metricValue(m, 'portcullis_policy_set_info', { version: v2 })).toBeUndefined();
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
