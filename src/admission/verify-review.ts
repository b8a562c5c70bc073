/**
 * The review with image verification: like reviewAdmission, but verifyImages rules are
 * evaluated too, which needs the one asynchronous step (signatures at the registry, cached by
 * digest, each distinct image verified once per request). A set without verifyImages rules
 * takes the synchronous path unchanged.
 *
 * Time: the server answers before the webhook's timeout. Verification gets `deadlineMs`
 * (verificationDeadline: 60% of the server's budget); an image not verified by then is an
 * `error` result, which an Enforce rule denies (Kyverno's failurePolicy Fail; the policy's
 * failurePolicy Ignore is not consulted). The check finishes in the background and fills the
 * cache, so the apiserver's retry is answered from it.
 *
 * Credentials: the Pod's imagePullSecrets, else its ServiceAccount's, read through a
 * SecretReader — kubeSecretReader in cluster mode (needs `get` on secrets and serviceaccounts).
 */
import { hasVerifyImages } from '../policy/engine/index.js';
import type { Resource } from '../policy/types.js';
import type { DigestMutation } from '../policy/engine/index.js';
import { evaluatePoliciesWithVerification, type ImageVerifier, type SecretReader } from '../policy/verify/index.js';
import type { KubeClient } from './cluster.js';
import type { PolicySet } from './policyset.js';
import { buildResponse, parseAdmissionReview, reviewAdmission, toEvaluationInput, type ReviewOptions, type ReviewOutcome } from './review.js';

export interface VerifyReviewOptions extends ReviewOptions {
  verifier: ImageVerifier;
  /** Verifications not finished by then are error results (default: none). */
  deadlineMs?: number;
}

export interface VerifiedReviewOutcome extends ReviewOutcome {
  /** Tags resolved for mutateDigest rules (the /mutate patch; not applied here). */
  mutations: DigestMutation[];
}

const verifying = new WeakMap<PolicySet, boolean>();

/** True when any policy of the set has verifyImages rules (computed once per set). */
export function policySetVerifiesImages(set: PolicySet): boolean {
  let v = verifying.get(set);
  if (v === undefined) verifying.set(set, (v = set.policies.some(hasVerifyImages)));
  return v;
}

/** The share of the server's timeout verification may use, leaving room to answer. */
export function verificationDeadline(serverTimeoutMs: number): number {
  return Math.max(1, Math.floor(serverTimeoutMs * 0.6));
}

/** One AdmissionReview → the response, verifying images when the set asks. Throws AdmissionError BAD_REQUEST when malformed. */
export async function reviewAdmissionWithVerification(review: unknown, set: PolicySet, opts: VerifyReviewOptions): Promise<VerifiedReviewOutcome> {
  if (!policySetVerifiesImages(set)) return { ...reviewAdmission(review, set, opts), mutations: [] };
  const req = parseAdmissionReview(review);
  const out = await evaluatePoliciesWithVerification(set.policies, toEvaluationInput(req, opts), opts.verifier, opts.deadlineMs !== undefined ? { deadlineMs: opts.deadlineMs } : {});
  return { review: buildResponse(req, out.results), results: out.results, request: req.info, mutations: out.mutations };
}

const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/** Secrets and ServiceAccounts through the Kubernetes API; 404 is "none". */
export function kubeSecretReader(client: KubeClient): SecretReader {
  const get = async (ns: string, kind: 'secrets' | 'serviceaccounts', name: string): Promise<Resource | undefined> => {
    // Names come from the request: never let one steer the URL.
    if (!NAME.test(ns) || !NAME.test(name)) return undefined;
    const path = `/api/v1/namespaces/${ns}/${kind}/${name}`;
    const res = await client.request('GET', path);
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status >= 300) throw client.failure('GET', path, res);
    return res.body !== null && typeof res.body === 'object' && !Array.isArray(res.body) ? (res.body as Resource) : undefined;
  };
  return { secret: (ns, name) => get(ns, 'secrets', name), serviceAccount: (ns, name) => get(ns, 'serviceaccounts', name) };
}
