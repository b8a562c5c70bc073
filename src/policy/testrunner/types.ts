import type { Operation, UserInfo } from '../types.js';

/** The report results a kyverno-test row may expect (wgpolicyk8s.io PolicyReportResult values). */
export type ReportResult = 'pass' | 'fail' | 'warn' | 'error' | 'skip';

/** `resourceSpecs[]` entry: a resource named by group/version/kind/namespace/name instead of by name. */
export interface ResourceSpec {
  group?: string;
  version?: string;
  kind?: string;
  namespace?: string;
  subresource?: string;
  name: string;
}

/** One `results[]` row of a kyverno-test.yaml (TestResultBase + TestResultData, validate rows only). */
export interface TestResultRow {
  /** Position in `results[]` (0-based), for messages. */
  index: number;
  /** `name` or `ns/name`. */
  policy: string;
  rule: string;
  kind: string;
  /** Resource names or `ns/name` (the deprecated singular `resource` is folded in here). */
  resources: string[];
  resourceSpecs: ResourceSpec[];
  /** The expected result (the deprecated `status` is folded in here). */
  result: ReportResult;
  /** Evaluate this row's resources as this admission operation. */
  operation?: Operation;
  /** Deprecated row-level namespace filter (older suites). */
  namespace?: string;
  /** Row fields naming checks this runner cannot make (patchedResources, isValidatingPolicy…): the row fails with them as reason. */
  unsupported?: string[];
}

/** `Values.policies[].resources[]`. */
export interface ResourceValues {
  name: string;
  values: Record<string, unknown>;
}

/** `Values.policies[].rules[]`. */
export interface RuleValues {
  name: string;
  values: Record<string, unknown>;
  /** Variable name → one value per foreach iteration. */
  foreachValues: Record<string, unknown[]>;
}

export interface PolicyValues {
  name: string;
  resources: ResourceValues[];
  rules: RuleValues[];
}

export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** `Values.subresources[]`: which object kind is a subresource of which parent. */
export interface SubresourceSpec {
  /** e.g. `deployments/scale`. */
  name: string;
  subresource: GroupVersionKind;
  parent: GroupVersionKind;
}

/** The content of a `kind: Values` file or of a test's inline `values:`. */
export interface ValuesSpec {
  globalValues: Record<string, unknown>;
  policies: PolicyValues[];
  /** Namespace name → labels (from `namespaceSelector[]`, overridden by full `namespaces[]`). */
  namespaceLabels: Record<string, Record<string, string>>;
  subresources: SubresourceSpec[];
}

/** A `kind: UserInfo` file: who sends the simulated admission request. */
export interface UserInfoSpec {
  userInfo?: UserInfo;
  roles: string[];
  clusterRoles: string[];
}

/** A loaded kyverno-test.yaml; every path is absolute (resolved against the test file's folder). */
export interface TestSuite {
  file: string;
  dir: string;
  name: string;
  policies: string[];
  resources: string[];
  values?: ValuesSpec;
  userInfo?: UserInfoSpec;
  results: TestResultRow[];
  /** Fields this runner does not evaluate (exceptions, targetResources…), by name: the suite reports them. */
  unsupported: string[];
}

/** How one (row × resource) check ended. */
export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface RowOutcome {
  row: TestResultRow;
  /** The resource as the row names it (`name`, `ns/name`, or `ns/Kind/name` for resourceSpecs). */
  resource: string;
  /** The resource that answered, `Kind/ns/name`, when one did. */
  matched?: string;
  /** The rule response name that answered (`autogen-…` for generated rules). */
  rule?: string;
  /** The computed policy-report result, when a rule answered. */
  actual?: ReportResult;
  status: CheckStatus;
  /** `Ok`, `Excluded`, `Not found`, `Want fail, got pass`, `Policy skipped: …`, `Engine error: …`. */
  reason: string;
  /** The rule's message (or the reason again). */
  message: string;
}

export interface SuiteResult {
  suite: TestSuite;
  outcomes: RowOutcome[];
  counts: { pass: number; fail: number; skip: number };
  /** Policy key → why it was rejected (kyverno skips invalid policies; their rows report skip). */
  skippedPolicies: Record<string, string>;
  /** No row failed (kyverno's criterion for exit 0). */
  passed: boolean;
}

export interface RunOptions {
  /**
   * Reproduce kyverno's known bug (kyverno/kyverno#11519, open as of 2026): a row expecting
   * `fail` passes whenever a rule answered, whatever the result. Off by default: a row whose
   * result differs from the expectation fails.
   */
  expectedFailAlwaysPasses?: boolean;
  /** A fixed clock for time-dependent JMESPath functions. */
  now?: Date;
}
