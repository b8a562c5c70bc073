import { describe, expect, it } from 'vitest';
import { compilePolicy, evaluatePolicy, loadPolicies, loadResources, MAX_DEPTH } from '../../../src/policy/engine/index.js';
import { PolicyError } from '../../../src/policy/types.js';
import type { Resource } from '../../../src/policy/types.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    if (e instanceof PolicyError) return e.code;
    throw e;
  }
  return undefined;
}

function errorOf(f: () => unknown): PolicyError {
  try {
    f();
  } catch (e) {
    if (e instanceof PolicyError) return e;
    throw e;
  }
  throw new Error('expected a PolicyError');
}

const policyDoc = (spec: Record<string, unknown>): Resource => ({ apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'p' }, spec });
const rule = (r: Record<string, unknown>): Record<string, unknown> => ({ name: 'r', match: { any: [{ resources: { kinds: ['Pod'] } }] }, ...r });
const compile = (spec: Record<string, unknown>) => compilePolicy(policyDoc(spec), 'p.yaml');

describe('loading', () => {
  it('reads multi-document YAML, JSON and List, ignoring documents that are not policies', () => {
    const yaml = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n---\napiVersion: kyverno.io/v1\nkind: ClusterPolicy\nmetadata: {name: a}\nspec: {rules: []}\n---\n---\napiVersion: kyverno.io/v1\nkind: Policy\nmetadata: {name: b, namespace: n}\nspec: {rules: []}\n`;
    expect(loadPolicies(yaml, 'x.yaml').map((p) => (p.metadata as { name: string }).name)).toEqual(['a', 'b']);
    const list = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' } }, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p2' } }] });
    expect(loadResources(list, 'l.json').map((r) => (r.metadata as { name: string }).name)).toEqual(['p1', 'p2']);
  });

  it('reads YAML 1.1 scalars as Kyverno (go-yaml v2) does: yes/on are booleans, 0644 is octal', () => {
    const [r] = loadResources('apiVersion: v1\nkind: X\nmetadata: {name: x}\na: yes\nb: on\nc: 0644\nd: "yes"\ne: 1.0\n', 'x.yaml');
    expect(r).toMatchObject({ a: true, b: true, c: 420, d: 'yes' });
  });

  it('rejects invalid YAML with INVALID_YAML naming the file and position', () => {
    const e = errorOf(() => loadResources('a: [1, 2\nb: }', 'bad.yaml'));
    expect(e.code).toBe('INVALID_YAML');
    expect(e.message).toContain('bad.yaml');
  });

  it('rejects a resource document that is not a Kubernetes object', () => {
    expect(codeOf(() => loadResources('- 1\n- 2\n', 'x.yaml'))).toBe('INVALID_RESOURCE');
    expect(codeOf(() => loadResources('kind: Pod\n', 'x.yaml'))).toBe('INVALID_RESOURCE');
  });

  it('stops an alias bomb (billion laughs) quickly', () => {
    const bomb = [
      'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
      'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
      'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
      'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
      'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
      'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
      'h: [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
    ].join('\n');
    const t0 = Date.now();
    expect(codeOf(() => loadResources(bomb, 'bomb.yaml'))).toBe('INVALID_YAML');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('stops 10 MB of nesting quickly, in flow, block and JSON form', () => {
    const flow = '['.repeat(5_000_000) + ']'.repeat(5_000_000);
    const block = '- '.repeat(5_000_000) + 'x';
    const map = Array.from({ length: MAX_DEPTH + 10 }, (_, i) => `${' '.repeat(i)}k:`).join('\n') + ' 1';
    for (const [name, text] of [
      ['flow', flow],
      ['block', block],
      ['map', map],
      ['json', `{"a":${'['.repeat(5_000_000)}]}`],
    ] as const) {
      const t0 = Date.now();
      expect(codeOf(() => loadResources(text, `${name}.yaml`)), name).toBe('INVALID_YAML');
      expect(Date.now() - t0, name).toBeLessThan(3000);
    }
  });

  it('loads a legitimate 10 MB resource and evaluates it', () => {
    const big = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\ndata:\n  f: |\n${`    ${'x'.repeat(100)}\n`.repeat(100_000)}`;
    expect(big.length).toBeGreaterThan(10_000_000);
    const [cm] = loadResources(big, 'big.yaml');
    const p = compile({ rules: [rule({ match: { any: [{ resources: { kinds: ['ConfigMap'] } }] }, validate: { pattern: { data: { f: '?*' } } } })] });
    expect(evaluatePolicy(p, { resource: cm! }).map((r) => r.status)).toEqual(['pass']);
  });
});

