// ReportStore: results aggregated per resource (the latest per policy and rule), snapshotted
// as one PolicyReport per namespace and one ClusterPolicyReport, each capped far below etcd's
// 1.5 MB; FileReportWriter writes them as reproducible YAML files. Results come from the real
// engine evaluating the chapter's policy and Kyverno library policies on Bookstore workloads.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse, parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateInBackground, namespaceLabelsOf, scanOnce } from '../../src/admission/background.js';
import { FileReportWriter, REPORT_LIMITS, ReportStore, reportFileName, sourceDateClock } from '../../src/admission/reports.js';
import { evaluatePolicies, type CompiledPolicy } from '../../src/policy/index.js';
import type { Resource, RuleResult } from '../../src/policy/types.js';
import type { PolicyReportDoc } from '../../src/report/policyreport.js';
import { bookstoreResources, chapterPolicyFile, lifecycleDir, policies, replicaSetAndPods, root } from './reports-fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'portcullis-reports-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const chapter = policies(chapterPolicyFile);
const latestTag = policies(join(lifecycleDir, 'disallow-latest-tag.yaml'));
const psa = policies(join(lifecycleDir, 'add-psa-namespace-reporting.yaml'));
const resources = bookstoreResources();
const catalog = resources.find((r) => r.kind === 'Deployment' && (r.metadata as { name: string }).name === 'catalog')!;

function evaluate(ps: readonly CompiledPolicy[], resource: Resource): RuleResult[] {
  return evaluatePolicies(ps, { resource, admission: { operation: 'CREATE' } });
}

function pinned(pod: Resource): Resource {
  const p = structuredClone(pod) as { spec: { containers: Array<{ image: string }> } };
  for (const c of p.spec.containers) c.image = `${c.image.replace(/:[^:/]*$/, '')}@sha256:${'ab'.repeat(32)}`;
  return p as unknown as Resource;
}

const fixedClock = () => new Date('2026-01-02T03:04:05Z');

/** The CRD the cluster validates reports against (deploy/, Kyverno's wgpolicyk8s.io v1alpha2). */
function crdValidator(file: string) {
  const crd = parse(readFileSync(join(root, 'deploy/portcullis/crds', file), 'utf8')) as { spec: { versions: Array<{ name: string; schema: { openAPIV3Schema: unknown } }> } };
  const schema = crd.spec.versions.find((v) => v.name === 'v1alpha2')!.schema.openAPIV3Schema;
  return new Ajv({ strict: false, validateFormats: false, allErrors: true }).compile(schema as object);
}

