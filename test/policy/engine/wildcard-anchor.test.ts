import { describe, expect, it } from 'vitest';
import { parseAnchor, wildcardMatch } from '../../../src/policy/engine/index.js';

// kyverno ext/wildcard/match_test.go, TestMatch: the 52 cases, pattern/text/matched as written there.
const MATCH_CASES: Array<[string, string, boolean]> = [
  ['*', 's3:GetObject', true],
  ['', 's3:GetObject', false],
  ['', '', true],
  ['s3:*', 's3:ListMultipartUploadParts', true],
  ['s3:ListBucketMultipartUploads', 's3:ListBucket', false],
  ['s3:ListBucket', 's3:ListBucket', true],
  ['s3:ListBucketMultipartUploads', 's3:ListBucketMultipartUploads', true],
  ['my-bucket/oo*', 'my-bucket/oo', true],
  ['my-bucket/In*', 'my-bucket/India/Karnataka/', true],
  ['my-bucket/In*', 'my-bucket/Karnataka/India/', false],
  ['my-bucket/In*/Ka*/Ban', 'my-bucket/India/Karnataka/Ban', true],
  ['my-bucket/In*/Ka*/Ban', 'my-bucket/India/Karnataka/Ban/Ban/Ban/Ban/Ban', true],
  ['my-bucket/In*/Ka*/Ban', 'my-bucket/India/Karnataka/Area1/Area2/Area3/Ban', true],
  ['my-bucket/In*/Ka*/Ban', 'my-bucket/India/State1/State2/Karnataka/Area1/Area2/Area3/Ban', true],
  ['my-bucket/In*/Ka*/Ban', 'my-bucket/India/Karnataka/Bangalore', false],
  ['my-bucket/In*/Ka*/Ban*', 'my-bucket/India/Karnataka/Bangalore', true],
  ['my-bucket/*', 'my-bucket/India', true],
  ['my-bucket/oo*', 'my-bucket/odo', false],
  ['my-bucket?/abc*', 'mybucket/abc', false],
  ['my-bucket?/abc*', 'my-bucket1/abc', true],
  ['my-?-bucket/abc*', 'my--bucket/abc', false],
  ['my-?-bucket/abc*', 'my-1-bucket/abc', true],
  ['my-?-bucket/abc*', 'my-k-bucket/abc', true],
  ['my??bucket/abc*', 'mybucket/abc', false],
  ['my??bucket/abc*', 'my4abucket/abc', true],
  ['my-bucket?abc*', 'my-bucket/abc', true],
  ['my-bucket/abc?efg', 'my-bucket/abcdefg', true],
  ['my-bucket/abc?efg', 'my-bucket/abc/efg', true],
  ['my-bucket/abc????', 'my-bucket/abc', false],
  ['my-bucket/abc????', 'my-bucket/abcde', false],
  ['my-bucket/abc????', 'my-bucket/abcdefg', true],
  ['my-bucket/abc?', 'my-bucket/abc', false],
  ['my-bucket/abc?', 'my-bucket/abcd', true],
  ['my-bucket/abc?', 'my-bucket/abcde', false],
  ['my-bucket/mnop*?', 'my-bucket/mnop', false],
  ['my-bucket/mnop*?', 'my-bucket/mnopqrst/mnopqr', true],
  ['my-bucket/mnop*?', 'my-bucket/mnopqrst/mnopqrs', true],
  ['my-bucket/mnop*?', 'my-bucket/mnop', false],
  ['my-bucket/mnop*?', 'my-bucket/mnopq', true],
  ['my-bucket/mnop*?', 'my-bucket/mnopqr', true],
  ['my-bucket/mnop*?and', 'my-bucket/mnopqand', true],
  ['my-bucket/mnop*?and', 'my-bucket/mnopand', false],
  ['my-bucket/mnop*?and', 'my-bucket/mnopqand', true],
  ['my-bucket/mnop*?', 'my-bucket/mn', false],
  ['my-bucket/mnop*?', 'my-bucket/mnopqrst/mnopqrs', true],
  ['my-bucket/mnop*??', 'my-bucket/mnopqrst', true],
  ['my-bucket/mnop*qrst', 'my-bucket/mnopabcdegqrst', true],
  ['my-bucket/mnop*?and', 'my-bucket/mnopqand', true],
  ['my-bucket/mnop*?and', 'my-bucket/mnopand', false],
  ['my-bucket/mnop*?and?', 'my-bucket/mnopqanda', true],
  ['my-bucket/mnop*?and', 'my-bucket/mnopqanda', false],
  ['my-?-bucket/abc*', 'my-bucket/mnopqanda', false],
];

describe('ext/wildcard/match_test.go TestMatch', () => {
  it.each(MATCH_CASES.map((c, i) => [i + 1, ...c] as const))('case-%i: %s vs %s', (_i, pattern, text, matched) => {
    expect(wildcardMatch(pattern, text)).toBe(matched);
  });

  it('counts characters, not UTF-16 units (Go iterates runes)', () => {
    expect(wildcardMatch('a?c', 'a😀c')).toBe(true);
    expect(wildcardMatch('a??c', 'a😀c')).toBe(false);
  });

  it('stays linear-ish on a hostile pattern', () => {
    const t0 = Date.now();
    expect(wildcardMatch('*a*a*a*a*a*a*a*b', 'a'.repeat(20000))).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('pkg/engine/anchor/anchor_test.go', () => {
  const kind = (s: string): string | undefined => parseAnchor(s)?.kind;
  it('TestWrappedWithParentheses_*', () => {
    expect(kind('(something)')).toBe('condition');
    expect(kind('()')).toBeUndefined();
    expect(kind('something')).toBeUndefined();
    expect(kind('(something')).toBeUndefined();
    expect(kind('something)')).toBeUndefined();
    expect(kind('so)m(et(hin)g')).toBeUndefined();
    expect(kind('')).toBeUndefined();
  });
  it('TestIsExistence_*', () => {
    expect(kind('^(abc)')).toBe('existence');
    expect(kind('^(abc')).toBeUndefined();
    expect(kind('^abc')).toBeUndefined();
    expect(kind('(abc)')).not.toBe('existence');
  });
  it('TestIsEquality*', () => {
    expect(kind('=(abc)')).toBe('equality');
    expect(kind('=(abc')).toBeUndefined();
    expect(kind('=abc')).toBeUndefined();
  });
  it('TestIsAddition_*', () => {
    expect(kind('+(abc)')).toBe('add');
    expect(kind('+(abc')).toBeUndefined();
    expect(kind('+abc')).toBeUndefined();
  });
  it('TestIsNegation_*', () => {
    expect(kind('X(abc)')).toBe('negation');
    expect(kind('X(abc')).toBeUndefined();
    expect(kind('Xabc')).toBeUndefined();
  });
  it('TestIsGlobal_*', () => {
    expect(kind('<(abc)')).toBe('global');
    expect(kind('<(abc')).toBeUndefined();
    expect(kind('<abc')).toBeUndefined();
  });
  it('TestIsConditionAnchor_*', () => {
    expect(kind('(abc)')).toBe('condition');
    expect(kind('(abc')).toBeUndefined();
    expect(kind('abc')).toBeUndefined();
  });
  it('keeps the key, and trims surrounding space as anchor.Parse does', () => {
    expect(parseAnchor(' =(app.kubernetes.io/name) ')).toEqual({ kind: 'equality', key: 'app.kubernetes.io/name', modifier: '=' });
  });
});