describe('compilePolicy: INVALID_POLICY names the field and the reason', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['unknown spec field', { rules: [rule({ validate: { pattern: {} } })], validationFailureActon: 'Enforce' }, 'spec.validationFailureActon'],
    ['unknown rule field', { rules: [rule({ validate: { pattern: { a: 1 } }, preconditon: [] })] }, 'spec.rules[0].preconditon'],
    ['unknown validate field', { rules: [rule({ validate: { patern: { a: 1 } } })] }, 'spec.rules[0].validate.patern'],
    ['unknown match field', { rules: [rule({ match: { any: [{ resources: { kind: ['Pod'] } }] }, validate: { pattern: { a: 1 } } })] }, 'spec.rules[0].match.any[0].resources.kind'],
    ['unknown condition field', { rules: [rule({ preconditions: { all: [{ key: 'a', operator: 'Equals', valeu: 'b' }] }, validate: { pattern: { a: 1 } } })] }, 'spec.rules[0].preconditions.all[0].valeu'],
    ['unknown conditions block field', { rules: [rule({ validate: { deny: { conditions: { every: [] } } } })] }, 'spec.rules[0].validate.deny.conditions.every'],
    ['unknown operator', { rules: [rule({ validate: { deny: { conditions: { any: [{ key: 'a', operator: 'Matches', value: 'b' }] } } } })] }, 'spec.rules[0].validate.deny.conditions.any[0].operator'],
    ['a rule with no validate/mutate/generate/verifyImages', { rules: [rule({})] }, 'spec.rules[0]'],
    ['a validate with nothing to check', { rules: [rule({ validate: { message: 'x' } })] }, 'spec.rules[0].validate'],
    ['two validation kinds', { rules: [rule({ validate: { pattern: { a: 1 }, deny: {} } })] }, 'spec.rules[0].validate'],
    ['a comparison on a non-number', { rules: [rule({ validate: { pattern: { spec: { replicas: '>abc' } } } })] }, 'spec.rules[0].validate.pattern.spec.replicas'],
    ['an add anchor in a validate pattern', { rules: [rule({ validate: { pattern: { spec: { '+(x)': 1 } } } })] }, 'spec.rules[0].validate.pattern.spec.+(x)'],
    ['an empty pattern array', { rules: [rule({ validate: { pattern: { spec: { containers: [] } } } })] }, 'spec.rules[0].validate.pattern.spec.containers'],
    ['an existence anchor on a non-list', { rules: [rule({ validate: { pattern: { spec: { '^(containers)': { a: 1 } } } } })] }, 'spec.rules[0].validate.pattern.spec.^(containers)'],
    ['a JMESPath syntax error in a foreach list', { rules: [rule({ validate: { foreach: [{ list: 'request.object.spec.[', deny: {} }] } })] }, 'spec.rules[0].validate.foreach[0].list'],
    ['a JMESPath syntax error in a variable', { rules: [rule({ validate: { message: 'x {{ request.object.( }}', pattern: { a: 1 } } })] }, 'spec.rules[0].validate.message'],
    ['a bad validationFailureAction', { rules: [rule({ validate: { pattern: { a: 1 } } })], validationFailureAction: 'Block' }, 'spec.validationFailureAction'],
    ['a bad label selector operator', { rules: [rule({ match: { any: [{ resources: { kinds: ['Pod'], selector: { matchExpressions: [{ key: 'a', operator: 'Has' }] } } }] }, validate: { pattern: { a: 1 } } })] }, 'spec.rules[0].match.any[0].resources.selector.matchExpressions[0].operator'],
    ['a duplicate rule name', { rules: [rule({ validate: { pattern: { a: 1 } } }), rule({ validate: { pattern: { a: 1 } } })] }, 'spec.rules[1].name'],
    ['an empty match', { rules: [rule({ match: {}, validate: { pattern: { a: 1 } } })] }, 'spec.rules[0].match'],
  ];
  it.each(cases)('%s', (_name, spec, path) => {
    const e = errorOf(() => compile(spec));
    expect(e.code).toBe('INVALID_POLICY');
    expect(e.message).toContain(`p.yaml: ${path}`);
  });

  it('accepts rule types it does not evaluate, which give no validate response', () => {
    const p = compile({
      rules: [
        rule({ name: 'm', mutate: { patchStrategicMerge: { metadata: { labels: { a: 'b' } } } } }),
        rule({ name: 'g', match: { any: [{ resources: { kinds: ['Namespace'] } }] }, generate: { kind: 'ConfigMap', name: 'x' } }),
        rule({ name: 'v', verifyImages: [{ imageReferences: ['*'] }] }),
        rule({ name: 'c', validate: { cel: { expressions: [{ expression: 'true' }] } } }),
        rule({ name: 's', validate: { podSecurity: { level: 'baseline', version: 'latest' } } }),
      ],
    });
    expect(evaluatePolicy(p, { resource: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' }, spec: {} } })).toEqual([]);
  });

  it('gives a namespaced Policy the key namespace/name and applies it only in its namespace', () => {
    const p = compilePolicy(
      { apiVersion: 'kyverno.io/v1', kind: 'Policy', metadata: { name: 'p', namespace: 'team' }, spec: { rules: [rule({ validate: { pattern: { metadata: { name: 'x' } } } })] } },
      'p.yaml',
    );
    expect(p.name).toBe('team/p');
    expect(evaluatePolicy(p, { resource: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'team' } } }).map((r) => [r.policy, r.status])).toEqual([
      ['team/p', 'pass'],
    ]);
    expect(evaluatePolicy(p, { resource: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'other' } } })).toEqual([]);
  });

  it('exposes background, annotations and the policy as loaded', () => {
    const doc = { ...policyDoc({ background: false, rules: [rule({ validate: { pattern: { a: 1 } } })] }), metadata: { name: 'p', annotations: { 'policies.kyverno.io/severity': 'high' } } };
    const p = compilePolicy(doc, 'p.yaml');
    expect(p.background).toBe(false);
    expect(p.annotations).toEqual({ 'policies.kyverno.io/severity': 'high' });
    expect(p.doc).toBe(doc);
    expect(p.kind).toBe('ClusterPolicy');
  });
});
