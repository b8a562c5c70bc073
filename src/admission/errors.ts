import { PortcullisError } from '../errors/index.js';

/**
 * BAD_REQUEST: an AdmissionReview that is not JSON, not admission.k8s.io/v1, or misses a field
 * (answered 400 with the reason). TIMEOUT: a request not answered before the deadline.
 * TLS: a certificate or key that cannot be read or does not pair. POLICY_LOAD: a policy file
 * that cannot be read, parsed or compiled (the message names the file and the reason).
 */
export type AdmissionErrorCode = 'BAD_REQUEST' | 'TIMEOUT' | 'TLS' | 'POLICY_LOAD';

export class AdmissionError extends PortcullisError<AdmissionErrorCode> {}
