/**
 * Time functions and Go layouts. Rows marked (time_test.go) are ported from kyverno/kyverno
 * pkg/engine/jmespath/time_test.go (Apache-2.0); the others follow Go's time package docs
 * (reference layouts, Truncate on absolute time, fractional seconds accepted after seconds).
 */
import { describe, expect, it } from 'vitest';
import { parseGoTime } from '../../../src/policy/variables/gotime-parse.js';
import { formatRFC3339 } from '../../../src/policy/variables/gotime.js';
import { JpRuntimeError } from '../../../src/policy/variables/jp-common.js';
import { jp, jpError } from './helpers.js';

describe('time functions (time_test.go)', () => {
  it.each([
    ["time_since('', '2021-01-02T15:04:05-07:00', '2021-01-10T03:14:05-07:00')", '180h10m0s'],
    ["time_since('Mon Jan _2 15:04:05 MST 2006', 'Mon Jan 02 15:04:05 MST 2021', 'Mon Jan 10 03:14:16 MST 2021')", '180h10m11s'],
    ["time_to_cron('2023-02-02T15:04:05Z')", '4 15 2 2 4'],
    ["time_to_cron(time_utc('2023-02-02T15:04:05-07:00'))", '4 22 2 2 4'],
    ["time_add('2021-01-02T15:04:05-07:00', '3h')", '2021-01-02T18:04:05-07:00'],
    ["time_add(time_parse('Mon Jan 02 15:04:05 -0700 2006', 'Sat Jan 02 15:04:05 -0700 2021'), '5h30m40s')", '2021-01-02T20:34:45-07:00'],
    ["time_parse('2006-01-02T15:04:05Z07:00', '2021-01-02T15:04:05-07:00')", '2021-01-02T15:04:05-07:00'],
    ["time_parse('Mon Jan 02 15:04:05 -0700 2006', 'Sat Jan 02 15:04:05 -0700 2021')", '2021-01-02T15:04:05-07:00'],
    ["time_parse('1702691171', '1702691171')", '2023-12-16T01:46:11Z'],
    ["time_utc('2023-02-02T15:04:05Z')", '2023-02-02T15:04:05Z'],
    ["time_utc('2023-02-02T15:04:05-07:00')", '2023-02-02T22:04:05Z'],
    ["time_diff('2021-01-02T15:04:05-07:00', '2021-01-10T03:14:05-07:00')", '180h10m0s'],
  ])('%s', (expr, want) => {
    expect(jp(expr)).toBe(want);
  });

  it.each([
    ['2021-01-02T15:04:05-07:00', '2021-01-02T16:04:05-07:00', true, false],
    ['2021-01-02T15:04:05-07:00', '2021-01-02T15:04:05-07:00', false, false],
    ['2021-01-02T16:04:05-07:00', '2021-01-02T15:04:05-07:00', false, true],
  ])('time_before/time_after(%s, %s)', (a, b, before, after) => {
    expect(jp(`time_before('${a}', '${b}')`)).toBe(before);
    expect(jp(`time_after('${a}', '${b}')`)).toBe(after);
  });

  it.each([
    ['2021-01-02T17:04:05-07:00', true],
    ['2021-01-02T15:04:05-07:00', false],
    ['2021-01-02T18:04:05-07:00', false],
  ])('time_between(%s, 15:04, 18:04)', (t, want) => {
    expect(jp(`time_between('${t}', '2021-01-02T15:04:05-07:00', '2021-01-02T18:04:05-07:00')`)).toBe(want);
  });

  it.each([
    "time_before(`1`, '2021-01-02T15:04:05-07:00')", "time_before('2021-01-02T15:04:05-07:00', `1`)",
    "time_after(`1`, '2021-01-02T15:04:05-07:00')", "time_between('2021-01-02T15:04:05-07:00', `1`, '2021-01-02T18:04:05-07:00')",
    "time_utc('')", "time_add('2021-01-02T15:04:05-07:00', '')", "time_add(`123`, '1h')",
  ])('%s fails', (expr) => {
    expect(jpError(expr)).toBeInstanceOf(JpRuntimeError);
  });

  it('time_add names itself in its errors (Test_jpTimeAdd_ErrorAttributesToTimeAdd)', () => {
    const e = jpError("time_add('not a time', '1h')");
    expect(e.message).toContain('time_add');
    expect(e.message).not.toContain('time_to_cron');
  });
});

describe('clock and truncation', () => {
  it('time_now and time_since use the evaluation clock', () => {
    expect(jp('time_now()')).toBe('2024-03-15T10:30:00Z');
    expect(jp('time_now_utc()')).toBe('2024-03-15T10:30:00Z');
    expect(jp("time_since('', '2024-03-15T09:00:00Z', '')")).toBe('1h30m0s');
  });

  it('time_truncate rounds down on absolute time and keeps the zone', () => {
    expect(jp("time_truncate('2024-03-15T10:37:42Z', '1h')")).toBe('2024-03-15T10:00:00Z');
    expect(jp("time_truncate('2024-03-15T10:37:42+05:30', '1h')")).toBe('2024-03-15T10:30:00+05:30');
    expect(jp("time_truncate('2024-03-15T10:37:42Z', '0s')")).toBe('2024-03-15T10:37:42Z');
  });
});

describe('Go layouts', () => {
  it.each([
    ['2006-01-02', '2024-02-29', '2024-02-29T00:00:00Z'],
    ['Jan _2 2006 3:04PM', 'Mar  5 2024 4:07PM', '2024-03-05T16:07:00Z'],
    ['02/01/06 15:04:05.000 -07:00', '05/03/24 01:02:03.123 +02:00', '2024-03-05T01:02:03+02:00'],
    ['Monday, 02-Jan-06 15:04:05 MST', 'Tuesday, 05-Mar-24 08:00:00 UTC', '2024-03-05T08:00:00Z'],
    ['2006-01-02T15:04:05Z07:00', '2024-03-05T08:00:00.123456789Z', '2024-03-05T08:00:00Z'],
    ['2006-002', '2024-060', '2024-02-29T00:00:00Z'],
  ])('time_parse(%s, %s)', (layout, value, want) => {
    expect(formatRFC3339(parseGoTime(layout, value))).toBe(want);
  });

  it.each([
    ['2006-01-02', '2023-02-29'], // day out of range
    ['2006-01-02', '2024-13-01'],
    ['2006-01-02', '2024-01-01 extra'],
    ['15:04', '24:00'],
  ])('rejects %s / %s', (layout, value) => {
    expect(() => parseGoTime(layout, value)).toThrow();
  });
});
