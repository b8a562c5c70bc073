import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderConfigJson, renderConfigSarif, renderConfigTable, scanConfig, type ConfigJson, type ConfigReport } from '../../src/config/index.js';

const addFormats = addFormatsModule as unknown as FormatsPlugin;
const FIX = join(import.meta.dirname, '..', 'fixtures', 'config');

/** The official SARIF 2.1.0 schema (draft-04), compiled as test/report/sarif.test.ts does. */
function sarifValidator(): ValidateFunction {
  const raw = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'report', 'sarif-schema-2.1.0.json'), 'utf8')) as Record<string, unknown>;
  const { id, ...rest } = raw;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  const schema: Record<string, unknown> = { ...rest, $schema: 'http://json-schema.org/draft-07/schema#', $id: id };
  return ajv.compile(schema);
}

interface Sarif {
  version: string;
  runs: Array<{
    tool: { driver: { name: string; rules: Array<{ id: string; defaultConfiguration: { level: string }; properties: { 'security-severity': string; tags: string[] } }> } };
    invocations: Array<{ executionSuccessful: boolean; toolExecutionNotifications: Array<{ message: { text: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }>;
    results: Array<{ ruleId: string; ruleIndex: number; level: string; message: { text: string }; locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: { startLine: number } } }>; partialFingerprints: { primaryLocationLineHash: string } }>;
  }>;
}

let dir: string;
let report: ConfigReport;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-config-report-'));
  writeFileSync(join(dir, 'broken.yaml'), 'kind: [\n');
  // A manifest whose name carries a terminal escape: the table must not pass it through.
  writeFileSync(join(dir, 'evil.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: "ev\\u001b[31mil"}\nspec:\n  hostIPC: true\n  containers: [{name: c, image: "busybox:1.36"}]\n');
  report = scanConfig([join(FIX, 'bookstore'), join(FIX, 'dockerfiles/go-boring/Dockerfile'), join(dir, 'broken.yaml'), join(dir, 'evil.yaml')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('SARIF', () => {
  it('validates against the SARIF 2.1.0 schema and meets GitHub code scanning needs', () => {
    const text = renderConfigSarif(report, { toolVersion: '1.2.3' });
    const doc = JSON.parse(text) as Sarif;
    const validate = sarifValidator();
    expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 3))).toBe(true);
    const run = doc.runs[0];
    const rules = run.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(report.checks.map((c) => c.id));
    for (const r of rules) expect(Number(r.properties['security-severity'])).toBeGreaterThan(0);
    const findings = report.files.flatMap((f) => f.findings);
    expect(run.results).toHaveLength(findings.length);
    run.results.forEach((res, i) => {
      const f = findings[i];
      expect(rules[res.ruleIndex].id).toBe(res.ruleId);
      expect(res.ruleId).toBe(f.checkId);
      expect(res.locations[0].physicalLocation.region.startLine).toBe(f.line);
      expect(res.level).toBe({ CRITICAL: 'error', HIGH: 'error', MEDIUM: 'warning', LOW: 'note' }[f.severity]);
    });
    expect(new Set(run.results.map((r) => r.partialFingerprints.primaryLocationLineHash)).size).toBe(run.results.length);
  });

  it('reports a file that could not be scanned as a tool notification', () => {
    const inv = (JSON.parse(renderConfigSarif(report)) as Sarif).runs[0].invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications).toHaveLength(1);
    expect(inv.toolExecutionNotifications[0].message.text).toMatch(/^INVALID_YAML: /);
  });

  it('uses relative URIs under ROOTPATH for relative paths', () => {
    const rel = relative(process.cwd(), join(FIX, 'bookstore'));
    const doc = JSON.parse(renderConfigSarif(scanConfig([rel]))) as Sarif;
    const loc = doc.runs[0].results.find((r) => r.ruleId === 'PCL-K8S-040')?.locations[0].physicalLocation.artifactLocation;
    expect(loc).toEqual({ uri: `${rel}/raw-manifests/10-catalog.yaml`, uriBaseId: 'ROOTPATH' });
  });
});

describe('JSON', () => {
  it('summarizes what the files hold, and is stable', () => {
    const text = renderConfigJson(report, { toolVersion: '1.2.3' });
    expect(renderConfigJson(report, { toolVersion: '1.2.3' })).toBe(text);
    const doc = JSON.parse(text) as ConfigJson;
    expect(doc.schemaVersion).toBe(1);
    expect(doc.tool).toEqual({ name: 'portcullis', version: '1.2.3' });
    const findings = report.files.flatMap((f) => f.findings);
    expect(doc.summary.failures).toBe(findings.length);
    expect(doc.summary.files).toBe(report.files.length);
    expect(doc.summary.errors).toBe(1);
    expect(Object.values(doc.summary.bySeverity).reduce((a, b) => a + b, 0)).toBe(findings.length);
    expect(doc.results.map((r) => r.failures)).toEqual(report.files.map((f) => f.findings.length));
    expect(doc.results.flatMap((r) => r.findings)).toEqual(findings);
    expect(doc.errors.map((e) => e.code)).toEqual(['INVALID_YAML']);
  });
});

describe('table', () => {
  it('prints each file with its counts and one row per finding', () => {
    const text = renderConfigTable(report);
    for (const f of report.files) {
      const block = text.slice(text.indexOf(f.file));
      expect(block).toContain(`Tests: ${f.successes + f.findings.length} (SUCCESSES: ${f.successes}, FAILURES: ${f.findings.length})`);
    }
    const catalog = report.files.find((f) => f.file.endsWith('10-catalog.yaml'));
    expect(text).toMatch(/PCL-K8S-040\s+MEDIUM\s+\d+\s+Deployment\/bookstore\/catalog\s+Require images pinned by digest: validation error/);
    expect(catalog?.findings).toHaveLength(1);
    expect(text).toMatch(/Errors \(1\)\n\nFILE +CODE +REASON\n/);
  });

  it('neutralizes control characters from manifests', () => {
    const text = renderConfigTable(report);
    expect(text).not.toContain('\u001b');
    expect(text).toContain('Pod/ev [31mil');
  });
});
