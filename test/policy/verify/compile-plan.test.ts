// The pure passes of verifyImages: compiling (Kyverno's validation, defaults, key splitting),
// planning (which images each rule needs verified, deduplicated) and results that need no
// registry (preconditions, unsupported features, configuration errors).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describe, expect, it } from 'vitest';
import { compilePolicy, evaluatePolicies, hasVerifyImages, imageVerificationResults, planImageVerification } from '../../../src/policy/engine/index.js';
import type { PolicyError, Resource } from '../../../src/policy/types.js';
import { evaluatePoliciesWithVerification, ImageVerifier, wildcardRegExp } from '../../../src/policy/verify/index.js';
import { FIXTURES, pod } from './helpers.js';

const KEY_A = '-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE8nXRh950IZbRj8Ra/N9sbqOPZrfM\n5/KAQN0/KjHcorm/J5yctVd7iEcnessRQjU917hmKO6JWVGHpDguIyakZA==\n-----END PUBLIC KEY-----\n';
const DIGEST = `sha256:${'ab'.repeat(32)}`;

/** A verifier whose registry backend fails on any use: proves an answer needed no I/O. */
const touched = () => Promise.reject(new Error('the registry was asked'));
const offline = () => new ImageVerifier({ backend: { resolveDigest: touched, openImage: () => ({ verifySignatures: touched, fetchAttestations: touched }) } });

function policy(verifyImages: unknown[], extra: Record<string, unknown> = {}, name = 'p'): Resource {
  return {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: { name },
    spec: { validationFailureAction: 'Enforce', rules: [{ name: 'verify', match: { any: [{ resources: { kinds: ['Pod'] } }] }, verifyImages, ...extra }] },
  };
}

const keyEntry = (refs = ['registry.example/*'], more: Record<string, unknown> = {}) => ({ imageReferences: refs, attestors: [{ entries: [{ keys: { publicKeys: KEY_A, rekor: { ignoreTlog: true } } }] }], ...more });

function compileError(doc: Resource): { code: string; message: string } {
  try {
    compilePolicy(doc, 'test.yaml');
  } catch (e) {
    return { code: (e as PolicyError).code, message: (e as Error).message };
  }
  throw new Error('compiled');
}

describe('compiling verifyImages', () => {
  it('accepts the kyverno/policies verify-image and verify-sbom-cyclonedx policies', () => {
    for (const f of ['verify-image.yaml', 'verify-sbom-cyclonedx.yaml']) {
      const doc = parseYaml(readFileSync(join(FIXTURES, 'upstream', f), 'utf8')) as Resource;
      const p = compilePolicy(doc, f);
      expect(hasVerifyImages(p)).toBe(true);
      // Pod rules get autogen copies, as Kyverno generates them.
      expect(p.ruleNames.filter((r) => r.startsWith('autogen-'))).toHaveLength(2);
    }
  });

  it("refuses what Kyverno's validation refuses, naming the field", () => {
    const cases: Array<[unknown[], string]> = [
      [[{ attestors: keyEntry().attestors }], 'imageReferences: An image reference is required'],
      [[keyEntry(['x/*'], { attestors: [{ count: 2, entries: keyEntry().attestors[0]!.entries }] })], 'count: Count cannot exceed length of entries'],
      [[keyEntry(['x/*'], { attestors: [{ entries: [] }] })], 'entries: An entry is required'],
      [[keyEntry(['x/*'], { attestors: [{ entries: [{ keys: { publicKeys: KEY_A }, keyless: { subject: 's' } }] }] })], 'keys, certificates, keyless, or a nested attestor is required'],
      [[keyEntry(['x/*'], { attestors: [{ entries: [{ keys: {} }] }] })], 'A public key, kms key or secret is required'],
      [[keyEntry(['x/*'], { attestors: [{ entries: [{ keys: { publicKeys: KEY_A, signatureAlgorithm: 'md5' } }] }] })], 'Invalid signature algorithm'],
      [[keyEntry(['x/*'], { mutateDigests: true })], 'verifyImages[0].mutateDigests: unknown field'],
      [[{ imageReferences: ['x/*'], attestations: [{ type: 'https://cyclonedx.org/bom' }] }], 'an attestation needs attestors'],
      [[keyEntry(['x/*'], { attestations: [{ attestors: keyEntry().attestors }] })], 'an attestation needs a type'],
      [[keyEntry(['x/*'], { failureAction: 'Deny' })], 'failureAction: expected Audit or Enforce'],
    ];
    for (const [vi, want] of cases) {
      const e = compileError(policy(vi));
      expect(e.code, want).toBe('INVALID_POLICY');
      expect(e.message, want).toContain(want);
      expect(e.message).toMatch(/^test\.yaml: spec\.rules\[0\]\.verifyImages\[0\]/);
    }
  });

  it('splits a publicKeys block holding several keys into entries; count defaults to all of them', () => {
    const KEY_B = KEY_A.replace('8nXRh950', '8nXRh951');
    const p = compilePolicy(policy([{ imageReferences: ['registry.example/*'], attestors: [{ entries: [{ keys: { publicKeys: KEY_A + KEY_B } }] }] }]), 't');
    const plan = planImageVerification([p], { resource: pod('x', [`registry.example/app@${DIGEST}`]) });
    const set = plan.requests[0]!.verification.attestors[0]!;
    expect(set.required).toBe(2);
    expect(set.entries.map((e) => (e.kind === 'key' ? e.publicKey.trim().split('\n')[1] : e.kind))).toEqual([KEY_A.split('\n')[1], KEY_B.split('\n')[1]]);
  });

  it('the rule action: an entry set to Enforce wins over the policy, Audit over nothing', () => {
    const audit = compilePolicy({ ...policy([keyEntry(['*'], { failureAction: 'Audit' })]) }, 't');
    const plan = planImageVerification([audit], { resource: pod('x', [`r/app@${DIGEST}`]) });
    const { results } = imageVerificationResults(plan, new Map());
    expect(results.map((r) => r.action)).toEqual(['Audit']);
  });
});

