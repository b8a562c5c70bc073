// Readiness: for every Audit policy, what Enforce would block today, grouped by namespace and
// owner, system namespaces included with the exclusion that would cover them, and a verdict.
// Inputs: the chapter's Bookstore manifests and policy, Pods derived from them as the
// controllers would create them, and Pods recorded from a kind v1.29 cluster's kube-system.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOfflineInput, namespaceLabelsOf, type ScanInput } from '../../src/admission/background.js';
import { OwnerIndex, assessReadiness, policyMode, type PolicyReadiness } from '../../src/admission/readiness.js';
import type { Resource } from '../../src/policy/types.js';
import { pinnedBookstoreCopy, runCli } from './readiness-cli.js';
import { SERVICES, bookstoreDir, bookstoreResources, chapterPolicyFile, lifecycleDir, policies, recorded, replicaSetAndPods } from './reports-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'portcullis-readiness-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const chapter = policies(chapterPolicyFile);
const everywhere = policies(join(lifecycleDir, 'require-image-digest-everywhere.yaml'));
const resources = bookstoreResources();
const daemonSet = loadOfflineInput({ paths: [join(lifecycleDir, 'kube-system-daemonset.yaml')] }).resources;

function input(rs: Resource[]): ScanInput {
  return { resources: rs, namespaceLabels: namespaceLabelsOf(rs) };
}

/** The recorded kube-system Pods, as the API server listed them (items without apiVersion/kind). */
function recordedPods(): Resource[] {
  return (recorded('kind-v1.29/pods-kube-system.json').items as Resource[]).map((p) => ({ apiVersion: 'v1', kind: 'Pod', ...p }));
}

function rows(p: PolicyReadiness): string[] {
  return p.groups.flatMap((g) => g.violations.map((v) => `${g.namespace} ${g.owner.kind}/${g.owner.name} ${v.rule} ${v.resource.kind}/${v.resource.name}${g.system ? ' system' : ''}`));
}

describe('readiness on the Bookstore', () => {
  it('70-kyverno-policy.yaml: not ready, require-image-digest would block catalog, orders, payments and storefront', () => {
    const report = assessReadiness(chapter, input(resources));
    expect(report.policies).toHaveLength(1);
    const p = report.policies[0]!;
    expect(p.mode).toBe('Audit');
    expect(p.ready).toBe(false);
    expect(rows(p)).toEqual(SERVICES.map((s) => `bookstore Deployment/${s} autogen-require-image-digest Deployment/${s}`));
    expect(p.rules).toEqual([
      { rule: 'disallow-latest-tag', violations: 0 },
      { rule: 'require-image-digest', violations: 4 },
      { rule: 'require-run-as-non-root', violations: 0 },
    ]);
    expect(p.namespaces).toEqual(['bookstore']);
    expect(p.exclusion).toBeUndefined();
    expect(p.verdict).toBe("not ready: Enforce would block 4 resources (4 violations, 4 owners) in 1 namespace (bookstore) outside the policy's exclusions");
    expect(report.resources).toBe(resources.length);
  });

  it('Pods and ReplicaSets are grouped under their Deployment', () => {
    const extra = resources.filter((r) => r.kind === 'Deployment').flatMap((d) => {
      const { replicaSet, pods } = replicaSetAndPods(d, 2);
      return [replicaSet, ...pods];
    });
    const p = assessReadiness(chapter, input([...resources, ...extra])).policies[0]!;
    expect(p.groups.map((g) => `${g.owner.kind}/${g.owner.name}`)).toEqual(SERVICES.map((s) => `Deployment/${s}`));
    for (const g of p.groups) {
      // The Deployment (autogen rule), its ReplicaSet (autogen rule) and its two Pods (the rule itself).
      expect(g.violations.map((v) => `${v.resource.kind}:${v.rule}`)).toEqual([
        'Deployment:autogen-require-image-digest',
        'Pod:require-image-digest',
        'Pod:require-image-digest',
        'ReplicaSet:autogen-require-image-digest',
      ]);
    }
    expect(p.rules.find((r) => r.rule === 'require-image-digest')!.violations).toBe(16);
  });

  it('a pinned copy is ready', () => {
    const dir = pinnedBookstoreCopy(join(tmp, 'pinned'));
    const off = loadOfflineInput({ paths: [dir] });
    const report = assessReadiness(policies(join(dir, '70-kyverno-policy.yaml')), off);
    expect(report.policies[0]!.ready).toBe(true);
    expect(report.policies[0]!.verdict).toBe(`ready: Enforce would block none of the ${off.resources.length} resources evaluated`);
  });
});

