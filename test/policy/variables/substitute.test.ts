/**
 * `{{ }}` and `$( )` substitution. Most cases are ported from kyverno/kyverno
 * pkg/engine/variables/vars_test.go (Apache-2.0); the context Kyverno builds with
 * `ctx.AddResource(raw)` is `{request: {object: raw}}` here.
 */
import { describe, expect, it } from 'vitest';
import { Context } from '../../../src/policy/variables/context.js';
import { buildContext, substitute, type VariableContext } from '../../../src/policy/variables/index.js';
import { PolicyError } from '../../../src/policy/types.js';
import { FIXED_NOW } from './helpers.js';

const withResource = (object: unknown): VariableContext => new Context({ request: { object } }, FIXED_NOW);
const raw = (root: Record<string, unknown>): VariableContext => new Context(root, FIXED_NOW);

function code(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof PolicyError ? e.code : `not a PolicyError: ${String(e)}`;
  }
  return undefined;
}

const resource = { metadata: { name: 'temp', namespace: 'n1', annotations: { test: 'name' } }, spec: { namespace: 'n1', name: 'temp1' } };

describe('vars_test.go', () => {
  const pattern = {
    kind: '{{request.object.metadata.name}}',
    name: 'ns-owner-{{request.object.metadata.name}}',
    data: { rules: [{ apiGroups: ['{{request.object.metadata.name}}'], resources: ['namespaces'], verbs: ['*'], resourceNames: ['{{request.object.metadata.name}}'] }] },
  };

  it('Test_subVars_success', () => {
    expect(substitute(pattern, withResource(resource), 'error')).toEqual({
      kind: 'temp',
      name: 'ns-owner-temp',
      data: { rules: [{ apiGroups: ['temp'], resources: ['namespaces'], verbs: ['*'], resourceNames: ['temp'] }] },
    });
  });

  it('Test_subVars_failed: a missing key is PolicyError VARIABLE naming the expression', () => {
    const broken = { ...pattern, kind: '{{request.object.metadata.name1}}' };
    expect(code(() => substitute(broken, withResource(resource), 'error'))).toBe('VARIABLE');
    try {
      substitute(broken, withResource(resource), 'error');
    } catch (e) {
      expect((e as PolicyError).message).toContain('request.object.metadata.name1');
      expect((e as PolicyError).message).toContain('Unknown key "name1" in path');
    }
  });

  it('Test_subVars_with_JMESPath_At: {{@}} is the current path under request.object', () => {
    const doc = { spec: { kind: '{{@}}', data: { rules: [{ apiGroups: ['{{request.object.metadata.name}}'] }] } } };
    const object = { metadata: { name: 'temp' }, spec: { kind: 'foo' } };
    expect(substitute(doc, withResource(object), 'error')).toEqual({ spec: { kind: 'foo', data: { rules: [{ apiGroups: ['temp'] }] } } });
  });

  it('Test_subVars_withRegexMatch: {{@}} nested in a function call', () => {
    const doc = { spec: { port: "{{ regex_match('(443)', '{{@}}') }}", name: 'ns-owner-{{request.object.metadata.name}}' } };
    const object = { metadata: { name: 'temp' }, spec: { port: '443' } };
    expect(substitute(doc, withResource(object), 'error')).toEqual({ spec: { name: 'ns-owner-temp', port: true } });
  });

  it('Test_subVars_withRegexReplaceAll', () => {
    const doc = { spec: { port: "{{ regex_replace_all_literal('.*', '{{@}}', '1313') }}", name: 'ns-owner-{{request.object.metadata.name}}' } };
    const object = { metadata: { name: 'temp' }, spec: { port: '43123' } };
    expect(substitute(doc, withResource(object), 'error')).toEqual({ spec: { name: 'ns-owner-temp', port: '1313' } });
  });

  it('Test_ReplacingPathWhenDeleting: on DELETE request.object reads request.oldObject', () => {
    const ctx = raw({ request: { operation: 'DELETE', object: { metadata: { annotations: { target: 'foo' } } }, oldObject: { metadata: { annotations: { target: 'bar' } } } } });
    expect(substitute('{{request.object.metadata.annotations.target}}', ctx, 'error')).toBe('bar');
  });

  it('Test_ReplacingNestedVariableWhenDeleting', () => {
    const ctx = raw({ request: { operation: 'DELETE', oldObject: { metadata: { annotations: { target: 'nested_target', targetnew: 'target' } } } } });
    expect(substitute('{{request.object.metadata.annotations.{{request.object.metadata.annotations.targetnew}}}}', ctx, 'error')).toBe('nested_target');
  });

  it('Test_ReplacingEscpNestedVariableWhenDeleting: the escaped outer variable stays, unescaped', () => {
    const ctx = raw({ request: { operation: 'DELETE', oldObject: { metadata: { annotations: { target: 'nested_target', targetnew: 'target' } } } } });
    expect(substitute('\\{{request.object.metadata.annotations.{{request.object.metadata.annotations.targetnew}}}}', ctx, 'error')).toBe(
      '{{request.object.metadata.annotations.target}}',
    );
  });

  it('Test_SubstituteSuccess / Test_SubstituteRecursive', () => {
    expect(substitute('"{{request.object.metadata.annotations.test}}"', withResource(resource), 'error')).toBe('"name"');
    expect(substitute('"{{request.object.metadata.{{request.object.metadata.annotations.test}}}}"', withResource(resource), 'error')).toBe('"temp"');
  });

  it('Test_SubstituteRecursiveErrors', () => {
    expect(code(() => substitute('"{{request.object.metadata.{{request.object.metadata.annotations.test2}}}}"', withResource(resource), 'error'))).toBe('VARIABLE');
    expect(code(() => substitute('"{{request.object.metadata2.{{request.object.metadata.annotations.test}}}}"', withResource(resource), 'error'))).toBe('VARIABLE');
  });

  it('Test_policyContextValidation: request.namespace absent from the context is an error', () => {
    const doc = { context: [{ name: 'myconfigmap', apiCall: { urlPath: '/api/v1/namespaces/{{ request.namespace }}/configmaps/generate-pod' } }] };
    expect(code(() => substitute(doc, withResource({}), 'error'))).toBe('VARIABLE');
  });

  it('Test_variableSubstitution_array: multi-line strings splice as they are', () => {
    const ctx = raw({ request: { object: { metadata: { labels: { animal: 'cow' } } } }, animals: { data: { animals: 'snake\nbear\ncat\ndog' } } });
    const message = 'The animal {{ request.object.metadata.labels.animal }} is not in the allowed list of animals: {{ animals.data.animals }}.';
    expect(substitute(message, ctx, 'error')).toBe('The animal cow is not in the allowed list of animals: snake\nbear\ncat\ndog.');
  });

  const variableObject = {
    complex_object_array: ['value1', 'value2', 'value3'],
    complex_object_map: { key1: 'value1', key2: 'value2', key3: 'value3' },
    simple_object_bool: false,
    simple_object_int: 5,
    simple_object_float: -5.5,
    simple_object_string: 'example',
    simple_object_null: null,
  };
  it.each([
    ['{{ request.object.simple_object_null }}', null],
    ['content = {{ request.object.simple_object_null }}', 'content = null'],
    ['{{ request.object.complex_object_array }}', ['value1', 'value2', 'value3']],
    ['content is {{ request.object.complex_object_map }}', 'content is {"key1":"value1","key2":"value2","key3":"value3"}'],
    ['{{ request.object.simple_object_int }}', 5],
    ['content = {{ request.object.simple_object_int }}', 'content = 5'],
    ['{{ request.object.simple_object_bool }}', false],
    ['content = {{ request.object.simple_object_bool }}', 'content = false'],
    ['{{ request.object.simple_object_string }}', 'example'],
    ['content = {{ request.object.simple_object_string }}', 'content = example'],
    ['{{ request.object.simple_object_float }}', -5.5],
  ])('types: %s', (text, want) => {
    expect(substitute({ spec: { content: text } }, withResource(variableObject), 'error')).toEqual({ spec: { content: want } });
  });

  it('Test_ReferenceSubstitution: $( ) reads a path relative to the string, anchors ignored', () => {
    const doc = { metadata: { name: 'temp', namespace: 'n1', annotations: { test: '$(../../../../spec/namespace)' } }, '(spec)': { namespace: 'n1', name: 'temp1' } };
    expect(substitute(doc, withResource(doc), 'error')).toEqual({ ...doc, metadata: { ...doc.metadata, annotations: { test: 'n1' } } });
  });

  it('TestActualizePattern_GivenRelativePathThatExists: an operator prefix is kept', () => {
    const doc = { spec: { containers: [{ name: '*', resources: { requests: { memory: '$(<=./../../limits/memory)' }, limits: { memory: '2048Mi' } } }] } };
    const out = substitute(doc, withResource({}), 'error') as typeof doc;
    expect(out.spec.containers[0]!.resources.requests.memory).toBe('<=2048Mi');
  });

  it('Test_EscpReferenceSubstitution', () => {
    const doc = {
      metadata: { annotations: { test1: '$(../../../../spec/namespace)', test2: '\\$(ENV_VAR)', test3: '\\${ENV_VAR}', test4: '\\\\\\${ENV_VAR}' } },
      '(spec)': { namespace: 'n1' },
    };
    const out = substitute(doc, withResource(doc), 'error') as typeof doc;
    expect(out.metadata.annotations).toEqual({ test1: 'n1', test2: '$(ENV_VAR)', test3: '\\${ENV_VAR}', test4: '\\\\\\${ENV_VAR}' });
  });
});

