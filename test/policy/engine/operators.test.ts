import { describe, expect, it } from 'vitest';
import { evaluateOperator, normalizeOperator } from '../../../src/policy/engine/operators.js';
import type { ConditionOperator } from '../../../src/policy/engine/operators.js';

// Rows from kyverno pkg/engine/variables/operator/*_test.go: [name, key, value, expected]. Go's
// int/int64/float64 keys are all JSON numbers here (Kyverno's conditions see float64 anyway).
type Row = [string, unknown, unknown, boolean];
const run = (op: ConditionOperator, rows: Row[]): void => {
  it.each(rows)('%s', (_name, key, value, expected) => {
    expect(evaluateOperator(op, key, value)).toBe(expected);
  });
};

describe('equal_test.go TestEqualHandler_Evaluate', () => {
  run('Equals', [
    ['bool equal true', true, true, true],
    ['bool equal false', false, false, true],
    ['bool not equal', true, false, false],
    ['bool with wrong type', true, 'true', false],
    ['int equal', 42, 42, true],
    ['int not equal', 42, 43, false],
    ['int64 equal', 100, 100, true],
    ['int with int64', 42, 42, true],
    ['int with float64 no fraction', 42, 42.0, true],
    ['int with float64 with fraction', 42, 42.5, false],
    ['int with string', 42, '42', true],
    ['int with invalid string', 42, 'invalid', false],
    ['float equal', 3.14, 3.14, true],
    ['float not equal', 3.14, 2.71, false],
    ['float with int no fraction', 42, 42, true],
    ['float with int64', 100, 100, true],
    ['float with string', 3.14, '3.14', true],
    ['float with invalid string', 3.14, 'invalid', false],
    ['string equal', 'hello', 'hello', true],
    ['string not equal', 'hello', 'world', false],
    ['string with wildcard match', 'hello-world', 'hello-*', true],
    ['string with wildcard no match', 'goodbye-world', 'hello-*', false],
    ['string with wrong type', 'hello', 123, false],
    ['resource quantity equal', '100Mi', '100Mi', true],
    ['resource quantity equal different format', '1Gi', '1024Mi', true],
    ['resource quantity not equal', '100Mi', '200Mi', false],
    ['duration equal', '1h', '60m', true],
    ['duration not equal', '1h', '30m', false],
    ['map equal', { foo: 'bar' }, { foo: 'bar' }, true],
    ['map not equal', { foo: 'bar' }, { foo: 'baz' }, false],
    ['map with wrong type', { foo: 'bar' }, 'not a map', false],
    ['slice equal', ['a', 'b', 'c'], ['a', 'b', 'c'], true],
    ['slice not equal', ['a', 'b', 'c'], ['a', 'b', 'd'], false],
    ['slice different length', ['a', 'b', 'c'], ['a', 'b'], false],
    ['slice with wrong type', ['a', 'b', 'c'], 'not a slice', false],
  ]);
});

describe('equal_test.go TestEqualHandler_ValidateValueWith{Int,Float,Bool}Pattern', () => {
  run('Equals', [
    ['int with int', 10, 10, true],
    ['int with float64 with fraction', 10, 10.5, false],
    ['int with string valid', 10, '10', true],
    ['int with string invalid', 10, 'abc', false],
    ['int with wrong type', 10, true, false],
    ['float with fraction and int', 10.5, 10, false],
    ['float with string valid', 3.14, '3.14', true],
    ['float with string invalid', 3.14, 'abc', false],
    ['float with wrong type', 3.14, true, false],
    ['true equals true', true, true, true],
    ['false equals false', false, false, true],
    ['true not equals false', true, false, false],
    ['bool with wrong type', true, 'true', false],
  ]);
});

describe('notequal_test.go TestNotEqualHandler_Evaluate / Test_NotEqual_ResourceQuantityCrossType', () => {
  run('NotEquals', [
    ['bool', true, false, true],
    ['int', 42, 43, true],
    ['int vs fractional float', 5, 5.5, true],
    ['float', 3.14, 2.71, true],
    ['string', 'hello', 'world', true],
    ['resource quantity vs non-quantity', '100Mi', 'not-a-quantity', true],
    ['duration', '1h', '30m', true],
    ['map', { foo: 'bar' }, { foo: 'baz' }, true],
    ['slice', ['a', 'b'], ['a', 'c'], true],
    ['string quantity equals int', '5', 5, false],
    ['string quantity equals int64', '5', 5, false],
    ['string quantity equals float64', '5', 5.0, false],
    ['different quantity', '5', 6, true],
  ]);
});