describe('readiness: system namespaces and owners', () => {
  it('a kube-system DaemonSet with a tag shows up, with the exclusion that would cover it', () => {
    const report = assessReadiness(everywhere, input([...resources, ...daemonSet]));
    const p = report.policies[0]!;
    expect(rows(p)).toEqual([
      ...SERVICES.map((s) => `bookstore Deployment/${s} autogen-require-image-digest Deployment/${s}`),
      'kube-system DaemonSet/kindnet autogen-require-image-digest DaemonSet/kindnet system',
    ]);
    expect(p.systemViolations).toBe(1);
    expect(p.exclusion).toEqual({
      namespaces: ['kube-system'],
      rules: ['require-image-digest'],
      violations: 1,
      yaml: 'exclude:\n  any:\n    - resources:\n        namespaces: [kube-system]',
    });
    expect(p.verdict).toMatch(/in 2 namespaces \(bookstore, kube-system\).*; 1 in system namespaces \(kube-system\) would be covered by the proposed exclusion$/);
  });

  it('recorded kind Pods: coredns → its Deployment, kindnet → its DaemonSet, etcd (a static Pod) → itself', () => {
    const coredns = (recorded('kind-v1.29/deployments-kube-system.json').items as Resource[]).map((d) => ({ apiVersion: 'apps/v1', kind: 'Deployment', ...d }));
    const report = assessReadiness(everywhere, input([...recordedPods(), ...coredns]), { ownNamespace: 'portcullis' });
    const p = report.policies[0]!;
    expect(rows(p)).toEqual([
      'kube-system DaemonSet/kindnet require-image-digest Pod/kindnet-tnxdf system',
      'kube-system Deployment/coredns autogen-require-image-digest Deployment/coredns system',
      'kube-system Deployment/coredns require-image-digest Pod/coredns-76f75df574-6pgxc system',
      'kube-system Pod/etcd-v1.29-control-plane require-image-digest Pod/etcd-v1.29-control-plane system',
    ]);
    expect(p.verdict).toMatch(/; all in system namespaces: add the proposed exclusion$/);
  });

  it('the ReplicaSet, when listed, is followed by uid; without it the pod-template-hash names the Deployment', () => {
    const dep = resources.find((r) => r.kind === 'Deployment')!;
    const { replicaSet, pods } = replicaSetAndPods(dep, 1);
    expect(new OwnerIndex([dep, replicaSet, pods[0]!]).ownerOf(pods[0]!)).toMatchObject({ kind: 'Deployment', name: 'catalog' });
    expect(new OwnerIndex([dep, pods[0]!]).ownerOf(pods[0]!)).toMatchObject({ kind: 'Deployment', name: 'catalog' });
    // Neither listed: the ReplicaSet named by the Pod's ownerReference.
    expect(new OwnerIndex([pods[0]!]).ownerOf(pods[0]!)).toMatchObject({ kind: 'ReplicaSet', name: (replicaSet.metadata as { name: string }).name });
  });

  it("the admission controller's own namespace counts as a system namespace", () => {
    const mine = daemonSet.map((d) => ({ ...d, metadata: { ...(d.metadata as object), namespace: 'portcullis' } }));
    const p = assessReadiness(everywhere, input(mine), { ownNamespace: 'portcullis' }).policies[0]!;
    expect(p.exclusion?.namespaces).toEqual(['portcullis']);
    expect(assessReadiness(everywhere, input(mine)).policies[0]!.exclusion).toBeUndefined();
  });

  it('--namespace: only that namespace is evaluated', () => {
    const p = assessReadiness(everywhere, input([...resources, ...daemonSet]), { namespace: 'kube-system' }).policies[0]!;
    expect(rows(p)).toEqual(['kube-system DaemonSet/kindnet autogen-require-image-digest DaemonSet/kindnet system']);
  });
});

