import { describe, expect, it } from 'vitest';
import { globMatch, imageAllowed, normalizeImage, parseRegistryList, registryPatterns } from '../../src/config/registries.js';
import { isDockerfileName } from '../../src/config/walk.js';

describe('--allowed-registries entries', () => {
  it('become glob patterns over the normalized reference', () => {
    expect(registryPatterns(['ghcr.io/acme', 'https://Registry.Example.com:5000/', 'index.docker.io', '*.pkg.dev/*'])).toEqual([
      '*.pkg.dev/*',
      'docker.io/*',
      'ghcr.io/acme/*',
      'ghcr.io/acme:*',
      'ghcr.io/acme@*',
      'registry.example.com:5000/*',
    ]);
  });

  it('reject what is not a registry, and an empty list', () => {
    expect(() => registryPatterns(['ghcr.io/acme app'])).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    expect(() => parseRegistryList(' , ')).toThrow(expect.objectContaining({ code: 'BAD_OPTION' }));
    expect(parseRegistryList('docker.io, ghcr.io/acme')).toEqual(['docker.io', 'ghcr.io/acme']);
  });

  it.each([
    ['nginx', ['docker.io'], true],
    ['library/nginx:1.27', ['docker.io/library'], true],
    ['acme/app', ['docker.io/library'], false],
    ['ghcr.io/acme/app:1', ['ghcr.io/acme/app'], true],
    ['ghcr.io/acme/app-evil:1', ['ghcr.io/acme/app'], false],
    ['docker.io.evil.example/x', ['docker.io'], false],
    ['localhost:5000/app', ['localhost'], false],
    ['localhost:5000/app', ['localhost:5000'], true],
    ['europe-docker.pkg.dev/p/r/app', ['*.pkg.dev'], true],
  ])('%s with %j → %s', (image, entries, want) => {
    expect(imageAllowed(image, registryPatterns(entries))).toBe(want);
  });

  it('normalizes as Docker does', () => {
    expect(normalizeImage('nginx')).toBe('docker.io/library/nginx:latest');
    expect(normalizeImage('Not Valid')).toBeUndefined();
  });

  it('globs: * any run (slashes too), ? one character', () => {
    expect(globMatch('a*c', 'a/b/c')).toBe(true);
    expect(globMatch('a?c', 'abc')).toBe(true);
    expect(globMatch('a?c', 'ac')).toBe(false);
    expect(globMatch('*', '')).toBe(true);
    expect(globMatch('a*b*c*d', 'a'.repeat(5000))).toBe(false);
  });
});

describe('Dockerfile names', () => {
  it.each([
    ['Dockerfile', true],
    ['dockerfile', true],
    ['Containerfile', true],
    ['app.Dockerfile', true],
    ['Dockerfile.dev', true],
    ['Dockerfile.md', false],
    ['.dockerignore', false],
    ['docker-compose.yaml', false],
  ])('%s → %s', (name, want) => {
    expect(isDockerfileName(`dir/${name}`)).toBe(want);
  });
});
