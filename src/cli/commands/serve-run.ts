import { isPortcullisError, UsageError } from '../../errors/index.js';
import type { Resource } from '../../policy/types.js';
import {
  AdmissionError,
  BackgroundScanner,
  ClusterReportWriter,
  FileReportWriter,
  KubeClient,
  listClusterResources,
  loadKubeConfig,
  loadOfflineInput,
  namespaceLabelsOf,
  policySetFromDocs,
  ReportStore,
  sourceDateClock,
  watchClusterPolicies,
  type ScanInput,
  createAdmissionLogger,
  createAdmissionServer,
  DigestCache,
  describeCertificate,
  generateServingCertificate,
  PolicyStore,
  readTlsFiles,
  watchPolicies,
  watchTlsFiles,
  type AdmissionServer,
  type TlsMaterial,
} from '../../admission/index.js';
import { LeaseElector, writeWhileLeader } from '../../admission/lease.js';
import { writeOutput } from '../output.js';
import { SERVE_LOG_LEVELS, type ServeFlags } from './serve.js';

/** The webhook's timeoutSeconds is at most 30 s, so a longer budget could never be used. */
const MAX_TIMEOUT_MS = 30_000;

/** `HOST:PORT`, `:PORT` (every interface) or `[v6]:PORT`. */
export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(addr);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) throw new UsageError('BAD_FLAG', `invalid address "${addr}": want HOST:PORT, :PORT or [IPv6]:PORT`, { input: '--addr' });
  return { host: m[1] ?? (m[2] === '' ? '0.0.0.0' : m[2]!), port };
}

/** `8s`, `2500ms`, `1.5s` or a bare number of seconds → milliseconds, within (0, 30 s]. */
export function parseTimeout(s: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(s.trim());
  const ms = m ? Number(m[1]) * (m[2] === 'ms' ? 1 : 1000) : NaN;
  if (!m || !(ms >= 100) || ms > MAX_TIMEOUT_MS) {
    throw new UsageError('BAD_FLAG', `invalid timeout "${s}": want a duration from 100ms to 30s, e.g. 8s`, { input: '--timeout' });
  }
  return Math.round(ms);
}

export interface RunningServe {
  readonly server: AdmissionServer;
  readonly address: { host: string; port: number };
  /** The generated CA (PEM), when --generate-cert. */
  readonly ca?: string;
  /** The aggregated results, when reports are on (--reports-dir or --cluster). */
  readonly reports?: ReportStore;
  close(): Promise<void>;
}

/** Longest interval a timer can hold (setTimeout's limit is about 24.8 days). */
const MAX_INTERVAL_MS = 7 * 24 * 3600_000;
/** With the background scan off, cluster mode still refreshes namespace labels this often. */
const NAMESPACE_REFRESH_MS = 5 * 60_000;

/** `1h`, `30m`, `10s`, `250ms` or a bare number of seconds → milliseconds; `0` only when `allowZero`. */
export function parseDuration(s: string, flag: string, opts: { allowZero?: boolean; minMs?: number } = {}): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3600_000 }[m?.[2] ?? 's'] ?? NaN;
  const ms = m ? Math.round(Number(m[1]) * unit) : NaN;
  if (ms === 0 && opts.allowZero) return 0;
  if (!(ms >= (opts.minMs ?? 100)) || ms > MAX_INTERVAL_MS) {
    throw new UsageError('BAD_FLAG', `invalid duration "${s}": want e.g. 10s, 30m or 1h${opts.allowZero ? ' (0 turns it off)' : ''}, at most 7 days`, { input: flag });
  }
  return ms;
}