describe('anyin_test.go TestAnyInHandler_Evaluate', () => {
  run('AnyIn', [
    ['key is string and in value', 'kyverno', 'kyverno', true],
    ['key is string and in value with wildcard', 'kube-system', ['default', 'kube-*'], true],
    ['key is string and not in value', 'kyverno', 'default', false],
    ['key is int and in value', 64, '64', true],
    ['key is int and in value slice', 1, [1, 2, 3], true],
    ['key is int and not in value', 64, 'default', false],
    ['key is float and in value', 3.14, '3.14', true],
    ['key is float and in value slice', 2.2, [1.1, 2.2, 3.3], true],
    ['key is float and not in value', 3.14, 'default', false],
    ['key is boolean and in value', true, 'true', true],
    ['key is array and all in value with wildcard', ['kube-system', 'kube-public'], 'kube-*', true],
    ['key is array and partially in value', ['kube-system', 'default'], 'kube-system', true],
    ['key is array and not in value', ['default', 'kyverno'], 'kube-*', false],
    ['key and value are array and any in value', ['default', 'kyverno'], ['kube-*', 'ky*'], true],
    ['key and value are array and none in value', ['default', 'kyverno'], ['kube-*', 'kube-system'], false],
    ['key is an empty array', [], ['default', 'kyverno'], false],
    ['key is an empty string and value is an array', '', ['default', 'kyverno'], false],
    ['unsupported key type', { foo: 'bar' }, 'test', false],
    ['key is string and in numeric range', '5', '1-10', true],
    ['key is string and outside numeric range', '0', '1-10', false],
    ['key is array and any value in numeric range', ['0', '5'], '1-10', true],
    ['key is array and no value in numeric range', ['0', '20'], '1-10', false],
    ['key is string and in JSON array string', 'apple', '["apple", "banana"]', true],
    ['key is string and not in JSON array string', 'cherry', '["apple", "banana"]', false],
    ['key is array and any in JSON array string', ['apple', 'cherry'], '["apple", "banana"]', true],
    ['key is array and none in JSON array string', ['cherry', 'date'], '["apple", "banana"]', false],
  ]);
});

describe('anynotin_test.go TestAnyNotInHandler_Evaluate', () => {
  run('AnyNotIn', [
    ['key is string and in value', 'kyverno', 'kyverno', false],
    ['key is string and in value (wildcard)', 'kube-system', ['default', 'kube-*'], false],
    ['key is string and not in value', 'kyverno', 'default', true],
    ['key is int and in value', 64, '64', false],
    ['key is int and in value (slice)', 1, [1, 2, 3], false],
    ['key is int and not in value', 64, 'default', true],
    ['key is float and in value', 3.14, '3.14', false],
    ['key is float and in value (slice)', 2.2, [1.1, 2.2, 3.3], false],
    ['key is float and not in value', 3.14, 'default', true],
    ['key is boolean and in value', true, true, false],
    ['key is array and in value', ['kube-system', 'kube-public'], 'kube-*', false],
    ['key is array and partially in value', ['kube-system', 'default'], 'kube-system', true],
    ['key is array and not in value', ['default', 'kyverno'], 'kube-*', true],
    ['key is array of int and partially in value', [1, 2, 3], 2, true],
    ['key is array of int and not in value', [1, 2, 3], 4, true],
    ['key is array of float and partially in value', [1.1, 2.2, 3.3], 1.1, true],
    ['key is array of float and not in value', [1.1, 2.2, 3.3], 4.4, true],
    ['key is array of bool and partially in value', [true, false], true, true],
    ['key is an array of bool and not in value', [true], false, true],
    ['key and value are array and not in value', ['default', 'kyverno'], ['kube-*', 'kube-system'], true],
    ['key and value are array and partially in value', ['default', 'kyverno'], ['kube-*', 'ky*'], true],
    ['key and value are arrays, key is an empty array but is in value', [], ['default', 'kyverno'], false],
    ['key is an empty string and value is an array, key is not in value', '', ['default', 'kyverno'], true],
  ]);
});

describe('allnotin_test.go TestAllNotInHandler_Evaluate', () => {
  run('AllNotIn', [
    ['key is string and in value', 'kyverno', 'kyverno', false],
    ['key is string and in value (wildcard)', 'kube-system', ['default', 'kube-*'], false],
    ['key is string and not in value', 'kyverno', 'default', true],
    ['key is int and in value', 64, '64', false],
    ['key is int and not in value', 64, 'default', true],
    ['key is array and in value', ['kube-system', 'kube-public'], 'kube-*', false],
    ['key is array and partially in value', ['kube-system', 'default'], 'kube-system', false],
    ['key is array and not in value', ['default', 'kyverno'], 'kube-*', true],
    ['key and value are array and not in value', ['default', 'kyverno'], ['kube-*', 'kube-system'], true],
    ['key and value are array and partially in value', ['default', 'kyverno'], ['kube-*', 'ky*'], false],
  ]);
});

