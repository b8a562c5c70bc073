// The admission folder's face: each engineer's exports, one block each (additive).

// install (portcullis install: manifests, CRDs)
export { renderInstallManifests } from './install.js';
export { InstallError, INSTALL_DEFAULTS, MAX_POLICIES_BYTES, toCaBundle, type InstallErrorCode, type InstallOptions } from './install-settings.js';
export { POLICY_REPORT_CRD, CLUSTER_POLICY_REPORT_CRD } from './crds.js';

// server (portcullis serve: policy sets, the review core, HTTPS server, TLS, metrics)
export { AdmissionError, type AdmissionErrorCode } from './errors.js';
export {
  loadPolicySet,
  loadPolicySetAsync,
  policySetFromDocs,
  watchPolicies,
  PolicyStore,
  MAX_POLICY_FILE_BYTES,
  type PolicySet,
  type PolicySetSource,
  type PolicyStoreListener,
  type PolicyWatcher,
  type ReloadOutcome,
  type WatchOptions,
} from './policyset.js';
export {
  reviewAdmission,
  reviewMutation,
  parseAdmissionReview,
  toEvaluationInput,
  topLevelKind,
  buildResponse,
  classifyResults,
  denialMessage,
  auditWarnings,
  responseReview,
  ADMISSION_API_VERSION,
  WARNING_MAX_CHARS,
  MAX_WARNINGS,
  type AdmissionRequestInfo,
  type GroupVersionKind,
  type ParsedAdmissionRequest,
  type ReviewOptions,
  type ReviewOutcome,
} from './review.js';
export {
  createAdmissionServer,
  createAdmissionLogger,
  DEFAULT_TIMEOUT_MS,
  DEFAULT_BODY_LIMIT,
  type AdmissionServer,
  type AdmissionServerOptions,
  type AdmissionReportSink,
} from './server.js';
export {
  generateServingCertificate,
  readTlsFiles,
  watchTlsFiles,
  checkTlsMaterial,
  describeCertificate,
  serviceDnsNames,
  secureContextOptions,
  TLS_MIN_VERSION,
  type TlsMaterial,
  type GeneratedCertificate,
  type GenerateOptions,
  type TlsWatcher,
} from './tls.js';
export { createAdmissionMetrics, type AdmissionMetrics, type MetricsOptions } from './metrics.js';

// reports and lifecycle (PolicyReports, background scan, cluster mode, readiness, promote)
export {
  ReportStore,
  FileReportWriter,
  LifecycleError,
  REPORT_LIMITS,
  REPORT_LABELS,
  POLICY_REPORT_NAME,
  CLUSTER_POLICY_REPORT_NAME,
  sourceDateClock,
  splitResults,
  reportFileName,
  resourceKey,
  type ReportSink,
  type ReportProcess,
  type ReportStoreOptions,
  type LifecycleErrorCode,
} from './reports.js';
export {
  BackgroundScanner,
  scanOnce,
  evaluateInBackground,
  loadOfflineInput,
  loadPolicyFiles,
  compilePolicyDocs,
  namespaceLabelsOf,
  type ScanInput,
  type OfflineInput,
  type ScanSummary,
  type BackgroundScannerOptions,
} from './background.js';
export {
  loadKubeConfig,
  KubeClient,
  watchClusterPolicies,
  listClusterPolicyDocs,
  listClusterResources,
  ClusterReportWriter,
  SCAN_TARGETS,
  type KubeConfigOptions,
  type KubeClientOptions,
  type ApiResponse,
  type ClusterPolicyWatch,
  type ClusterPolicyWatchOptions,
  type ClusterReportWriterOptions,
  type WriteSummary,
} from './cluster.js';
export {
  assessReadiness,
  renderReadinessText,
  policyMode,
  OwnerIndex,
  SYSTEM_NAMESPACES,
  type ReadinessReport,
  type ReadinessOptions,
  type PolicyReadiness,
  type PolicyMode,
  type OwnerGroup,
  type Violation,
  type ProposedExclusion,
} from './readiness.js';
export { rewriteFailureAction, decidePromotion, planOverrides, type PromoteRequest, type ActionRewrite, type PromotionDecision, type OverrideOp } from './promote.js';
export { unifiedDiff, type DiffOptions } from './diff.js';
export { reviewAdmissionWithVerification, policySetVerifiesImages, verificationDeadline, kubeSecretReader, type VerifyReviewOptions, type VerifiedReviewOutcome } from './verify-review.js';
export { reviewPinning, pinTargets, globToRegExp, DigestCache, PIN_ANNOTATION, DEFAULT_PIN_CACHE_TTL_MS, type ImagePinnerOptions, type JsonPatchOp, type MutationOutcome } from './mutate.js';