/** The flag combinations serve refuses before starting anything (exit 2). */
function checkFlags(flags: ServeFlags): void {
  const usage = (message: string) => new UsageError('USAGE', message, { input: 'serve' });
  const hasPolicies = flags.policies !== undefined && flags.policies.length > 0;
  if (flags.cluster && flags.policies !== undefined) throw usage('give either --policies DIR or --cluster, not both');
  if (!flags.cluster && !hasPolicies) throw usage('give --policies DIR (policy directories or files) or --cluster');
  if (flags.reportsCluster && flags.cluster) throw usage('--reports-cluster is redundant with --cluster (which already writes reports through the API)');
  if (flags.reportsCluster && flags.reportsDir !== undefined) throw usage('give either --reports-dir or --reports-cluster, not both');
  if (flags.reportsCluster && flags.backgroundResources) throw usage('--background-resources is for offline mode; --reports-cluster scans the cluster');
  if (!flags.cluster && !flags.reportsCluster && !flags.pullSecrets && (flags.kubeconfig !== undefined || flags.context !== undefined)) throw usage('--kubeconfig and --context go with --cluster, --reports-cluster or --pull-secrets');
  if (flags.cluster && flags.backgroundResources) throw usage('--background-resources is for offline mode; --cluster scans the cluster');
  if (flags.backgroundResources && !flags.reportsDir) throw usage('--background-resources needs --reports-dir (the scan only feeds reports)');
  if (!(SERVE_LOG_LEVELS as readonly string[]).includes(flags.logLevel)) {
    throw new UsageError('BAD_FLAG', `unknown log level "${flags.logLevel}": want one of ${SERVE_LOG_LEVELS.join(', ')}`, { input: '--log-level' });
  }
  const fromFiles = flags.tlsCert !== undefined || flags.tlsKey !== undefined;
  if (fromFiles && flags.generateCert) throw usage('give either --tls-cert/--tls-key or --generate-cert, not both');
  if (!fromFiles && !flags.generateCert) throw usage('HTTPS needs --tls-cert and --tls-key, or --generate-cert');
  if (fromFiles && (!flags.tlsCert || !flags.tlsKey)) throw usage('--tls-cert and --tls-key go together');
}

function errorFields(e: unknown): { code?: string; message: string } {
  return isPortcullisError(e) ? { code: e.code, message: e.toLine() } : { message: e instanceof Error ? e.message : String(e) };
}

/** A cluster's policy documents → the serving set; a set that does not compile keeps the old one serving. */
function swapClusterPolicies(store: PolicyStore, docs: Resource[]): void {
  try {
    const set = policySetFromDocs(docs, 'cluster');
    if (store.current?.version !== set.version) store.swap(set);
  } catch (e) {
    store.fail(e instanceof AdmissionError ? e : new AdmissionError('POLICY_LOAD', errorFields(e).message, { input: 'cluster', cause: e }));
  }
}

