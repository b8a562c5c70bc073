import { describe, expect, it } from 'vitest';
import { compilePolicy, evaluatePolicy } from '../../../src/policy/engine/index.js';
import type { EvaluationInput, Resource, RuleResult } from '../../../src/policy/types.js';

const POD: Resource = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'prod', labels: { app: 'web' } },
  spec: {
    containers: [
      { name: 'nginx', image: 'nginx:1.27', securityContext: { privileged: false } },
      { name: 'sidecar', image: 'busybox:latest' },
    ],
  },
};

function policy(rules: Array<Record<string, unknown>>, spec: Record<string, unknown> = {}, annotations?: Record<string, string>) {
  return compilePolicy(
    { apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'p', ...(annotations ? { annotations } : {}) }, spec: { ...spec, rules } },
    'p.yaml',
  );
}
const onPods = (r: Record<string, unknown>): Record<string, unknown> => ({ name: 'r', match: { any: [{ resources: { kinds: ['Pod'] } }] }, ...r });
const run = (rules: Array<Record<string, unknown>>, input: Partial<EvaluationInput> = {}, spec: Record<string, unknown> = {}): RuleResult[] =>
  evaluatePolicy(policy(rules, spec), { resource: POD, admission: { operation: 'CREATE' }, ...input });
const one = (r: Record<string, unknown>, input: Partial<EvaluationInput> = {}): Pick<RuleResult, 'status' | 'message'> => {
  const res = run([onPods(r)], input);
  expect(res).toHaveLength(1);
  return { status: res[0]!.status, message: res[0]!.message };
};

describe('pattern results and messages (validate_resource.go)', () => {
  it('pass: validation rule \'r\' passed.', () => {
    expect(one({ validate: { message: 'm', pattern: { spec: { containers: [{ name: '?*' }] } } } })).toEqual({ status: 'pass', message: "validation rule 'r' passed." });
  });
  it('fail: validation error: <message>. rule <r> failed at path <path>', () => {
    expect(one({ validate: { message: 'Images must not use latest', pattern: { spec: { containers: [{ image: '!*:latest' }] } } } })).toEqual({
      status: 'fail',
      message: 'validation error: Images must not use latest. rule r failed at path /spec/containers/1/image/',
    });
    expect(one({ validate: { pattern: { spec: { containers: [{ image: '!*:latest' }] } } } }).message).toBe('validation error: rule r failed at path /spec/containers/1/image/');
  });
  it('substitutes variables in the message', () => {
    expect(one({ validate: { message: 'Pod {{ request.object.metadata.name }} is bad.', pattern: { spec: { hostNetwork: true } } } }).message).toBe(
      'validation error: Pod web is bad. rule r failed at path /spec/hostNetwork/',
    );
  });
  it('skip: a conditional anchor that does not hold', () => {
    const r = one({ validate: { pattern: { spec: { containers: [{ '(name)': 'nothing-*', image: 'x' }] } } } });
    expect(r.status).toBe('skip');
    expect(r.message).toContain('conditional anchor mismatch');
  });
  it('fail: a negation anchor that finds its key', () => {
    expect(one({ validate: { message: 'no', pattern: { spec: { containers: [{ 'X(securityContext)': 'null' }] } } } })).toEqual({
      status: 'fail',
      message: 'validation error: no. rule r failed at path /spec/containers/0/securityContext/',
    });
  });
  it('error: an anchor key that no resource map has, with a mismatch elsewhere (AnchorMap.KeysAreMissing)', () => {
    const r = one({ validate: { message: 'm', pattern: { spec: { containers: [{ 'X(hostPort)': 'null', image: 'none' }] } } } });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/^validation error: m\. rule r execution error: resource value 'nginx:1.27' does not match 'none'/);
  });
  it('a pattern meeting a resource of another shape fails at the path, without throwing', () => {
    expect(one({ validate: { pattern: { spec: { containers: { name: 'x' } } } } })).toEqual({
      status: 'fail',
      message: 'validation error: rule r failed at path /spec/containers/',
    });
    expect(one({ validate: { pattern: { metadata: { name: [{ a: 1 }] } } } }).status).toBe('fail');
    expect(one({ validate: { pattern: { spec: { containers: [['a'], ['b'], ['c']] } } } }).status).toBe('error'); // array length mismatch has no path
  });
  it('anyPattern: the first matching pattern passes; all failing join their paths', () => {
    expect(one({ validate: { anyPattern: [{ spec: { hostNetwork: true } }, { metadata: { labels: { app: 'web' } } }] } }).message).toBe(
      "validation rule 'r' anyPattern[1] passed.",
    );
    expect(one({ validate: { message: 'need one', anyPattern: [{ spec: { hostNetwork: true } }, { metadata: { labels: { app: 'db' } } }] } })).toEqual({
      status: 'fail',
      message: 'validation error: need one. rule r[0] failed at path /spec/hostNetwork/ rule r[1] failed at path /metadata/labels/app/',
    });
    const s = one({ validate: { anyPattern: [{ '(kind)': 'Service', spec: { a: 1 } }, { '(kind)': 'Job', spec: { a: 1 } }] } });
    expect(s.status).toBe('skip');
    expect(s.message).toMatch(/^rule r\[0\] skipped: conditional anchor mismatch: .* rule r\[1\] skipped: /);
  });
  it('variables in patterns are substituted per evaluation; a missing one is an error', () => {
    expect(one({ validate: { pattern: { metadata: { labels: { app: '{{ request.object.metadata.name }}' } } } } }).status).toBe('pass');
    const r = one({ validate: { pattern: { metadata: { labels: { app: '{{ request.object.metadata.nope }}' } } } } });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/^variable substitution failed: /);
  });
  it('$() references resolve against the pattern; one that cannot be resolved makes the rule an error', () => {
    expect(one({ validate: { pattern: { metadata: { name: '$(./../labels/app)*', labels: { app: 'w*' } } } } }).status).toBe('pass');
    const r = one({ validate: { pattern: { metadata: { name: '$(./../nope)' } } } });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/^variable substitution failed: failed to resolve reference/);
  });
  it('{{@}} is the resource value at the pattern path', () => {
    expect(one({ validate: { pattern: { metadata: { name: '{{@}}' } } } }).status).toBe('pass');
  });
  it('gives no pattern response on DELETE', () => {
    expect(run([onPods({ validate: { pattern: { spec: { hostNetwork: true } } } })], { admission: { operation: 'DELETE', oldObject: POD } })).toEqual([]);
  });
});

