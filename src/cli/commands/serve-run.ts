import { UsageError } from '../../errors/index.js';
import {
  createAdmissionLogger,
  createAdmissionServer,
  describeCertificate,
  generateServingCertificate,
  PolicyStore,
  readTlsFiles,
  watchPolicies,
  watchTlsFiles,
  type AdmissionServer,
  type TlsMaterial,
} from '../../admission/index.js';
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
  close(): Promise<void>;
}

/** Validates the flags, loads policies and TLS, and starts listening. */
export async function startServe(flags: ServeFlags): Promise<RunningServe> {
  if (!flags.policies || flags.policies.length === 0) throw new UsageError('USAGE', 'give --policies DIR (policy directories or files)', { input: 'serve' });
  if (!(SERVE_LOG_LEVELS as readonly string[]).includes(flags.logLevel)) {
    throw new UsageError('BAD_FLAG', `unknown log level "${flags.logLevel}": want one of ${SERVE_LOG_LEVELS.join(', ')}`, { input: '--log-level' });
  }
  const { host, port } = parseAddr(flags.addr);
  const timeoutMs = parseTimeout(flags.timeout);
  const fromFiles = flags.tlsCert !== undefined || flags.tlsKey !== undefined;
  if (fromFiles && flags.generateCert) throw new UsageError('USAGE', 'give either --tls-cert/--tls-key or --generate-cert, not both', { input: 'serve' });
  if (!fromFiles && !flags.generateCert) throw new UsageError('USAGE', 'HTTPS needs --tls-cert and --tls-key, or --generate-cert', { input: 'serve' });
  if (fromFiles && (!flags.tlsCert || !flags.tlsKey)) throw new UsageError('USAGE', '--tls-cert and --tls-key go together', { input: 'serve' });

  const logger = createAdmissionLogger(flags.logLevel);
  const generated = flags.generateCert ? await generateServingCertificate({ serviceName: flags.serviceName, namespace: flags.namespace }) : undefined;
  const tls: TlsMaterial = generated ?? readTlsFiles(flags.tlsCert!, flags.tlsKey!);

  const store = new PolicyStore();
  const server = createAdmissionServer({ policies: store, tls, timeoutMs, logger });
  const policyWatcher = watchPolicies(flags.policies, store, { pollMs: 10_000 });
  const first = await policyWatcher.reload();
  if (first.error || !store.current) {
    policyWatcher.close();
    await server.close();
    throw first.error ?? new UsageError('USAGE', 'no policy set loaded', { input: '--policies' });
  }
  const tlsWatcher = fromFiles
    ? watchTlsFiles(
        flags.tlsCert!,
        flags.tlsKey!,
        (m) => {
          server.setTls(m);
          logger.info({ certificate: describeCertificate(m.cert) }, 'TLS certificate reloaded');
        },
        (e) => logger.error({ error: { code: e.code, message: e.toLine() } }, 'TLS certificate not reloaded; the previous one keeps serving'),
        { pollMs: 10_000 },
      )
    : undefined;

  let address: { host: string; port: number };
  try {
    address = await server.listen(host, port);
  } catch (e) {
    policyWatcher.close();
    tlsWatcher?.close();
    await server.close();
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
  return {
    server,
    address,
    ...(generated ? { ca: generated.ca } : {}),
    async close() {
      policyWatcher.close();
      tlsWatcher?.close();
      await server.close();
    },
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