describe('readiness: which policies and rules are assessed', () => {
  it('an Enforce policy is listed as already enforced, not assessed', () => {
    const enforced = join(tmp, 'enforced.yaml');
    writeFileSync(enforced, readFileSync(chapterPolicyFile, 'utf8').replace('validationFailureAction: Audit', 'validationFailureAction: Enforce'));
    const report = assessReadiness(policies(enforced, join(lifecycleDir, 'disallow-latest-tag.yaml')), input(resources));
    expect(report.enforced).toEqual(['bookstore-image-supply-chain']);
    expect(report.policies.map((p) => p.policy)).toEqual(['disallow-latest-tag']);
  });

  it('per-rule actions: a namespace already in Enforce through an override is not counted again', () => {
    const hygiene = policies(join(lifecycleDir, 'rule-level-actions.yaml'));
    expect(policyMode(hygiene[0]!.doc)).toBe('Mixed');
    // The payments service also run by its team in its own namespace, which the policy already enforces.
    const own = resources
      .filter((r) => r.kind === 'Deployment' && (r.metadata as { name: string }).name === 'payments')
      .map((d) => ({ ...d, metadata: { ...(d.metadata as object), namespace: 'payments' } }));
    const p = assessReadiness(hygiene, input([...resources, ...own])).policies[0]!;
    expect(rows(p)).toEqual(SERVICES.map((s) => `bookstore Deployment/${s} autogen-require-image-digest Deployment/${s}`));
    const all = assessReadiness(policies(join(lifecycleDir, 'require-image-digest-everywhere.yaml')), input([...resources, ...own])).policies[0]!;
    expect(rows(all)).toContain('payments Deployment/payments autogen-require-image-digest Deployment/payments');
  });
});

describe('portcullis readiness (CLI)', () => {
  it('--resources: the report on stdout, exit 0 even when not ready', async () => {
    const r = await runCli(['readiness', '--resources', bookstoreDir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('bookstore-image-supply-chain (Audit, ');
    expect(r.stdout).toContain('NOT READY: Enforce would block 4 resources');
    for (const s of SERVICES) expect(r.stdout).toMatch(new RegExp(`bookstore +Deployment/${s} +autogen-require-image-digest`));
    expect(r.stdout).toContain(`1 Audit policy assessed over ${resources.length} resources: 0 ready, 1 not ready`);
  });

  it('-f dump.json (a kubectl List) with --policies, as JSON', async () => {
    const dump = join(tmp, 'dump.json');
    const items = [...recordedPods(), ...daemonSet];
    writeFileSync(dump, JSON.stringify({ apiVersion: 'v1', kind: 'List', items, metadata: { resourceVersion: '' } }));
    const r = await runCli(['readiness', '-f', dump, '--policies', join(lifecycleDir, 'require-image-digest-everywhere.yaml'), '--format', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { policies: PolicyReadiness[] };
    expect(report.policies[0]!.exclusion?.namespaces).toEqual(['kube-system']);
    expect(report.policies[0]!.groups.map((g) => `${g.owner.kind}/${g.owner.name}`)).toEqual([
      'DaemonSet/kindnet',
      'Pod/etcd-v1.29-control-plane',
      'ReplicaSet/coredns-76f75df574', // the dump has no Deployment: the Pod's own owner reference
    ]);
  });

  it('--write-reports: the background-scan PolicyReports as files', async () => {
    const dir = join(tmp, 'reports');
    const r = await runCli(['readiness', '--resources', bookstoreDir, '--write-reports', dir]);
    expect(r.code).toBe(0);
    expect(readdirSync(dir)).toEqual(['policyreport-bookstore-portcullis-policy-report.yaml']);
    expect(r.stderr).toContain('wrote 1 report file(s)');
  });

  it('bad input: exit 2 with one line', async () => {
    const missing = await runCli(['readiness', '--resources', join(tmp, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.error).toMatchObject({ code: 'BAD_INPUT' });
    const none = await runCli(['readiness']);
    expect(none.code).toBe(2);
    expect(none.error).toMatchObject({ code: 'USAGE' });
    const both = await runCli(['readiness', '--cluster', '--resources', bookstoreDir]);
    expect(both.error).toMatchObject({ code: 'BAD_FLAG' });
    const yaml = join(tmp, 'broken.yaml');
    writeFileSync(yaml, 'kind: Pod\nmetadata: [unclosed\n');
    const broken = await runCli(['readiness', '--resources', yaml]);
    expect(broken.code).toBe(2);
    expect(broken.error).toMatchObject({ code: 'INVALID_YAML' });
    const fmt = await runCli(['readiness', '--resources', bookstoreDir, '--format', 'xml']);
    expect(fmt.error).toMatchObject({ code: 'BAD_FLAG' });
  });
});