describe('deny and preconditions (evaluate.go)', () => {
  const deny = (conditions: unknown, message = 'denied'): Record<string, unknown> => ({ validate: { message, deny: { conditions } } });
  it('fails when the conditions hold, with the rule and condition messages joined', () => {
    expect(one(deny({ any: [{ key: '{{ request.object.metadata.labels.app }}', operator: 'Equals', value: 'web', message: 'app is web' }] }))).toEqual({
      status: 'fail',
      message: 'denied; app is web',
    });
    expect(one(deny({ all: [{ key: 1, operator: 'Equals', value: 2 }] }))).toEqual({ status: 'pass', message: "validation rule 'r' passed." });
    expect(one(deny([{ key: 'a', operator: 'Equals', value: 'a' }], '')).message).toBe('validation error: rule r failed');
  });
  it('an empty any list is false (kyverno checks any != nil)', () => {
    expect(one(deny({ any: [], all: [{ key: 'a', operator: 'Equals', value: 'a' }] })).status).toBe('pass');
    expect(one(deny({ all: [{ key: 'a', operator: 'Equals', value: 'a' }] })).status).toBe('fail');
  });
  it('a missing variable in a condition key is null: Equals and NotEquals are both false', () => {
    expect(one(deny({ any: [{ key: '{{ request.object.nope }}', operator: 'Equals', value: 'x' }] })).status).toBe('pass');
    expect(one(deny({ any: [{ key: '{{ request.object.nope }}', operator: 'NotEquals', value: 'x' }] })).status).toBe('pass');
  });
  it('preconditions that do not hold skip the rule', () => {
    const r = one({
      preconditions: { all: [{ key: "{{ request.operation || 'BACKGROUND' }}", operator: 'Equals', value: 'UPDATE', message: 'only updates' }] },
      validate: { pattern: { spec: { hostNetwork: true } } },
    });
    expect(r).toEqual({ status: 'skip', message: 'preconditions not met; only updates' });
  });
  it('context variables are loaded before preconditions', () => {
    expect(
      one({
        context: [{ name: 'imgs', variable: { jmesPath: 'request.object.spec.containers[].image' } }],
        validate: { deny: { conditions: { any: [{ key: 'busybox:latest', operator: 'AnyIn', value: '{{ imgs }}' }] } } },
      }).status,
    ).toBe('fail');
  });
  it('an apiCall context entry without a value is an error result, not a crash', () => {
    const r = one({ context: [{ name: 'x', apiCall: { urlPath: '/api/v1/namespaces' } }], validate: { pattern: { a: 1 } } });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/^failed to load context: /);
  });
});

