/**
 * Kubernetes resource.Quantity and Go time.Duration, as the engine compares them. Canonical
 * forms follow k8s.io/apimachinery's CanonicalizeBytes (binary units only for integers of at
 * least 1024; decimal exponents in steps of three; nano precision rounded up) and Go's
 * Duration.String / ParseDuration documentation.
 */
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../../src/policy/variables/duration.js';
import { compareQuantity, formatQuantity, parseQuantity, quantityToNumber } from '../../../src/policy/variables/quantity.js';

const q = (s: string) => {
  const v = parseQuantity(s);
  if (!v) throw new Error(`${s} did not parse`);
  return v;
};

describe('Quantity', () => {
  it.each([
    ['1Gi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['1024Mi', '1Gi'],
    ['1024', '1024'],
    ['0.5', '500m'],
    ['1000m', '1'],
    ['100m', '100m'],
    ['1e3', '1e3'],
    ['1.5e3', '1500'],
    ['12e6', '12e6'],
    ['1k', '1k'],
    ['1000', '1k'],
    ['0.1Gi', '107374182400m'],
    ['0.001Ki', '1024m'],
    ['0.0001Ki', '102400u'],
    ['1n', '1n'],
    ['0.1n', '1n'], // rounded up to the smallest unit
    ['-1Ki', '-1Ki'],
    ['-0.5', '-500m'],
    ['+5', '5'],
    ['0', '0'],
    ['0Ki', '0'],
    ['.', '0'], // k8s parses these quirks as zero or one
    ['1.', '1'],
    ['007', '7'],
    ['Gi', '0'], // no digits before a suffix: k8s's parser reads the number as zero
  ])('%s → %s', (input, want) => {
    expect(formatQuantity(q(input))).toBe(want);
  });

  it.each(['', 'abc', '1Kb', '1 Gi', '1.2.3', '1e', '1e1000000', '--1'])('rejects %j', (input) => {
    expect(parseQuantity(input)).toBeUndefined();
  });

  it.each([
    ['1Gi', '1024Mi', 0],
    ['1Ki', '1024', 0],
    ['1G', '1Gi', -1],
    ['500m', '0.5', 0],
    ['2', '1500m', 1],
    ['1e3', '1k', 0],
    ['-1', '0', -1],
    ['1E', '1000P', 0],
    ['1e-9', '1n', 0],
  ])('compare(%s, %s) = %d', (a, b, want) => {
    expect(compareQuantity(q(a), q(b))).toBe(want);
    expect(compareQuantity(q(b), q(a))).toBe(want === 0 ? 0 : -want);
  });

  it('converts to a float as AsApproximateFloat64', () => {
    expect(quantityToNumber(q('12Ki'))).toBe(12288);
    expect(quantityToNumber(q('250m'))).toBe(0.25);
    expect(quantityToNumber(q('1.5Gi'))).toBe(1610612736);
  });
});

describe('Duration', () => {
  it.each([
    ['0', 0n, '0s'],
    ['1h15m30.918273645s', 4530918273645n, '1h15m30.918273645s'],
    ['300ms', 300_000_000n, '300ms'],
    ['-1.5h', -5_400_000_000_000n, '-1h30m0s'],
    ['2h45m', 9_900_000_000_000n, '2h45m0s'],
    ['1µs', 1000n, '1µs'],
    ['1μs', 1000n, '1µs'],
    ['1us', 1000n, '1µs'],
    ['1.5ms', 1_500_000n, '1.5ms'],
    ['100ns', 100n, '100ns'],
    ['1.s', 1_000_000_000n, '1s'],
    ['.5s', 500_000_000n, '500ms'],
    ['+3m', 180_000_000_000n, '3m0s'],
    ['9223372036854775807ns', 9223372036854775807n, '2562047h47m16.854775807s'],
  ])('%s', (input, ns, text) => {
    expect(parseDuration(input)).toBe(ns);
    expect(formatDuration(ns)).toBe(text);
  });

  it.each(['', '1', 'h', '.s', '1x', '1h-1m', '9223372036854775808ns', '-', '1.5.5s'])('rejects %j', (input) => {
    expect(parseDuration(input)).toBeUndefined();
  });

  it('formats sub-second durations with the largest fitting unit', () => {
    expect(formatDuration(1n)).toBe('1ns');
    expect(formatDuration(1_001n)).toBe('1.001µs');
    expect(formatDuration(61_000_000_000n)).toBe('1m1s');
  });
});
