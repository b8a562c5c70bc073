// loadTestSuite on the runner's own fixtures, on malformed suites, and on every suite of the
// upstream kyverno/policies corpus (which must all load, with nothing left unevaluated).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTestFiles } from '../../../src/policy/testrunner/discover.js';
import { loadTestSuite } from '../../../src/policy/testrunner/load.js';
import { PolicyError } from '../../../src/policy/types.js';

const fx = join(import.meta.dirname, '..', '..', 'fixtures', 'policy', 'testrunner');
const corpus = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'fixtures', 'kyverno', 'corpus');

function loadError(file: string): PolicyError {
  try {
    loadTestSuite(join(fx, 'malformed', file));
  } catch (e) {
    expect(e).toBeInstanceOf(PolicyError);
    return e as PolicyError;
  }
  throw new Error(`${file} loaded`);
}

describe('loadTestSuite', () => {
  it('resolves paths against the test file and reads the values file', () => {
    const s = loadTestSuite(join(fx, 'values', 'kyverno-test.yaml'));
    expect(s.name).toBe('values');
    expect(s.policies).toEqual([join(fx, 'values', 'policy.yaml')]);
    expect(s.resources).toEqual([join(fx, 'values', 'resources.yaml')]);
    expect(s.values?.globalValues).toEqual({ environment: 'dev' });
    expect(s.values?.policies[0]?.resources).toEqual([{ name: 'prod-settings', values: { environment: 'prod' } }]);
    expect(s.values?.policies[0]?.rules).toEqual([{ name: 'allowed-owner', values: { 'owners.data.allowed': ['alice', 'bob'] }, foreachValues: {} }]);
    expect(s.results).toHaveLength(4);
    expect(s.results[1]).toMatchObject({ index: 1, policy: 'environment-gate', rule: 'no-prod', kind: 'ConfigMap', resources: ['prod-settings'], result: 'fail' });
    expect(s.unsupported).toEqual([]);
  });

  it('reads inline values: namespaceSelector labels, overridden by full namespaces', () => {
    const s = loadTestSuite(join(fx, 'namespace-selector', 'kyverno-test.yaml'));
    expect(s.values?.namespaceLabels).toEqual({ 'shop-prod': { env: 'prod' }, 'shop-dev': { env: 'dev' }, 'ledger-prod': { env: 'prod' } });
  });

  it('reads a UserInfo file and a row operation', () => {
    expect(loadTestSuite(join(fx, 'userinfo', 'kyverno-test.yaml')).userInfo).toEqual({
      roles: [],
      clusterRoles: ['platform-admin'],
      userInfo: { username: 'mallory', groups: ['contractors'] },
    });
    expect(loadTestSuite(join(fx, 'update', 'kyverno-test.yaml')).results[3]?.operation).toBe('DELETE');
  });

  it('reads resourceSpecs', () => {
    const s = loadTestSuite(join(fx, 'resource-specs', 'kyverno-test.yaml'));
    expect(s.results[0]?.resourceSpecs).toEqual([{ version: 'v1', kind: 'Pod', namespace: 'apps', name: 'api' }]);
    expect(s.results[0]?.resources).toEqual([]);
  });

  it.each([
    ['bad-result.yaml', 'INVALID_TEST', /^results\[0\]\.result: .*"passs"/],
    ['no-policies.yaml', 'INVALID_TEST', /^policies: missing/],
    ['resources-not-list.yaml', 'INVALID_TEST', /^resources: want a list/],
    ['row-resources.yaml', 'INVALID_TEST', /^results\[1\]\.rule: missing/],
    ['not-yaml.yaml', 'INVALID_YAML', /line/],
    ['missing-values.yaml', 'INVALID_TEST', /values file not found/],
    ['bad-values.yaml', 'INVALID_TEST', /^values\.policies\[0\]\.resources\[0\]\.name: /],
    ['remote.yaml', 'INVALID_TEST', /^policies\[0\]: remote sources are not supported/],
    ['alias-bomb.yaml', 'INVALID_YAML', /alias|resource/i],
    ['too-deep.yaml', 'INVALID_YAML', /nesting deeper than/],
  ])('%s is refused with %s naming the field', (file, code, message) => {
    const e = loadError(file);
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(e.toLine().split('\n')).toHaveLength(1);
    // The file is named, so the CLI's one line says which suite is bad.
    expect(e.input).toMatch(/(malformed\/[a-z-]+\.yaml|no-such-values\.yaml)$/);
  });

  it('finds kyverno-test.yaml files in hidden folders, sorted', () => {
    const files = findTestFiles([fx]);
    expect(files.map((f) => f.slice(fx.length + 1))).toEqual([
      'autogen/kyverno-test.yaml',
      'excluded/kyverno-test.yaml',
      'foreach-values/kyverno-test.yaml',
      'invalid-policy/kyverno-test.yaml',
      'namespace-selector/kyverno-test.yaml',
      'notfound/kyverno-test.yaml',
      'resource-specs/kyverno-test.yaml',
      'subresource/kyverno-test.yaml',
      'update/kyverno-test.yaml',
      'userinfo/kyverno-test.yaml',
      'values/kyverno-test.yaml',
    ]);
  });
});

describe('the kyverno/policies corpus', () => {
  it('loads every suite with nothing left unevaluated', () => {
    if (!existsSync(corpus)) throw new Error(`the corpus is missing: expected ${corpus} (shared/ beside the clone)`);
    const files = findTestFiles([corpus]);
    expect(files).toHaveLength(151);
    let rows = 0;
    for (const f of files) {
      const s = loadTestSuite(f);
      expect(s.unsupported, f).toEqual([]);
      for (const p of [...s.policies, ...s.resources]) expect(existsSync(p), `${f}: ${p}`).toBe(true);
      rows += s.results.length;
    }
    // UPSTREAM.txt: "151 test files, 535 result rows".
    expect(rows).toBe(535);
  });
});
