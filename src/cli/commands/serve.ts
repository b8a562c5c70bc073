import type { Command } from 'commander';

export interface ServeFlags {
  policies?: string[];
  addr: string;
  tlsCert?: string;
  tlsKey?: string;
  generateCert?: boolean;
  serviceName: string;
  namespace: string;
  caOut?: string;
  timeout: string;
  logLevel: string;
  debug?: boolean;
  reportsDir?: string;
  /** Commander fills the defaults; optional so callers building flags in code need not. */
  reportInterval?: string;
  backgroundInterval?: string;
  backgroundResources?: string[];
  cluster?: boolean;
  /** Policies from --policies, but reports and the background scan through the API (one writer per Lease). */
  reportsCluster?: boolean;
  kubeconfig?: string;
  context?: string;
  /** verifyImages: a docker config.json for private registries (after the Pod's pull secrets). */
  registryCredentials?: string;
  /** verifyImages: a Sigstore trusted_root.json (default: the cached public-good root, offline). */
  trustedRoot?: string;
  /** verifyImages: allow plain http to registries (loopback registries). */
  registryPlainHttp?: boolean;
  /** verifyImages: read Pods' imagePullSecrets through the API (kubeconfig or in-cluster) without --cluster. */
  pullSecrets?: boolean;
  /** /mutate pins every tagged container image to its digest. */
  pinImages?: boolean;
  /** How long a resolved tag is trusted (default 5m). */
  pinCacheTtl?: string;
  /** Images (globs over the image as written) /mutate never pins. */
  pinExclude?: string[];
}

export const SERVE_LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('run the admission webhook server (HTTPS): /validate, /mutate, /healthz, /readyz, /metrics')
    .option('--policies <path...>', 'policy directories or files (read recursively; reloaded when they change)')
    .option('--addr <host:port>', 'address to listen on (":8443" is every interface)', ':8443')
    .option('--tls-cert <file>', 'PEM certificate chain (reloaded when the file changes)')
    .option('--tls-key <file>', 'PEM private key (with --tls-cert)')
    .option('--generate-cert', 'generate a CA and a serving certificate for the Service at start; print the CA for caBundle')
    .option('--service-name <name>', 'Service name for the generated certificate', 'portcullis')
    .option('--namespace <ns>', 'Service namespace for the generated certificate', 'portcullis')
    .option('--ca-out <file>', 'write the generated CA (PEM) to FILE instead of stdout')
    .option('--timeout <duration>', 'answer every request within this (e.g. 8s, 2500ms; at most 30s)', '8s')
    .option('--log-level <level>', `log level: ${SERVE_LOG_LEVELS.join(', ')}`, 'info')
    .option('--reports-dir <dir>', 'write PolicyReport / ClusterPolicyReport YAML files of admission and background results to DIR')
    .option('--report-interval <duration>', 'write reports at most once per this (e.g. 10s, 1m)', '10s')
    .option('--background-interval <duration>', 'rescan existing resources this often (e.g. 1h, 30m; 0 turns the scan off)', '1h')
    .option('--background-resources <path...>', 'offline background scan: manifest files/directories or `kubectl get -o json` dumps (with --reports-dir)')
    .option('--cluster', 'cluster mode: policies from the ClusterPolicy/Policy objects, reports and the background scan through the Kubernetes API')
    .option('--reports-cluster', 'policies from --policies, but PolicyReports and the background scan through the Kubernetes API; replicas elect one report writer with Lease portcullis-reports in --namespace')
    .option('--kubeconfig <file>', 'kubeconfig for --cluster (default $KUBECONFIG, ~/.kube/config, then the in-cluster service account)')
    .option('--context <name>', 'kubeconfig context for --cluster')
    .option('--registry-credentials <file>', 'verifyImages: a docker config.json for private registries (the Pod\'s imagePullSecrets come first in cluster mode)')
    .option('--trusted-root <file>', 'verifyImages: a Sigstore trusted_root.json for keyless verification (default: the cached public-good root, offline)')
    .option('--pull-secrets', "verifyImages: read Pods' imagePullSecrets (and their ServiceAccount's) through the Kubernetes API, also without --cluster (kubeconfig or in-cluster)")
    .option('--registry-plain-http', 'verifyImages and pinning: allow plain http to registries (loopback registries)')
    .option('--pin-images', '/mutate pins every container image written with a tag to its digest (name:tag@sha256:…)')
    .option('--pin-cache-ttl <duration>', 'how long a resolved tag is reused by /mutate (e.g. 5m, 30s)', '5m')
    .option('--pin-exclude <glob...>', 'images /mutate never pins (globs over the image as written, * and ?)')
    // The implementation is imported on use, so `--help` and other commands stay fast.
    .action(async (flags: ServeFlags) => (await import('./serve-run.js')).runServe(flags));
}
