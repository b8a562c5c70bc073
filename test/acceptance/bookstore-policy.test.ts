// The chapter's hands-on step 3, offline: `portcullis policy apply` with 70-kyverno-policy.yaml
// must report exactly what the chapter says the PolicyReport shows.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'portcullis.js');
const manifests = join(root, 'examples/bookstore/raw-manifests');
const policy = join(manifests, '70-kyverno-policy.yaml');

interface Row {
  policy: string;
  rule: string;
  resource: { kind: string; namespace?: string; name: string };
  result: string;
  action: string;
}

function apply(resources: string[]): { code: number | null; rows: Row[]; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'policy', 'apply', policy, ...resources.flatMap((x) => ['--resource', x]), '--format', 'json'], { encoding: 'utf8' });
  const rows = r.stdout ? (JSON.parse(r.stdout) as { results: Row[] }).results : [];
  return { code: r.status, rows, stderr: r.stderr };
}

let dir: string;
const services = ['catalog', 'orders', 'payments', 'storefront'];

beforeAll(() => {
  // The Pods the cluster would run for each Deployment (what the chapter's PolicyReport lists).
  dir = mkdtempSync(join(tmpdir(), 'portcullis-bookstore-pods-'));
  for (const f of readdirSync(manifests).filter((n) => /^[1-4]0-/.test(n))) {
    for (const doc of parseAllDocuments(readFileSync(join(manifests, f), 'utf8'))) {
      const d = doc.toJS() as { kind: string; metadata: { name: string; namespace: string }; spec: { template: { metadata: object; spec: object } } };
      if (d.kind !== 'Deployment') continue;
      const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { ...d.spec.template.metadata, name: `${d.metadata.name}-7d4b9c-x2x9q`, namespace: d.metadata.namespace }, spec: d.spec.template.spec };
      writeFileSync(join(dir, `${d.metadata.name}-pod.json`), JSON.stringify(pod));
    }
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('70-kyverno-policy.yaml on the Bookstore (Audit)', () => {
  it('every Bookstore Pod: require-image-digest FAIL, disallow-latest-tag PASS, require-run-as-non-root PASS', () => {
    const { code, rows, stderr } = apply([dir]);
    expect(code).toBe(0); // Audit: reported, not blocking
    expect(stderr).toMatch(/Audit/);
    for (const svc of services) {
      const mine = rows.filter((r) => r.resource.kind === 'Pod' && r.resource.name.startsWith(`${svc}-`));
      const result = (rule: string) => mine.find((r) => r.rule === rule)?.result;
      expect(result('require-image-digest'), svc).toBe('fail');
      expect(result('disallow-latest-tag'), svc).toBe('pass');
      expect(result('require-run-as-non-root'), svc).toBe('pass');
      expect(mine.every((r) => r.action === 'Audit')).toBe(true);
    }
  });

  it('the Deployments get the same verdicts through autogen rules', () => {
    const { rows } = apply([manifests]);
    for (const svc of services) {
      const mine = rows.filter((r) => r.resource.kind === 'Deployment' && r.resource.name === svc);
      expect(mine.find((r) => r.rule === 'autogen-require-image-digest')?.result).toBe('fail');
      expect(mine.find((r) => r.rule === 'autogen-disallow-latest-tag')?.result).toBe('pass');
      expect(mine.find((r) => r.rule === 'autogen-require-run-as-non-root')?.result).toBe('pass');
    }
  });

  it('a bare `nginx` (implicit :latest) fails the digest rule and passes the latest rule', () => {
    const { rows } = apply([join(root, 'examples/bookstore/extra/debug-nginx-pod.yaml')]);
    expect(rows.find((r) => r.rule === 'require-image-digest')?.result).toBe('fail');
    expect(rows.find((r) => r.rule === 'disallow-latest-tag')?.result).toBe('pass');
  });

  it('in Enforce the same policy blocks (exit 1)', () => {
    const enforced = join(mkdtempSync(join(tmpdir(), 'portcullis-enforce-')), 'enforce-policy.yaml');
    writeFileSync(enforced, readFileSync(policy, 'utf8').replace('validationFailureAction: Audit', 'validationFailureAction: Enforce'));
    const r = spawnSync(process.execPath, [bin, 'policy', 'apply', enforced, '--resource', dir, '--format', 'json'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
  });
});
