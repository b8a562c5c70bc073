// The pure core: AdmissionReview fixtures (written as kube-apiserver sends them, see
// test/fixtures/admission/SOURCE.md) through the real engine and the Bookstore policy. The
// expected verdicts follow from the policy text: `!*:latest`, `*@sha256:*`, and
// `=(securityContext): =(runAsNonRoot): true` on Pods in `bookstore` (autogen for controllers).
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AdmissionError,
  MAX_WARNINGS,
  WARNING_MAX_CHARS,
  auditWarnings,
  denialMessage,
  loadPolicySet,
  parseAdmissionReview,
  reviewAdmission,
  toEvaluationInput,
  topLevelKind,
  type PolicySet,
} from '../../src/admission/index.js';
import type { RuleResult } from '../../src/policy/types.js';
import { policyDir, reviewFixture } from './server-helpers.js';

const BOOKSTORE = 'bookstore-image-supply-chain';
let auditDir: string;
let enforceDir: string;
let audit: PolicySet;
let enforce: PolicySet;

beforeAll(() => {
  auditDir = policyDir('Audit');
  enforceDir = policyDir('Enforce');
  audit = loadPolicySet(auditDir);
  enforce = loadPolicySet(enforceDir);
});
afterAll(() => {
  rmSync(auditDir, { recursive: true, force: true });
  rmSync(enforceDir, { recursive: true, force: true });
});

type Response = { uid: string; allowed: boolean; warnings?: string[]; auditAnnotations?: Record<string, string>; status?: { code: number; message: string } };
const responseOf = (r: { review: Record<string, unknown> }) => r.review.response as Response;
const failing = (rs: RuleResult[]) => rs.filter((r) => r.status === 'fail').map((r) => `${r.policy}/${r.rule}`);

