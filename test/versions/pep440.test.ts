import { describe, expect, it } from 'vitest';
import { comparatorFor, pep440Comparator } from '../../src/versions/index.js';
import { checkFacts, pairsOfAscendingList, readFixture, readOrderingList, reportCounts } from './vectors.js';

const PY = 'pep440/test_version.py';
const source = readFixture(PY);
const lines = source.split('\n');

const NAMED_CHARS: Readonly<Record<string, string>> = { 'NARROW NO-BREAK SPACE': '\u202f', 'PARAGRAPH SEPARATOR': '\u2029' };

/** A Python string literal's value (the escapes test_version.py uses). */
function pyString(literal: string): string {
  return literal.slice(1, -1).replace(/\\(N\{[^}]+\}|u[0-9a-fA-F]{4}|.)/g, (_, e: string) => {
    if (e.startsWith('N{')) {
      const c = NAMED_CHARS[e.slice(2, -1)];
      if (c === undefined) throw new Error(`unknown \\N{} name ${e}`);
      return c;
    }
    if (e.startsWith('u')) return String.fromCharCode(parseInt(e.slice(1), 16));
    const simple: Record<string, string> = { n: '\n', t: '\t', '\\': '\\', '"': '"', "'": "'" };
    if (!(e in simple)) throw new Error(`unsupported escape \\${e}`);
    return simple[e];
  });
}

const PY_STRING = /"(?:[^"\\]|\\.)*"/g;

/** One test function: its name and the lines from its decorators to the end of its body. */
interface PyTest {
  name: string;
  from: number;
  to: number;
  text: string;
}

