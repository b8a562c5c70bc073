/**
 * Phase 2 of image verification, the one asynchronous step: resolve tags to digests, then
 * check each distinct (image digest, verification) once. Answers are cached by digest for a
 * TTL (a verifyImages entry's `useCache`, on by default), and a check already running — for
 * this request or a concurrent one — is joined rather than repeated, so a Pod whose eight
 * containers share an image costs one verification, and the next Pod none.
 *
 * Only complete successes are cached (as Kyverno caches only passes): a failing image is
 * checked again next time, so signing it takes effect at once. A deadline turns a check that
 * is still running into an error outcome; the check itself finishes in the background and
 * fills the cache for the next request.
 */
import { isPortcullisError } from '../../errors/index.js';
import { parseReference, type Credentials, type ImageRef, type OpenOptions } from '../../oci/index.js';
import type { AttestorSetSpec, AttestorSpec, EntryOutcome, ImageOutcome, ImageRequest, SetOutcome, VerificationContext } from '../engine/index.js';
import { AttestorConfigError, TrustMaterialResolver } from './attestors.js';
import { createTrustBackend, type ImageSession, type VerificationBackend } from './backend.js';
import { TtlCache } from './cache.js';
import type { RegistryCredentialSource } from './credentials.js';

export interface ImageVerifierOptions {
  /** trusted_root.json content: keyless certificates, Rekor entries and SCTs are checked against it, offline. */
  trustedRoot?: unknown;
  /** Or a loader, called once on first need (e.g. the cached Sigstore root through loadTrustedRoot). */
  loadTrustedRoot?: () => Promise<unknown>;
  credentials?: RegistryCredentialSource;
  /** Registry options for every image (plain HTTP for loopback registries, CA certificates, timeouts). */
  registry?: Omit<OpenOptions, 'credentials' | 'platform'>;
  /** How long a verified answer is reused (default 60 minutes, Kyverno's default). */
  cacheTtlMs?: number;
  /** Cached answers kept at most (default 1000). */
  cacheMaxEntries?: number;
  /** Verifications run at once per call (default 4). */
  concurrency?: number;
  clock?: () => number;
  backend?: VerificationBackend;
}

export interface VerifyCallOptions {
  context?: VerificationContext;
  /** Outcomes not ready after this many ms are errors (the admission server's budget). */
  deadlineMs?: number;
}

export interface VerifierStats {
  /** Requests asked for (after the engine's dedup). */
  requests: number;
  /** Answered from the cache (tag resolutions and verifications). */
  cacheHits: number;
  /** Joined a check already running. */
  joined: number;
  /** Tags resolved at the registry. */
  resolutions: number;
  /** (digest, verification) pairs checked against the registry. */
  verifications: number;
}

const NO_CONTEXT: VerificationContext = { namespace: '', pullSecrets: [], serviceAccountName: 'default' };
/** Codes that mean "could not check" (network, server, configuration), not "did not verify". */
const OPERATIONAL = new Set(['NETWORK', 'REGISTRY_ERROR', 'BAD_TRUSTED_ROOT', 'TOO_LARGE', 'BAD_FLAG', 'INVALID_RESOURCE', 'CLUSTER_API']);

function classify(e: unknown): { reason: string; error: boolean } {
  if (e instanceof AttestorConfigError) return { reason: e.message, error: true };
  if (isPortcullisError(e)) return { reason: e.message, error: OPERATIONAL.has(e.code) };
  return { reason: e instanceof Error ? e.message : String(e), error: true };
}

type Outcome = Omit<ImageOutcome, 'image' | 'cached'>;

function complete(o: Outcome, sets: readonly AttestorSetSpec[]): boolean {
  if (o.failure) return false;
  const met = (s: SetOutcome) => s.entries.filter((e) => e.ok).length >= s.required;
  return o.signatures.length === sets.length && o.signatures.every(met) && o.attestations.every((a) => a.sets.every(met));
}

export class ImageVerifier {
  private readonly backend: VerificationBackend;
  private readonly answers: TtlCache<Outcome>;
  private readonly tags: TtlCache<string>;
  private readonly running = new Map<string, Promise<Outcome>>();
  private readonly resolving = new Map<string, Promise<string>>();
  private readonly trust: TrustMaterialResolver;
  private readonly counters: VerifierStats = { requests: 0, cacheHits: 0, joined: 0, resolutions: 0, verifications: 0 };

