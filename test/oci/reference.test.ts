// Reference parsing, checked against cases taken from the docker/distribution reference
// package tests (github.com/distribution/reference, Apache-2.0):
//   - reference_test.go TestReferenceParse: the grammar cases (inputs and the domain /
//     repository / tag / digest each must yield). Those tests call Parse (no
//     normalization); we call the normalizing parser, so where Parse leaves the domain
//     empty the expectation below adds docker.io (+ library/ for a single component), as
//     normalize.go's splitDockerDomain does.
//   - normalize_test.go TestValidateReferenceName, TestValidateRemoteName,
//     TestParseRepositoryInfo (familiar/full names), TestParseReferenceWithTagAndDigest,
//     TestNormalizedSplitHostname.
import { describe, expect, it } from 'vitest';
import { familiarName, familiarString, formatReference, isValidDigest, parseReference } from '../../src/oci/index.js';
import { OciError } from '../../src/oci/types.js';

const F64 = 'f'.repeat(64);
const F128 = 'f'.repeat(128);

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof OciError ? e.code : 'not an OciError';
  }
  return undefined;
}

// [input, registry, repository, tag, digest] — from TestReferenceParse, normalized.
const parseCases: Array<[string, string, string, string | undefined, string | undefined]> = [
  ['test_com', 'docker.io', 'library/test_com', 'latest', undefined],
  ['test.com:tag', 'docker.io', 'library/test.com', 'tag', undefined],
  ['test.com:5000', 'docker.io', 'library/test.com', '5000', undefined],
  ['test.com/repo:tag', 'test.com', 'repo', 'tag', undefined],
  ['test:5000/repo', 'test:5000', 'repo', 'latest', undefined],
  ['test:5000/repo:tag', 'test:5000', 'repo', 'tag', undefined],
  [`test:5000/repo@sha256:${F64}`, 'test:5000', 'repo', undefined, `sha256:${F64}`],
  [`test:5000/repo:tag@sha256:${F64}`, 'test:5000', 'repo', 'tag', `sha256:${F64}`],
  ['lowercase:Uppercase', 'docker.io', 'library/lowercase', 'Uppercase', undefined],
  ['sub-dom1.foo.com/bar/baz/quux', 'sub-dom1.foo.com', 'bar/baz/quux', 'latest', undefined],
  ['sub-dom1.foo.com/bar/baz/quux:some-long-tag', 'sub-dom1.foo.com', 'bar/baz/quux', 'some-long-tag', undefined],
  ['b.gcr.io/test.example.com/my-app:test.example.com', 'b.gcr.io', 'test.example.com/my-app', 'test.example.com', undefined],
  ['xn--n3h.com/myimage:xn--n3h.com', 'xn--n3h.com', 'myimage', 'xn--n3h.com', undefined],
  [`xn--7o8h.com/myimage:xn--7o8h.com@sha512:${F128}`, 'xn--7o8h.com', 'myimage', 'xn--7o8h.com', `sha512:${F128}`],
  ['foo_bar.com:8080', 'docker.io', 'library/foo_bar.com', '8080', undefined],
  // "foo" has no '.' or ':' so it is a Docker Hub namespace, not a registry.
  ['foo/foo_bar.com:8080', 'docker.io', 'foo/foo_bar.com', '8080', undefined],
  ['192.168.1.1', 'docker.io', 'library/192.168.1.1', 'latest', undefined],
  ['192.168.1.1:tag', 'docker.io', 'library/192.168.1.1', 'tag', undefined],
  ['192.168.1.1:5000', 'docker.io', 'library/192.168.1.1', '5000', undefined],
  ['192.168.1.1/repo', '192.168.1.1', 'repo', 'latest', undefined],
  ['192.168.1.1:5000/repo', '192.168.1.1:5000', 'repo', 'latest', undefined],
  ['192.168.1.1:5000/repo:5050', '192.168.1.1:5000', 'repo', '5050', undefined],
  ['[2001:db8::1]/repo', '[2001:db8::1]', 'repo', 'latest', undefined],
  ['[2001:db8:1:2:3:4:5:6]/repo:tag', '[2001:db8:1:2:3:4:5:6]', 'repo', 'tag', undefined],
  ['[2001:db8::1]:5000/repo', '[2001:db8::1]:5000', 'repo', 'latest', undefined],
  ['[2001:db8::1]:5000/repo:tag', '[2001:db8::1]:5000', 'repo', 'tag', undefined],
  [`[2001:db8::1]:5000/repo@sha256:${F64}`, '[2001:db8::1]:5000', 'repo', undefined, `sha256:${F64}`],
  [`[2001:db8::1]:5000/repo:tag@sha256:${F64}`, '[2001:db8::1]:5000', 'repo', 'tag', `sha256:${F64}`],
  ['[2001:db8::]:5000/repo', '[2001:db8::]:5000', 'repo', 'latest', undefined],
  ['[::1]:5000/repo', '[::1]:5000', 'repo', 'latest', undefined],
  // TestNormalizedSplitHostname
  ['test.com/foo', 'test.com', 'foo', 'latest', undefined],
  ['test_com/foo', 'docker.io', 'test_com/foo', 'latest', undefined],
  ['docker/migrator', 'docker.io', 'docker/migrator', 'latest', undefined],
  ['test.com:8080/foo', 'test.com:8080', 'foo', 'latest', undefined],
  ['test-com:8080/foo', 'test-com:8080', 'foo', 'latest', undefined],
  ['foo', 'docker.io', 'library/foo', 'latest', undefined],
  ['xn--n3h.com:18080/foo', 'xn--n3h.com:18080', 'foo', 'latest', undefined],
  ['docker.io/foo', 'docker.io', 'library/foo', 'latest', undefined],
  ['docker.io/library/foo', 'docker.io', 'library/foo', 'latest', undefined],
  ['docker.io/library/foo/bar', 'docker.io', 'library/foo/bar', 'latest', undefined],
  // The brief's cases.
  ['nginx', 'docker.io', 'library/nginx', 'latest', undefined],
  ['user/app', 'docker.io', 'user/app', 'latest', undefined],
  ['localhost/app', 'localhost', 'app', 'latest', undefined],
  ['localhost:5000/team/app:v1', 'localhost:5000', 'team/app', 'v1', undefined],
  ['index.docker.io/library/debian', 'docker.io', 'library/debian', 'latest', undefined],
  ['index.docker.io/debian', 'docker.io', 'library/debian', 'latest', undefined],
];

