import { describe, expect, it } from 'vitest';
import {
  compareString,
  compileStringPattern,
  compileValuePattern,
  IN_RANGE,
  NOT_IN_RANGE,
  numberString,
  operatorOf,
  validateStringOp,
  validateStringPattern,
} from '../../../src/policy/engine/pattern-value.js';

// Go's resources hold int64 for whole numbers and float64 otherwise; `F` marks a row where the
// Go test passed a float64 literal that JavaScript cannot tell from an integer.
const I = { floats: false };
const F = { floats: true };
const validate = (value: unknown, pattern: unknown, o = I): boolean => compileValuePattern(pattern)(value, o);

describe('pkg/engine/pattern/pattern_test.go', () => {
  it('TestValidateValueWithFloatPattern_* / TestValidateValueWithIntPattern_*', () => {
    expect(validate(7.9914, 7.9914)).toBe(true);
    expect(validate(7.9914, 7.99141)).toBe(false);
    expect(validate(7, 7.0)).toBe(true);
    expect(validate(7.0, 7.0, F)).toBe(true);
    expect(validate(7.0, 7, F)).toBe(true);
    expect(validate(7.000001, 7)).toBe(false);
    expect(validate(8, 7)).toBe(false);
  });

  it('TestValidateValueWithStringPattern_WithSpace', () => {
    expect(validateStringPattern(4, '>= 3', I)).toBe(true);
  });

  it('TestValidateValueWithStringPattern_Ranges', () => {
    const v = (value: unknown, p: string): boolean => validateStringPattern(value, p, I);
    expect(v(0, '0-2')).toBe(true);
    expect(v(1, '0-2')).toBe(true);
    expect(v(2, '0-2')).toBe(true);
    expect(v(3, '0-2')).toBe(false);
    expect(v(0, '10!-20')).toBe(true);
    expect(v(15, '10!-20')).toBe(false);
    expect(v(25, '10!-20')).toBe(true);
    expect(v(0, '0.00001-2.00001')).toBe(false);
    expect(v(1, '0.00001-2.00001')).toBe(true);
    expect(v(2, '0.00001-2.00001')).toBe(true);
    expect(v(2.0001, '0.00001-2.00001')).toBe(false);
    expect(v(0, '0.00001!-2.00001')).toBe(true);
    expect(v(1, '0.00001!-2.00001')).toBe(false);
    expect(v(2, '0.00001!-2.00001')).toBe(false);
    expect(v(2.0001, '0.00001!-2.00001')).toBe(true);
    expect(v(2, '2-2')).toBe(true);
    expect(v(2, '2!-2')).toBe(false);
    expect(v(2.99999, '2.99998-3')).toBe(true);
    expect(v(2.99997, '2.99998!-3')).toBe(true);
    expect(v(3.00001, '2.99998!-3')).toBe(true);
    expect(v('256Mi', '128Mi-512Mi')).toBe(true);
    expect(v('1024Mi', '128Mi-512Mi')).toBe(false);
    expect(v('64Mi', '128Mi-512Mi')).toBe(false);
    expect(v('256Mi', '128Mi!-512Mi')).toBe(false);
    expect(v('1024Mi', '128Mi!-512Mi')).toBe(true);
    expect(v('64Mi', '128Mi!-512Mi')).toBe(true);
    expect(v(-9, '-10-8')).toBe(true);
    expect(v(9, '-10--8')).toBe(false);
    expect(v(9, '-10!--8')).toBe(true);
    expect(v('9Mi', '-10Mi!--8Mi')).toBe(true);
    expect(v(-9, '-10!--8')).toBe(false);
    expect(v('-9Mi', '-10Mi-8Mi')).toBe(true);
    expect(v('9Mi', '-10Mi!-8Mi')).toBe(true);
    expect(v(0, '-10-+8')).toBe(true);
    expect(v('7Mi', '-10Mi-+8Mi')).toBe(true);
    expect(v(10, '-10!-+8')).toBe(true);
    expect(v('10Mi', '-10Mi!-+8Mi')).toBe(true);
    expect(v(0, '+0-+1')).toBe(true);
    expect(v('10Mi', '+0Mi-+1024Mi')).toBe(true);
    expect(v(10, '+0!-+1')).toBe(true);
    expect(v('1025Mi', '+0Mi!-+1024Mi')).toBe(true);
  });

  it('TestValidateNumberWithStr_LessFloatAndInt (floats print as %f: 6.000000001 reads as 6)', () => {
    expect(validateStringOp(7.00001, '7.000001', '>', I)).toBe(true);
    expect(validateStringOp(7.00001, '7', '!', I)).toBe(true);
    expect(validateStringOp(7.0, '7', '', F)).toBe(true);
    expect(validateStringOp(6.000000001, '6', '<', I)).toBe(false);
  });

  it('TestValidateQuantity_InvalidQuantity', () => {
    expect(validateStringOp('1024Gi', '', '', I)).toBe(false);
    expect(validateStringOp('gii', '1024Gi', '', I)).toBe(false);
  });

  it('TestValidateDuration', () => {
    expect(validateStringOp('12s', '12s', '', I)).toBe(true);
    expect(validateStringOp('12s', '15s', '!', I)).toBe(true);
    expect(validateStringOp('12s', '15s', '<', I)).toBe(true);
    expect(validateStringOp('12s', '15s', '<=', I)).toBe(true);
    expect(validateStringOp('12s', '12s', '<=', I)).toBe(true);
    expect(validateStringOp('15s', '12s', '<', I)).toBe(false);
    expect(validateStringOp('15s', '12s', '<=', I)).toBe(false);
    expect(validateStringOp('15s', '12s', '>', I)).toBe(true);
    expect(validateStringOp('15s', '12s', '>=', I)).toBe(true);
    expect(validateStringOp('12s', '12s', '>=', I)).toBe(true);
    expect(validateStringOp('12s', '15s', '>', I)).toBe(false);
    expect(validateStringOp('12s', '15s', '>=', I)).toBe(false);
  });

  it('TestValidateQuantity_Equal', () => {
    expect(validateStringOp('1024Gi', '1024Gi', '', I)).toBe(true);
    expect(validateStringOp('1024Mi', '1Gi', '', I)).toBe(true);
    expect(validateStringOp('0.2', '200m', '', I)).toBe(true);
    expect(validateStringOp('500', '500', '', I)).toBe(true);
    expect(validateStringOp('2048', '1024', '', I)).toBe(false);
    expect(validateStringOp(1024, '1024', '', I)).toBe(true);
  });

  it('TestValidateQuantity_Operation (and _No_String_Check: 500m >= 0.6 is decided as a Quantity)', () => {
    expect(validateStringOp('1Gi', '1000Mi', '>', I)).toBe(true);
    expect(validateStringOp('1G', '1Gi', '<', I)).toBe(true);
    expect(validateStringOp('500m', '0.5', '>=', I)).toBe(true);
    expect(validateStringOp('1', '500m', '>=', I)).toBe(true);
    expect(validateStringOp('0.5', '.5', '<=', I)).toBe(true);
    expect(validateStringOp('0.2', '.5', '<=', I)).toBe(true);
    expect(validateStringOp('0.2', '.5', '!', I)).toBe(true);
    expect(validateStringOp('500m', '0.6', '>=', I)).toBe(false);
  });

  it('TestGetOperatorFromStringPattern_* (pattern_test.go and pkg/engine/operator/operator_test.go)', () => {
    expect(operatorOf('f')).toBe('');
    expect(operatorOf('')).toBe('');
    expect(operatorOf('>=')).toBe('>=');
    expect(operatorOf('0-1')).toBe('in-range');
    expect(operatorOf('0Mi-1024Mi')).toBe('in-range');
    expect(operatorOf('0!-1')).toBe('not-in-range');
    expect(operatorOf('0Mi!-1024Mi')).toBe('not-in-range');
    expect(operatorOf('text1024Mi-2048Mi')).toBe('');
    expect(operatorOf('test-value')).toBe('');
    expect(operatorOf('value-*')).toBe('');
    expect(operatorOf('text1024Mi!-2048Mi')).toBe('');
    expect(operatorOf('test!-value')).toBe('');
    expect(operatorOf('value!-*')).toBe('');
  });

  // TestValidate: value, pattern, want (rows in order; typed-nil and []string rows mapped to JSON).
  const VALIDATE_ROWS: Array<[unknown, unknown, boolean, typeof I?]> = [
    [true, true, true],
    [true, false, false],
    [false, true, false],
    [false, false, true],
    ['value', null, false],
    ['', null, true],
    [0.0, null, true, F],
    [0, null, true],
    [false, null, true],
    ['10.100.11.54', '192.168.88.1 | 10.100.11.*', true],
    ['10', '>1 & <20', true],
    ['10', '>1 & <20 | >31 & <33', true],
    ['32', '>1 & <20 | >31 & <33', true],
    ['21', '>1 & <20 | >31 & <33', false],
    [7.0, 7.0, true, F],
    [10, 10, true],
    [8, 10, false],
    [10, 10, true],
    [8, 10, false],
    [null, [], false],
    [null, [], false],
    [{ a: true }, { a: true }, true],
    [{ a: true }, { b: false }, true],
    [null, false, false],
    [8.0, 8, true, F],
    [8.1, 8, false],
    ['8', 8, true],
    ['8.1', 8, false],
    [false, 8, false],
    [8, 8.0, true],
    [8, 8.1, false],
    [8, 8.0, true],
    [8, 8.1, false],
    ['8', 8.0, true],
    ['8.1', 8.1, true],
    ['abc', 8.1, false],
    [false, 8.0, false],
  ];
  it.each(VALIDATE_ROWS.map((r, i) => [i, ...r] as const))('TestValidate row %i', (_i, value, pattern, want, o) => {
    expect(validate(value, pattern, o ?? I)).toBe(want);
  });

  it('Test_convertNumberToString', () => {
    expect(numberString(null, I)).toBe('0');
    expect(numberString('123', I)).toBe('123');
    expect(numberString('', I)).toBe('');
    expect(numberString('abc', I)).toBe('abc');
    expect(numberString(0.0, F)).toBe('0.000000');
    expect(numberString(3.1, I)).toBe('3.100000');
    expect(numberString(-3.1, I)).toBe('-3.100000');
    expect(numberString(-3, I)).toBe('-3');
    expect(numberString(3, I)).toBe('3');
    expect(numberString(0, I)).toBe('0');
    expect(numberString(false, I)).toBeUndefined();
  });

  it('Test_validateMapPattern (the typed-nil map row has no JSON equivalent)', () => {
    const m = compileValuePattern({});
    expect(m(null, I)).toBe(false);
    expect(m(true, I)).toBe(false);
    expect(m(8, I)).toBe(false);
    expect(m('', I)).toBe(false);
    expect(m('abc', I)).toBe(false);
    expect(m({}, I)).toBe(true);
    expect(m({ a: true }, I)).toBe(true);
  });

  it('Test_validateNilPattern', () => {
    const m = compileValuePattern(null);
    for (const v of [null, 0, '', false]) expect(m(v, I)).toBe(true);
    expect(m(0.0, F)).toBe(true);
    for (const v of [{}, [], 1, 'abc', true]) expect(m(v, I)).toBe(false);
    expect(m(1.0, F)).toBe(false);
  });

  it('Test_validateStringPatterns', () => {
    const v = (value: string, p: string): boolean => compileStringPattern(p)(value, I);
    expect(v('5.16.5-arch1-1', '!5.10.84-1')).toBe(true);
    expect(v('5.10.84-1', '5.10.84-1')).toBe(true);
    expect(v('!5.10.84-1', '!5.10.84-1')).toBe(true);
    expect(v('5.10.84-1', '!5.10.84-1')).toBe(false);
    expect(v('5.16.5-arch1-1', '!5.10.84-1 & !5.15.2-1')).toBe(true);
    expect(v('5.10.84-1', '!5.10.84-1 & !5.15.2-1')).toBe(false);
    expect(v('5.15.2-1', '!5.10.84-1 & !5.15.2-1')).toBe(false);
  });

  it('Test_split', () => {
    expect(IN_RANGE.exec('')).toBeNull();
    expect(NOT_IN_RANGE.exec('')).toBeNull();
  });

  it('Test_compareString', () => {
    const c = (value: unknown, p: string, o = I): boolean => compareString(value, p, '', o);
    expect(c('anything', '*')).toBe(true);
    expect(c('', '*')).toBe(true);
    expect(c('leftright', '*right')).toBe(true);
    expect(c('right', '*right')).toBe(true);
    expect(c('leftmiddle', '*right')).toBe(false);
    expect(c('middle', '*right')).toBe(false);
    expect(c('abbeba', 'ab*ba')).toBe(true);
    expect(c('abbca', 'ab*ba')).toBe(false);
    expect(c('abbba', 'ab?ba')).toBe(true);
    expect(c('abbbba', 'ab?ba')).toBe(false);
    expect(c(null, 'ab?ba')).toBe(false);
    expect(c('', 'ab?ba')).toBe(false);
    expect(c('', '')).toBe(true);
    expect(c(1, '1')).toBe(true);
    expect(c(1, '1')).toBe(true);
    expect(c(1.0, '1E+*', F)).toBe(true);
    expect(c(true, 'true')).toBe(true);
  });
});

describe('kyverno-semantics.md section 1 quirks', () => {
  it('a nil value reads as "0" for duration and Quantity compares', () => {
    expect(compileStringPattern('<=512Mi')(null, I)).toBe(true);
    expect(compileStringPattern('>0')(null, I)).toBe(false);
  });
  it('floats print as %E for the wildcard compare', () => {
    expect(compileStringPattern('1.5*')(1.5, I)).toBe(true);
    expect(compileStringPattern('1.5E+00')(1.5, I)).toBe(true);
    expect(compileStringPattern('1.5')(1.5, I)).toBe(true); // decided as a Quantity first
  });
  it('"?*" needs a non-empty value; "*" alone also matches "" but never nil', () => {
    const q = compileStringPattern('?*');
    expect(q('', I)).toBe(false);
    expect(q('x', I)).toBe(true);
    expect(compileStringPattern('*')(null, I)).toBe(false);
  });
  it('> and < are false on strings that are neither durations nor Quantities', () => {
    expect(compileStringPattern('>abc')('abd', I)).toBe(false);
  });
  it('booleans are strict: the string "true" does not match pattern true', () => {
    expect(validate('true', true)).toBe(false);
  });
});