describe('AllIn (semantics doc section 2: every key element in the value, two-way wildcards)', () => {
  run('AllIn', [
    ['all in with wildcard', ['kube-system', 'kube-public'], 'kube-*', true],
    ['one missing', ['kube-system', 'default'], ['kube-*'], false],
    ['two-way: the key is the glob', ['ky*'], ['kyverno'], true],
    ['range: all inside', ['2', '5'], '1-10', true],
    ['range: one outside', ['2', '50'], '1-10', false],
  ]);
});

describe('in_test.go / notin (deprecated In and NotIn)', () => {
  run('In', [
    ['Test_ValidateValueWithStringSetPattern: key a subset of value', ['a', 'b', 'c'], ['a', 'b', 'c', 'd', 'e'], true],
    ['list key uses exact set logic (no wildcards)', ['kube-system'], ['kube-*'], false],
    ['scalar key uses two-way wildcards', 'kube-system', ['kube-*'], true],
    ['string value read as a JSON array', 'b', '["a","b"]', true],
    ['list values must be strings', ['1'], [1], false],
  ]);
  run('NotIn', [
    ['some key element missing', ['a', 'z'], ['a', 'b'], true],
    ['all present', ['a', 'b'], ['a', 'b', 'c'], false],
    ['quirk: a single-element key equal to the string value is "in" for NotIn too', ['a'], 'a', true],
  ]);
});

describe('numeric_test.go NumericOperatorHandler.Evaluate', () => {
  run('GreaterThan', [
    ['int_key_int_value_10_gt_5', 10, 5, true],
    ['int_key_int64_value_100_gt_50', 100, 50, true],
    ['int_key_float64_value_25_gt_20_5', 25, 20.5, true],
    ['int_key_string_value_30_gt_25', 30, '25', true],
    ['int_key_string_float_value', 10, '5.5', true],
    ['string_key_parsed_as_float_gt_int', '10.5', 10, true],
    ['string_key_parsed_as_int_gt_int', '100', 50, true],
    ['string_key_parsed_as_float_gt_string', '25.5', '20.0', true],
    ['cpu_200m_greater_than_100m', '200m', '100m', true],
    ['cpu_100m_not_greater_than_200m', '100m', '200m', false],
    ['memory_1Gi_greater_than_500Mi', '1Gi', '500Mi', true],
    ['version_1_2_0_greater_than_1_1_0', '1.2.0', '1.1.0', true],
    ['bool_key_unsupported', true, false, false],
    ['map_key_unsupported', { foo: 'bar' }, '100', false],
    ['slice_key_unsupported', ['a', 'b'], '100', false],
    ['nil_key_unsupported', null, '100', false],
    ['validateValueWithIntPattern bool value', 10, true, false],
    ['validateValueWithIntPattern unparseable string', 10, 'not-a-number', false],
  ]);
  run('LessThan', [
    ['int64_key_less_than_int_value', 5, 10, true],
    ['int64_key_less_than_int64_value', 20, 30, true],
    ['int64_key_not_less_than_smaller_value', 100, 50, false],
    ['memory_256Mi_less_than_1Gi', '256Mi', '1Gi', true],
    ['version_1_0_0_less_than_2_0_0', '1.0.0', '2.0.0', true],
    ['version_2_0_0_not_less_than_1_9_0', '2.0.0', '1.9.0', false],
    ['prerelease_version_lt (compareVersionByCondition)', '1.0.0-alpha', '1.0.0', true],
  ]);
  run('GreaterThanOrEquals', [
    ['float64_key_gte_int_value', 10.5, 10, true],
    ['float64_key_gte_float64_value_equal', 3.14, 3.14, true],
    ['float64_key_gte_string_value', 5.5, '4.5', true],
    ['float64_key_less_than_value_fails', 2.5, 5.0, false],
    ['cpu_500m_gte_500m', '500m', '500m', true],
    ['version_1_5_0_gte_1_5_0', '1.5.0', '1.5.0', true],
  ]);
  run('LessThanOrEquals', [
    ['memory_2Gi_lte_2Gi', '2Gi', '2Gi', true],
    ['version_0_9_0_lte_1_0_0', '0.9.0', '1.0.0', true],
    ['a bare number against a duration reads as seconds', 59, '1m', true],
  ]);
});

