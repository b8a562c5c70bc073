/**
 * Kyverno's JMESPath semantics: where a missing key is a NotFound error and where it is
 * swallowed (kyverno pkg/engine/jmespath/interpreter.go), `||` defaults, the fork's syntax,
 * standard functions with go-jmespath's behaviour, and the bounds on untrusted expressions.
 */
import { describe, expect, it } from 'vitest';
import { compileExpression, evaluate } from '../../../src/policy/variables/jmespath.js';
import { Budget, JpLimitError, JpNotFound, JpRuntimeError, JpSyntaxError } from '../../../src/policy/variables/jp-common.js';
import { buildContext, checkExpression, search } from '../../../src/policy/variables/index.js';
import { PolicyError } from '../../../src/policy/types.js';
import { FIXED_NOW, jp, jpError, seeded } from './helpers.js';

const data = {
  a: { b: 'x', n: null, list: [{ k: 1 }, { k: 2, v: 'y' }], map: { p: 1, q: 2 }, s: 'str', empty: '' },
  nums: [3, 1, 2],
};

describe('missing keys', () => {
  it('a missing map key in a path is NotFound', () => {
    const e = jpError('a.missing', data);
    expect(e).toBeInstanceOf(JpNotFound);
    expect(e.message).toBe('Unknown key "missing" in path');
    expect(jpError('missing', data)).toBeInstanceOf(JpNotFound);
    expect(jpError('a.missing.deeper', data)).toBeInstanceOf(JpNotFound);
  });

  it('a field of null or of a non-map is null, not NotFound', () => {
    expect(jp('a.n.x', data)).toBeNull();
    expect(jp('a.s.x', data)).toBeNull();
    expect(jp('a.list.k', data)).toBeNull();
    expect(jp('a.list[5]', data)).toBeNull();
  });

  it('is swallowed in function arguments', () => {
    expect(jp('length(a.missing || `[]`)', data)).toBe(0);
    expect(jp('not_null(a.missing, a.b)', data)).toBe('x');
    expect(jp('type(a.missing)', data)).toBe('null');
    // …so a typed function then sees null and fails on the type, not on the key
    expect(jpError('to_upper(a.missing)', data)).toBeInstanceOf(JpRuntimeError);
  });

  it('is swallowed in projections and filters', () => {
    expect(jp('a.list[*].v', data)).toEqual(['y']);
    expect(jp('a.list[?v].k', data)).toEqual([2]);
    expect(jp("a.list[?v == 'y'].k", data)).toEqual([2]);
    expect(jp('missing[*].x', data)).toBeNull();
    expect(jp('missing[?x]', data)).toBeNull();
    expect(jp('missing.*', data)).toBeNull();
    expect(jp('missing[]', data)).toBeNull();
    expect(jp('a.map.*', data)).toEqual([1, 2]);
  });

  it('is swallowed in multi-selects, comparisons, negation and pipes', () => {
    expect(jp('[a.b, a.missing]', data)).toEqual(['x', null]);
    expect(jp('{x: a.b, y: a.missing}', data)).toEqual({ x: 'x', y: null });
    expect(jp('a.missing == `null`', data)).toBe(true);
    expect(jp('!(a.missing)', data)).toBe(true);
    expect(jp('!a.missing', data)).toBeNull(); // `!` binds tighter than `.`: (!a).missing
    expect(jp('a.missing | length(@ || `[]`)', data)).toBe(0);
  });

  it('|| treats NotFound on the left as null, and null, "", [], {}, false fall through', () => {
    expect(jp("a.missing || 'default'", data)).toBe('default');
    expect(jp("a.n || 'default'", data)).toBe('default');
    expect(jp("a.empty || 'default'", data)).toBe('default');
    expect(jp("`[]` || 'default'", data)).toBe('default');
    expect(jp("`{}` || 'default'", data)).toBe('default');
    expect(jp("`false` || 'default'", data)).toBe('default');
    expect(jp("`0` || 'default'", data)).toBe(0);
    expect(jp("a.b || 'default'", data)).toBe('x');
    expect(jp('a.missing || a.alsoMissing', data)).toBeNull();
  });

  it('&& swallows NotFound on the left only', () => {
    expect(jp('a.missing && a.b', data)).toBeNull();
    expect(jpError('a.b && a.missing', data)).toBeInstanceOf(JpNotFound);
  });

  it('expression references see NotFound as null', () => {
    expect(jp('map(&v, a.list)', data)).toEqual([null, 'y']);
  });
});

describe('syntax', () => {
  it.each(['a - b', 'foo-bar', '$', 'let $x = a in $x', 'a ? b : c', '`foo`', 'a[', 'a.', '-1'])('%s is not Kyverno JMESPath', (expr) => {
    expect(() => compileExpression(expr)).toThrow(JpSyntaxError);
  });

  it('checkExpression raises PolicyError JMESPATH with the reason', () => {
    expect(() => checkExpression('a.')).toThrow(PolicyError);
    try {
      checkExpression('foo-bar');
    } catch (e) {
      expect((e as PolicyError).code).toBe('JMESPATH');
      expect((e as PolicyError).message).toContain('arithmetic');
    }
    expect(() => checkExpression("request.object.metadata.labels.\"app.kubernetes.io/name\" || 'x'")).not.toThrow();
  });

  it('compiles once per text', () => {
    expect(compileExpression('a.b.c')).toBe(compileExpression('a.b.c'));
  });

  it('an unknown function is an evaluation error', () => {
    expect(jpError('nope(a)', data)).toBeInstanceOf(JpRuntimeError);
  });
});