// Invalid inputs from TestReferenceParse (errors) and TestValidateReferenceName /
// TestValidateRemoteName (invalid names).
const invalidCases: string[] = [
  '',
  ':justtag',
  `@sha256:${F64}`,
  'repo@sha256:' + 'f'.repeat(34),
  `validname@invaliddigest:${F64}`,
  'Uppercase:tag',
  'test:5000/Uppercase/lowercase:tag',
  'a/'.repeat(128) + 'a:tag',
  // Valid for Parse (255 characters, domain "a"), but "a" is not a registry, so the
  // normalized name docker.io/a/a/… exceeds NameTotalLengthMax.
  'a/'.repeat(127) + 'a:tag-puts-this-over-max',
  'aa/asdf$$^/aa',
  '[2001:db8::1]',
  '[2001:db8::1]:5000',
  '[2001:db8::1]:tag',
  '[fe80::1%eth0]:5000/repo',
  '[fe80::1%@invalidzone]:5000/repo',
  'https://github.com/docker/docker',
  'docker/Docker',
  '-docker',
  '-docker/docker',
  '-docker.io/docker/docker',
  'docker///docker',
  'docker.io/docker/Docker',
  'docker.io/docker///docker',
  '1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a',
  'docker-/docker',
  '-docker-/docker',
  '____/____',
  '_docker/_docker',
  'dock..er/docker',
  'dock_.er/docker',
  'dock-.er/docker',
  'docker/',
  'this_is_not_a_valid_namespace_because_its_lenth_is_greater_than_255_'.repeat(4) + '/docker',
  // Our own additions: tag grammar and digest validation.
  'nginx:' + 'a'.repeat(129),
  'nginx:-tag',
  'nginx@sha256:' + 'F'.repeat(64),
  'nginx@md5:' + 'f'.repeat(32),
];