describe('planning', () => {
  const p = compilePolicy(policy([keyEntry(['registry.example/*'], { skipImageReferences: ['registry.example/tools/*'] })]), 't');

  it('one request per distinct image, however many containers name it', () => {
    const images = [...Array.from({ length: 8 }, () => 'registry.example/app:v1'), 'registry.example/tools/debug:1', 'docker.io/library/busybox:1.36'];
    const plan = planImageVerification([p], { resource: pod('eight', images, { initImages: ['registry.example/app:v1', 'registry.example/init:2'] }) });
    // Kyverno's image strings (library/ before a one-component path); the written reference is what is pulled.
    expect(plan.requests.map((r) => [r.image, r.reference])).toEqual([
      ['registry.example/library/app:v1', 'registry.example/app:v1'],
      ['registry.example/library/init:2', 'registry.example/init:2'],
    ]);
    expect(plan.rules[0]!.entries[0]!.images.map((i) => i.jsonPointer)).toEqual([
      '/spec/initContainers/0/image',
      '/spec/initContainers/1/image',
      ...Array.from({ length: 8 }, (_, i) => `/spec/containers/${i}/image`),
    ]);
  });

  it('two rules asking the same question share a request; a different attestor is another', () => {
    const same = compilePolicy(policy([keyEntry(['registry.example/*'])], {}, 'same'), 't');
    const other = compilePolicy(policy([keyEntry(['registry.example/*'], { attestors: [{ entries: [{ keys: { publicKeys: KEY_A } }] }] })], {}, 'other'), 't');
    const plan = planImageVerification([p, same, other], { resource: pod('x', ['registry.example/app:v1']) });
    expect(plan.requests).toHaveLength(2);
    expect(plan.rules.map((r) => r.policy)).toEqual(['p', 'same', 'other']);
  });

  it("the pull context comes from the pod template: imagePullSecrets, else the ServiceAccount's", () => {
    const deployment: Resource = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'team' },
      spec: { template: { spec: { serviceAccountName: 'builder', imagePullSecrets: [{ name: 'a' }, { name: 'a' }, { name: 'b' }], containers: [{ name: 'c', image: 'registry.example/app:v1' }] } } },
    };
    const plan = planImageVerification([p], { resource: deployment });
    expect(plan.context).toEqual({ namespace: 'team', pullSecrets: ['a', 'b'], serviceAccountName: 'builder' });
    expect(plan.rules.map((r) => r.rule.name)).toEqual(['autogen-verify']);
  });

  it('variables in an entry are substituted per resource; attestation conditions are left for the predicate', () => {
    const dyn = compilePolicy(
      policy([
        {
          imageReferences: ['{{ request.object.metadata.annotations."registry" }}/*'],
          attestations: [{ type: 'https://cyclonedx.org/bom', attestors: keyEntry().attestors, conditions: [{ all: [{ key: '{{ bomFormat }}', operator: 'Equals', value: 'CycloneDX' }] }] }],
        },
      ]),
      't',
    );
    const resource = pod('x', ['mirror.example/app:v1', 'registry.example/app:v1']);
    (resource.metadata as Record<string, unknown>).annotations = { registry: 'mirror.example' };
    const plan = planImageVerification([dyn], { resource });
    expect(plan.requests.map((r) => [r.image, r.reference])).toEqual([['mirror.example/library/app:v1', 'mirror.example/app:v1']]);
    expect(plan.requests[0]!.verification.attestations[0]!.conditions).toHaveLength(1);
  });
});