describe('ReportStore: aggregation per resource', () => {
  const pod = replicaSetAndPods(catalog, 1).pods[0]!;

  it('a newer evaluation of a resource replaces the previous results', () => {
    const store = new ReportStore({ clock: fixedClock });
    store.record(evaluate(chapter, pod), 'admission review');
    const before = store.snapshot();
    expect(before).toHaveLength(1);
    expect(before[0]!.results.find((r) => r.rule === 'require-image-digest')!.result).toBe('fail');
    store.record(evaluate(chapter, pinned(pod)), 'admission review');
    const [after] = store.snapshot();
    // Still three results (one per rule), not six: the digest rule now passes.
    expect(after!.results.map((r) => `${r.rule}=${r.result}`)).toEqual(['disallow-latest-tag=pass', 'require-image-digest=pass', 'require-run-as-non-root=pass']);
    expect(after!.summary).toEqual({ pass: 3, fail: 0, warn: 0, error: 0, skip: 0 });
    expect(store.stats).toEqual({ resources: 1, results: 3 });
  });

  it('record replaces per policy; replace() drops policies that no longer respond', () => {
    const store = new ReportStore({ clock: fixedClock });
    const both = [...chapter, ...latestTag];
    store.record(evaluate(both, pod), 'admission review');
    const policiesOf = () => [...new Set(store.snapshot()[0]!.results.map((r) => r.policy))];
    expect(policiesOf()).toEqual(['bookstore-image-supply-chain', 'disallow-latest-tag']);
    store.record(evaluate(chapter, pod), 'admission review'); // another request, one policy
    expect(policiesOf()).toEqual(['bookstore-image-supply-chain', 'disallow-latest-tag']);
    const ref = evaluate(chapter, pod)[0]!.resource;
    store.replace(ref, evaluate(chapter, pod), 'background scan');
    expect(policiesOf()).toEqual(['bookstore-image-supply-chain']);
    expect(store.snapshot()[0]!.results.every((r) => r.properties.process === 'background scan')).toBe(true);
  });

  it('a deleted resource is forgotten; retain() drops only unlisted resources of the listed kinds', () => {
    const store = new ReportStore({ clock: fixedClock });
    const { pods } = replicaSetAndPods(catalog, 3);
    for (const p of pods) store.record(evaluate(chapter, p), 'admission review');
    store.record(evaluate(latestTag, catalog), 'admission review'); // a Deployment, via autogen
    expect(store.stats.resources).toBe(4);
    expect(store.forget(evaluate(chapter, pods[0]!)[0]!.resource)).toBe(true);
    expect(store.stats.resources).toBe(3);
    const listed = [evaluate(chapter, pods[1]!)[0]!.resource];
    expect(store.retain(listed, new Set(['Pod']))).toBe(1); // pods[2] went away; the Deployment is not a listed kind
    const names = store.snapshot()[0]!.results.map((r) => `${r.resources[0]!.kind}/${r.resources[0]!.name}`);
    expect(new Set(names)).toEqual(new Set([`Pod/${(pods[1]!.metadata as { name: string }).name}`, 'Deployment/catalog']));
    store.forgetPolicy('disallow-latest-tag');
    expect(store.stats.resources).toBe(1);
  });

  it('one PolicyReport per namespace and one ClusterPolicyReport, valid against the CRDs', () => {
    const store = new ReportStore({ clock: fixedClock });
    for (const ns of ['bookstore', 'shop-a', 'shop-b']) for (const p of replicaSetAndPods(catalog, 2, ns).pods) store.record(evaluate(latestTag, p), 'admission review');
    const nsObjects = resources.filter((r) => r.kind === 'Namespace');
    for (const n of nsObjects) store.record(evaluate(psa, n), 'background scan');
    const docs = store.snapshot();
    expect(docs.map((d) => `${d.kind}/${d.metadata.namespace ?? ''}/${d.metadata.name}`)).toEqual([
      'ClusterPolicyReport//portcullis-cluster-policy-report',
      'PolicyReport/bookstore/portcullis-policy-report',
      'PolicyReport/shop-a/portcullis-policy-report',
      'PolicyReport/shop-b/portcullis-policy-report',
    ]);
    // The Bookstore namespace carries PSA labels (00-namespace.yaml): the Kyverno policy passes it.
    expect(docs[0]!.results.map((r) => [r.resources[0]!.name, r.result])).toEqual([['bookstore', 'pass']]);
    const polr = crdValidator('wgpolicyk8s.io_policyreports.yaml');
    const cpolr = crdValidator('wgpolicyk8s.io_clusterpolicyreports.yaml');
    for (const d of docs) {
      const ok = d.kind === 'PolicyReport' ? polr(d) : cpolr(d);
      expect(ok, JSON.stringify((d.kind === 'PolicyReport' ? polr : cpolr).errors)).toBe(true);
      for (const r of d.results) expect(r.resources[0]!.namespace ?? '').toBe(d.metadata.namespace ?? '');
    }
  });
});

describe('ReportStore: capped objects, never one per request', () => {
  // 3,400 Pods of the four Bookstore services, each admitted in its own request, evaluated
  // with the chapter's three rules: 10,200 results.
  const deployments = resources.filter((r) => r.kind === 'Deployment');
  const pods = deployments.flatMap((d) => replicaSetAndPods(d, 850).pods);

  function fill(order: readonly Resource[], opts: ConstructorParameters<typeof ReportStore>[0] = {}): ReportStore {
    const store = new ReportStore({ clock: fixedClock, ...opts });
    for (const p of order) store.record(evaluate(chapter, p), 'admission review');
    return store;
  }

  it('10,200 results from 3,400 requests → a handful of objects, each under the caps', () => {
    const store = fill(pods);
    const docs = store.snapshot();
    const total = docs.reduce((n, d) => n + d.results.length, 0);
    expect(total).toBe(10_200);
    expect(docs.length).toBe(Math.ceil(10_200 / REPORT_LIMITS.maxResults)); // 11, not 3,400
    expect(docs.map((d) => d.metadata.name)).toEqual(Array.from({ length: 11 }, (_, i) => `portcullis-policy-report-${i + 1}`));
    for (const d of docs) {
      expect(d.results.length).toBeLessThanOrEqual(REPORT_LIMITS.maxResults);
      const bytes = Buffer.byteLength(JSON.stringify(d));
      expect(bytes).toBeLessThanOrEqual(REPORT_LIMITS.maxBytes);
      expect(bytes).toBeLessThan(1.5 * 1024 * 1024);
      const s = d.summary;
      expect(s.pass + s.fail + s.warn + s.error + s.skip).toBe(d.results.length);
    }
    // Every (resource, rule) exactly once across the parts.
    const keys = docs.flatMap((d) => d.results.map((r) => `${r.resources[0]!.name}/${r.rule}`));
    expect(new Set(keys).size).toBe(10_200);
    const fails = docs.flatMap((d) => d.results).filter((r) => r.result === 'fail');
    expect(fails).toHaveLength(3_400);
    expect(new Set(fails.map((r) => r.rule))).toEqual(new Set(['require-image-digest']));
  });

  it('the byte cap splits too, and the split does not depend on arrival order', () => {
    const small = { maxBytesPerReport: 64 * 1024 };
    const a = fill(pods, small).snapshot();
    const b = fill([...pods].reverse(), small).snapshot();
    expect(a.length).toBeGreaterThan(11);
    for (const d of a) expect(Buffer.byteLength(JSON.stringify(d))).toBeLessThanOrEqual(64 * 1024);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });
});

