/**
 * Go regexp (RE2) semantics through the translation to JS. Expectations follow Go's regexp/syntax
 * documentation: what RE2 accepts and rejects, `.`/`\s` sets, flags, ReplaceAll's handling of
 * empty matches and Expand's `$name` rules (the `$1x` case is the example in Go's docs).
 */
import { describe, expect, it } from 'vitest';
import { GoRegexError, compileGoRegex, generateFromGoRegex, goRegexMatch, goRegexReplaceAll } from '../../../src/policy/variables/goregex.js';
import { wildcardMatch } from '../../../src/policy/variables/wildcard.js';
import { seeded } from './helpers.js';

describe('matching', () => {
  it.each([
    ['^[a-z0-9-]+$', 'web-1', true],
    ['^[a-z0-9-]+$', 'Web', false],
    ['(?i)^web$', 'WEB', true],
    ['^(?i:w)eb$', 'Web', true],
    ['^(?i:w)eb$', 'WEB', false],
    ['a.b', 'a\nb', false],
    ['(?s)a.b', 'a\nb', true],
    ['a.b', 'a\rb', true], // Go's . excludes only \n
    ['^\\s$', '\v', false], // RE2 \s is [\t\n\f\r ]
    ['^\\s$', '\u00a0', false],
    ['^\\d+$', '٣', false], // \d is ASCII
    ['^[[:alpha:]]+$', 'abcXYZ', true],
    ['^[[:^digit:]]+$', 'abc', true],
    ['^\\pL+$', 'héllo', true],
    ['^\\p{Greek}+$', 'αβγ', true],
    ['^\\PL$', '1', true],
    ['\\Qa.b\\E', 'a.b', true],
    ['\\Qa.b\\E', 'axb', false],
    ['^\\x{1F600}$', '😀', true],
    ['^.$', '😀', true], // one code point
    ['^[😀-😂]$', '😁', true],
    ['^[^a]$', '😀', true],
    ['\\Aab\\z', 'ab', true],
    ['ab$', 'ab\n', false], // $ without (?m) is the end of text
    ['(?m)^b$', 'a\nb\nc', true],
    ['x{2}', 'xx', true],
    ['x{', 'x{', true], // not a repeat: a literal brace
    ['a{,3}', 'a{,3}', true],
    ['[]a]', ']', true],
    ['[a-]', '-', true],
    ['\\-\\_\\:', '-_:', true],
    ['(?U)a+', 'aaa', true],
    ['\\101', 'A', true], // octal
    ['(?P<year>\\d{4})', '2024', true],
    ['(?<year>\\d{4})', '2024', true],
    ['\\bfoo\\b', 'a foo b', true],
    ['(?i)straße', 'STRASSE', false], // simple folding only, as RE2
    ['(?i)k', '\u212a', true], // Kelvin sign folds to k, as in Go
  ])('%s ~ %j → %s', (re, s, want) => {
    expect(goRegexMatch(re, s)).toBe(want);
  });

  it.each(['(?=a)', '(?!a)', '(?<=a)b', '(a)\\1', 'a**', '*a', 'a{1001}', '(a', 'a)', '[a', '\\q', '\\8', 'x{2,1}', '(?P<n>a)(?P<n>b)'])('rejects %s like RE2', (re) => {
    expect(() => compileGoRegex(re)).toThrow(GoRegexError);
  });

  it('stays fast on patterns that backtrack exponentially in JS', () => {
    const t = Date.now();
    expect(goRegexMatch('^(a+)+$', 'a'.repeat(40) + 'b')).toBe(false);
    expect(goRegexMatch('^(a|aa)*c$', 'a'.repeat(60))).toBe(false);
    expect(goRegexMatch('^([a-z0-9]+(-[a-z0-9]+)*\\.)+[a-z]{2,}$', 'a-'.repeat(5000) + '!')).toBe(false);
    expect(Date.now() - t).toBeLessThan(3000);
  });
});

describe('ReplaceAll', () => {
  it.each([
    ['a*', 'baaac', 'X', 'XbXcX'], // the empty match right after "aaa" is not replaced
    ['', 'abc', '-', '-a-b-c-'],
    ['(a)(b)', 'abab', '[$2$1]', '[ba][ba]'],
    ['(a)(b)', 'ab', '$1x', ''], // "$1x" names group "1x", which does not exist
    ['(a)(b)', 'ab', '${1}x', 'ax'],
    ['(?P<first>a)b', 'ab', '${first}!', 'a!'],
    ['a', 'a', '$$', '$'],
    ['a', 'a', '$', '$'],
    ['a', 'a', '${', '${'],
  ])('ReplaceAllString(%j, %j, %j)', (re, src, repl, want) => {
    expect(goRegexReplaceAll(re, src, repl, false)).toBe(want);
  });

  it('ReplaceAllLiteralString does not expand', () => {
    expect(goRegexReplaceAll('(a)', 'a', '$1', true)).toBe('$1');
  });
});

describe('random generation', () => {
  it('matches the pattern it came from', () => {
    const rand = seeded(3);
    for (const re of ['[a-z]{8}', '(foo|bar)-[0-9]+', '[A-F0-9]{4}(-[A-F0-9]{4}){3}', 'x?y*z+', '\\d{3}\\.\\w{2}']) {
      for (let i = 0; i < 20; i++) expect(goRegexMatch(`^(?:${re})$`, generateFromGoRegex(re, rand))).toBe(true);
    }
  });
});

describe('wildcards (go-wildcard v1.0.3)', () => {
  it.each([
    ['', '', true],
    ['', 'a', false],
    ['*', '', true],
    ['?', '', false],
    ['?', 'a', true],
    ['?*', '', false],
    ['?*', 'abc', true],
    ['a*c', 'abbbc', true],
    ['a*c', 'abbb', false],
    ['*.example.*', 'www.example.com', true],
    ['a?c', 'abc', true],
    ['a?c', 'ac', false],
    ['ñ?', 'ñé', true],
  ])('%j ~ %j → %s', (p, s, want) => {
    expect(wildcardMatch(p, s)).toBe(want);
  });

  it('is linear on many stars', () => {
    const t = Date.now();
    expect(wildcardMatch('*a'.repeat(30) + 'b', 'a'.repeat(5000))).toBe(false);
    expect(Date.now() - t).toBeLessThan(2000);
  });
});
