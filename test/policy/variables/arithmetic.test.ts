/**
 * Quantity- and duration-aware arithmetic. The tables are ported from kyverno/kyverno
 * pkg/engine/jmespath/arithmetic_test.go (Apache-2.0); the duration-context rows follow the
 * current arithmetic.go (`parseCandidate`/`resolveOperand`), where a string that is both a
 * quantity and a duration ("30m") is a duration next to a duration-only operand.
 */
import { describe, expect, it } from 'vitest';
import { JpRuntimeError } from '../../../src/policy/variables/jp-common.js';
import { jp, jpError } from './helpers.js';

type Row = [string, string | number | null];

function table(name: string, rows: Row[]): void {
  describe(name, () => {
    it.each(rows)('%s', (expr, want) => {
      if (want === null) {
        expect(jpError(expr)).toBeInstanceOf(JpRuntimeError);
        return;
      }
      const got = jp(expr);
      expect(typeof got).toBe(typeof want);
      expect(got).toBe(want);
    });
  });
}

table('add (Test_Add)', [
  ['add(`12`, `13`)', 25],
  ["add('12', '13s')", null],
  ["add(`12`, '13Ki')", null],
  ["add(`12`, '13')", null],
  ["add('12Ki', '13Ki')", '25Ki'],
  ["add('12Ki', '13')", '12301'],
  ["add('12Ki', '13s')", null],
  ["add('12Ki', `13`)", null],
  ["add('12s', '13s')", '25s'],
  ["add('12s', `13`)", null],
  ["add('12s', '13Ki')", null],
  ["add('12s', '13')", null],
]);

table('sum (Test_Sum)', [
  ['sum(`[]`)', null],
  ['sum([`12`])', 12],
  ['sum([`12`, `13`, `1`, `4`])', 30],
  ['sum([`12`, `13`])', 25],
  ["sum(['12', '13s'])", null],
  ["sum([`12`, '13Ki'])", null],
  ["sum([`12`, '13'])", null],
  ["sum(['12Ki'])", '12Ki'],
  ["sum(['12Ki', '13Ki', '1Ki', '4Ki'])", '30Ki'],
  ["sum(['12Ki', '13Ki'])", '25Ki'],
  ["sum(['12Ki', '13'])", '12301'],
  ["sum(['12Ki', '13s'])", null],
  ["sum(['12Ki', `13`])", null],
  ["sum(['12s'])", '12s'],
  ["sum(['12s', '13s', '1s', '4s'])", '30s'],
  ["sum(['12s', '13s'])", '25s'],
  ["sum(['12s', `13`])", null],
  ["sum(['12s', '13Ki'])", null],
  ["sum(['12s', '13'])", null],
]);

table('subtract (Test_Subtract)', [
  ['subtract(`12`, `13`)', -1],
  ["subtract('12', '13s')", null],
  ["subtract(`12`, '13Ki')", null],
  ["subtract(`12`, '13')", null],
  ["subtract('12Ki', '13Ki')", '-1Ki'],
  ["subtract('12Ki', '13')", '12275'],
  ["subtract('12Ki', '13s')", null],
  ["subtract('12Ki', `13`)", null],
  ["subtract('12s', '13s')", '-1s'],
  ["subtract('12s', `13`)", null],
  ["subtract('12s', '13Ki')", null],
  ["subtract('12s', '13')", null],
]);

table('multiply (Test_Multiply)', [
  ["multiply('12Ki', `2`)", '24Ki'],
  ["multiply('12Ki', '12Ki')", null],
  ["multiply('12Ki', '12')", null],
  ["multiply('12Ki', '12s')", null],
  ["multiply('12s', `2`)", '24s'],
  ["multiply('12s', '12Ki')", null],
  ["multiply('12s', '12')", null],
  ["multiply('12s', '12s')", null],
  ['multiply(`2.5`, `2.5`)', 2.5 * 2.5],
  ["multiply(`2.5`, '12Ki')", '30Ki'],
  ["multiply(`2.5`, '12')", '30'],
  ["multiply(`2.5`, '40s')", '1m40s'],
  ['multiply(`123`, `true`)', null], // TestScalar_Multiply / TestParseArithemticOperands: a bool is no operand
]);

table('divide (Test_Divide)', [
  ["divide('256M', '256M')", 1],
  ["divide('512M', '256M')", 2],
  ["divide('8', '3')", 8 / 3],
  ["divide('128M', '256M')", 0.5],
  ["divide('12Ki', `3`)", '4Ki'],
  ["divide('12Ki', '2Ki')", 6],
  ["divide('12Ki', '200')", 61.44],
  ["divide('12Ki', '2s')", null],
  ["divide('12s', `3`)", '4s'],
  ["divide('12s', '5s')", 2.4],
  ["divide('12s', '4Ki')", null],
  ["divide('12s', '4')", null],
  ['divide(`14`, `3`)', 4.666666666666667],
  ["divide(`14`, '5s')", null],
  ["divide(`14`, '5Ki')", null],
  ["divide(`14`, '5')", null],
  ['divide(`14`, `0`)', null],
  ["divide('4Ki', `0`)", null],
  ["divide('4Ki', '0Ki')", null],
  ["divide('4', `0`)", null],
  ["divide('4', '0')", null],
  ["divide('4s', `0`)", null],
  ["divide('4s', '0s')", null],
]);

table('modulo (Test_Modulo)', [
  ["modulo('12', '13s')", null],
  ["modulo('12Ki', '13s')", null],
  ["modulo('12Ki', `13`)", null],
  ["modulo('12Ki', '5Ki')", '2Ki'],
  ["modulo('13s', '12')", null],
  ["modulo('13s', '12Ki')", null],
  ["modulo('13s', '2s')", '1s'],
  ["modulo('13s', `2`)", null],
  ["modulo(`13`, '12')", null],
  ["modulo(`13`, '12Ki')", null],
  ["modulo(`13`, '5s')", null],
  ['modulo(`13`, `5`)', 3],
  ['modulo(`14`, `0`)', null],
  ["modulo('4Ki', `0`)", null],
  ["modulo('4Ki', '0Ki')", null],
  ["modulo('4', `0`)", null],
  ["modulo('4', '0')", null],
  ["modulo('4s', `0`)", null],
  ["modulo('4s', '0s')", null],
  ["modulo('4', '1.5')", null],
  ["modulo('4.5', '1')", null],
  ['modulo(`14`, `1.5`)', null],
  ['modulo(`14.5`, `2`)', null],
]);

// current arithmetic.go: strings that parse as both are resolved by the other operand
table('duration context (parseCandidate)', [
  ["add('1h', '30m')", '1h30m0s'],
  ["add('30m', '1h')", '1h30m0s'],
  ["add('30m', '30m')", '60m'], // both read as quantities: 30 milli + 30 milli
  ["subtract('1h', '0')", '1h0m0s'],
  ["add('1Gi', '512Mi')", '1536Mi'],
  ["add('bad', '1s')", null],
]);

// Go's math.Round rounds half away from zero; digits must be a non-negative integer.
table('round', [
  ['round(`3.14159`, `2`)', 3.14],
  ['round(`2.5`, `0`)', 3],
  ['round(`-2.5`, `0`)', -3],
  ['round(`0.49999999999999994`, `0`)', 0],
  ['round(`1.5`, `1.5`)', null],
  ['round(`1.5`, `-1`)', null],
]);
