// Small pure pieces: WWW-Authenticate parsing, platform matching, manifest validation.
import { describe, expect, it } from 'vitest';
import { hostPlatform, MediaTypes, OciError, parseChallenge, parseManifest, parsePlatform, selectPlatform, type Descriptor } from '../../src/oci/index.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof OciError ? e.code : 'not an OciError';
  }
  return undefined;
}

describe('parseChallenge', () => {
  it('reads Bearer parameters, with commas and escapes inside quotes (RFC 7235)', () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:samalba/my-app:pull,push' },
    });
    expect(parseChallenge('Basic realm="Registry \\"realm\\""')).toEqual({ scheme: 'basic', params: { realm: 'Registry "realm"' } });
    expect(parseChallenge('Bearer realm=https://t.example/token, service=reg')).toEqual({ scheme: 'bearer', params: { realm: 'https://t.example/token', service: 'reg' } });
    expect(parseChallenge('')).toBeUndefined();
  });
});

describe('platforms', () => {
  const d = (architecture: string, variant?: string, os = 'linux'): Descriptor => ({
    mediaType: MediaTypes.ociManifest, digest: `sha256:${(architecture + (variant ?? '')).padEnd(64, '0').replace(/[^a-f0-9]/g, 'a')}`, size: 1,
    platform: { os, architecture, ...(variant ? { variant } : {}) },
  });
  const index = [d('amd64'), d('arm', 'v6'), d('arm', 'v7'), d('arm64', 'v8'), d('unknown', undefined, 'unknown')];

  it('matches os/arch, honours a requested variant, and treats arm64 as arm64/v8', () => {
    expect(selectPlatform(index, { os: 'linux', architecture: 'amd64' }, 'x')).toBe(index[0]);
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v7' }, 'x')).toBe(index[2]);
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm' }, 'x')).toBe(index[1]);
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm64' }, 'x')).toBe(index[3]);
    expect(selectPlatform([d('arm64')], { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'x').platform?.architecture).toBe('arm64');
    expect(codeOf(() => selectPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v5' }, 'x'))).toBe('NO_MATCHING_PLATFORM');
    expect(codeOf(() => selectPlatform(index, { os: 'windows', architecture: 'amd64' }, 'x'))).toBe('NO_MATCHING_PLATFORM');
  });

  it('parses os/arch[/variant] and names the host as image indexes do', () => {
    expect(parsePlatform('linux/arm64/v8')).toEqual({ os: 'linux', architecture: 'arm64', variant: 'v8' });
    expect(codeOf(() => parsePlatform('linux'))).toBe('NO_MATCHING_PLATFORM');
    const want: Record<string, string> = { x64: 'amd64', arm64: 'arm64' };
    if (want[process.arch]) expect(hostPlatform()).toEqual({ os: 'linux', architecture: want[process.arch] });
  });
});

describe('parseManifest', () => {
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const cfg = { mediaType: MediaTypes.ociConfig, digest: `sha256:${'a'.repeat(64)}`, size: 2 };

  it('refuses Docker schema 1 and unknown types, and bad descriptors', () => {
    expect(codeOf(() => parseManifest(json({ schemaVersion: 1, name: 'x', fsLayers: [] }), 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'x'))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(codeOf(() => parseManifest(json({ schemaVersion: 1, name: 'x' }), undefined, 'x'))).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(codeOf(() => parseManifest(json({ schemaVersion: 2, config: { ...cfg, digest: 'sha256:../../etc/passwd' }, layers: [] }), undefined, 'x'))).toBe('INVALID_MANIFEST');
    expect(codeOf(() => parseManifest(json({ schemaVersion: 2, config: { ...cfg, size: -1 }, layers: [] }), undefined, 'x'))).toBe('INVALID_MANIFEST');
    expect(codeOf(() => parseManifest(Buffer.from('{"schemaVersion":2,'), undefined, 'x'))).toBe('INVALID_MANIFEST');
    expect(codeOf(() => parseManifest(json({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] }), MediaTypes.ociManifest, 'x'))).toBe('INVALID_MANIFEST');
  });

  it('tells an OCI manifest from an index when mediaType is omitted', () => {
    expect(parseManifest(json({ schemaVersion: 2, config: cfg, layers: [] }), 'application/json', 'x').kind).toBe('manifest');
    expect(parseManifest(json({ schemaVersion: 2, manifests: [] }), undefined, 'x').kind).toBe('index');
  });
});