/** Validates the flags, loads policies and TLS, wires reports and the background scan, and starts listening. */
export async function startServe(flags: ServeFlags): Promise<RunningServe> {
  checkFlags(flags);
  const { host, port } = parseAddr(flags.addr);
  const timeoutMs = parseTimeout(flags.timeout);
  const reportIntervalMs = parseDuration(flags.reportInterval ?? '10s', '--report-interval');
  const backgroundMs = parseDuration(flags.backgroundInterval ?? '1h', '--background-interval', { allowZero: true });
  const fromFiles = flags.tlsCert !== undefined;
  // Cluster credentials are read before anything starts: a bad kubeconfig is a start-up error.
  const kube = flags.cluster || flags.reportsCluster ? new KubeClient(loadKubeConfig({ ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context ? { context: flags.context } : {}) })) : undefined;

  const logger = createAdmissionLogger(flags.logLevel);
  const generated = flags.generateCert ? await generateServingCertificate({ serviceName: flags.serviceName, namespace: flags.namespace }) : undefined;
  const tls: TlsMaterial = generated ?? readTlsFiles(flags.tlsCert!, flags.tlsKey!);

  // Reports are aggregated in memory and written in batches (files, the API), never per request.
  const reports = flags.reportsDir || kube ? new ReportStore(flags.reportsDir && !kube ? { clock: sourceDateClock() } : {}) : undefined;
  // namespaceSelector labels, replaced whole by each listing (the cluster's, or the offline resources').
  let namespaceLabels = new Map<string, Record<string, string>>();
  const labelSource = kube !== undefined || flags.backgroundResources !== undefined;

  const store = new PolicyStore();
  // Pull secrets need an API client even when policies come from files.
  // --reports-cluster alone grants no read on Secrets: pull secrets stay behind --pull-secrets.
  const secretsClient = flags.cluster ? kube : flags.pullSecrets ? (kube ?? new KubeClient(loadKubeConfig({ ...(flags.kubeconfig ? { kubeconfig: flags.kubeconfig } : {}), ...(flags.context ? { context: flags.context } : {}) }))) : undefined;
  const verifier = await createVerifier(flags, secretsClient);
  const pinCacheTtlMs = parseDuration(flags.pinCacheTtl ?? '5m', '--pin-cache-ttl', { minMs: 1 });
  const server = createAdmissionServer({
    verifier,
    // /mutate pins for verifyImages mutateDigest always, and every tagged image with --pin-images.
    pinning: {
      pinAll: flags.pinImages === true,
      ...(flags.pinExclude ? { exclude: flags.pinExclude } : {}),
      cache: new DigestCache({
        ttlMs: pinCacheTtlMs,
        registry: { ...(flags.registryPlainHttp ? { plainHttp: true } : {}), ...(flags.registryCredentials ? { dockerConfigPath: flags.registryCredentials } : {}), timeoutMs: Math.max(100, Math.floor(timeoutMs / 2)) },
      }),
    },
    policies: store,
    tls,
    timeoutMs,
    logger,
    ...(reports ? { reports } : {}),
    ...(labelSource ? { namespaceLabels: (ns: string) => namespaceLabels.get(ns) } : {}),
  });
  // Shutdown: inputs stop (watchers, scan), the server drains, then the report writers finish.
  const closers: Array<() => void | Promise<void>> = [];
  const finals: Array<() => void | Promise<void>> = [];
  const shutdown = async () => {
    for (const c of [...closers.splice(0).reverse(), () => server.close(), ...finals.splice(0)]) {
      try {
        await c();
      } catch (e) {
        logger.error({ error: errorFields(e) }, 'shutdown step failed');
      }
    }
  };

  if (reports && flags.reportsDir) {
    const writer = new FileReportWriter(flags.reportsDir);
    let changed = false;
    const offChanged = reports.onChange(() => (changed = true));
    const detach = writer.attach(reports, { debounceMs: reportIntervalMs, onError: (e) => logger.error({ error: errorFields(e) }, 'report files not written') });
    // On shutdown the last results are written at once instead of being lost with the debounce.
    finals.push(() => {
      detach();
      offChanged();
      if (changed) writer.write(reports.snapshot());
    });
  }
  if (reports && kube) {
    // --reports-cluster runs as several replicas: only the Lease holder writes its snapshot.
    const elector = flags.reportsCluster
      ? new LeaseElector(kube, {
          namespace: flags.namespace,
          onChange: (leader) => logger.info({ leader }, leader ? 'report writer: this replica holds the lease' : 'report writer: another replica holds the lease'),
          onError: (e) => logger.warn({ error: errorFields(e) }, 'report lease not renewed; retrying'),
        })
      : undefined;
    const writer = new ClusterReportWriter(kube, {
      debounceMs: reportIntervalMs,
      onWrite: (s) => logger.info({ created: s.created.length, updated: s.updated.length, unchanged: s.unchanged.length, deleted: s.deleted.length }, 'policy reports written'),
      onError: (e) => logger.error({ error: errorFields(e) }, 'policy reports not written; the next change retries'),
    });
    const detach = elector ? writeWhileLeader(elector, writer, reports) : writer.attach(reports);
    elector?.start();
    finals.push(async () => {
      detach();
      await writer.close();
      await elector?.stop();
    });
  }

  const list = kube
    ? async (): Promise<ScanInput> => {
        const input = await listClusterResources(kube);
        namespaceLabels = input.namespaceLabels;
        return input;
      }
    : flags.backgroundResources
      ? async (): Promise<ScanInput> => {
          const input = loadOfflineInput({ paths: flags.backgroundResources });
          namespaceLabels = input.namespaceLabels;
          return input;
        }
      : undefined;
  const scanner =
    reports && list && backgroundMs > 0
      ? new BackgroundScanner({
          store: reports,
          policies: () => store.current?.policies ?? [],
          list,
          intervalMs: backgroundMs,
          onScan: (s) => logger.info({ ...s }, 'background scan done'),
          onError: (e) => logger.error({ error: errorFields(e) }, 'background scan failed; the next interval retries'),
        })
      : undefined;
  if (scanner) closers.push(() => scanner.stop());
  else if (kube) {
    // No scan, but namespaceSelector still needs the namespaces' labels.
    const refresh = () =>
      kube.list('/api/v1/namespaces').then(
        (l) => (namespaceLabels = namespaceLabelsOf(l.items)),
        (e: unknown) => logger.error({ error: errorFields(e) }, 'namespace labels not listed'),
      );
    void refresh();
    const timer = setInterval(() => void refresh(), NAMESPACE_REFRESH_MS);
    timer.unref();
    closers.push(() => clearInterval(timer));
  }

  // The scan starts once a set serves (a scan without policies would only clear reports); results
  // of policies that left the set are dropped.
  const offStore = store.subscribe({
    loaded(set, previous) {
      if (reports && previous) {
        const names = new Set(set.policies.map((p) => p.name));
        for (const p of previous.policies) if (!names.has(p.name)) reports.forgetPolicy(p.name);
      }
      if (!previous) scanner?.start();
    },
  });
  closers.push(offStore);

  if (flags.cluster && kube) {
    const watch = watchClusterPolicies(kube, (docs) => swapClusterPolicies(store, docs), {
      onError: (e) => logger.warn({ error: errorFields(e) }, 'policy watch interrupted; retrying'),
    });
    closers.push(() => watch.stop());
  } else {
    const policyWatcher = watchPolicies(flags.policies!, store, { pollMs: 10_000 });
    closers.push(() => policyWatcher.close());
    const first = await policyWatcher.reload();
    if (first.error || !store.current) {
      await shutdown();
      throw first.error ?? new UsageError('USAGE', 'no policy set loaded', { input: '--policies' });
    }
  }
  if (fromFiles) {
    const tlsWatcher = watchTlsFiles(
      flags.tlsCert!,
      flags.tlsKey!,
      (m) => {
        server.setTls(m);
        logger.info({ certificate: describeCertificate(m.cert) }, 'TLS certificate reloaded');
      },
      (e) => logger.error({ error: { code: e.code, message: e.toLine() } }, 'TLS certificate not reloaded; the previous one keeps serving'),
      { pollMs: 10_000 },
    );
    closers.push(() => tlsWatcher.close());
  }

  let address: { host: string; port: number };
  try {
    address = await server.listen(host, port);
  } catch (e) {
    await shutdown();
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError('USAGE', `cannot listen (${code ?? (e as Error).message})`, { input: flags.addr });
  }
  // The CA goes out only once the server listens (a caBundle for a server that never ran is noise).
  if (generated) {
    writeOutput(generated.ca, flags.caOut);
    logger.info(
      { dnsNames: generated.dnsNames, notAfter: generated.notAfter.toISOString(), caOut: flags.caOut ?? 'stdout', caBundle: Buffer.from(generated.ca).toString('base64') },
      'generated a CA and serving certificate; put caBundle in the webhook configuration',
    );
  } else {
    logger.info({ certificate: describeCertificate(tls.cert) }, 'TLS certificate loaded');
  }
  if (kube && flags.cluster) logger.info({ server: kube.server }, 'cluster mode: policies, reports and the background scan through the Kubernetes API');
  else if (kube) logger.info({ server: kube.server }, 'reports and the background scan through the Kubernetes API; policies from files');
  return {
    server,
    address,
    ...(generated ? { ca: generated.ca } : {}),
    ...(reports ? { reports } : {}),
    close: shutdown,
  };
}