describe('FileReportWriter (offline mode)', () => {
  const input = { resources: [...resources, ...replicaSetAndPods(catalog, 3).pods], namespaceLabels: namespaceLabelsOf(resources) };
  const all = [...chapter, ...latestTag, ...psa];

  function writeWith(dir: string, order: readonly Resource[]) {
    const store = new ReportStore({ clock: sourceDateClock({ SOURCE_DATE_EPOCH: '1767225600' }) });
    scanOnce(store, all, { ...input, resources: [...order] });
    return new FileReportWriter(dir).write(store.snapshot());
  }

  it('SOURCE_DATE_EPOCH fixes every timestamp: the same scan writes the same bytes', () => {
    const d1 = join(tmp, 'run1');
    const d2 = join(tmp, 'run2');
    const w1 = writeWith(d1, input.resources);
    writeWith(d2, [...input.resources].reverse());
    expect(readdirSync(d1).sort()).toEqual(['clusterpolicyreport-portcullis-cluster-policy-report.yaml', 'policyreport-bookstore-portcullis-policy-report.yaml']);
    for (const f of readdirSync(d1)) expect(readFileSync(join(d2, f), 'utf8')).toBe(readFileSync(join(d1, f), 'utf8'));
    const doc = parseAllDocuments(readFileSync(w1.written[1]!, 'utf8'))[0]!.toJS() as PolicyReportDoc;
    expect(doc.results.every((r) => r.timestamp.seconds === 1767225600 && r.properties.process === 'background scan')).toBe(true);
    // Background scans only evaluate background policies, with no operation: the Pods and their Deployment.
    expect(new Set(doc.results.map((r) => r.resources[0]!.kind))).toEqual(new Set(['Deployment', 'Pod']));
  });

  it('a later write with fewer parts removes the stale part files', () => {
    const dir = join(tmp, 'parts');
    const store = new ReportStore({ clock: fixedClock, maxResultsPerReport: 5 });
    const pods = replicaSetAndPods(catalog, 4).pods;
    for (const p of pods) store.record(evaluateInBackground(chapter, p, input), 'background scan');
    const first = new FileReportWriter(dir).write(store.snapshot());
    expect(first.written.map((f) => f.slice(dir.length + 1))).toEqual([
      'policyreport-bookstore-portcullis-policy-report-1.yaml',
      'policyreport-bookstore-portcullis-policy-report-2.yaml',
      'policyreport-bookstore-portcullis-policy-report-3.yaml',
    ]);
    for (const p of pods.slice(1)) store.forget(evaluate(chapter, p)[0]!.resource);
    const second = new FileReportWriter(dir).write(store.snapshot());
    expect(readdirSync(dir)).toEqual(['policyreport-bookstore-portcullis-policy-report.yaml']);
    expect(second.removed).toHaveLength(3);
  });

  it('attached to a store, it writes once after a burst of records', async () => {
    const dir = join(tmp, 'attached');
    const store = new ReportStore({ clock: fixedClock });
    const writer = new FileReportWriter(dir);
    let writes = 0;
    const original = writer.write.bind(writer);
    writer.write = (docs) => (writes++, original(docs));
    const detach = writer.attach(store, { debounceMs: 50 });
    for (const p of replicaSetAndPods(catalog, 20).pods) store.record(evaluate(chapter, p), 'admission review');
    await new Promise((r) => setTimeout(r, 300));
    detach();
    expect(writes).toBe(1);
    expect(readdirSync(dir)).toEqual(['policyreport-bookstore-portcullis-policy-report.yaml']);
    const doc = parse(readFileSync(join(dir, 'policyreport-bookstore-portcullis-policy-report.yaml'), 'utf8')) as PolicyReportDoc;
    expect(doc.results).toHaveLength(60);
  });

  it('a namespace that is not a DNS label never becomes a file name', () => {
    const doc: PolicyReportDoc = {
      apiVersion: 'wgpolicyk8s.io/v1alpha2',
      kind: 'PolicyReport',
      metadata: { name: 'portcullis-policy-report', namespace: '../../etc', labels: {} },
      summary: { pass: 0, fail: 0, warn: 0, error: 0, skip: 0 },
      results: [],
    };
    expect(() => reportFileName(doc)).toThrow(expect.objectContaining({ code: 'REPORT_WRITE' }));
    expect(() => new FileReportWriter(join(tmp, 'bad')).write([doc])).toThrow(expect.objectContaining({ code: 'REPORT_WRITE' }));
  });
});
