import { PortcullisError } from '../errors/index.js';

export type PolicyErrorCode =
  | 'INVALID_POLICY' // a policy document fails validation (unknown field, bad operator…): message names the field path
  | 'INVALID_YAML' // not YAML/JSON, alias bomb, too deep
  | 'UNSUPPORTED' // a rule type we do not evaluate (mutate, generate…) where it matters
  | 'VARIABLE' // a variable could not be resolved where Kyverno errors
  | 'JMESPATH' // a JMESPath syntax or evaluation error
  | 'INVALID_TEST' // a kyverno-test.yaml suite is malformed
  | 'INVALID_RESOURCE'; // a resource document is not a Kubernetes object

export class PolicyError extends PortcullisError<PolicyErrorCode> {}

/** A Kubernetes object as JSON. */
export type Resource = Record<string, unknown>;

export type RuleStatus = 'pass' | 'fail' | 'warn' | 'error' | 'skip';
export type FailureAction = 'Audit' | 'Enforce';
export type Operation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

export interface UserInfo {
  username?: string;
  uid?: string;
  groups?: string[];
  extra?: Record<string, string[]>;
}

/** What the admission request (or the CLI's values file) says about the evaluation. */
export interface AdmissionInfo {
  /** Default CREATE in the CLI; undefined in a background scan (`request.operation` empty). */
  operation?: Operation;
  userInfo?: UserInfo;
  roles?: string[];
  clusterRoles?: string[];
  /** The previous object for UPDATE (and the object for DELETE). */
  oldObject?: Resource;
  dryRun?: boolean;
  subresource?: string;
  /** Labels of the resource's namespace, for `namespaceSelector` (and overrides' selectors). */
  namespaceLabels?: Record<string, string>;
  /**
   * The kind the request is for, when it differs from the object's own (a subresource: a
   * `Scale` object sent for `deployments/scale` has requestKind apps/v1 Deployment and
   * subresource `scale`), so `kinds: [Deployment/scale]` can match. (Added by the test runner.)
   */
  requestKind?: { group: string; version: string; kind: string };
}

export interface EvaluationInput {
  resource: Resource;
  admission?: AdmissionInfo;
  /**
   * Extra variables, by dotted name, as a kyverno-test values file gives them
   * (`request.operation: UPDATE`, `element.name: x`, a context variable's name). They
   * override what the context would compute.
   */
  variables?: Record<string, unknown>;
  /** A fixed clock for time_now() and friends (tests). */
  now?: Date;
  /**
   * kyverno-test `foreachValues`: variable name → one value per foreach iteration; on
   * iteration i (of the innermost foreach) the variable is values[i]. (Added by the test runner.)
   */
  foreachValues?: Record<string, unknown[]>;
}

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** One rule's response for one resource (rules that do not match give no response). */
export interface RuleResult {
  /** `name` for a ClusterPolicy, `namespace/name` for a Policy. */
  policy: string;
  /** The rule name as evaluated: `autogen-<rule>` / `autogen-cronjob-<rule>` for generated rules. */
  rule: string;
  status: RuleStatus;
  /** Kyverno's message (`validation error: … rule r failed at path /spec/…`, `validation rule 'r' passed.`). */
  message: string;
  /** The action that applies to this resource (rule overrides, failureAction, spec overrides, spec). */
  action: FailureAction;
  resource: ResourceRef;
  /** From `policies.kyverno.io/category` and `/severity` annotations. */
  category?: string;
  severity?: string;
  /** false when `policies.kyverno.io/scored: "false"` (a fail then reports as warn). */
  scored: boolean;
}
