// The bytes cosign writes, reproduced: the simple-signing payload, the `.sig` config blob
// and manifest of a real cosign signature (dangerzone's, published), and the tag names.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TrustError } from '../../src/trust/errors.js';
import { createStatement } from '../../src/trust/attest-dsse.js';
import { CosignAnnotations, CosignMediaTypes, legacyConfig, legacyManifest, legacyTag, referrerManifest, referrersTag } from '../../src/trust/oci-store.js';
import { checkSimpleSigning, createSimpleSigning, goJsonString, parseSimpleSigning } from '../../src/trust/simple-signing.js';

const fx = join(import.meta.dirname, '..', 'fixtures', 'trust', 'oci', 'dangerzone');
const payload = readFileSync(join(fx, 'payload.json'));
const sigManifest = JSON.parse(readFileSync(join(fx, 'sig-manifest.json'), 'utf8')) as {
  config: { mediaType: string; size: number; digest: string };
  layers: Array<{ mediaType: string; size: number; digest: string; annotations: Record<string, string> }>;
};
const IMAGE = 'sha256:7396780b5862cf8b37527854a2a2331e5c746b6a71aa1f424258c3bfaf3a1bd7';
const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof TrustError ? e.code : `not a TrustError: ${String(e)}`;
  }
  return undefined;
}

describe('simple-signing payload', () => {
  it('is byte for byte the payload cosign signed for dangerzone', () => {
    const ours = createSimpleSigning('ghcr.io/freedomofpress/dangerzone/v1', IMAGE);
    expect(ours.equals(payload)).toBe(true);
    // …which is the layer blob the published manifest names.
    expect(sha(ours)).toBe(sigManifest.layers[0].digest);
    expect(ours.length).toBe(sigManifest.layers[0].size);
  });

  it('writes -a annotations as Go does: sorted keys, HTML-escaped strings', () => {
    const p = createSimpleSigning('r.example/a', IMAGE, { z: 'last', a: '<b>&' }).toString();
    expect(p).toBe(`{"critical":{"identity":{"docker-reference":"r.example/a"},"image":{"docker-manifest-digest":"${IMAGE}"},"type":"cosign container image signature"},"optional":{"a":"\\u003cb\\u003e\\u0026","z":"last"}}`);
    expect(parseSimpleSigning(Buffer.from(p)).optional).toEqual({ a: '<b>&', z: 'last' });
    expect(goJsonString('a\u2028\n"\\')).toBe('"a\\u2028\\n\\"\\\\"');
  });

  it('parses the fixture and checks the digest', () => {
    expect(checkSimpleSigning(payload, IMAGE)).toEqual({ dockerReference: 'ghcr.io/freedomofpress/dangerzone/v1', digest: IMAGE, optional: null });
    expect(codeOf(() => checkSimpleSigning(payload, sha('another image')))).toBe('WRONG_DIGEST');
  });

  it('refuses what is not a cosign payload', () => {
    expect(codeOf(() => parseSimpleSigning(Buffer.from('not json')))).toBe('BAD_BUNDLE');
    expect(codeOf(() => parseSimpleSigning(Buffer.from('[]')))).toBe('BAD_BUNDLE');
    const other = payload.toString().replace('cosign container image signature', 'atomic container signature');
    expect(codeOf(() => parseSimpleSigning(Buffer.from(other)))).toBe('BAD_BUNDLE');
    expect(codeOf(() => parseSimpleSigning(Buffer.from('{"critical":{"type":"cosign container image signature","image":{}}}')))).toBe('BAD_BUNDLE');
  });
});

describe('cosign on-registry layout', () => {
  it('names the tags as cosign does', () => {
    expect(legacyTag(IMAGE, 'sig')).toBe('sha256-7396780b5862cf8b37527854a2a2331e5c746b6a71aa1f424258c3bfaf3a1bd7.sig');
    expect(legacyTag(IMAGE, 'att')).toBe('sha256-7396780b5862cf8b37527854a2a2331e5c746b6a71aa1f424258c3bfaf3a1bd7.att');
    expect(referrersTag(IMAGE)).toBe('sha256-7396780b5862cf8b37527854a2a2331e5c746b6a71aa1f424258c3bfaf3a1bd7');
    expect(codeOf(() => legacyTag('sha512:' + 'a'.repeat(128), 'sig'))).toBe('BAD_BUNDLE');
  });

  it('rebuilds the published .sig manifest and its 233-byte config blob from the layer', () => {
    const layer = sigManifest.layers[0];
    const config = legacyConfig([layer]);
    expect(config.length).toBe(sigManifest.config.size);
    expect(sha(config)).toBe(sigManifest.config.digest);
    expect(config.equals(readFileSync(join(fx, 'config.json')))).toBe(true);
    const { manifest } = legacyManifest([layer]);
    expect(JSON.parse(manifest.toString())).toEqual(sigManifest);
    // The published manifest (sigstore.md 1.1): media types and annotation keys.
    expect(sigManifest.config.mediaType).toBe(CosignMediaTypes.ociConfig);
    expect(layer.mediaType).toBe(CosignMediaTypes.simpleSigning);
    expect(Object.keys(layer.annotations).sort()).toEqual([CosignAnnotations.signature, CosignAnnotations.bundle].sort());
  });

  it('grows the config with one history entry and diff_id per layer', () => {
    const a = { mediaType: CosignMediaTypes.simpleSigning, size: 3, digest: sha('abc') };
    const b = { mediaType: CosignMediaTypes.simpleSigning, size: 3, digest: sha('def') };
    const cfg = JSON.parse(legacyConfig([a, b]).toString()) as { history: unknown[]; rootfs: { diff_ids: string[] } };
    expect(cfg.history).toHaveLength(2);
    expect(cfg.rootfs.diff_ids).toEqual([a.digest, b.digest]);
  });

  it('builds the bundle referrer manifest with the image as subject', () => {
    const subject = { mediaType: CosignMediaTypes.ociManifest, size: 123, digest: IMAGE };
    const bundle = Buffer.from('{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}');
    const { manifest } = referrerManifest(subject, bundle, { [CosignAnnotations.bundleContent]: 'dsse-envelope' });
    const doc = JSON.parse(manifest.toString()) as Record<string, unknown>;
    expect(doc).toMatchObject({
      schemaVersion: 2,
      mediaType: CosignMediaTypes.ociManifest,
      artifactType: CosignMediaTypes.bundleV03,
      config: { mediaType: CosignMediaTypes.ociEmpty, size: 2, digest: sha('{}') },
      layers: [{ mediaType: CosignMediaTypes.bundleV03, size: bundle.length, digest: sha(bundle) }],
      subject,
    });
  });

  it('writes in-toto v1 statements about the digest', () => {
    const s = JSON.parse(createStatement(IMAGE, 'https://cyclonedx.org/bom', { bomFormat: 'CycloneDX' }, 'r.example/a').toString()) as Record<string, unknown>;
    expect(s).toEqual({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'r.example/a', digest: { sha256: IMAGE.slice(7) } }], predicateType: 'https://cyclonedx.org/bom', predicate: { bomFormat: 'CycloneDX' } });
  });
});