function expectBadRequest(review: unknown, field: RegExp): void {
  let err: unknown;
  try {
    parseAdmissionReview(review);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(AdmissionError);
  expect((err as AdmissionError).code).toBe('BAD_REQUEST');
  expect((err as AdmissionError).message).toMatch(field);
}

describe('parseAdmissionReview: the shape kube-apiserver sends, or BAD_REQUEST naming the field', () => {
  const good = reviewFixture('pod-create');
  const req = good.request as Record<string, unknown>;
  const withReq = (patch: Record<string, unknown>) => ({ ...good, request: { ...req, ...patch } });

  it('accepts every fixture', () => {
    for (const name of ['pod-create', 'deployment-update', 'pod-delete', 'deployment-scale', 'pod-exec-connect']) {
      const p = parseAdmissionReview(reviewFixture(name));
      expect(p.info.uid).toBe((reviewFixture(name).request as { uid: string }).uid);
    }
  });

  it.each([
    ['an array', [good], /JSON object/],
    ['null', null, /JSON object/],
    ['admission.k8s.io/v1beta1', { ...good, apiVersion: 'admission.k8s.io/v1beta1' }, /apiVersion/],
    ['a Pod, not a review', { apiVersion: 'admission.k8s.io/v1', kind: 'Pod' }, /kind/],
    ['no request', { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }, /request/],
    ['no uid', withReq({ uid: undefined }), /request\.uid/],
    ['a numeric uid', withReq({ uid: 42 }), /request\.uid/],
    ['no kind', withReq({ kind: undefined }), /request\.kind/],
    ['no resource', withReq({ resource: undefined }), /request\.resource/],
    ['operation PATCH', withReq({ operation: 'PATCH' }), /request\.operation/],
    ['CREATE without object', withReq({ object: null }), /request\.object/],
    ['object is a string', withReq({ object: 'x' }), /request\.object/],
    ['UPDATE without oldObject', withReq({ operation: 'UPDATE' }), /request\.oldObject/],
    ['groups not strings', withReq({ userInfo: { groups: [1] } }), /request\.userInfo\.groups/],
    ['dryRun a string', withReq({ dryRun: 'yes' }), /request\.dryRun/],
  ])('rejects %s', (_name, review, field) => expectBadRequest(review, field));
});

describe('evaluation input', () => {
  it('DELETE evaluates the old object (the request object is null)', () => {
    const p = parseAdmissionReview(reviewFixture('pod-delete'));
    const input = toEvaluationInput(p);
    expect(p.object).toBeUndefined();
    expect(input.resource).toBe(p.oldObject);
    expect(input.admission?.operation).toBe('DELETE');
  });

  it('a subresource matches as its parent kind (Deployment/scale, Pod/exec)', () => {
    expect(topLevelKind(parseAdmissionReview(reviewFixture('deployment-scale')))).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(topLevelKind(parseAdmissionReview(reviewFixture('pod-exec-connect')))).toEqual({ group: '', version: 'v1', kind: 'Pod' });
    expect(topLevelKind(parseAdmissionReview(reviewFixture('pod-create')))).toEqual({ group: '', version: 'v1', kind: 'Pod' });
  });

  it("CONNECT: request.namespace comes from the request (a PodExecOptions has no metadata)", () => {
    const input = toEvaluationInput(parseAdmissionReview(reviewFixture('pod-exec-connect')));
    expect(input.variables).toEqual({ 'request.namespace': 'bookstore', 'request.name': 'web' });
    expect(input.admission?.subresource).toBe('exec');
  });

  it('namespace labels come from the callback', () => {
    const input = toEvaluationInput(parseAdmissionReview(reviewFixture('pod-create')), { namespaceLabels: (ns) => ({ team: ns }) });
    expect(input.admission?.namespaceLabels).toEqual({ team: 'bookstore' });
  });
});

describe('the Bookstore policy in Audit: allowed, with warnings and an audit annotation', () => {
  it('Pod create: all three rules fail, three warnings, uid echoed', () => {
    const out = reviewAdmission(reviewFixture('pod-create'), audit);
    const res = responseOf(out);
    expect(res.uid).toBe('0df28fbd-5f5f-4a0e-a6a2-4e8d8a5c8b01');
    expect(res.allowed).toBe(true);
    expect(res.status).toBeUndefined();
    const rules = [`${BOOKSTORE}/disallow-latest-tag`, `${BOOKSTORE}/require-image-digest`, `${BOOKSTORE}/require-run-as-non-root`];
    expect(failing(out.results)).toEqual(rules);
    expect(res.warnings).toHaveLength(3);
    res.warnings!.forEach((w, i) => {
      expect(w.startsWith(`${rules[i]}: `)).toBe(true);
      expect(w.length).toBeLessThanOrEqual(WARNING_MAX_CHARS);
    });
    expect(res.auditAnnotations).toEqual({ 'audit-failures': rules.join(',') });
    expect(out.request).toMatchObject({ operation: 'CREATE', namespace: 'bookstore', name: 'web', dryRun: false });
  });

  it('Deployment create: only the autogen digest rule fails (tag dev, runAsNonRoot true)', () => {
    const out = reviewAdmission(reviewFixture('deployment-create'), audit);
    expect(failing(out.results)).toEqual([`${BOOKSTORE}/autogen-require-image-digest`]);
    expect(responseOf(out)).toMatchObject({ allowed: true, auditAnnotations: { 'audit-failures': `${BOOKSTORE}/autogen-require-image-digest` } });
  });

  it('a compliant Pod (digest, runAsNonRoot): every rule passes, nothing to warn', () => {
    const out = reviewAdmission(reviewFixture('pod-create-compliant'), audit);
    expect(out.results.map((r) => r.status)).toEqual(['pass', 'pass', 'pass']);
    expect(responseOf(out)).toEqual({ uid: '7b9d1f3a-5c7e-4a9b-8d1f-4e6a8c0e2f34', allowed: true });
  });

  it('a namespace the policy does not match is untouched', () => {
    const out = reviewAdmission(reviewFixture('pod-create-default-ns'), audit);
    expect(out.results).toEqual([]);
    expect(responseOf(out)).toEqual({ uid: 'c4e6a8b0-d2f4-4a6c-8e0b-3d5f7a9c1e23', allowed: true });
  });

  it('a subresource only where a policy matches it: Deployment/scale is not a Deployment', () => {
    const out = reviewAdmission(reviewFixture('deployment-scale'), audit);
    expect(out.results.map((r) => r.policy)).toEqual(['restrict-scale']);
    expect(failing(out.results)).toEqual(['restrict-scale/scale-max-eight']);
    expect(responseOf(out).allowed).toBe(true);
  });
});

describe('the Bookstore policy in Enforce: denied, the message naming every failing rule', () => {
  it('Pod create: 403 naming the three rules with their messages', () => {
    const out = reviewAdmission(reviewFixture('pod-create'), enforce);
    const res = responseOf(out);
    expect(res.allowed).toBe(false);
    expect(res.status?.code).toBe(403);
    const lines = res.status!.message.split('\n');
    expect(lines[0]).toMatch(/^Pod bookstore\/web /);
    const fails = out.results.filter((r) => r.status === 'fail');
    expect(fails).toHaveLength(3);
    for (const r of fails) expect(lines).toContain(`${r.policy}/${r.rule}: ${r.message}`);
    expect(res.warnings).toBeUndefined();
    expect(res.auditAnnotations?.['enforce-failures']).toBe(fails.map((r) => `${r.policy}/${r.rule}`).join(','));
  });

  it('Deployment update from a digest to :latest: the two tag rules deny (the old object passed)', () => {
    const out = reviewAdmission(reviewFixture('deployment-update'), enforce);
    expect(responseOf(out).allowed).toBe(false);
    expect(failing(out.results)).toEqual([`${BOOKSTORE}/autogen-disallow-latest-tag`, `${BOOKSTORE}/autogen-require-image-digest`]);
  });

  it('UPDATE keeps pre-existing violations (allowExistingViolations): only the new one denies', () => {
    const review = reviewFixture('deployment-update');
    const req = structuredClone(review.request) as { oldObject: { spec: { template: { spec: { containers: Array<{ image: string }> } } } } };
    req.oldObject.spec.template.spec.containers[0]!.image = 'bookstore/catalog:dev'; // fails the digest rule too
    const out = reviewAdmission({ ...review, request: req }, enforce);
    expect(failing(out.results)).toEqual([`${BOOKSTORE}/autogen-disallow-latest-tag`]);
    expect(responseOf(out).status?.message).not.toMatch(/require-image-digest/);
  });

  it('dry-run is answered as the real request would be', () => {
    const out = reviewAdmission(reviewFixture('pod-create-dryrun'), enforce);
    expect(out.request.dryRun).toBe(true);
    expect(responseOf(out).allowed).toBe(false);
  });

  it('delete: pattern rules do not apply to DELETE, so it is allowed', () => {
    const out = reviewAdmission(reviewFixture('pod-delete'), enforce);
    expect(responseOf(out)).toEqual({ uid: '8a0c2e4a-6c8e-4a0c-8e2a-8f0b2d4f6a78', allowed: true });
  });

  it('excluded namespace and compliant Pod still pass', () => {
    expect(responseOf(reviewAdmission(reviewFixture('pod-create-default-ns'), enforce)).allowed).toBe(true);
    expect(responseOf(reviewAdmission(reviewFixture('pod-create-compliant'), enforce)).allowed).toBe(true);
  });

  it('CONNECT pods/exec in bookstore is denied by the Pod/exec rule', () => {
    const out = reviewAdmission(reviewFixture('pod-exec-connect'), enforce);
    const res = responseOf(out);
    expect(res.allowed).toBe(false);
    expect(res.status?.message.split('\n')[0]).toMatch(/^Pod\/exec bookstore\/web /);
    expect(failing(out.results)).toEqual(['deny-exec-by-namespace-name/deny-exec-ns-bookstore']);
  });
});

describe('bounds on what the apiserver receives', () => {
  const result = (i: number, message: string): RuleResult => ({
    policy: `policy-${i}`,
    rule: `rule-${i}`,
    status: 'fail',
    message,
    action: 'Audit',
    resource: { apiVersion: 'v1', kind: 'Pod', name: 'p' },
    scored: true,
  });

  it(`warnings: at most ${MAX_WARNINGS}, each at most ${WARNING_MAX_CHARS} characters, no control characters`, () => {
    const many = Array.from({ length: 40 }, (_, i) => result(i, `validation error: line one\nline two ${'x'.repeat(300)}`));
    const w = auditWarnings(many);
    expect(w).toHaveLength(MAX_WARNINGS);
    for (const x of w) {
      expect(x.length).toBeLessThanOrEqual(WARNING_MAX_CHARS);
      expect(x).not.toMatch(/[\x00-\x1f]/);
    }
    expect(w[MAX_WARNINGS - 1]).toMatch(/31 more/);
  });

  it('a denial names every failing rule even when the messages are huge', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ ...result(i, 'y'.repeat(5000)), action: 'Enforce' as const }));
    const msg = denialMessage('Pod ns/p', many);
    for (let i = 0; i < 300; i++) expect(msg).toContain(`policy-${i}/rule-${i}`);
    expect(msg.length).toBeLessThan(64 * 1024);
  });
});
