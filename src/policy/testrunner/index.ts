/**
 * kyverno-test.yaml suites: load them (`loadTestSuite`), run them against the engine the way
 * `kyverno test` does (`runTestSuite`), and find them under folders (`findTestFiles`).
 */
export { loadTestSuite, toTestSuite } from './load.js';
export { runTestSuite, loadSuitePolicies, loadSuiteResources } from './run.js';
export { findTestFiles } from './discover.js';
export { checkConformance, type ConformanceResult } from './conformance.js';
export { toReportResult } from './compare.js';
export { parseValues, parseUserInfo, loadValuesFile } from './values.js';
export { planInputs, resourceValues, isRuleOrAutogen, type InputContext, type PlannedInput } from './inputs.js';
export type {
  CheckStatus,
  GroupVersionKind,
  PolicyValues,
  ReportResult,
  ResourceSpec,
  ResourceValues,
  RowOutcome,
  RuleValues,
  RunOptions,
  SubresourceSpec,
  SuiteResult,
  TestResultRow,
  TestSuite,
  UserInfoSpec,
  ValuesSpec,
} from './types.js';