function pyTests(): PyTest[] {
  const defs = lines.flatMap((l, i) => {
    const m = /^(\s*)def (test_\w+)\(/.exec(l);
    return m ? [{ name: m[2], indent: m[1], line: i }] : [];
  });
  return defs.map((d, k) => {
    // Decorators of this test: the `@` lines (at its indent) after the previous test's def.
    const prev = k === 0 ? 0 : defs[k - 1].line + 1;
    let from = d.line;
    for (let i = prev; i < d.line; i++) {
      if (lines[i].startsWith(`${d.indent}@`)) {
        from = i;
        break;
      }
    }
    // The body runs from the end of the signature to the first line indented no deeper
    // than the def.
    let sigEnd = d.line;
    while (!/:\s*$/.test(lines[sigEnd])) sigEnd++;
    let to = sigEnd;
    for (let i = sigEnd + 1; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      if (lines[i].length - lines[i].trimStart().length <= d.indent.length) break;
      to = i;
    }
    return { name: d.name, from: from + 1, to: to + 1, text: lines.slice(from, to + 1).join('\n') };
  });
}

/** The module-level VERSIONS list, in its ascending order. */
function versionsList(): string[] {
  const start = lines.indexOf('VERSIONS = [');
  const end = lines.indexOf(']', start);
  return lines
    .slice(start + 1, end)
    .filter((l) => !/^\s*#/.test(l))
    .flatMap((l) => [...l.matchAll(PY_STRING)].map((m) => pyString(m[0])));
}

/**
 * Tests whose assertions are not orderings or validity: attributes of a parsed Version,
 * Python protocol details (hashing, pickling, NotImplemented, caching, dataclass
 * replace, construction from parts). The Comparator exposes none of these; the
 * orderings some of them touch in passing (1.0 < 2.0) are covered by VERSIONS.
 */
const NOT_ORDERING: ReadonlyArray<[RegExp, string]> = [
  [/^test_version_(public|base_version|epoch|release|local|pre|is_prerelease|dev|is_devrelease|post|is_postrelease)$/, 'asserts a Version attribute, which the Comparator does not expose'],
  [/^test_(major|minor|micro)_version$/, 'asserts a Version attribute'],
  [/^test_replace_/, 'Version.__replace__ API'],
  [/^test_pickle_/, 'pickling'],
  [/^test_(match_args|dunder_op_returns_notimplemented|compare_other|base_version_\w+|gt_with_cached_other|version_compare_with_base_version_subclass|version_ne_with_uncached_keys|version_le_with_uncached_keys|structures_shim_repr|trimmed_release_hash_\w+)$/, "Python protocol and key-cache paths of packaging's classes"],
  [/^test_(deprecated__version|hatchling_usage__version|from_parts|from_parts_rejects_non_str_pre_letter)$/, 'private or construction APIs'],
  [/^test_non_string_versions_raise_invalid_version$/, 'non-string inputs (None, int, list, bytes); the API takes strings'],
  [/^test_oversized_version_raises_valueerror$/, "Python's int max-str-digits limit, not a PEP 440 rule"],
];

describe('pep440 comparator on pypa/packaging test_version.py', () => {
  const VERSIONS = versionsList();
  const tests = pyTests();
  const byName = new Map(tests.map((t) => [t.name, t]));
  const text = (name: string): string => {
    const t = byName.get(name);
    if (!t) throw new Error(`${PY}: no ${name}`);
    return t.text;
  };

  it('VERSIONS: every pair in the listed order (test_comparison_true/false, test_valid_versions, test_version_hash)', () => {
    expect(VERSIONS.length).toBeGreaterThan(50);
    for (const v of VERSIONS) expect(pep440Comparator.isValid(v), v).toBe(true);
    reportCounts('pep440', 'test_version.py VERSIONS pairs', checkFacts(pep440Comparator, pairsOfAscendingList('VERSIONS', VERSIONS)));
  });

  it('test_invalid_versions and test_parse_raises: rejected', () => {
    const invalid = [...text('test_invalid_versions').matchAll(PY_STRING)].map((m) => pyString(m[0])).filter((s) => s !== 'version');
    invalid.push(...[...text('test_parse_raises').matchAll(PY_STRING)].map((m) => pyString(m[0])));
    expect(invalid.length).toBeGreaterThan(20);
    for (const v of invalid) expect(pep440Comparator.isValid(v), JSON.stringify(v)).toBe(false);
    console.log(`[vectors] pep440 test_version.py invalid: ${invalid.length} checked, 0 exceptions`);
  });

  it('test_normalized_versions and test_version_str_repr: each spelling equals its normal form', () => {
    let n = 0;
    for (const name of ['test_normalized_versions', 'test_version_str_repr']) {
      for (const m of text(name).matchAll(/\(\s*("(?:[^"\\]|\\.)*"),\s*("(?:[^"\\]|\\.)*")\s*\)/g)) {
        const [a, b] = [pyString(m[1]), pyString(m[2])];
        if (a === 'version') continue; // the parametrize header ("version", "normalized")
        expect(pep440Comparator.isValid(a), JSON.stringify(a)).toBe(true);
        expect(pep440Comparator.compare(a, b), `${JSON.stringify(a)} == ${b}`).toBe(0);
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
    console.log(`[vectors] pep440 test_version.py normalized/str_repr: ${n} checked, 0 exceptions`);
  });

  it('test_parse, test_version_rc_and_c_equals, test_version_hash_with_warm_key_cache', () => {
    const parsed = /parse\(("[^"]*")\)/.exec(text('test_parse'));
    expect(parsed && pep440Comparator.isValid(pyString(parsed[1]))).toBe(true);
    const eq = /assert Version\(("[^"]*")\) == Version\(("[^"]*")\)/.exec(text('test_version_rc_and_c_equals'));
    expect(eq).not.toBeNull();
    expect(pep440Comparator.compare(pyString(eq![1]), pyString(eq![2]))).toBe(0);
    const warm = text('test_version_hash_with_warm_key_cache');
    const v = /v = Version\(("[^"]*")\)/.exec(warm);
    const gt = /assert v > Version\(("[^"]*")\)/.exec(warm);
    expect(v && gt).toBeTruthy();
    expect(pep440Comparator.compare(pyString(v![1]), pyString(gt![1]))).toBeGreaterThan(0);
  });

  it('classifies every test function: checked above, or listed with the reason it is no ordering', () => {
    const checked = new Set([
      'test_parse',
      'test_parse_raises',
      'test_valid_versions',
      'test_invalid_versions',
      'test_normalized_versions',
      'test_version_str_repr',
      'test_version_rc_and_c_equals',
      'test_version_hash',
      'test_version_hash_with_warm_key_cache',
      'test_comparison_true',
      'test_comparison_false',
    ]);
    const unclassified = tests.filter((t) => !checked.has(t.name) && !NOT_ORDERING.some(([re]) => re.test(t.name))).map((t) => t.name);
    expect(unclassified).toEqual([]);
    const lineCount = (ts: PyTest[]): number => ts.reduce((n, t) => n + (t.to - t.from + 1), 0);
    const excepted = tests.filter((t) => !checked.has(t.name));
    console.log(`[vectors] pep440 test_version.py: ${checked.size} test functions checked, ${excepted.length} excepted (${lineCount(excepted)} lines; not orderings)`);
  });
});

describe('pep440 comparator on osv-scalibr lists', () => {
  it('holds every pypi-versions.txt line', () => {
    reportCounts('pep440', 'pypi-versions.txt', checkFacts(pep440Comparator, readOrderingList('pep440/pypi-versions.txt')));
  });

  it('holds every line of pypi-versions-generated.txt (packaging over real OSV versions)', () => {
    reportCounts('pep440', 'pypi-versions-generated.txt', checkFacts(pep440Comparator, readOrderingList('pep440/pypi-versions-generated.txt')));
  });

  it('puts a version packaging rejects before every valid one, and is what comparatorFor gives PyPI', () => {
    expect(pep440Comparator.compare('lolwat', '0.0.dev0')).toBeLessThan(0);
    expect(pep440Comparator.compare('0.0.dev0', 'lolwat')).toBeGreaterThan(0);
    expect(pep440Comparator.compare(' 1.0\n', '1.0')).toBe(0);
    expect(comparatorFor('PyPI')).toBe(pep440Comparator);
  });
});