describe('duration_test.go DurationOperatorHandler.Evaluate', () => {
  run('DurationGreaterThan', [
    ['duration string > string true', '2h', '1h', true],
    ['duration string > string false', '1h', '2h', false],
    ['duration string > string equal', '1h', '1h', false],
    ['duration 60m > 1h equal', '60m', '1h', false],
    ['duration 61m > 1h true', '61m', '1h', true],
    ['int > int true', 120, 60, true],
    ['int > int false', 60, 120, false],
    ['int64 > int64 true', 3600, 1800, true],
    ['int > string duration true', 120, '1m', true],
    ['float > float true', 120.5, 60.5, true],
    ['float > int true', 120.5, 60, true],
    ['float > string duration true', 120.0, '1m', true],
    ['unsupported type', true, false, false],
    ['int64 with invalid string', 120, 'invalid', false],
    ['int64 with wrong type', 120, true, false],
    ['string duration > int', '2m', 60, true],
    ['invalid key string', 'invalid', 60, false],
    ['string duration with invalid value string', '1h', 'invalid', false],
    ['string duration with wrong type', '1h', true, false],
  ]);
  run('DurationGreaterThanOrEquals', [
    ['duration >= duration true greater', '2h', '1h', true],
    ['duration >= duration true equal', '1h', '60m', true],
    ['duration >= duration false', '30m', '1h', false],
    ['int >= int true equal', 60, 60, true],
  ]);
  run('DurationLessThan', [
    ['duration < duration true', '30m', '1h', true],
    ['duration < duration false', '2h', '1h', false],
    ['duration < duration equal', '1h', '60m', false],
    ['int < int true', 30, 60, true],
  ]);
  run('DurationLessThanOrEquals', [
    ['duration <= duration true less', '30m', '1h', true],
    ['duration <= duration true equal', '1h', '60m', true],
    ['duration <= duration false', '2h', '1h', false],
    ['int <= int true equal', 60, 60, true],
  ]);
});

describe('operator_test.go CreateOperatorHandler / utils_test.go IsOperatorValid', () => {
  it('maps every operator name, case-insensitively, with the Equal/NotEqual aliases', () => {
    expect(normalizeOperator('Equal')).toBe('Equals');
    expect(normalizeOperator('Equals')).toBe('Equals');
    expect(normalizeOperator('EQUALS')).toBe('Equals');
    expect(normalizeOperator('equals')).toBe('Equals');
    expect(normalizeOperator('NotEqual')).toBe('NotEquals');
    expect(normalizeOperator('NotEquals')).toBe('NotEquals');
    for (const op of ['In', 'AnyIn', 'AllIn', 'NotIn', 'AnyNotIn', 'AllNotIn', 'GreaterThanOrEquals', 'GreaterThan', 'LessThanOrEquals', 'LessThan']) {
      expect(normalizeOperator(op)).toBe(op);
    }
    for (const op of ['DurationGreaterThanOrEquals', 'DurationGreaterThan', 'DurationLessThanOrEquals', 'DurationLessThan']) {
      expect(normalizeOperator(op)).toBe(op);
    }
    expect(normalizeOperator('InvalidOp')).toBeUndefined();
    expect(normalizeOperator('')).toBeUndefined();
  });
  it('TestParseDuration_*: a duration on one side makes a number on the other read as seconds', () => {
    expect(evaluateOperator('Equals', '90m', '1h30m')).toBe(true);
    expect(evaluateOperator('Equals', '2m', 120)).toBe(true);
    // Equals tries durations only for a string key (equal.go); a number key compares as a float.
    expect(evaluateOperator('Equals', 3600, '1h')).toBe(false);
    expect(evaluateOperator('GreaterThanOrEquals', 3600, '1h')).toBe(true);
    expect(evaluateOperator('Equals', '0s', '1h')).toBe(false);
  });
});

describe('kyverno-semantics.md section 2 quirks', () => {
  it('Equals and NotEquals on a nil key are both false', () => {
    expect(evaluateOperator('Equals', null, 'x')).toBe(false);
    expect(evaluateOperator('NotEquals', null, 'x')).toBe(false);
    expect(evaluateOperator('Equals', null, null)).toBe(false);
  });
  it('in Equals the value is the glob; the In family matches both ways', () => {
    expect(evaluateOperator('Equals', 'kube-*', 'kube-system')).toBe(false);
    expect(evaluateOperator('Equals', 'kube-system', 'kube-*')).toBe(true);
    expect(evaluateOperator('AnyIn', ['kube-*'], ['kube-system'])).toBe(true);
  });
  it('fmt.Sprint of a float64 key: 1e6 prints as 1e+06, so it is not "1000000"', () => {
    expect(evaluateOperator('AnyIn', 1000000, ['1000000'])).toBe(false);
    expect(evaluateOperator('AnyIn', 1000000, ['1e+06'])).toBe(true);
  });
});
