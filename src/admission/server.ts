/**
 * The webhook's HTTPS server (the project's only HTTP server): /validate, /mutate, /healthz,
 * /readyz, /metrics. Bodies are read as bytes and parsed here, so a bad body gets a 400 that
 * says why; evaluation is the synchronous pure core (review.ts); logs, metrics and reports
 * happen after the answer.
 *
 * Timeouts: the apiserver gives up after the webhook's timeoutSeconds and applies its
 * failurePolicy. A request we cannot decide in time (a body still trickling in, a queue behind
 * a stalled loop) is answered with HTTP 500 TIMEOUT before `timeoutMs`, so the failurePolicy
 * the operator chose (Fail or Ignore) decides, rather than us guessing allow or deny.
 */
import type { Server as HttpsServer } from 'node:https';
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { pino, type Logger } from 'pino';
import { isPortcullisError } from '../errors/index.js';
import { MAX_DEPTH } from '../policy/engine/index.js';
import type { RuleResult } from '../policy/types.js';
import { AdmissionError } from './errors.js';
import { createAdmissionMetrics, type AdmissionMetrics } from './metrics.js';
import { PolicyStore, type PolicySetSource } from './policyset.js';
import { classifyResults, reviewAdmission, reviewMutation, type AdmissionRequestInfo } from './review.js';
import { policySetVerifiesImages, reviewAdmissionWithVerification, verificationDeadline } from './verify-review.js';
import type { ImageVerifier } from '../policy/verify/index.js';
import { reviewPinning, type ImagePinnerOptions } from './mutate.js';
import { secureContextOptions, type TlsMaterial } from './tls.js';

/** What the server calls after answering a reviewed request (engineer R's ReportStore fits). */
export interface AdmissionReportSink {
  record(results: RuleResult[], process: 'admission review' | 'background scan'): void;
}

export const DEFAULT_TIMEOUT_MS = 8000;
/** Large enough for a 5 MB object (a ConfigMap near etcd's limit) inside a review, twice (UPDATE). */
export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024;

export interface AdmissionServerOptions {
  readonly policies: PolicySetSource;
  readonly tls: TlsMaterial;
  /** Every request is answered before this (default 8 s, under the webhook's 10 s). */
  readonly timeoutMs?: number;
  readonly logger?: Logger;
  readonly metrics?: AdmissionMetrics;
  readonly reports?: AdmissionReportSink;
  readonly namespaceLabels?: (ns: string) => Record<string, string> | undefined;
  readonly bodyLimit?: number;
  /** Verifies image signatures for policies with verifyImages rules (cached by digest, deduplicated per request). */
  readonly verifier?: ImageVerifier;
  /** /mutate pins images (verifyImages mutateDigest, and every tag with `pinAll`); absent: /mutate allows without a patch. */
  readonly pinning?: ImagePinnerOptions;
}

export interface AdmissionServer {
  readonly app: FastifyInstance<HttpsServer>;
  readonly metrics: AdmissionMetrics;
  readonly logger: Logger;
  /** Starts listening; port 0 picks a free port. */
  listen(host: string, port: number): Promise<{ host: string; port: number }>;
  /** New certificate and key for new connections (rotation without restart). */
  setTls(m: TlsMaterial): void;
  close(): Promise<void>;
}

