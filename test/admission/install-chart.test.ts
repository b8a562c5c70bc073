// deploy/portcullis (the Helm chart) against `portcullis install`: the same objects for the
// same settings. Helm is not available here (not in Debian, no other network), so the chart is
// rendered by install-helm-lite.ts, which implements the few template features the chart
// uses and throws on any other: a structural check, not Helm itself.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { CLUSTER_POLICY_REPORT_CRD, POLICY_REPORT_CRD, renderInstallManifests, toCaBundle, type InstallOptions } from '../../src/admission/index.js';
import { scanConfig } from '../../src/config/index.js';
import { parseDocuments } from '../../src/policy/index.js';
import { renderChart } from './install-helm-lite.js';
import { validateObject } from './install-k8s-schema.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CHART = join(ROOT, 'deploy', 'portcullis');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const DIGEST = 'sha256:' + 'cd'.repeat(32);
// A self-signed CA made with openssl for these tests (SOURCE.md beside it).
const CA_PEM = readFileSync(join(ROOT, 'test/fixtures/admission/install/ca.crt'), 'utf8');

type Obj = Record<string, unknown> & { kind: string; metadata: { name: string; labels?: Record<string, string> } };
const HELM_ONLY_LABELS = ['helm.sh/chart', 'app.kubernetes.io/managed-by'];

