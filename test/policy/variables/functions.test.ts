/**
 * Kyverno's custom JMESPath functions. The tables are ported from kyverno/kyverno
 * pkg/engine/jmespath/functions_test.go (Apache-2.0); rows that call a Go handler directly with
 * Go values (`jpfCompare([]interface{}{1, "b"})`) are written as expressions with literals.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JpRuntimeError } from '../../../src/policy/variables/jp-common.js';
import { jp, jpError } from './helpers.js';

const X509 = join(import.meta.dirname, '../../fixtures/policy/variables/x509');

describe('strings (functions_test.go)', () => {
  it.each([
    ["compare('a', 'a')", 0],
    ["compare('a', 'b')", -1],
    ["compare('b', 'a')", 1],
    ["equal_fold('Go', 'go')", true],
    ["equal_fold('a', 'b')", false],
    ["equal_fold('1', 'b')", false],
    ["replace('Lorem ipsum dolor sit amet', 'ipsum', 'muspi', `-1`)", 'Lorem muspi dolor sit amet'],
    ["replace('Lorem ipsum ipsum ipsum dolor sit amet', 'ipsum', 'muspi', `-1`)", 'Lorem muspi muspi muspi dolor sit amet'],
    ["replace('Lorem ipsum ipsum ipsum dolor sit amet', 'ipsum', 'muspi', `1`)", 'Lorem muspi ipsum ipsum dolor sit amet'],
    ["replace_all('Lorem ipsum dolor sit amet', 'ipsum', 'muspi')", 'Lorem muspi dolor sit amet'],
    ["replace_all('Lorem ipsum ipsum ipsum dolor sit amet', 'ipsum', 'muspi')", 'Lorem muspi muspi muspi dolor sit amet'],
    ["to_upper('abc')", 'ABC'],
    ["to_upper('123')", '123'],
    ["to_upper('a#%&123Bc')", 'A#%&123BC'],
    ["to_lower('ABC')", 'abc'],
    ["to_lower('123')", '123'],
    ["to_lower('a#%&123Bc')", 'a#%&123bc'],
    ["trim('¡¡¡Hello, Gophers!!!', '!¡')", 'Hello, Gophers'],
    ["trim_prefix('¡¡¡Hello, Gophers!!!', '¡¡¡Hello, ')", 'Gophers!!!'],
    ["trim_prefix('¡¡¡Hello, Gophers!!!', '¡¡¡Hola, ')", '¡¡¡Hello, Gophers!!!'],
    ["split('Hello, Gophers', ', ')", ['Hello', 'Gophers']],
    ["starts_with('Gophers', 'Go')", true],
    ["ends_with('Amigo', 'go')", true],
    ["truncate('Lorem ipsum dolor sit amet', `5`)", 'Lorem'],
    ["truncate('Lorem ipsum ipsum ipsum dolor sit amet', `11`)", 'Lorem ipsum'],
    ["truncate('Lorem ipsum ipsum ipsum dolor sit amet', `40`)", 'Lorem ipsum ipsum ipsum dolor sit amet'],
    ["truncate('Lorem ipsum', `2.6`)", 'Lo'],
    ["truncate('Lorem ipsum', `0`)", ''],
    ["truncate('Lorem ipsum', `-1`)", ''],
  ])('%s', (expr, want) => {
    expect(jp(expr)).toEqual(want);
  });

  it.each([
    'compare(`1`, \'b\')', "compare('a', `1`)", 'equal_fold(`1`, \'b\')', "equal_fold('a', `1`)",
    "replace(`1`, 'ipsum', 'muspi', `1`)", "replace('Lorem', `1`, 'muspi', `1`)", "replace('Lorem', 'ipsum', `false`, `1`)",
    "replace('Lorem', 'ipsum', 'muspi', `true`)", "replace_all(`1`, 'ipsum', 'muspi')", "replace_all('Lorem', `1`, 'muspi')",
    "replace_all('Lorem', 'ipsum', `false`)", 'to_upper(`32`)', 'to_lower(`32`)',
    "trim_prefix(`1`, '¡¡¡Hello, ')", "trim_prefix('¡¡¡Hello, Gophers!!!', `1`)",
  ])('rejects argument types: %s', (expr) => {
    expect(jpError(expr)).toBeInstanceOf(JpRuntimeError);
  });

  it('uses Go strings semantics for empty separators and counts', () => {
    expect(jp("replace_all('abc', '', '-')")).toBe('-a-b-c-');
    expect(jp("replace('abc', '', '-', `2`)")).toBe('-a-bc');
    expect(jp("split('héllo', '')")).toEqual(['h', 'é', 'l', 'l', 'o']);
    expect(jp("split('', ',')")).toEqual(['']);
    // Go maps case per code point: ß has no single-character upper case
    expect(jp("to_upper('straße')")).toBe('STRAßE');
  });
});

describe('regex and wildcard matching (functions_test.go)', () => {
  it('regex_match', () => {
    expect(jp("regex_match('12.*', foo)", { foo: "hgf'b1a2r'b12g" })).toBe(true);
    expect(jp("regex_match('12.*', abs(foo))", { foo: -12.0 })).toBe(true);
  });

  it('pattern_match', () => {
    expect(jp("pattern_match('prefix-*', foo)", { foo: 'prefix-foo' })).toBe(true);
    expect(jp("pattern_match('12*', abs(foo))", { foo: -12.0 })).toBe(true);
  });

  const resource = { metadata: { name: 'temp', namespace: 'ns_first' }, spec: { namespace: 'ns_first', name: 'temp_other', field: 'Hello world, helworldlo' } };
  it('regex_replace_all expands ${2} (a missing group) to nothing', () => {
    expect(jp("regex_replace_all('([Hh]e|G)l', spec.field, '${2}G')", resource)).toBe('Glo world, Gworldlo');
  });
  it('regex_replace_all_literal', () => {
    expect(jp("regex_replace_all_literal('[Hh]el?', spec.field, 'G')", resource)).toBe('Glo world, Gworldlo');
  });

  const labels = { metadata: { labels: { app: 'test-app', 'controller-name': 'test-controller' } } };
  it.each([
    ['{ "app": "test-app" }', true],
    ['{ "app": "test-app", "controller-name": "test-controller" }', true],
    ['{ "app": "test-app2" }', false],
    ['{ "app.kubernetes.io/name": "test-app" }', false],
  ])('label_match(%s)', (test, want) => {
    expect(jp('label_match(`' + test + '`, metadata.labels)', labels)).toBe(want);
  });
});

describe('conversions (functions_test.go)', () => {
  it.each(['{"a":"b"}', 'true', '[1,2,3,{"a":"b"}]', 'null', '[]', '{}', '0', '1.2', '[1.2,true,{"a":{"a":"b"}}]'])(
    'to_string(parse_json(%s)) round-trips',
    (text) => {
      expect(jp(`to_string(parse_json('${text}'))`)).toBe(text);
    },
  );

  it.each([
    [`parse_json('{"a": "b"}').a`, 'b'],
    [`parse_json('{"a": [1, 2, 3, 4]}').a[0]`, 1],
    [`parse_json('[1, 2, {"a": {"b": {"c": [1, 2]}}}]')[2].a.b.c[1]`, 2],
  ])('%s', (expr, want) => {
    expect(jp(expr)).toEqual(want);
  });

  it.each([
    ['a: b', { a: 'b' }],
    ['\n- 1\n- 2\n- 3\n- a: b', [1, 2, 3, { a: 'b' }]],
    ['\nspec:\n  test: 1\n  test2:\n    - 2\n    - 3\n', { spec: { test: 1, test2: [2, 3] } }],
    ['\nbar: >\n  this is not a normal string it\n  spans more than\n  one line\n  see?', { bar: 'this is not a normal string it spans more than one line see?' }],
    ['\n---\nfoo: ~\nbar: null\n', { bar: null, foo: null }],
  ])('parse_yaml(%j)', (input, want) => {
    expect(jp(`parse_yaml('${input}')`)).toEqual(want);
  });

  it('parse_yaml reads YAML 1.1 booleans as go-yaml v2 does', () => {
    expect(jp("parse_yaml('a: yes')")).toEqual({ a: true });
  });

  it.each([
    ['true', true], ['TRue', true], ['FaLse', false], ['false', false],
  ])('to_boolean(%s)', (input, want) => {
    expect(jp(`to_boolean('${input}')`)).toBe(want);
  });
  it.each(["to_boolean('FaLsee')", "to_boolean('foo')", 'to_boolean(`1`)', 'to_boolean(`null`)'])('%s fails', (expr) => {
    expect(jpError(expr)).toBeInstanceOf(JpRuntimeError);
  });

  it('base64', () => {
    expect(jp("base64_decode('SGVsbG8sIHdvcmxkIQ==')")).toBe('Hello, world!');
    expect(jp("base64_encode('Hello, world!')")).toBe('SGVsbG8sIHdvcmxkIQ==');
    const secret = { apiVersion: 'v1', kind: 'Secret', data: { example1: 'SGVsbG8sIHdvcmxkIQ==', example2: 'Rm9vQmFy' } };
    expect(jp('base64_decode(data.example1)', secret)).toBe('Hello, world!');
    // Go's StdEncoding needs padding and accepts line breaks
    expect(jpError("base64_decode('SGVsbG8')")).toBeInstanceOf(JpRuntimeError);
    expect(jp("base64_decode('SGVs\nbG8=')")).toBe('Hello');
  });

  it.each([
    ["path_canonicalize('///')", '/'],
    ["path_canonicalize('///var/run/containerd/containerd.sock')", '/var/run/containerd/containerd.sock'],
    ["path_canonicalize('/var/run///containerd/containerd.sock')", '/var/run/containerd/containerd.sock'],
    ["path_canonicalize('/var/run///containerd////')", '/var/run/containerd'],
    ["path_canonicalize('/run///')", '/run'],
    ["path_canonicalize('/run/../etc')", '/etc'],
    ["path_canonicalize('///etc*')", '/etc*'],
    ["path_canonicalize('/../../')", '/'],
  ])('%s', (expr, want) => {
    expect(jp(expr)).toBe(want);
  });

  it.each([
    ["semver_compare('4.1.3','>=4.1.x')", true],
    ["semver_compare('4.1.3','!4.x.x')", false],
    ["semver_compare('1.8.6','>1.0.0 <2.0.0')", true],
    ["semver_compare('2.1.5','<2.0.0 || >=3.0.0')", false],
  ])('%s', (expr, want) => {
    expect(jp(expr)).toBe(want);
  });
});

describe('objects (functions_test.go)', () => {
  it.each([
    ['{}', '"key1"', null],
    ['{"key1": "value1"}', '"key2"', null],
    ['{"key1": "value1"}', '"key1"', 'value1'],
    ['{"": "value1"}', '""', 'value1'],
    ['{"k": 123}', '"k"', 123],
    ['{"k": 12.34}', '"k"', 12.34],
    ['{"k": true}', '"k"', true],
    ['{"k": false}', '"k"', false],
    ['{"k": null}', '"k"', null],
    ['{"k":  [7, "x", true] }', '"k"', [7, 'x', true]],
    ['{"k": {"key1":true}}', '"k"', { key1: true }],
    ['[]', '0', null],
    ['["item0"]', '-1', null],
    ['["item0"]', '1', null],
    ['["item0"]', '0', 'item0'],
    ['["item0", "item1", "item2", "item3"]', '2', 'item2'],
    ['["item0", "item1"]', '0.99999999999999999999999999999999999999999999', 'item1'],
    ['[123]', '0', 123],
    ['[12.34]', '0', 12.34],
    ['[true]', '0', true],
    ['[false]', '0', false],
    ['[null]', '0', null],
    ['[ [7, "x", true] ]', '0', [7, 'x', true]],
    ['[{"key1":true}]', '0', { key1: true }],
  ])('lookup(%s, %s)', (coll, key, want) => {
    expect(jp('lookup(`' + coll + '`,`' + key + '`)')).toEqual(want);
  });

  it.each([
    ['{}', '123', 'argument #2 is not of type String'],
    ['[]', '"abc"', 'argument #2 is not of type Number'],
    ['[]', '1.5', "JMESPath function 'lookup': argument #2: expected an integer number but got: 1.5"],
  ])('lookup(%s, %s) fails', (coll, key, message) => {
    expect(jpError('lookup(`' + coll + '`,`' + key + '`)').message).toContain(message);
  });

  it.each([
    ['{ "key1": "value1" }', '"key"', '"value"', [{ key: 'key1', value: 'value1' }]],
    ['{ "key1": "value1", "key2": "value2" }', '"key"', '"value"', [{ key: 'key1', value: 'value1' }, { key: 'key2', value: 'value2' }]],
    ['{ "key1": "value1", "key2": "value2" }', '"myKey"', '"myValue"', [{ myKey: 'key1', myValue: 'value1' }, { myKey: 'key2', myValue: 'value2' }]],
    ['["A", "B", "C"]', '"myKey"', '"myValue"', [{ myKey: 0, myValue: 'A' }, { myKey: 1, myValue: 'B' }, { myKey: 2, myValue: 'C' }]],
  ])('items(%s)', (obj, k, v, want) => {
    expect(jp('items(`' + obj + '`,`' + k + '`,`' + v + '`)')).toEqual(want);
  });

  it.each([
    ['["key1", "key2"]', '["1", "2"]', { key1: '1', key2: '2' }],
    ['["key1", "key2"]', '[1, "2"]', { key1: 1, key2: '2' }],
    ['["key1", "key2"]', '[1]', { key1: 1, key2: null }],
  ])('object_from_lists(%s, %s)', (keys, values, want) => {
    expect(jp('object_from_lists(`' + keys + '`,`' + values + '`)')).toEqual(want);
  });
});

describe('image_normalize', () => {
  // Rows whose expectations agree across Kyverno versions (functions_test.go).
  it.each([
    ["image_normalize('docker.io/library/nginx')", 'docker.io/library/nginx:latest'],
    ["image_normalize('ghcr.io/library/nginx')", 'ghcr.io/library/nginx:latest'],
  ])('%s', (expr, want) => {
    expect(jp(expr)).toBe(want);
  });

  // pkg/utils/image/infos.go (the version with reference/referenceWithTag) prefixes a
  // one-component path with library/ before building the reference; older Kyverno (and the
  // older functions_test.go rows) printed "docker.io/nginx:latest".
  it.each([
    ["image_normalize('nginx')", 'docker.io/library/nginx:latest'],
    ["image_normalize('docker.io/nginx')", 'docker.io/library/nginx:latest'],
    ["image_normalize('ghcr.io/nginx:1.2')", 'ghcr.io/library/nginx:1.2'],
    ["image_normalize('ghcr.io/team/app@sha256:" + 'a'.repeat(64) + "')", 'ghcr.io/team/app@sha256:' + 'a'.repeat(64)],
  ])('%s', (expr, want) => {
    expect(jp(expr)).toBe(want);
  });

  it('an empty image is a bad reference with Kyverno\'s message', () => {
    expect(jpError("image_normalize('')").message).toBe(
      "JMESPath function 'image_normalize': bad image: docker.io/, defaultRegistry: docker.io, enableDefaultRegistryMutation: true: invalid reference format",
    );
  });
});

describe('x509_decode (functions_test.go Test_x509Decode)', () => {
  const read = (name: string): string => readFileSync(join(X509, name), 'utf8');
  const expected = (name: string): unknown => JSON.parse(read(name));
  const b64 = (s: string): string => Buffer.from(s).toString('base64');

  it.each([
    ['kyverno-svc.pem', 'kyverno-svc.expected.json'],
    ['xx-ca.pem', 'xx-ca.expected.json'],
    ['digicert.csr.pem', 'digicert.csr.expected.json'],
  ])('%s decodes to what Kyverno returns', (pem, json) => {
    const want = expected(json);
    expect(jp('x509_decode(@)', read(pem))).toEqual(want);
    // the base64-wrapped form, as the Go table also passes it
    expect(jp(`x509_decode(base64_decode('${b64(read(pem))}'))`)).toEqual(want);
  });

  it('fails on a non-PEM string', () => {
    expect(jpError("x509_decode('xyz')").message).toContain('failed to decode PEM block');
  });
});