describe('results that need no registry', () => {
  it('preconditions not met: skip, and nothing to verify', async () => {
    const p = compilePolicy(policy([keyEntry()], { preconditions: { all: [{ key: '{{ request.operation }}', operator: 'Equals', value: 'UPDATE' }] } }), 't');
    const r = await evaluatePoliciesWithVerification([p], { resource: pod('x', ['registry.example/app:v1']), admission: { operation: 'CREATE' } }, offline());
    expect(r.plan.requests).toEqual([]);
    expect(r.results.map((x) => [x.status, x.message])).toEqual([['skip', 'preconditions not met']]);
  });

  it('features not evaluated here are errors naming them, never a silent pass', async () => {
    const cert = compilePolicy(policy([{ imageReferences: ['*'], attestors: [{ entries: [{ certificates: { cert: '-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----' } }] }] }]), 't');
    const notary = compilePolicy(policy([keyEntry(['*'], { type: 'Notary' })]), 't');
    const image = `registry.example/library/app@${DIGEST}`;
    // Pinned by digest (or Notary) and refused before any registry read.
    const c = await evaluatePoliciesWithVerification([cert], { resource: pod('x', [`registry.example/app@${DIGEST}`]) }, offline());
    expect(c.results.map((x) => [x.status, x.message])).toEqual([['error', `failed to verify image ${image}: .attestors[0].entries[0].certificates: not supported here: certificates`]]);
    const n = await evaluatePoliciesWithVerification([notary], { resource: pod('x', [`registry.example/app:v1`]) }, offline());
    expect(n.results.map((x) => [x.status, x.message])).toEqual([['error', 'failed to verify image registry.example/library/app:v1: not supported here: type Notary']]);
  });

  it('keyless without any trusted root is a configuration error; the synchronous path gives verifyImages no response', async () => {
    const p = compilePolicy(policy([{ imageReferences: ['*'], attestors: [{ entries: [{ keyless: { subject: 'a@example.com', issuer: 'https://accounts.example' } }] }] }]), 't');
    const input = { resource: pod('x', [`registry.example/app@${DIGEST}`]) };
    expect(evaluatePolicies([p], input)).toEqual([]);
    const r = await evaluatePoliciesWithVerification([p], input, offline());
    expect(r.results[0]?.status).toBe('error');
    expect(r.results[0]?.message).toContain('keyless verification needs a trusted root');
  });
});

describe('identity wildcards', () => {
  it('Kyverno wildcards match whole strings, with * and ? only', () => {
    const re = (p: string) => new RegExp(wildcardRegExp(p));
    expect(re('https://github.com/acme/*').test('https://github.com/acme/app/.github/workflows/r.yml@refs/heads/main')).toBe(true);
    expect(re('https://github.com/acme/*').test('https://github.com/acme2/app')).toBe(false);
    expect(re('a?c').test('abc')).toBe(true);
    expect(re('a.c').test('abc')).toBe(false);
    expect(re('user@example.com').test('xuser@example.com')).toBe(false);
  });
});