describe('substitution rules', () => {
  const ctx = withResource({ metadata: { name: 'web', labels: { app: 'shop' } }, spec: { replicas: 3 } });

  it('escapes with \\{{ and leaves the text', () => {
    expect(substitute('keep \\{{ this }} but {{ request.object.metadata.name }}', ctx, 'error')).toBe('keep {{ this }} but web');
  });

  it('substitutes map keys too', () => {
    expect(substitute({ '{{request.object.metadata.name}}-key': 1 }, ctx, 'error')).toEqual({ 'web-key': 1 });
  });

  it('nil mode turns any failure into null, spliced as "null"', () => {
    expect(substitute('{{ request.object.missing }}', ctx, 'nil')).toBeNull();
    expect(substitute('x={{ request.object.missing }}', ctx, 'nil')).toBe('x=null');
    expect(substitute('{{ to_upper(request.object.spec.replicas) }}', ctx, 'nil')).toBeNull();
    expect(code(() => substitute('{{ to_upper(request.object.spec.replicas) }}', ctx, 'error'))).toBe('JMESPATH');
  });

  it('a syntax error is PolicyError JMESPATH in error mode', () => {
    expect(code(() => substitute('{{ request.object. }}', ctx, 'error'))).toBe('JMESPATH');
  });

  it('defaults with || work in both modes', () => {
    expect(substitute("{{ request.object.metadata.labels.team || 'none' }}", ctx, 'error')).toBe('none');
    expect(substitute("{{ request.operation || 'BACKGROUND' }}", ctx, 'error')).toBe('BACKGROUND');
  });

  it('non-string values splice as Go JSON (HTML-escaped, sorted keys)', () => {
    const c = withResource({ a: { z: '<b>', y: [1, 2.5] } });
    expect(substitute('v={{ request.object.a }}', c, 'error')).toBe('v={"y":[1,2.5],"z":"\\u003cb\\u003e"}');
  });

  it('a value holding {{ }} is resolved again, unless the variable is shallow ({{- }})', () => {
    const c = raw({ request: { object: { tmpl: 'hello {{request.object.name}}', name: 'world' } } });
    expect(substitute('[{{ request.object.tmpl }}]', c, 'error')).toBe('[hello world]');
    expect(substitute('[{{- request.object.tmpl }}]', c, 'error')).toBe('[hello {{request.object.name}}]');
    expect(substitute('{{- request.object.tmpl }}', c, 'error')).toBe('hello {{request.object.name}}');
  });

  it('a self-referencing value does not loop forever', () => {
    const c = raw({ request: { object: { a: 'x{{request.object.a}}' } } });
    expect(code(() => substitute('{{ request.object.a }}!', c, 'error'))).toBe('VARIABLE');
  });

  it('{{@}} follows the path option and prefers target', () => {
    const c = withResource({ spec: { template: { spec: { hostNetwork: true } } } });
    expect(substitute({ spec: { hostNetwork: '{{@}}' } }, c, 'error', { path: ['spec', 'template'] })).toEqual({ spec: { hostNetwork: true } });
    const t = raw({ request: { object: { a: 1 } }, target: { a: 2 } });
    expect(substitute({ a: '{{@}}' }, t, 'error')).toEqual({ a: 2 });
    const list = withResource({ spec: { containers: [{ name: 'c0' }] } });
    expect(substitute({ spec: { containers: [{ name: '{{@}}' }] } }, list, 'error')).toEqual({ spec: { containers: [{ name: 'c0' }] } });
  });

  it('does not modify its input', () => {
    const doc = { a: '{{ request.object.metadata.name }}' };
    substitute(doc, ctx, 'error');
    expect(doc).toEqual({ a: '{{ request.object.metadata.name }}' });
  });

  it('survives deep documents and many variables', () => {
    let deep: unknown = '{{ request.object.metadata.name }}';
    for (let i = 0; i < 500; i++) deep = { k: deep };
    let cur = substitute(deep, ctx, 'error') as Record<string, unknown>;
    for (let i = 0; i < 500; i++) cur = cur.k as Record<string, unknown>;
    expect(cur).toBe('web');
    const many = Array.from({ length: 2000 }, () => '{{request.object.metadata.name}}').join(',');
    expect((substitute(many, ctx, 'error') as string).split(',')).toHaveLength(2000);
    let tooDeep: unknown = 'x';
    for (let i = 0; i < 5000; i++) tooDeep = [tooDeep];
    expect(code(() => substitute(tooDeep, ctx, 'error'))).toBe('JMESPATH');
  });

  it('works on a built context', () => {
    const built = buildContext({ resource: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'ns' } } });
    expect(substitute('{{ request.namespace }}/{{ request.name }}/{{ request.kind.kind }}', built, 'error')).toBe('ns/cm/ConfigMap');
  });
});
