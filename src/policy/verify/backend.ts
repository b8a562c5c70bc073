/**
 * The verifier's only contact with registries and signatures: resolve a tag, and, per image
 * digest, check stored signatures and attestations against a TrustVerifier (src/trust does
 * the cryptography and reads cosign's storage). A session reads each stored manifest and blob
 * once, however many attestor entries check it. Tests may wrap the backend to count calls.
 * src/trust is loaded on first use, so importing the policy engine stays light.
 */
import type { OpenOptions } from '../../oci/index.js';
import type { ArtifactReader, ImageTarget, SignatureCheck } from '../../trust/index.js';
import type { TrustVerifier } from './attestors.js';

export interface ImageCoordinates {
  readonly registry: string;
  readonly repository: string;
  readonly digest: string;
}

export interface SignatureResult {
  readonly verified: boolean;
  /** Why not (one line), when not verified. */
  readonly reason?: string;
}

export interface AttestationResult {
  /** Predicates of the verified statements of the wanted type. */
  readonly predicates: unknown[];
  readonly reason?: string;
}

export interface ImageSession {
  verifySignatures(v: TrustVerifier): Promise<SignatureResult>;
  fetchAttestations(v: TrustVerifier, predicateType: string): Promise<AttestationResult>;
}

export interface VerificationBackend {
  /** The digest a tag names now (`registry/repository:tag`). */
  resolveDigest(reference: string, opts: OpenOptions): Promise<string>;
  openImage(image: ImageCoordinates, opts: OpenOptions): ImageSession;
}

type Trust = typeof import('../../trust/index.js');
type Oci = typeof import('../../oci/index.js');
let modules: Promise<{ trust: Trust; oci: Oci }> | undefined;
const load = () => (modules ??= Promise.all([import('../../trust/index.js'), import('../../oci/index.js')]).then(([trust, oci]) => ({ trust, oci })));

/** Each manifest, blob and referrers list read once per session. */
function memoReader(r: ArtifactReader): ArtifactReader {
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, f: () => Promise<T>): Promise<T> => {
    let p = memo.get(key) as Promise<T> | undefined;
    if (!p) memo.set(key, (p = f()));
    return p;
  };
  return {
    name: r.name,
    manifest: (ref) => once(`m:${ref}`, () => r.manifest(ref)),
    blob: (d) => once(`b:${d.digest}`, () => r.blob(d)),
    referrers: (digest) => once(`r:${digest}`, () => r.referrers(digest)),
  };
}

/** The most telling reason none of the stored signatures verified. */
function whyNot(checks: readonly SignatureCheck[], what: string, requireTlog: boolean): string {
  if (checks.length === 0) return `no ${what} found`;
  if (requireTlog && checks.some((c) => c.verified)) {
    return `${what} verified but none has a checked transparency-log entry (set rekor.ignoreTlog: true to accept signatures that were not logged)`;
  }
  const telling = checks.find((c) => !c.verified && c.code !== 'BAD_BUNDLE') ?? checks.find((c) => !c.verified) ?? checks[0]!;
  const n = checks.length;
  return `${n === 1 ? `1 ${what.replace(/s$/, '')}` : `none of ${n} ${what}`} verified: ${telling.reason ?? telling.code ?? 'failed'}`;
}

const counted = (c: SignatureCheck, v: TrustVerifier) => c.verified && (!v.requireTlog || c.integratedTime !== undefined);

/** The backend over src/trust and src/oci. */
export function createTrustBackend(): VerificationBackend {
  return {
    async resolveDigest(reference, opts) {
      const { oci } = await load();
      return (await oci.resolveDigest(reference, opts)).digest;
    },
    openImage(image, opts) {
      let target: Promise<ImageTarget> | undefined;
      const getTarget = () =>
        (target ??= load().then(({ trust, oci }) => {
          const client = new oci.RegistryClient(image.registry, opts);
          const name = `${image.registry}/${image.repository}`;
          // Reading needs only the digest and a reader; the descriptor is for writing referrers.
          return {
            name: `${name}@${image.digest}`,
            digest: image.digest,
            descriptor: { mediaType: oci.MediaTypes.ociManifest, digest: image.digest, size: 0 },
            reader: memoReader(trust.registryReader(client, image.repository)),
            dockerReference: name,
            subjectName: name,
            resolvedFromTag: false,
          };
        }));
      return {
        async verifySignatures(v) {
          const { trust } = await load();
          const r = await trust.verifyTargetSignatures(await getTarget(), { key: v.key, identity: v.identity, trustedRoot: v.trustedRoot });
          const ok = r.signatures.some((c) => counted(c, v));
          return ok ? { verified: true } : { verified: false, reason: whyNot(r.signatures, 'signatures', v.requireTlog) };
        },
        async fetchAttestations(v, predicateType) {
          const { trust } = await load();
          const r = await trust.verifyAttestations(`${image.registry}/${image.repository}@${image.digest}`, {
            ...opts,
            key: v.key,
            identity: v.identity,
            trustedRoot: v.trustedRoot,
            type: predicateType,
          });
          const good = r.attestations.filter((a) => counted(a, v) && a.statement !== undefined);
          if (good.length > 0) return { predicates: good.map((a) => a.statement!.predicate) };
          // Kyverno's wording (with its spelling) when nothing of the type is there at all.
          const reason = r.attestations.length === 0 ? `attestions not found for predicate type ${predicateType}` : whyNot(r.attestations, 'attestations', v.requireTlog);
          return { predicates: [], reason };
        },
      };
    },
  };
}
