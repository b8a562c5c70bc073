// verifyImages attestations on a real registry: trivy's published CycloneDX SBOM of CentOS 7
// (fixture) attested to an image by our own attestImage with a cosign key, then checked by type
// and by conditions on the predicate, which the engine evaluates with its condition evaluator.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluatePoliciesWithVerification, ImageVerifier } from '../../../src/policy/verify/index.js';
import { attestImage } from '../../../src/trust/attest.js';
import { generateKeyPair, loadPrivateKey } from '../../../src/trust/keys.js';
import { signImage } from '../../../src/trust/image.js';
import { startRegistry, type TestRegistry } from '../../helpers/registry.js';
import { FIXTURES, pod, policyFromFixture, pushImage } from './helpers.js';

let reg: TestRegistry;
const team = generateKeyPair('');
const stranger = generateKeyPair('');
const sbom = JSON.parse(readFileSync(join(FIXTURES, 'trivy-centos-7.cdx.json'), 'utf8')) as { components: Array<{ name: string }> };
const TYPE = 'https://cyclonedx.org/bom';

const policy = (banned: string) => policyFromFixture('sbom.yaml', { REGISTRY: reg.host, KEY: team.publicKeyPem, BANNED: banned });

async function evaluate(banned: string, image: string) {
  return evaluatePoliciesWithVerification([policy(banned)], { resource: pod('p', [`${reg.host}/${image}`]) }, new ImageVerifier({ registry: { plainHttp: true } }));
}

beforeAll(async () => {
  reg = await startRegistry();
  const plain = { plainHttp: true };
  const teamKey = loadPrivateKey(team.privateKeyPem, '');
  const attested = await pushImage(reg.host, 'acme/attested', 'v1', { 'etc/os-release': 'ID=centos\nVERSION_ID=7\n' });
  await attestImage(`${reg.host}/acme/attested@${attested}`, sbom, 'cyclonedx', { ...plain, key: teamKey });
  const signedOnly = await pushImage(reg.host, 'acme/signed-only', 'v1', { 'etc/os-release': 'ID=centos\nVERSION_ID=signed\n' });
  await signImage(`${reg.host}/acme/signed-only@${signedOnly}`, { ...plain, key: teamKey });
  // A provenance attestation by the team: the wrong type for this rule.
  await attestImage(`${reg.host}/acme/signed-only@${signedOnly}`, { builder: { id: 'https://ci.example/acme' } }, 'slsaprovenance', { ...plain, key: teamKey });
  const foreign = await pushImage(reg.host, 'acme/foreign', 'v1', { 'etc/os-release': 'ID=centos\nVERSION_ID=foreign\n' });
  await attestImage(`${reg.host}/acme/foreign@${foreign}`, sbom, 'cyclonedx', { ...plain, key: loadPrivateKey(stranger.privateKeyPem, '') });
}, 120_000);

afterAll(async () => {
  await reg?.stop();
});

describe('attestations with conditions on the predicate', () => {
  it('passes when every verified SBOM statement satisfies the conditions', async () => {
    expect(sbom.components.map((c) => c.name)).not.toContain('log4j-core');
    const r = await evaluate('log4j-core', 'acme/attested:v1');
    expect(r.results.map((x) => [x.status, x.message])).toEqual([['pass', `verified image attestations for ${reg.host}/acme/attested:v1`]]);
    // Both stored copies (bundle referrer and legacy .att layer) were verified and checked.
    expect(r.outcomes[0]?.attestations[0]?.sets[0]?.entries[0]).toMatchObject({ ok: true, predicates: [sbom, sbom] });
  });

  it('fails with the condition message when the predicate does not satisfy a condition', async () => {
    expect(sbom.components.map((c) => c.name)).toContain('openssl-libs');
    const r = await evaluate('openssl-libs', 'acme/attested:v1');
    expect(r.results.map((x) => [x.status, x.message])).toEqual([
      ['fail', `.attestations[0].attestors[0].entries[0].keys: attestation checks failed for ${reg.host}/acme/attested:v1 and predicate ${TYPE}: the SBOM lists openssl-libs`],
    ]);
  });

  it('an image with no statement of the type fails; so does one attested by another key', async () => {
    const none = await evaluate('log4j-core', 'acme/signed-only:v1');
    expect(none.results.map((x) => [x.status, x.message])).toEqual([
      ['fail', `image attestations verification failed, verifiedCount: 0, requiredCount: 1: .attestations[0].attestors[0].entries[0].keys: attestions not found for predicate type ${TYPE}`],
    ]);
    const foreign = await evaluate('log4j-core', 'acme/foreign:v1');
    expect(foreign.results[0]?.status).toBe('fail');
    expect(foreign.results[0]?.message).toMatch(/verifiedCount: 0, requiredCount: 1: .*entries\[0\]\.keys: none of 2 attestations verified/);
  });
});