describe('standard functions (go-jmespath)', () => {
  it.each([
    ['length(`"héllo"`)', 5],
    ['reverse(`"abc"`)', 'cba'],
    ['sort(nums)', [1, 2, 3]],
    ["sort(['b', 'a', 'C'])", ['C', 'a', 'b']],
    ['max(nums)', 3],
    ['min(`[]`)', null],
    ['avg(nums)', 2],
    ['sum(nums)', 6],
    ['keys(a.map)', ['p', 'q']],
    ['values(a.map)', [1, 2]],
    ['sort_by(a.list, &k)[].k', [1, 2]],
    ['max_by(a.list, &k).k', 2],
    ['min_by(a.list, &k).k', 1],
    ["join('-', ['a', 'b'])", 'a-b'],
    ["contains(['a', 'b'], 'b')", true],
    ["contains('abc', 'bc')", true],
    ["contains('abc', `1`)", false],
    ['merge(`{"a":1}`, `{"a":2,"b":3}`)', { a: 2, b: 3 }],
    ["to_number('1e3')", 1000],
    ["to_number('abc')", null],
    ['to_string(`1.5`)', '1.5'],
    ['to_array(`1`)', [1]],
    ['not_null(`null`, `2`)', 2],
    ['abs(`-2`)', 2],
    ['ceil(`1.2`)', 2],
    ['floor(`1.8`)', 1],
    ["starts_with('kyverno', 'ky')", true],
    ["ends_with('kyverno', 'no')", true],
    ['a.list[-1].k', 2],
    ['nums[::-1]', [2, 1, 3]],
    ['a.s[1:3]', 'tr'],
  ])('%s', (expr, want) => {
    expect(jp(expr, data)).toEqual(want);
  });

  it('to_string is Go json.Marshal: sorted keys, HTML-safe', () => {
    expect(jp('to_string(`{"b":1,"a":"<&>"}`)')).toBe('{"a":"\\u003c\\u0026\\u003e","b":1}');
  });

  it('contains cannot compare two objects, as Go\'s == cannot', () => {
    expect(jpError('contains(a.list, `{"k":1}`)', data)).toBeInstanceOf(JpRuntimeError);
  });

  it('sort_by needs keys of one type', () => {
    expect(jpError("sort_by(`[{\"k\":1},{\"k\":\"x\"}]`, &k)")).toBeInstanceOf(JpRuntimeError);
  });
});

describe('bounds on untrusted input', () => {
  it('an exponential projection ends with a limit error', () => {
    // each [*] over a 10-element list multiplies the work by ten
    const list = Array.from({ length: 10 }, () => Array.from({ length: 10 }, () => Array.from({ length: 10 }, () => Array(10).fill(1))));
    const bomb = '@' + '[*]'.repeat(4) + '.[@, @, @, @, @, @, @, @]'.repeat(6);
    const t = Date.now();
    expect(() => evaluate(compileExpression(bomb), list, { now: FIXED_NOW, random: seeded(1) }, new Budget(200_000))).toThrow(JpLimitError);
    expect(Date.now() - t).toBeLessThan(5000);
  });

  it('a result that shares subtrees exponentially is refused, not serialised', () => {
    // cheap to evaluate (8 steps per level), but 8^12 values when spelled out
    const bomb = '`1`' + ' | [@, @, @, @, @, @, @, @]'.repeat(12);
    const t = Date.now();
    expect(jpError(bomb)).toBeInstanceOf(JpLimitError);
    expect(jpError('to_string(' + bomb + ')')).toBeInstanceOf(JpLimitError);
    expect(jpError('(' + bomb + ') == (' + bomb + ')')).toBeInstanceOf(JpLimitError);
    expect(Date.now() - t).toBeLessThan(5000);
  });

  it('a doubling string pipe ends at the string cap', () => {
    const expr = "'x'" + " | join('', [@, @])".repeat(30);
    expect(jpError(expr)).toBeInstanceOf(JpLimitError);
  });

  it('replace_all with an empty pattern cannot multiply the output without bound', () => {
    const big = 'y'.repeat(100_000);
    expect(jpError("replace_all(s, '', r)", { s: 'x'.repeat(200), r: big })).toBeInstanceOf(JpLimitError);
  });

  it('overlong and deeply nested expressions are syntax errors, not crashes', () => {
    expect(() => compileExpression('a'.repeat(70_000))).toThrow(JpSyntaxError);
    expect(() => compileExpression('('.repeat(5000) + 'a' + ')'.repeat(5000))).toThrow(JpSyntaxError);
  });

  it('deeply nested data fails cleanly in to_string', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(jpError('to_string(@)', deep)).toBeInstanceOf(JpLimitError);
  });

  it('a limit error surfaces as PolicyError JMESPATH even in nil mode', () => {
    const ctx = buildContext({ resource: { kind: 'ConfigMap', metadata: { name: 'x' } } });
    try {
      search("'x'" + " | join('', [@, @])".repeat(30), ctx, 'nil');
      expect.unreachable();
    } catch (e) {
      expect((e as PolicyError).code).toBe('JMESPATH');
    }
  });
});
