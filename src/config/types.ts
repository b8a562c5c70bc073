import { PortcullisError } from '../errors/index.js';

/** Severities of misconfiguration checks, lowest first (no UNKNOWN: every check names one). */
export const CONFIG_SEVERITIES = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'] as const;
export type ConfigSeverity = (typeof CONFIG_SEVERITIES)[number];

export type ConfigErrorCode =
  | 'NOT_FOUND' // a path named on the command line does not exist
  | 'UNREADABLE' // the file exists but cannot be read
  | 'TOO_LARGE' // over the per-file size cap
  | 'BINARY' // NUL bytes or invalid UTF-8: not a text manifest or Dockerfile
  | 'INVALID_YAML' // not YAML/JSON, an alias bomb, nesting too deep
  | 'INVALID_DOCKERFILE' // a Dockerfile the parser rejects (unterminated heredoc, bad directive…)
  | 'BAD_OPTION' // a severity or registry option that cannot be read
  | 'ENGINE'; // the policy engine failed on a library policy (a defect, not an input problem)

export class ConfigError extends PortcullisError<ConfigErrorCode> {}

/** What a check looks at. */
export type CheckTarget = 'kubernetes' | 'dockerfile';

/** One check of the built-in library, as documented in docs/config-checks.md. */
export interface CheckMeta {
  /** `PCL-K8S-001`, `PCL-DF-003`. */
  id: string;
  target: CheckTarget;
  severity: ConfigSeverity;
  title: string;
  /** One or two sentences: what to change. */
  remediation: string;
  category: string;
  /** For Kubernetes checks: the ClusterPolicy that implements it. */
  policy?: string;
  /** What the check was learned from (a kyverno/policies path, a Trivy or hadolint rule). */
  inspiredBy?: string;
}

export type FindingStatus = 'fail' | 'warn' | 'error';

/** One check that did not pass, for one resource (or Dockerfile instruction). */
export interface ConfigFinding {
  checkId: string;
  severity: ConfigSeverity;
  title: string;
  remediation: string;
  /** The file as named on the command line or found under a named directory; `-` for stdin. */
  file: string;
  /** 1-based: the Kubernetes document's first line, or the Dockerfile instruction's. */
  line?: number;
  /** `Deployment/prod/web`, `Pod/web` (no namespace), or `stage build` / `stage 1` for Dockerfiles. */
  resource: string;
  message: string;
  status: FindingStatus;
  /** Kubernetes findings: the library policy and rule (`autogen-…` for a controller). */
  policy?: string;
  rule?: string;
}

/** One scanned file. */
export interface ConfigFileResult {
  file: string;
  type: CheckTarget;
  /** Kubernetes objects evaluated, or 1 for a Dockerfile. */
  resources: number;
  /** Check results that passed (after the severity filter), for the summary. */
  successes: number;
  findings: ConfigFinding[];
}

/** A file that could not be scanned; the scan goes on without it. */
export interface ConfigFileError {
  file: string;
  code: ConfigErrorCode;
  message: string;
}

export interface ConfigReport {
  /** Sorted by file name. */
  files: ConfigFileResult[];
  errors: ConfigFileError[];
  /** The checks that ran (after the severity filter), sorted by ID: SARIF rules come from here. */
  checks: CheckMeta[];
  /** Paths a walk left out on purpose (a Helm chart's templates/), with the reason. */
  skipped: Array<{ file: string; reason: string }>;
}

export interface ScanConfigOptions {
  /** Report only these severities (default: all). */
  severities?: readonly ConfigSeverity[];
  /**
   * Registries (and optional path prefixes) images may come from: `ghcr.io/acme`,
   * `registry.example.com`, `docker.io`. Unset: the allowed-registries check does not run.
   */
  allowedRegistries?: readonly string[];
  /** The text a path `-` stands for (Helm or Kustomize output piped in). */
  stdin?: string;
}
