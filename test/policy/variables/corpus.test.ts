/**
 * Every JMESPath expression the kyverno/policies corpus uses parses as Kyverno's JMESPath and
 * calls only functions we define (fixture: test/fixtures/policy/variables/corpus/expressions.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkExpression } from '../../../src/policy/variables/index.js';
import { compileExpression, unknownFunctions } from '../../../src/policy/variables/jmespath.js';

const list = JSON.parse(readFileSync(join(import.meta.dirname, '../../fixtures/policy/variables/corpus/expressions.json'), 'utf8')) as { expr: string; file: string }[];

describe('kyverno/policies expressions', () => {
  it('are all there', () => {
    expect(list.length).toBeGreaterThan(100);
  });

  it.each(list.map((e) => [e.file, e.expr]))('%s: %s', (_file, expr) => {
    expect(() => checkExpression(expr)).not.toThrow();
    expect(unknownFunctions(compileExpression(expr))).toEqual([]);
  });
});