/** A JSON logger to stderr (one object per line), as the cluster's log collector wants. */
export function createAdmissionLogger(level = 'info', destination: pino.DestinationStream = pino.destination({ fd: 2, sync: false })): Logger {
  return pino({ level, base: { service: 'portcullis' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
}

/** Deepest JSON accepted in a body: the engine's bound plus the review's own levels. */
const MAX_BODY_DEPTH = MAX_DEPTH + 8;

/** Bracket depth of JSON text, strings skipped: linear, so it runs before JSON.parse builds a tree. */
function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

function parseBody(req: FastifyRequest): unknown {
  const type = String(req.headers['content-type'] ?? '');
  if (type !== '' && !/^application\/json\s*(;|$)/i.test(type)) {
    throw new AdmissionError('BAD_REQUEST', `content type ${JSON.stringify(type)} is not application/json`, { input: 'AdmissionReview' });
  }
  const body = req.body;
  if (!Buffer.isBuffer(body) || body.length === 0) throw new AdmissionError('BAD_REQUEST', 'empty body (want an AdmissionReview)', { input: 'AdmissionReview' });
  const text = body.toString('utf8');
  if (jsonDepthExceeds(text, MAX_BODY_DEPTH)) throw new AdmissionError('BAD_REQUEST', `JSON nested deeper than ${MAX_BODY_DEPTH} levels`, { input: 'AdmissionReview' });
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new AdmissionError('BAD_REQUEST', `not JSON (${(e as Error).message})`, { input: 'AdmissionReview' });
  }
}

/** What a request left for the log line and metrics, set by the handler. */
interface Outcome {
  endpoint: string;
  request?: AdmissionRequestInfo;
  allowed?: boolean;
  warnings?: number;
  enforceFailures?: string[];
  error?: { code: string; message: string };
  policySet?: string;
}

type Endpoint = 'validate' | 'mutate';

export function createAdmissionServer(opts: AdmissionServerOptions): AdmissionServer {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const logger = opts.logger ?? createAdmissionLogger();
  const metrics = opts.metrics ?? createAdmissionMetrics();
  // The app answers at 80% of the budget; the socket-level backstop (a client that never finishes
  // its headers) answers 408 and closes at 85%, checked every twentieth: both before the budget.
  const handlerTimeout = Math.max(1, Math.floor(timeoutMs * 0.8));
  const socketTimeout = Math.max(2, Math.floor(timeoutMs * 0.85));
  const app = Fastify<HttpsServer>({
    https: {
      ...secureContextOptions(opts.tls),
      requestTimeout: socketTimeout,
      headersTimeout: socketTimeout,
      connectionsCheckingInterval: Math.min(1000, Math.max(25, Math.floor(timeoutMs / 20))),
    },
    requestTimeout: socketTimeout,
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  const outcomes = new WeakMap<FastifyRequest, Outcome>();
  let closing = false;

  // Bytes in, parsed by the handler, so every failure gets our 400 with its reason.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

  const unsubscribe =
    opts.policies instanceof PolicyStore
      ? opts.policies.subscribe({
          loaded(set, previous) {
            metrics.policyReloads.inc();
            metrics.recordSet(set);
            logger.info({ policySet: set.version, previous: previous?.version, policies: set.policies.length, source: set.source }, 'policy set loaded');
            if (set.policies.length === 0) logger.warn({ source: set.source }, 'policy set is empty: every request is allowed');
          },
          failed(error) {
            metrics.policyLoadErrors.inc();
            const serving = opts.policies.current?.version;
            const msg = serving ? 'policy set failed to load; the previous set keeps serving' : 'policy set failed to load; no set is serving';
            logger.error({ error: { code: error.code, message: error.toLine() }, serving }, msg);
          },
        })
      : () => undefined;
  const initial = opts.policies.current;
  if (initial) metrics.recordSet(initial);

  const sendError = (reply: FastifyReply, status: number, code: string, message: string) =>
    reply.code(status).header('content-type', 'application/json').send(JSON.stringify({ code, message }));

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const outcome = outcomes.get(req);
    if (err.code === 'FST_ERR_HANDLER_TIMEOUT') {
      const message = `not answered within ${timeoutMs} ms; the webhook's failurePolicy applies`;
      if (outcome) outcome.error = { code: 'TIMEOUT', message };
      return sendError(reply, 500, 'TIMEOUT', message);
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (outcome) outcome.error = { code: err.code ?? 'INTERNAL', message: err.message };
    if (status >= 500) logger.error({ err }, 'request failed');
    return sendError(reply, status, err.code ?? 'INTERNAL', status >= 500 ? 'internal error' : err.message);
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, 404, 'NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`));

  // The outcome is created before the body is read, so a body too large or too slow (answered
  // without reaching the handler) is logged and counted too.
  app.addHook('onRequest', (req, _reply, done) => {
    const url = req.routeOptions.url;
    if (url === '/validate' || url === '/mutate') outcomes.set(req, { endpoint: url.slice(1) as Endpoint });
    done();
  });

  const review = (endpoint: Endpoint) => async (req: FastifyRequest, reply: FastifyReply) => {
    // The body finished arriving after the deadline answer went out: nothing more to say.
    if (reply.sent) return reply;
    const outcome = outcomes.get(req) ?? { endpoint };
    outcomes.set(req, outcome);
    let body: unknown;
    try {
      body = parseBody(req);
    } catch (e) {
      outcome.error = { code: 'BAD_REQUEST', message: (e as AdmissionError).message };
      return sendError(reply, 400, 'BAD_REQUEST', (e as AdmissionError).message);
    }
    // A request that waited past most of its budget (a stalled loop) is not worth deciding now.
    if (reply.elapsedTime > handlerTimeout) {
      const message = `not answered within ${timeoutMs} ms; the webhook's failurePolicy applies`;
      outcome.error = { code: 'TIMEOUT', message };
      return sendError(reply, 500, 'TIMEOUT', message);
    }
    let answer: Record<string, unknown>;
    let results: RuleResult[] = [];
    try {
      if (endpoint === 'mutate') {
        const set = opts.policies.current;
        if (!opts.pinning) {
          const out = reviewMutation(body);
          answer = out.review;
          outcome.request = out.request;
        } else {
          // Within what is left of the budget; /mutate never denies (a failure is a warning).
          const deadlineMs = Math.max(1, verificationDeadline(timeoutMs) - reply.elapsedTime);
          const labels = opts.namespaceLabels ? { namespaceLabels: opts.namespaceLabels } : {};
          const mutations =
            set && opts.verifier && policySetVerifiesImages(set)
              ? (await reviewAdmissionWithVerification(body, set, { ...labels, verifier: opts.verifier, deadlineMs })).mutations
              : [];
          const out = await reviewPinning(body, { ...opts.pinning, mutations, deadlineMs: Math.max(1, verificationDeadline(timeoutMs) - reply.elapsedTime) });
          answer = out.review;
          outcome.request = out.request;
          if (set) outcome.policySet = set.version;
        }
      } else {
        const set = opts.policies.current;
        if (!set) {
          outcome.error = { code: 'NOT_READY', message: 'no policy set loaded yet' };
          return sendError(reply, 503, 'NOT_READY', "no policy set loaded yet; the webhook's failurePolicy applies");
        }
        const labels = opts.namespaceLabels ? { namespaceLabels: opts.namespaceLabels } : {};
        // verifyImages is the one rule type that needs I/O: verify within what is left of the budget.
        const out =
          opts.verifier && policySetVerifiesImages(set)
            ? await reviewAdmissionWithVerification(body, set, { ...labels, verifier: opts.verifier, deadlineMs: Math.max(1, verificationDeadline(timeoutMs) - reply.elapsedTime) })
            : reviewAdmission(body, set, labels);
        answer = out.review;
        results = out.results;
        outcome.request = out.request;
        outcome.policySet = set.version;
      }
    } catch (e) {
      if (e instanceof AdmissionError && e.code === 'BAD_REQUEST') {
        outcome.error = { code: e.code, message: e.message };
        return sendError(reply, 400, e.code, e.message);
      }
      throw e;
    }
    const response = answer.response as { allowed: boolean; warnings?: string[] };
    outcome.allowed = response.allowed;
    outcome.warnings = response.warnings?.length ?? 0;
    if (!response.allowed) outcome.enforceFailures = classifyResults(results).enforce.map((r) => `${r.policy}/${r.rule}`);
    metrics.recordResults(results);
    // Reports after the answer, and never for dry runs (nothing is persisted).
    if (opts.reports && results.length > 0 && outcome.request && !outcome.request.dryRun) {
      const sink = opts.reports;
      setImmediate(() => {
        try {
          sink.record(results, 'admission review');
        } catch (e) {
          logger.warn({ error: isPortcullisError(e) ? e.toLine() : String(e) }, 'report sink failed');
        }
      });
    }
    // The serving set's version, so a decision can be traced to the policies that made it.
    if (outcome.policySet) reply.header('x-portcullis-policy-set', outcome.policySet);
    return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(answer));
  };

  app.post('/validate', { handlerTimeout }, review('validate'));
  app.post('/mutate', { handlerTimeout }, review('mutate'));
  app.get('/healthz', (_req, reply) => reply.code(200).send({ status: 'ok' }));
  app.get('/readyz', (_req, reply) => {
    const set = opts.policies.current;
    if (closing) return reply.code(503).send({ status: 'shutting down' });
    if (!set) return reply.code(503).send({ status: 'not ready', reason: 'no policy set loaded yet' });
    return reply.code(200).send({ status: 'ready', policySet: set.version, policies: set.policies.length });
  });
  app.get('/metrics', async (_req, reply) => {
    const text = await metrics.registry.metrics();
    return reply.code(200).header('content-type', metrics.registry.contentType).send(text);
  });

  // One log line and the metrics per admission request, after the response is written.
  app.addHook('onResponse', (req, reply, done) => {
    const outcome = outcomes.get(req);
    if (outcome) {
      const code = reply.statusCode;
      const seconds = reply.elapsedTime / 1000;
      metrics.requests.inc({ endpoint: outcome.endpoint, code: String(code) });
      metrics.duration.observe({ endpoint: outcome.endpoint }, seconds);
      const r = outcome.request;
      if (r && outcome.allowed !== undefined) metrics.reviews.inc({ endpoint: outcome.endpoint, operation: r.operation, allowed: String(outcome.allowed) });
      const line = {
        endpoint: outcome.endpoint,
        code,
        durationMs: Math.round(reply.elapsedTime * 100) / 100,
        ...(r
          ? {
              uid: r.uid,
              kind: `${r.kind.group ? `${r.kind.group}/` : ''}${r.kind.version}/${r.kind.kind}`,
              ...(r.subresource ? { subresource: r.subresource } : {}),
              resource: `${r.namespace ? `${r.namespace}/` : ''}${r.name ?? ''}`,
              operation: r.operation,
              dryRun: r.dryRun,
            }
          : {}),
        ...(outcome.allowed !== undefined ? { decision: outcome.allowed ? 'allowed' : 'denied', warnings: outcome.warnings } : {}),
        ...(outcome.enforceFailures ? { enforceFailures: outcome.enforceFailures } : {}),
        ...(outcome.policySet ? { policySet: outcome.policySet } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
      };
      if (code >= 500) logger.warn(line, 'admission request');
      else logger.info(line, 'admission request');
    }
    done();
  });

  app.server.on('tlsClientError', (err: Error & { code?: string }) => logger.debug({ error: err.code ?? err.message }, 'TLS handshake failed'));

  return {
    app,
    metrics,
    logger,
    async listen(host, port) {
      await app.listen({ host, port });
      const addr = app.server.address();
      const bound = typeof addr === 'object' && addr ? { host: addr.address, port: addr.port } : { host, port };
      logger.info({ host: bound.host, port: bound.port, timeoutMs, policySet: opts.policies.current?.version }, 'admission server listening');
      return bound;
    },
    setTls(m) {
      app.server.setSecureContext(secureContextOptions(m));
    },
    async close() {
      closing = true;
      unsubscribe();
      await app.close();
    },
  };
}