  constructor(private readonly opts: ImageVerifierOptions = {}) {
    this.backend = opts.backend ?? createTrustBackend();
    const ttl = opts.cacheTtlMs ?? 60 * 60_000;
    const max = opts.cacheMaxEntries ?? 1000;
    this.answers = new TtlCache(ttl, max, opts.clock);
    this.tags = new TtlCache(ttl, max, opts.clock);
    const load = opts.loadTrustedRoot;
    this.trust = new TrustMaterialResolver(opts.trustedRoot !== undefined || !load ? opts.trustedRoot : () => load());
  }

  get stats(): Readonly<VerifierStats> {
    return { ...this.counters };
  }

  clearCache(): void {
    this.answers.clear();
    this.tags.clear();
  }

  /** Outcomes keyed by ImageRequest.key. Never throws for an image: failures are outcomes. */
  async verify(requests: readonly ImageRequest[], call: VerifyCallOptions = {}): Promise<Map<string, ImageOutcome>> {
    const ctx = call.context ?? NO_CONTEXT;
    const out = new Map<string, ImageOutcome>();
    const creds = new Map<string, Promise<Credentials | undefined>>();
    const queue = [...requests];
    this.counters.requests += requests.length;
    const worker = async () => {
      for (let req = queue.shift(); req; req = queue.shift()) out.set(req.key, await this.withDeadline(req, this.one(req, ctx, creds), call.deadlineMs));
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(this.opts.concurrency ?? 4, queue.length)) }, worker));
    return out;
  }

  private async withDeadline(req: ImageRequest, work: Promise<ImageOutcome>, ms: number | undefined): Promise<ImageOutcome> {
    if (ms === undefined) return work;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<ImageOutcome>((resolve) => {
      timer = setTimeout(() => resolve({ image: req.image, failure: { reason: `verification did not finish within ${ms} ms`, error: true }, signatures: [], attestations: [] }), Math.max(0, ms));
    });
    try {
      return await Promise.race([work, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async one(req: ImageRequest, ctx: VerificationContext, creds: Map<string, Promise<Credentials | undefined>>): Promise<ImageOutcome> {
    const fail = (reason: string, error: boolean): ImageOutcome => ({ image: req.image, failure: { reason, error }, signatures: [], attestations: [] });
    // The engine answers these with an error naming the feature: nothing to fetch.
    if (req.verification.unsupported.length > 0) return { image: req.image, signatures: [], attestations: [] };
    let ref: ImageRef;
    try {
      ref = parseReference(req.reference);
    } catch (e) {
      return fail(classify(e).reason, false);
    }
    const credKey = `${ref.registry}\u0000${req.credentialSecrets.join(',')}`;
    let pending = creds.get(credKey);
    if (!pending) creds.set(credKey, (pending = this.opts.credentials ? this.opts.credentials.credentialsFor(ref.registry, ctx, req.credentialSecrets) : Promise.resolve(undefined)));
    let credentials: Credentials | undefined;
    try {
      credentials = await pending;
    } catch (e) {
      const c = classify(e);
      return fail(`registry credentials: ${c.reason}`, true);
    }
    const open: OpenOptions = { ...this.opts.registry, ...(req.insecure ? { plainHttp: true } : {}), ...(credentials ? { credentials } : {}) };
    const v = req.verification;
    let digest = req.digest;
    if (!digest) {
      try {
        digest = await this.resolveTag(ref, open, v.useCache);
      } catch (e) {
        const c = classify(e);
        return fail(`cannot resolve the tag to a digest: ${c.reason}`, c.error);
      }
    }
    if (v.attestors.length === 0 && v.attestations.length === 0) return { image: req.image, digest, signatures: [], attestations: [] };
    const key = `${ref.registry}/${ref.repository}@${digest}\u0000${v.verificationKey}`;
    if (v.useCache) {
      const hit = this.answers.get(key);
      if (hit) {
        this.counters.cacheHits++;
        return { ...hit, image: req.image, cached: true };
      }
    }
    let run = this.running.get(key);
    if (run) this.counters.joined++;
    else {
      this.counters.verifications++;
      const session = this.backend.openImage({ registry: ref.registry, repository: ref.repository, digest }, open);
      const started = this.check(req, digest, session);
      this.running.set(key, (run = started));
      void started.then(
        (o) => {
          this.running.delete(key);
          if (v.useCache && complete(o, v.attestors)) this.answers.set(key, o);
        },
        () => this.running.delete(key),
      );
    }
    try {
      return { ...(await run), image: req.image };
    } catch (e) {
      const c = classify(e);
      return fail(c.reason, c.error);
    }
  }

  private async resolveTag(ref: ImageRef, open: OpenOptions, useCache: boolean): Promise<string> {
    const key = `${ref.registry}/${ref.repository}:${ref.tag ?? 'latest'}`;
    if (useCache) {
      const hit = this.tags.get(key);
      if (hit) {
        this.counters.cacheHits++;
        return hit;
      }
    }
    let p = this.resolving.get(key);
    if (!p) {
      this.counters.resolutions++;
      p = this.backend.resolveDigest(key, open);
      this.resolving.set(key, p);
      void p.then(
        (d) => {
          this.resolving.delete(key);
          if (useCache) this.tags.set(key, d);
        },
        () => this.resolving.delete(key),
      );
    }
    return p;
  }

  private async check(req: ImageRequest, digest: string, session: ImageSession): Promise<Outcome> {
    const v = req.verification;
    const signatures: SetOutcome[] = [];
    for (const set of v.attestors) {
      const s = await this.signatureSet(set, session);
      signatures.push(s);
      if (s.entries.filter((e) => e.ok).length < s.required) return { digest, signatures, attestations: [] };
    }
    const attestations: Array<{ predicateType: string; sets: SetOutcome[] }> = [];
    for (const a of v.attestations) {
      const sets: SetOutcome[] = [];
      for (const set of a.attestors) sets.push(await this.attestationSet(set, session, a.predicateType));
      attestations.push({ predicateType: a.predicateType, sets });
    }
    return { digest, signatures, attestations };
  }

  /** Entries in order until `required` verified (Kyverno's verifyAttestorSet). */
  private async signatureSet(set: AttestorSetSpec, session: ImageSession): Promise<SetOutcome> {
    const entries: EntryOutcome[] = [];
    let verified = 0;
    for (const e of set.entries) {
      if (verified >= set.required) break;
      const r = await this.signatureEntry(e, session);
      entries.push(r);
      if (r.ok) verified++;
    }
    return { required: set.required, entries };
  }

  private async signatureEntry(e: AttestorSpec, session: ImageSession): Promise<EntryOutcome> {
    try {
      if (e.kind === 'nested') {
        const inner = await this.signatureSet(e.set, session);
        if (inner.entries.filter((x) => x.ok).length >= inner.required) return { path: e.path, ok: true };
        return nestedFailure(e.path, inner);
      }
      const r = await session.verifySignatures(await this.trust.resolve(e));
      return r.verified ? { path: e.path, ok: true } : { path: e.path, ok: false, reason: r.reason ?? 'not verified' };
    } catch (err) {
      const c = classify(err);
      return { path: e.path, ok: false, reason: c.reason, ...(c.error ? { error: true } : {}) };
    }
  }

  /** Every entry is fetched: conditions decide later which of them count. */
  private async attestationSet(set: AttestorSetSpec, session: ImageSession, predicateType: string): Promise<SetOutcome> {
    const entries: EntryOutcome[] = [];
    for (const e of set.entries) entries.push(await this.attestationEntry(e, session, predicateType));
    return { required: set.required, entries };
  }

  private async attestationEntry(e: AttestorSpec, session: ImageSession, predicateType: string): Promise<EntryOutcome> {
    try {
      if (e.kind === 'nested') {
        const inner = await this.attestationSet(e.set, session, predicateType);
        const good = inner.entries.filter((x) => x.ok);
        if (good.length < inner.required) return nestedFailure(e.path, inner);
        return { path: e.path, ok: true, predicates: good.flatMap((x) => (x.ok ? (x.predicates ?? []) : [])) };
      }
      const r = await session.fetchAttestations(await this.trust.resolve(e), predicateType);
      return r.predicates.length > 0 ? { path: e.path, ok: true, predicates: r.predicates } : { path: e.path, ok: false, reason: r.reason ?? 'no verified attestations' };
    } catch (err) {
      const c = classify(err);
      return { path: e.path, ok: false, reason: c.reason, ...(c.error ? { error: true } : {}) };
    }
  }
}

function nestedFailure(path: string, inner: SetOutcome): EntryOutcome {
  const failed = inner.entries.filter((x) => !x.ok);
  const reason = failed.map((x) => `${x.path}: ${x.ok ? '' : x.reason}`).join('; ') || 'not verified';
  return { path, ok: false, reason, ...(failed.length > 0 && failed.every((x) => !x.ok && x.error === true) ? { error: true } : {}) };
}
