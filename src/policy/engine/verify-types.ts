/**
 * The contract between the engine's pure image-verification passes and the asynchronous
 * verifier (policy/verify): what must be verified (ImageRequest), and what was found
 * (ImageOutcome). The engine never does I/O; the verifier never decides a rule.
 */
import type { CompiledImageVerification } from './verify-compile.js';

/** One distinct (image, verification) a request needs checked. */
export interface ImageRequest {
  /** `image` + the verification's key: equal keys are verified once per request. */
  readonly key: string;
  /** Kyverno's ImageInfo.String(): `registry/path:tag`, or `registry/path@digest` when pinned (messages, matching). */
  readonly image: string;
  /**
   * The image as the resource writes it, which is what the kubelet pulls: Kyverno's string puts
   * `library/` before any one-component path, even on registries other than Docker Hub.
   */
  readonly reference: string;
  /** The digest the resource names, if any. */
  readonly digest?: string;
  readonly verification: CompiledImageVerification;
  /** From imageRegistryCredentials: http allowed, and extra pull secrets to try. */
  readonly insecure: boolean;
  readonly credentialSecrets: readonly string[];
}

/** Whose credentials pull the images: the Pod's imagePullSecrets, else its ServiceAccount's. */
export interface VerificationContext {
  readonly namespace: string;
  readonly pullSecrets: readonly string[];
  readonly serviceAccountName: string;
}

/** One attestor entry's result. `error` marks operational failures (network, timeout, configuration). */
export type EntryOutcome =
  | { readonly path: string; readonly ok: true; readonly predicates?: readonly unknown[] }
  | { readonly path: string; readonly ok: false; readonly reason: string; readonly error?: boolean };

export interface SetOutcome {
  readonly required: number;
  /** Entries in the order checked; a signature set stops once `required` entries verified. */
  readonly entries: readonly EntryOutcome[];
}

export interface ImageOutcome {
  readonly image: string;
  /** The digest verified (the resource's, or what its tag resolved to). */
  readonly digest?: string;
  /** Set when nothing could be checked (the tag did not resolve, a timeout, an unsupported feature). */
  readonly failure?: { readonly reason: string; readonly error: boolean };
  /** One per attestor set, in order, up to the first that did not verify. */
  readonly signatures: readonly SetOutcome[];
  /** Per attestation: per attestor set, each entry with the predicates of its verified statements. */
  readonly attestations: ReadonlyArray<{ readonly predicateType: string; readonly sets: readonly SetOutcome[] }>;
  /** True when this answer came from the cache. */
  readonly cached?: boolean;
}

/** A tag the verification resolved: `/mutate` replaces the image with `value` (pinning issue). */
export interface DigestMutation {
  readonly policy: string;
  readonly rule: string;
  readonly jsonPointer: string;
  readonly image: string;
  readonly digest: string;
  /**
   * The patch value: the image as written plus `@<digest>` (Kyverno writes its own image string,
   * whose `library/` would break a one-component path on another registry).
   */
  readonly value: string;
}