describe('foreach (validate_resource.go validateForEach)', () => {
  it('checks each element with the element in scope; the first failure decides', () => {
    const r = one({
      validate: { message: 'no latest', foreach: [{ list: 'request.object.spec.containers', pattern: { image: '!*:latest' } }] },
    });
    expect(r).toEqual({ status: 'fail', message: 'validation failure: validation error: no latest. rule r failed at path /image/' });
    expect(one({ validate: { foreach: [{ list: 'request.object.spec.containers', pattern: { name: '?*' } }] } })).toEqual({ status: 'pass', message: 'rule passed' });
  });
  it('binds element, elementIndex and element0, and runs per-element preconditions', () => {
    const r = one({
      validate: {
        message: '{{ element.name }} at {{ elementIndex }}',
        foreach: [
          {
            list: 'request.object.spec.containers',
            preconditions: { all: [{ key: '{{ element0.name }}', operator: 'Equals', value: 'sidecar' }] },
            deny: { conditions: { any: [{ key: '{{ element.image }}', operator: 'Equals', value: '*:latest' }] } },
          },
        ],
      },
    });
    expect(r).toEqual({ status: 'fail', message: 'validation failure: sidecar at 1' });
  });
  it('nested foreach: element1 is the inner element', () => {
    const r = one({
      validate: {
        message: 'bad {{ element1 }}',
        foreach: [
          {
            list: 'request.object.spec.containers',
            foreach: [{ list: "split(element.image, ':')", deny: { conditions: { any: [{ key: '{{ element1 }}', operator: 'Equals', value: 'latest' }] } } }],
          },
        ],
      },
    });
    expect(r).toEqual({ status: 'fail', message: 'validation failure: validation failure: bad latest' });
  });
  it('no element evaluated gives no response; a list that fails to evaluate is skipped', () => {
    expect(run([onPods({ validate: { foreach: [{ list: 'request.object.spec.initContainers[]', pattern: { name: 'x' } }] } })])).toEqual([]);
    expect(run([onPods({ validate: { foreach: [{ list: 'request.object.spec.nope', pattern: { name: 'x' } }] } })])).toEqual([]);
  });
  it('elementScope: false matches the pattern against the whole resource; true on a scalar is an error', () => {
    expect(one({ validate: { foreach: [{ list: 'request.object.spec.containers', elementScope: false, pattern: { kind: 'Pod' } }] } }).status).toBe('pass');
    const r = one({ validate: { foreach: [{ list: 'request.object.spec.containers[].name', elementScope: true, pattern: { a: 1 } }] } });
    expect(r.status).toBe('error');
    expect(r.message).toContain('cannot use elementScope=true');
  });
  it('an element error is ignored unless it is the last element (Kyverno quirk)', () => {
    // element.securityContext exists on the first container only: substituting the pattern
    // errors for the second one.
    const rule = (list: string): Record<string, unknown> => ({
      validate: { foreach: [{ list, pattern: { '=(securityContext)': { privileged: '{{ element.securityContext.privileged }}' } } }] },
    });
    const last = one(rule('request.object.spec.containers'));
    expect(last.status).toBe('error');
    expect(last.message).toMatch(/^validation failure: variable substitution failed: /);
    expect(one(rule('reverse(request.object.spec.containers)'))).toEqual({ status: 'pass', message: 'rule passed' });
  });
  it('kyverno-test foreachValues give a variable one value per iteration', () => {
    const r = one(
      { validate: { foreach: [{ list: 'request.object.spec.containers', deny: { conditions: { any: [{ key: '{{ allowed }}', operator: 'Equals', value: 'no' }] } } }] } },
      { foreachValues: { allowed: ['yes', 'no'] } },
    );
    expect(r.status).toBe('fail');
  });
});

