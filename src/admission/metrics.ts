/**
 * Prometheus metrics of one admission server. Each server has its own Registry, so two servers
 * in one process (tests, or validate and mutate split later) never share or clash on series.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RuleResult } from '../policy/types.js';
import type { PolicySet } from './policyset.js';

export interface AdmissionMetrics {
  readonly registry: Registry;
  /** Every HTTP request to the admission endpoints, by endpoint and status code. */
  readonly requests: Counter<'endpoint' | 'code'>;
  /** AdmissionReviews answered, by endpoint, operation and whether they were allowed. */
  readonly reviews: Counter<'endpoint' | 'operation' | 'allowed'>;
  /** Rule results, by policy, rule, result (pass, fail, warn, error, skip) and action. */
  readonly decisions: Counter<'policy' | 'rule' | 'result' | 'action'>;
  /** Time from the request's first byte to the response, by endpoint. */
  readonly duration: Histogram<'endpoint'>;
  /** Policy sets that failed to load (the previous set kept serving). */
  readonly policyLoadErrors: Counter;
  /** Policy sets swapped in. */
  readonly policyReloads: Counter;
  readonly policiesLoaded: Gauge;
  /** 1 for the serving set's version. */
  readonly policySetInfo: Gauge<'version'>;
  recordResults(results: readonly RuleResult[]): void;
  recordSet(set: PolicySet): void;
}

export interface MetricsOptions {
  readonly registry?: Registry;
  /** Also collect prom-client's process metrics (memory, event loop lag, GC). Default true. */
  readonly processMetrics?: boolean;
}

export function createAdmissionMetrics(opts: MetricsOptions = {}): AdmissionMetrics {
  const registry = opts.registry ?? new Registry();
  if (opts.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'portcullis_' });
  const registers = [registry];
  const requests = new Counter({ name: 'portcullis_admission_requests_total', help: 'HTTP requests to the admission endpoints', labelNames: ['endpoint', 'code'] as const, registers });
  const reviews = new Counter({
    name: 'portcullis_admission_reviews_total',
    help: 'AdmissionReviews answered',
    labelNames: ['endpoint', 'operation', 'allowed'] as const,
    registers,
  });
  const decisions = new Counter({
    name: 'portcullis_admission_rule_results_total',
    help: 'Rule results at admission, by policy, rule, result and failure action',
    labelNames: ['policy', 'rule', 'result', 'action'] as const,
    registers,
  });
  const duration = new Histogram({
    name: 'portcullis_admission_request_duration_seconds',
    help: 'Time from the first byte of the request to the response',
    labelNames: ['endpoint'] as const,
    // Sub-millisecond buckets: an evaluation takes ~0.2 ms; the apiserver's budget is seconds.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const policyLoadErrors = new Counter({ name: 'portcullis_policy_load_errors_total', help: 'Policy sets that failed to load; the previous set kept serving', registers });
  const policyReloads = new Counter({ name: 'portcullis_policy_reloads_total', help: 'Policy sets loaded and swapped in', registers });
  const policiesLoaded = new Gauge({ name: 'portcullis_policies_loaded', help: 'Policies in the serving set', registers });
  const policySetInfo = new Gauge({ name: 'portcullis_policy_set_info', help: 'The serving policy set (value 1, version label)', labelNames: ['version'] as const, registers });
  return {
    registry,
    requests,
    reviews,
    decisions,
    duration,
    policyLoadErrors,
    policyReloads,
    policiesLoaded,
    policySetInfo,
    recordResults(results) {
      for (const r of results) decisions.inc({ policy: r.policy, rule: r.rule, result: r.status, action: r.action });
    },
    recordSet(set) {
      policiesLoaded.set(set.policies.length);
      policySetInfo.reset();
      policySetInfo.set({ version: set.version }, 1);
    },
  };
}