/** Objects keyed kind/name, without the labels only Helm adds, and the one list whose order the chart does not fix. */
function normalize(objs: Obj[]): Record<string, Obj> {
  const out: Record<string, Obj> = {};
  for (const o of objs) {
    const copy = structuredClone(o);
    const strip = (labels?: Record<string, string>) => HELM_ONLY_LABELS.forEach((k) => labels && delete labels[k]);
    strip(copy.metadata.labels);
    strip((copy.spec as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template?.metadata?.labels);
    for (const wh of (copy.webhooks as Array<{ namespaceSelector: { matchExpressions: Array<{ values: string[] }> } }> | undefined) ?? []) {
      for (const e of wh.namespaceSelector.matchExpressions) e.values.sort();
    }
    const key = `${copy.kind}/${copy.metadata.name}`;
    expect(out[key], `${key} twice`).toBeUndefined();
    out[key] = copy;
  }
  return out;
}

/** `helm template` as Helm would apply it: the crds/ files first, then the templates. */
function chartObjects(namespace: string, values: Record<string, unknown>): Obj[] {
  const crds = readdirSync(join(CHART, 'crds')).sort().map((f) => readFileSync(join(CHART, 'crds', f), 'utf8'));
  const { text } = renderChart(CHART, { namespace, values });
  return parseDocuments([...crds, text].join('\n'), 'chart') as Obj[];
}

const installObjects = (opts: InstallOptions) => parseDocuments(renderInstallManifests(opts), 'install') as Obj[];

const policyText = 'apiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata:\n  name: p\n';
const CASES: Array<{ name: string; namespace: string; values: Record<string, unknown>; opts: InstallOptions; withoutNamespace?: boolean }> = [
  { name: 'defaults (Helm creates the namespace)', namespace: 'portcullis', values: {}, opts: {}, withoutNamespace: true },
  { name: 'namespace.create', namespace: 'portcullis', values: { namespace: { create: true } }, opts: {} },
  {
    name: 'production: digest, CA, Fail, timeout, exclusions, policies, 3 replicas',
    namespace: 'gatekeeping',
    values: {
      namespace: { create: true },
      image: { repository: 'registry.example.com/sec/portcullis', tag: '', digest: DIGEST },
      replicas: 3,
      tls: { caBundle: toCaBundle(CA_PEM) },
      webhook: { failurePolicy: 'Fail', timeoutSeconds: 15, excludeNamespaces: ['monitoring', 'argocd'] },
      policies: { configMapName: 'team-policies', files: { 'require-digest.yaml': policyText, 'b.yml': policyText } },
    },
    opts: {
      namespace: 'gatekeeping',
      image: `registry.example.com/sec/portcullis@${DIGEST}`,
      replicas: 3,
      caBundle: CA_PEM,
      failurePolicy: 'Fail',
      timeoutSeconds: 15,
      excludeNamespaces: ['monitoring', 'argocd'],
      policiesConfigMap: 'team-policies',
      policies: [
        { name: 'require-digest.yaml', text: policyText },
        { name: 'b.yml', text: policyText },
      ],
    },
  },
  { name: 'pull secrets for verifyImages (opt-in RBAC and --pull-secrets)', namespace: 'portcullis', values: { namespace: { create: true }, pullSecrets: true }, opts: { pullSecrets: true } },
  { name: 'reports through the API (opt-in Lease Role and --reports-cluster)', namespace: 'team-sec', values: { namespace: { create: true }, reports: true }, opts: { namespace: 'team-sec', reports: true } },
  { name: 'cert-manager, one replica', namespace: 'portcullis', values: { namespace: { create: true }, tls: { certManager: true }, replicas: 1 }, opts: { certManager: true, replicas: 1 } },
];

describe('deploy/portcullis renders what portcullis install renders', () => {
  for (const c of CASES) {
    it(c.name, () => {
      const chart = normalize(chartObjects(c.namespace, c.values));
      const install = normalize(installObjects(c.opts));
      if (c.withoutNamespace) delete install[`Namespace/${c.namespace}`];
      expect(Object.keys(chart).sort()).toEqual(Object.keys(install).sort());
      for (const key of Object.keys(install)) expect(chart[key], key).toEqual(install[key]);
    });
  }

  it('the comparison can fail: a changed value shows', () => {
    const chart = normalize(chartObjects('portcullis', { webhook: { timeoutSeconds: 12 } }));
    const install = normalize(installObjects({}));
    expect(chart['ValidatingWebhookConfiguration/portcullis']).not.toEqual(install['ValidatingWebhookConfiguration/portcullis']);
    expect(chart['Deployment/portcullis']).not.toEqual(install['Deployment/portcullis']);
  });

  it('the chart objects match the Kubernetes API types and pass our config checks', () => {
    const objs = chartObjects('portcullis', { namespace: { create: true }, image: { digest: DIGEST } });
    for (const o of objs) expect(validateObject(o), `${o.kind}/${o.metadata.name}`).toEqual([]);
    const { text } = renderChart(CHART, { namespace: 'portcullis', values: { image: { digest: DIGEST } } });
    const report = scanConfig(['-'], { stdin: text });
    expect(report.errors).toEqual([]);
    expect(report.files[0]!.findings).toEqual([]);
  });

  it('ships the same CRD text as the CLI', () => {
    expect(readFileSync(join(CHART, 'crds/wgpolicyk8s.io_policyreports.yaml'), 'utf8')).toBe(POLICY_REPORT_CRD);
    expect(readFileSync(join(CHART, 'crds/wgpolicyk8s.io_clusterpolicyreports.yaml'), 'utf8')).toBe(CLUSTER_POLICY_REPORT_CRD);
  });
});

describe('deploy/portcullis metadata and values', () => {
  const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const values = parse(readFileSync(join(CHART, 'values.yaml'), 'utf8')) as { image: { tag: string } };
  const schema = JSON.parse(readFileSync(join(CHART, 'values.schema.json'), 'utf8')) as object;
  const validate = new Ajv({ allErrors: true }).compile(schema);

  it('is a Helm v2 chart versioned with the package', () => {
    expect(chart).toMatchObject({ apiVersion: 'v2', name: 'portcullis', type: 'application', version: VERSION, appVersion: VERSION });
    expect(values.image.tag).toBe(VERSION);
  });

  it('values.yaml passes values.schema.json, which refuses values that cannot work', () => {
    expect(validate(values), JSON.stringify(validate.errors)).toBe(true);
    const withValues = (v: Record<string, unknown>) => validate(JSON.parse(JSON.stringify({ ...values, ...v })));
    expect(withValues({ webhook: { failurePolicy: 'Maybe', timeoutSeconds: 10, excludeNamespaces: [] } })).toBe(false);
    expect(withValues({ webhook: { failurePolicy: 'Fail', timeoutSeconds: 2, excludeNamespaces: [] } })).toBe(false);
    expect(withValues({ webhook: { failurePolicy: 'Fail', timeoutSeconds: 10, excludeNamespaces: ['Kube System'] } })).toBe(false);
    expect(withValues({ image: { repository: 'x', tag: '1', digest: 'sha256:short', pullPolicy: 'IfNotPresent' } })).toBe(false);
    expect(withValues({ replicas: 0 })).toBe(false);
    expect(withValues({ replicaCount: 2 })).toBe(false);
    expect(withValues({ webhook: { failurePolicy: 'Fail', timeoutSeconds: 30, excludeNamespaces: ['monitoring'] } })).toBe(true);
  });

  it('the template renderer refuses what it does not implement (so a chart change cannot slip past it)', () => {
    expect(() => renderChart(CHART, { namespace: 'portcullis', values: { webhook: { excludeNamespaces: 'monitoring' } } })).toThrow(/range over a non-list/);
    expect(() => renderChart(CHART, { namespace: 'portcullis', values: { image: { tag: { x: 1 } } } })).toThrow(/prints a collection/);
  });
});