describe('parseReference', () => {
  it.each(parseCases)('%s', (input, registry, repository, tag, digest) => {
    const ref = parseReference(input);
    expect(ref).toEqual({ registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) });
    // The normalized form parses back to itself.
    expect(parseReference(formatReference(ref))).toEqual(ref);
  });

  it.each(invalidCases.map((c) => [c]))('rejects %s', (input) => {
    expect(codeOf(() => parseReference(input))).toBe('INVALID_REFERENCE');
  });

  it('accepts names distribution accepts (TestValidateReferenceName, TestValidateRemoteName)', () => {
    for (const name of [
      'docker/docker', 'library/debian', 'debian', 'docker.io/docker/docker', 'docker.io/library/debian', 'docker.io/debian',
      'index.docker.io/docker/docker', 'index.docker.io/library/debian', 'index.docker.io/debian', '127.0.0.1:5000/docker/docker',
      '127.0.0.1:5000/library/debian', '127.0.0.1:5000/debian', 'thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev',
      'docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a', 'docker-rules/docker', 'docker---rules/docker',
      'doc/docker', 'd/docker', 'jess/t', 'dock__er/docker',
    ]) {
      expect(codeOf(() => parseReference(name)), name).toBeUndefined();
    }
  });

  it('keeps tag and digest together (TestParseReferenceWithTagAndDigest)', () => {
    const short = 'busybox:latest@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa';
    const ref = parseReference(short);
    expect(formatReference(ref)).toBe('docker.io/library/' + short);
    expect(familiarString(ref)).toBe(short);
  });

  it('adds no default tag to a digest-only reference', () => {
    const ref = parseReference(`redis@sha256:${'d'.repeat(64)}`);
    expect(ref.tag).toBeUndefined();
    expect(formatReference(ref)).toBe(`docker.io/library/redis@sha256:${'d'.repeat(64)}`);
  });

  it('does not backtrack catastrophically on long near-miss names', () => {
    const t0 = performance.now();
    expect(codeOf(() => parseReference('a'.repeat(200) + '-'.repeat(200) + '!'))).toBe('INVALID_REFERENCE');
    expect(codeOf(() => parseReference('a-'.repeat(120) + '_'))).toBe('INVALID_REFERENCE');
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

// TestParseRepositoryInfo: each of the familiar, full and ambiguous spellings yields the
// same familiar and full names.
const repoInfo: Array<{ familiar: string; full: string; ambiguous?: string }> = [
  { familiar: 'fooo/bar', full: 'docker.io/fooo/bar', ambiguous: 'index.docker.io/fooo/bar' },
  { familiar: 'ubuntu', full: 'docker.io/library/ubuntu', ambiguous: 'library/ubuntu' },
  { familiar: 'nonlibrary/ubuntu', full: 'docker.io/nonlibrary/ubuntu' },
  { familiar: 'other/library', full: 'docker.io/other/library' },
  { familiar: '127.0.0.1:8000/private/moonbase', full: '127.0.0.1:8000/private/moonbase' },
  { familiar: '127.0.0.1:8000/privatebase', full: '127.0.0.1:8000/privatebase' },
  { familiar: 'example.com/private/moonbase', full: 'example.com/private/moonbase' },
  { familiar: 'example.com/privatebase', full: 'example.com/privatebase' },
  { familiar: 'example.com:8000/private/moonbase', full: 'example.com:8000/private/moonbase' },
  { familiar: 'example.com:8000/privatebasee', full: 'example.com:8000/privatebasee' },
  { familiar: 'ubuntu-12.04-base', full: 'docker.io/library/ubuntu-12.04-base', ambiguous: 'index.docker.io/library/ubuntu-12.04-base' },
  { familiar: 'foo', full: 'docker.io/library/foo', ambiguous: 'docker.io/foo' },
  { familiar: 'library/foo/bar', full: 'docker.io/library/foo/bar' },
  { familiar: 'store/foo/bar', full: 'docker.io/store/foo/bar' },
];

describe('familiarName / formatReference (TestParseRepositoryInfo)', () => {
  it.each(repoInfo)('$full', ({ familiar, full, ambiguous }) => {
    for (const spelling of [familiar, full, ...(ambiguous ? [ambiguous] : [])]) {
      const ref = parseReference(spelling);
      expect(familiarName(ref)).toBe(familiar);
      expect(formatReference(ref)).toBe(full + ':latest');
    }
  });
});

describe('isValidDigest', () => {
  it('follows go-digest: registered algorithm, exact lowercase hex length', () => {
    expect(isValidDigest(`sha256:${F64}`)).toBe(true);
    expect(isValidDigest(`sha512:${F128}`)).toBe(true);
    expect(isValidDigest(`sha512:${F64}`)).toBe(false);
    expect(isValidDigest(`sha256:${'F'.repeat(64)}`)).toBe(false);
    expect(isValidDigest(F64)).toBe(false);
    expect(isValidDigest(`sha256:../../${F64}`)).toBe(false);
  });
});
