// The options of `portcullis install`, checked and resolved once into Settings that the
// object builders read. Bad options are InstallError BAD_OPTION naming the option.
import { X509Certificate } from 'node:crypto';
import { PortcullisError } from '../errors/index.js';

export type InstallErrorCode = 'BAD_OPTION' | 'NOT_IMPLEMENTED';

/** BAD_OPTION: an install option that cannot be used (the input names it). NOT_IMPLEMENTED: kept for options not built yet. */
export class InstallError extends PortcullisError<InstallErrorCode> {}

export interface InstallOptions {
  /** Namespace of its own (default `portcullis`); the webhook never reviews requests in it. */
  namespace?: string;
  /** Image reference; pin it by digest in production (default {@link INSTALL_DEFAULTS}.image). */
  image?: string;
  /** Deployment replicas (default 2); the PodDisruptionBudget is rendered only for 2 or more. */
  replicas?: number;
  /** The CA that signed the serving certificate: PEM text, or PEM already base64-encoded. */
  caBundle?: string;
  /** Name of the ConfigMap holding the policy files (default `portcullis-policies`). */
  policiesConfigMap?: string;
  /** Policy files to render into that ConfigMap (name → YAML text); absent: the ConfigMap is not rendered. */
  policies?: ReadonlyArray<{ name: string; text: string }>;
  /** Ignore (default) while policies are in Audit; Fail only once the webhook is proven (docs/deployment.md). */
  failurePolicy?: 'Ignore' | 'Fail';
  /** The API server's deadline for a review (default 10, Kubernetes allows 1–30); the server's own is 2 s shorter. */
  timeoutSeconds?: number;
  /** Namespaces to exclude besides kube-system and Portcullis's own. */
  excludeNamespaces?: readonly string[];
  /** Render the PolicyReport CRDs (default true; false when Kyverno or Policy Reporter already installed them). */
  crds?: boolean;
  /** Have cert-manager issue the serving certificate and inject the caBundle (default false). */
  certManager?: boolean;
  /**
   * Let verifyImages read a Pod's imagePullSecrets (and its ServiceAccount's) through the
   * API: adds `get` on secrets and serviceaccounts to the ClusterRole and `--pull-secrets`
   * to serve. Off by default: reading Secrets cluster-wide is a privilege to opt into.
   */
  pullSecrets?: boolean;
  /** A MutatingWebhookConfiguration for image pinning at admission, and `serve --pin-images` (default false). */
  mutation?: boolean;
  /**
   * Write PolicyReports through the API (`serve --reports-cluster`): adds a Role on
   * coordination.k8s.io Leases in its own namespace so replicas elect one writer (default false).
   */
  reports?: boolean;
}

export const NAME = 'portcullis';
export const TLS_SECRET = 'portcullis-tls';
export const CONTAINER_PORT = 8443;
export const TLS_DIR = '/etc/portcullis/tls';
export const POLICY_DIR = '/etc/portcullis/policies';
/** The webhook's name in the ValidatingWebhookConfiguration (must be a qualified domain name). */
export const WEBHOOK_NAME = 'validate.portcullis.dev';
/** The webhook's name in the MutatingWebhookConfiguration. */
export const MUTATING_WEBHOOK_NAME = 'mutate.portcullis.dev';
/** Namespaces the webhook never reviews: the control plane's, besides Portcullis's own. */
export const ALWAYS_EXCLUDED = ['kube-system'] as const;
/** Margin between the server's deadline and the API server's, so the server answers (fail-open) first. */
export const SERVER_TIMEOUT_MARGIN_SECONDS = 2;

export const INSTALL_DEFAULTS = {
  namespace: 'portcullis',
  // The image `docker build -t portcullis:0.1.0 .` makes (kind load docker-image works with it);
  // production installs pass --image REGISTRY/portcullis@sha256:… (a test keeps the tag = package version).
  image: 'portcullis:0.1.0',
  replicas: 2,
  policiesConfigMap: 'portcullis-policies',
  failurePolicy: 'Ignore',
  timeoutSeconds: 10,
} as const;

export interface Settings {
  namespace: string;
  image: string;
  replicas: number;
  /** base64 of the PEM, as the API expects. */
  caBundle?: string;
  policiesConfigMap: string;
  policies?: Array<{ name: string; text: string }>;
  failurePolicy: 'Ignore' | 'Fail';
  timeoutSeconds: number;
  serverTimeoutSeconds: number;
  excludedNamespaces: string[];
  crds: boolean;
  certManager: boolean;
  mutation: boolean;
  pullSecrets: boolean;
  reports: boolean;
}

