// Interop: every published bundle in the fixture set verifies, or fails, exactly as its
// SOURCES.tsv row says — offline, against the public-good trusted root snapshot (or the
// case's own trusted_root.json, as the conformance suite prescribes). The expectations are
// read from SOURCES.tsv, not re-typed here.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrustError } from '../../src/trust/errors.js';
import { loadPublicKey } from '../../src/trust/keys.js';
import { readTrustedRootFile } from '../../src/trust/trusted-root.js';
import { verifyBundle, type BundleArtifact, type VerifyBundleOptions } from '../../src/trust/verify-bundle.js';

const ROOT = join(import.meta.dirname, '../fixtures/trust/sigstore');
const PUBLIC_GOOD = 'trusted-roots/public-good-trusted_root.json';
const CONFORMANCE_DEFAULT_ARTIFACT = 'conformance/a.txt';

interface Row {
  file: string;
  expected: string;
  identity: string;
  issuer: string;
  notes: string;
}

const rows: Row[] = readFileSync(join(ROOT, 'SOURCES.tsv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split('\t'))
  .map((c) => ({ file: c[0], expected: c[5], identity: c[6], issuer: c[7], notes: c[8] }));

const bundles = rows.filter((r) => r.expected === 'valid' || r.expected === 'invalid');
const inDir = (r: Row, kind: string) => rows.filter((o) => o.expected === kind && dirname(o.file) === dirname(r.file));

/** The roots a case is checked against: its own (same folder) and/or the public-good snapshot, as its notes say. */
function rootsFor(r: Row): string[] {
  const own = inDir(r, 'trust root').map((o) => o.file);
  if (own.length === 0 || /prod root/.test(r.notes)) own.push(PUBLIC_GOOD);
  return own;
}

/** The artifact: the case's own file, the conformance default, or an image digest the notes name (DSSE). */
function artifactFor(r: Row): BundleArtifact {
  const own = inDir(r, 'artifact')[0];
  if (own) return readFileSync(join(ROOT, own.file));
  if (r.file.startsWith('conformance/')) return readFileSync(join(ROOT, CONFORMANCE_DEFAULT_ARTIFACT));
  const digest = /sha256:[0-9a-f]{64}/.exec(r.notes);
  return digest ? { digest: digest[0] } : undefined;
}

function optionsFor(r: Row, rootFile: string): VerifyBundleOptions {
  const key = inDir(r, 'verification key')[0];
  const opts: VerifyBundleOptions = { trustedRoot: readTrustedRootFile(join(ROOT, rootFile)) };
  if (key) opts.publicKey = loadPublicKey(readFileSync(join(ROOT, key.file), 'utf8'));
  if (r.identity !== '-') opts.identity = { subject: r.identity, issuer: r.issuer };
  return opts;
}

describe('the fixture table', () => {
  it('lists valid and invalid bundles, and every file it names exists', () => {
    expect(bundles.filter((b) => b.expected === 'valid').length).toBeGreaterThanOrEqual(8);
    expect(bundles.filter((b) => b.expected === 'invalid').length).toBeGreaterThanOrEqual(10);
    for (const r of rows) expect(existsSync(join(ROOT, r.file)), r.file).toBe(true);
  });
});

describe('Sigstore bundle fixtures, offline', () => {
  for (const r of bundles) {
    for (const rootFile of rootsFor(r)) {
      it(`${r.file} is ${r.expected} against ${rootFile}`, () => {
        const bundle = JSON.parse(readFileSync(join(ROOT, r.file), 'utf8'));
        const run = () => {
          // A corrupted key file is one way the wrong-key case fails; it must fail as a TrustError.
          const opts = optionsFor(r, rootFile);
          return verifyBundle(bundle, artifactFor(r), opts);
        };
        if (r.expected === 'valid') {
          const res = run();
          if (r.identity === '-') {
            expect(res.signer).toEqual({ key: true });
          } else {
            expect(res.signer).toEqual({ subject: r.identity, issuer: r.issuer });
          }
          // Every valid case carries a log entry; Rekor v2 entries have no integrated time.
          expect(res.tlogIndex).toMatch(/^\d+$/);
          expect(res.integratedTime ?? res.timestampAuthorityTime).toBeInstanceOf(Date);
        } else {
          let err: unknown;
          try {
            run();
          } catch (e) {
            err = e;
          }
          expect(err, 'should fail').toBeInstanceOf(TrustError);
          // The roots and bundles are well-formed; the failure must be a verification outcome.
          expect((err as TrustError).code).not.toBe('BAD_TRUSTED_ROOT');
          expect((err as TrustError).message).not.toMatch(/\n/);
        }
      });
    }
  }
});
