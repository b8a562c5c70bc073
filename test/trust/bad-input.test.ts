// Bad input to verification gives a clear TrustError (code asserted, one-line message),
// built from real published bundles with one defect each.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrustError } from '../../src/trust/errors.js';
import { readTrustedRootFile } from '../../src/trust/trusted-root.js';
import { parseBundle, verifyBundle, type VerifyBundleOptions } from '../../src/trust/verify-bundle.js';

const FIX = join(import.meta.dirname, '../fixtures/trust/sigstore');
const read = (f: string) => readFileSync(join(FIX, f));
const json = (f: string) => JSON.parse(read(f).toString('utf8')) as Record<string, unknown>;
const A = read('conformance/a.txt');
const PG = readTrustedRootFile(join(FIX, 'trusted-roots/public-good-trusted_root.json'));
const IDENTITY = {
  subject: 'https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main',
  issuer: 'https://token.actions.githubusercontent.com',
};
const OPTS: VerifyBundleOptions = { trustedRoot: PG, identity: IDENTITY };
const V03 = 'conformance/happy-path-v0.3/bundle.sigstore.json';
const DSSE = 'conformance/happy-path-intoto-in-dsse-v3/bundle.sigstore.json';

function failure(fn: () => unknown): TrustError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TrustError);
    expect((e as TrustError).message).not.toMatch(/\n/);
    return e as TrustError;
  }
  throw new Error('expected a TrustError');
}

describe('malformed bundles', () => {
  it('not JSON, not an object', () => {
    expect(failure(() => parseBundle('{"mediaType":', 'b.json'))).toMatchObject({ code: 'BAD_BUNDLE', input: 'b.json' });
    expect(failure(() => parseBundle('[1,2]')).code).toBe('BAD_BUNDLE');
    expect(failure(() => verifyBundle(null, A, OPTS)).code).toBe('BAD_BUNDLE');
  });

  it('a wrong media type, or none', () => {
    const e = failure(() => verifyBundle({ ...json(V03), mediaType: 'application/vnd.dev.sigstore.bundle+json;version=9.9' }, A, OPTS));
    expect(e.code).toBe('BAD_BUNDLE');
    expect(e.message).toMatch(/unsupported bundle mediaType/);
    const { mediaType: _drop, ...noType } = json(V03);
    expect(failure(() => verifyBundle(noType, A, OPTS)).code).toBe('BAD_BUNDLE');
  });

  it('missing verification material or content names the field', () => {
    const { verificationMaterial: _vm, ...noVm } = json(V03);
    const e = failure(() => verifyBundle(noVm, A, OPTS));
    expect(e.code).toBe('BAD_BUNDLE');
    expect(e.message).toMatch(/verificationMaterial/);
    const { messageSignature: _ms, ...noContent } = json(V03);
    expect(failure(() => verifyBundle(noContent, A, OPTS)).code).toBe('BAD_BUNDLE');
  });

  it('a v0.3 bundle that also carries a v0.1-style certificate chain is refused by the schema rules', () => {
    const b = json(V03) as { verificationMaterial: Record<string, unknown> };
    const vm = b.verificationMaterial;
    const cert = vm.certificate as { rawBytes: string };
    const bad = { ...b, verificationMaterial: { ...vm, certificate: undefined, x509CertificateChain: { certificates: [cert] } } };
    expect(failure(() => verifyBundle(bad, A, OPTS)).code).toBe('BAD_BUNDLE');
  });
});

describe('wrong artifact or digest', () => {
  it('a DSSE statement for another digest is WRONG_DIGEST; the right one verifies', () => {
    const good = createHash('sha256').update(A).digest('hex');
    expect(verifyBundle(json(DSSE), { digest: `sha256:${good}` }, OPTS).signer.subject).toBe(IDENTITY.subject);
    expect(failure(() => verifyBundle(json(DSSE), { digest: `sha256:${'ab'.repeat(32)}` }, OPTS)).code).toBe('WRONG_DIGEST');
    expect(failure(() => verifyBundle(json(DSSE), Buffer.from('another file'), OPTS)).code).toBe('WRONG_DIGEST');
    expect(failure(() => verifyBundle(json(DSSE), { digest: 'md5:abc' }, OPTS)).code).toBe('WRONG_DIGEST');
  });

  it('a message signature needs the bytes, not a digest', () => {
    const digest = `sha256:${createHash('sha256').update(A).digest('hex')}`;
    expect(failure(() => verifyBundle(json(V03), { digest }, OPTS)).code).toBe('BAD_BUNDLE');
  });
});

describe('trust material that does not cover the bundle', () => {
  it('a trusted root lacking the log that signed → TLOG, naming the log ID', () => {
    const root = { ...PG, tlogs: PG.tlogs.filter((t) => (t as { baseUrl: string }).baseUrl !== 'https://rekor.sigstore.dev') };
    expect(root.tlogs.length).toBe(PG.tlogs.length - 1);
    const e = failure(() => verifyBundle(json(V03), A, { ...OPTS, trustedRoot: root }));
    expect(e.code).toBe('TLOG');
    expect(e.message).toMatch(/no transparency log with ID \S+=/);
  });

  it('a trusted root lacking the CA → UNTRUSTED', () => {
    expect(failure(() => verifyBundle(json(V03), A, { ...OPTS, trustedRoot: { ...PG, certificateAuthorities: [] } })).code).toBe('UNTRUSTED');
  });

  it('a certificate used outside its CA validity window → EXPIRED (conformance intoto-expired-certificate_fail)', () => {
    const dirName = 'conformance/intoto-expired-certificate_fail';
    const root = readTrustedRootFile(join(FIX, dirName, 'trusted_root.json'));
    const e = failure(() => verifyBundle(json(`${dirName}/bundle.sigstore.json`), read(`${dirName}/artifact`), { trustedRoot: root, identity: IDENTITY }));
    expect(e.code).toBe('EXPIRED');
  });

  it('no trusted root at all is a clear error', () => {
    expect(failure(() => verifyBundle(json(V03), A, { identity: IDENTITY })).code).toBe('BAD_TRUSTED_ROOT');
    expect(failure(() => verifyBundle(json(V03), A, { identity: IDENTITY, trustedRoot: 'not a root' })).code).toBe('BAD_TRUSTED_ROOT');
  });

  it('an invalid identity regular expression is a usage problem, not a crash', () => {
    const e = failure(() => verifyBundle(json(V03), A, { trustedRoot: PG, identity: { subjectRegExp: '(', issuer: IDENTITY.issuer } }));
    expect(e.code).toBe('IDENTITY_MISMATCH');
    expect(e.exitCode).toBe(2);
  });
});