/** `portcullis serve`: runs until SIGTERM or SIGINT, then drains in-flight requests and exits 0. */
export async function runServe(flags: ServeFlags): Promise<void> {
  const running = await startServe(flags);
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      running.server.logger.info({ signal }, 'shutting down');
      running.close().then(resolve, resolve);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/**
 * The image verifier for verifyImages rules: registry credentials from the Pod's (or its
 * ServiceAccount's) imagePullSecrets in cluster mode, then --registry-credentials; trust
 * material from --trusted-root or the cached public-good root, never fetched at admission.
 */
async function createVerifier(flags: ServeFlags, kube: KubeClient | undefined) {
  const verify = await import('../../policy/verify/index.js');
  const trust = await import('../../trust/trusted-root.js');
  const { kubeSecretReader } = await import('../../admission/verify-review.js');
  return new verify.ImageVerifier({
    credentials: verify.createPullSecretCredentials(kube ? kubeSecretReader(kube) : undefined, flags.registryCredentials ? { fallback: verify.readDockerConfigFile(flags.registryCredentials) } : {}),
    ...(flags.trustedRoot ? { trustedRoot: trust.readTrustedRootFile(flags.trustedRoot) } : { loadTrustedRoot: () => trust.loadTrustedRoot({ offline: true }) }),
    ...(flags.registryPlainHttp ? { registry: { plainHttp: true } } : {}),
  });
}