describe('actions, scoring and report fields (failureActionForRule)', () => {
  const failing = { validate: { pattern: { spec: { hostNetwork: true } } } };
  const action = (rule: Record<string, unknown>, spec: Record<string, unknown>, input: Partial<EvaluationInput> = {}): string => run([onPods(rule)], input, spec)[0]!.action;
  it('spec.validationFailureAction, lowercase included; anything else defaults to Audit', () => {
    expect(action(failing, {})).toBe('Audit');
    expect(action(failing, { validationFailureAction: 'Enforce' })).toBe('Enforce');
    expect(action(failing, { validationFailureAction: 'enforce' })).toBe('Enforce');
    expect(action(failing, { validationFailureAction: 'audit' })).toBe('Audit');
  });
  it('rule overrides, then rule failureAction, then spec overrides, then spec', () => {
    const rule = (extra: Record<string, unknown>): Record<string, unknown> => ({ validate: { ...failing.validate, ...extra } });
    expect(action(rule({ failureAction: 'Enforce' }), { validationFailureAction: 'Audit' })).toBe('Enforce');
    expect(action(rule({ failureAction: 'Enforce', failureActionOverrides: [{ action: 'Audit', namespaces: ['pr*'] }] }), {})).toBe('Audit');
    expect(action(rule({ failureAction: 'Enforce', failureActionOverrides: [{ action: 'Audit', namespaces: ['dev'] }] }), {})).toBe('Enforce');
    expect(action(rule({}), { validationFailureAction: 'Audit', validationFailureActionOverrides: [{ action: 'Enforce', namespaces: ['prod'] }] })).toBe('Enforce');
    const bySelector = { validationFailureActionOverrides: [{ action: 'Enforce', namespaceSelector: { matchLabels: { tier: 'critical' } } }] };
    expect(action(rule({}), bySelector, { admission: { operation: 'CREATE', namespaceLabels: { tier: 'critical' } } })).toBe('Enforce');
    expect(action(rule({}), bySelector, { admission: { operation: 'CREATE', namespaceLabels: { tier: 'low' } } })).toBe('Audit');
  });
  it('policies.kyverno.io/scored: "false" reports a failure as warn; category and severity come from annotations', () => {
    const p = policy([onPods(failing)], {}, {
      'policies.kyverno.io/scored': 'false',
      'policies.kyverno.io/category': 'Pod Security Standards (Baseline)',
      'policies.kyverno.io/severity': 'medium',
    });
    const [r] = evaluatePolicy(p, { resource: POD });
    expect(r).toMatchObject({ status: 'warn', scored: false, category: 'Pod Security Standards (Baseline)', severity: 'medium', policy: 'p', rule: 'r' });
    expect(r!.resource).toEqual({ apiVersion: 'v1', kind: 'Pod', namespace: 'prod', name: 'web' });
  });
  it('applyRules: One stops after the first rule that applies', () => {
    const rules = [onPods({ name: 'a', ...failing }), onPods({ name: 'b', ...failing })];
    expect(run(rules, {}, { applyRules: 'One' }).map((r) => r.rule)).toEqual(['a']);
    expect(run(rules).map((r) => r.rule)).toEqual(['a', 'b']);
  });
});

describe('allowExistingViolations on UPDATE (Enforce rules)', () => {
  const rule = (extra: Record<string, unknown> = {}): Record<string, unknown> =>
    onPods({ validate: { failureAction: 'Enforce', message: 'no latest', pattern: { spec: { containers: [{ image: '!*:latest' }] } }, ...extra } });
  const oldBad = POD;
  const oldGood: Resource = { ...POD, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } };
  const update = (oldObject: Resource): Partial<EvaluationInput> => ({ admission: { operation: 'UPDATE', oldObject } });
  it('skips a failure the old object already had', () => {
    expect(run([rule()], update(oldBad)).map((r) => [r.status, r.message])).toEqual([['skip', 'skipping the rule evaluation as pre-existing violations are allowed']]);
  });
  it('fails a new violation, and any violation when allowExistingViolations is false', () => {
    expect(run([rule()], update(oldGood))[0]!.status).toBe('fail');
    expect(run([rule({ allowExistingViolations: false })], update(oldBad))[0]!.status).toBe('fail');
  });
  it('does not apply to Audit rules or to CREATE', () => {
    expect(run([onPods({ validate: { message: 'x', pattern: { spec: { containers: [{ image: '!*:latest' }] } } } })], update(oldBad))[0]!.status).toBe('fail');
    expect(run([rule()], { admission: { operation: 'CREATE', oldObject: oldBad } })[0]!.status).toBe('fail');
  });
});

describe('evaluatePolicies', () => {
  it('gives the same results as evaluating each policy, in policy order, with one shared context', async () => {
    const { evaluatePolicies } = await import('../../../src/policy/engine/index.js');
    const a = policy([onPods({ name: 'a', validate: { message: '{{ request.object.metadata.name }}', pattern: { spec: { hostNetwork: true } } } })]);
    const b = policy([onPods({ name: 'b', validate: { pattern: { metadata: { name: 'web' } } } })]);
    const input = { resource: POD, admission: { operation: 'CREATE' as const } };
    expect(evaluatePolicies([a, b], input)).toEqual([...evaluatePolicy(a, input), ...evaluatePolicy(b, input)]);
  });
});