/** The labels every object carries; the selector uses the first two. */
export function labels(): Record<string, string> {
  return { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/component': 'admission-webhook', 'app.kubernetes.io/part-of': NAME };
}

export function selectorLabels(): Record<string, string> {
  return { 'app.kubernetes.io/name': NAME, 'app.kubernetes.io/component': 'admission-webhook' };
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** ConfigMap keys: Kubernetes' IsConfigMapKey. */
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;
/** A ConfigMap holds at most 1 MiB; keep room for metadata. */
export const MAX_POLICIES_BYTES = 1_000_000;

function bad(option: string, reason: string): InstallError {
  return new InstallError('BAD_OPTION', reason, { input: option });
}

function checkNamespace(ns: string, option: string): void {
  if (ns.length > 63 || !DNS_LABEL.test(ns)) throw bad(option, `"${ns}" is not a namespace name (lower-case DNS label, at most 63 characters)`);
}

/** The CA bundle as base64 of PEM; accepts PEM or base64-encoded PEM, and checks every certificate parses. */
export function toCaBundle(input: string): string {
  const trimmed = input.trim();
  const pem = trimmed.startsWith('-----BEGIN') ? trimmed : Buffer.from(trimmed, 'base64').toString('utf8').trim();
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw bad('--ca-bundle', 'holds no PEM certificate (-----BEGIN CERTIFICATE-----)');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (e) {
      throw new InstallError('BAD_OPTION', 'a certificate in it does not parse as X.509', { input: '--ca-bundle', cause: e });
    }
  }
  return Buffer.from(blocks.join('\n') + '\n', 'utf8').toString('base64');
}

/** Check the options and fill in defaults; throws InstallError. */
export function resolveSettings(opts: InstallOptions): Settings {
  const namespace = opts.namespace ?? INSTALL_DEFAULTS.namespace;
  checkNamespace(namespace, '--namespace');
  // Its own namespace is exempt from review, so sharing one would exempt everything in it,
  // and the Namespace document would relabel a system namespace for Pod Security.
  if (namespace === 'default' || namespace.startsWith('kube-')) {
    throw bad('--namespace', `"${namespace}": install into a namespace of its own (the webhook exempts it from every policy)`);
  }
  const image = opts.image ?? INSTALL_DEFAULTS.image;
  if (image === '' || /\s/.test(image)) throw bad('--image', `"${image}" is not an image reference`);
  const replicas = opts.replicas ?? INSTALL_DEFAULTS.replicas;
  if (!Number.isInteger(replicas) || replicas < 1 || replicas > 100) throw bad('--replicas', `${replicas}: want a whole number from 1 to 100`);
  const failurePolicy = opts.failurePolicy ?? INSTALL_DEFAULTS.failurePolicy;
  if (failurePolicy !== 'Ignore' && failurePolicy !== 'Fail') throw bad('--failure-policy', `"${String(failurePolicy)}": want Ignore or Fail`);
  const timeoutSeconds = opts.timeoutSeconds ?? INSTALL_DEFAULTS.timeoutSeconds;
  // Kubernetes allows 1–30; the server needs a deadline of at least 1 s under the margin.
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 + SERVER_TIMEOUT_MARGIN_SECONDS || timeoutSeconds > 30) {
    throw bad('--timeout-seconds', `${timeoutSeconds}: want a whole number of seconds from ${1 + SERVER_TIMEOUT_MARGIN_SECONDS} to 30`);
  }
  const policiesConfigMap = opts.policiesConfigMap ?? INSTALL_DEFAULTS.policiesConfigMap;
  if (policiesConfigMap.length > 253 || !DNS_SUBDOMAIN.test(policiesConfigMap)) throw bad('--policies-configmap', `"${policiesConfigMap}" is not a ConfigMap name`);
  const excluded = new Set<string>([...ALWAYS_EXCLUDED, namespace]);
  for (const ns of opts.excludeNamespaces ?? []) {
    checkNamespace(ns, '--exclude-namespace');
    excluded.add(ns);
  }
  const settings: Settings = {
    namespace,
    image,
    replicas,
    policiesConfigMap,
    failurePolicy,
    timeoutSeconds,
    serverTimeoutSeconds: timeoutSeconds - SERVER_TIMEOUT_MARGIN_SECONDS,
    excludedNamespaces: [...excluded].sort(),
    crds: opts.crds ?? true,
    certManager: opts.certManager ?? false,
    mutation: opts.mutation ?? false,
    pullSecrets: opts.pullSecrets ?? false,
    reports: opts.reports ?? false,
  };
  if (opts.caBundle !== undefined) {
    if (settings.certManager) throw bad('--ca-bundle', 'cert-manager injects the caBundle: give one or the other');
    settings.caBundle = toCaBundle(opts.caBundle);
  }
  if (opts.policies) settings.policies = checkPolicies(opts.policies);
  return settings;
}

function checkPolicies(files: ReadonlyArray<{ name: string; text: string }>): Array<{ name: string; text: string }> {
  const seen = new Set<string>();
  let total = 0;
  for (const f of files) {
    if (f.name.length > 253 || !CONFIGMAP_KEY.test(f.name) || f.name.startsWith('.')) {
      throw bad(f.name, 'not usable as a ConfigMap key (letters, digits, -, _ and ., not starting with .)');
    }
    if (seen.has(f.name)) throw bad(f.name, 'two policy files with this name');
    seen.add(f.name);
    total += Buffer.byteLength(f.name) + Buffer.byteLength(f.text);
  }
  if (total > MAX_POLICIES_BYTES) throw bad('--policies', `${total} bytes of policies: a ConfigMap holds at most about 1 MB (mount your own with --policies-configmap)`);
  return [...files].map((f) => ({ name: f.name, text: f.text })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
