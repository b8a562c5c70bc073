// A client for the OCI Distribution API v2: manifests, blobs, tags, referrers, pushes.
// Auth follows the registry's lead: on a 401 it reads WWW-Authenticate and answers a
// Bearer challenge with a token (anonymous, or with basic credentials) cached per scope,
// or a Basic challenge with credentials. Everything read is checked against its digest.
import type { Readable } from 'node:stream';
import { basicAuth, credentialsFromDockerConfig, dockerConfigPath, parseChallenge, type Challenge } from './auth.js';
import { readOpenOptions } from './common.js';
import { drain, header, readBody, send, type HttpResponse } from './http.js';
import { toDescriptor, parseJson } from './manifest.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { digestProblem, isValidDigest } from './reference.js';
import { OciError, type Credentials, type Descriptor, type OpenOptions } from './types.js';
import { digestOf, verifiedStream, verifyBuffer } from './verify.js';

const MAX_REDIRECTS = 5;
const MAX_ERROR_BODY = 64 * 1024;
const MAX_LIST_BYTES = 16 * 1024 * 1024;
const DEFAULT_TOKEN_TTL_S = 60;

type Actions = 'pull' | 'pull,push';

export interface ManifestResponse {
  body: Buffer;
  mediaType: string;
  digest: string;
}

export interface ManifestHead {
  /** Docker-Content-Digest, when the registry sent it. */
  digest?: string;
  mediaType?: string;
  size?: number;
}

interface Exchange {
  repo: string;
  actions: Actions;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** What is being asked for, for error messages: "manifest for tag v1", "blob sha256:…". */
  what: string;
  followRedirects?: boolean;
}

/** Docker Hub's API lives at registry-1.docker.io; references say docker.io. */
function apiHost(registry: string): string {
  return registry === 'docker.io' || registry === 'index.docker.io' ? 'registry-1.docker.io' : registry;
}

function describeReference(reference: string): string {
  return isValidDigest(reference) ? reference : `tag ${reference}`;
}

export class RegistryClient {
  readonly registry: string;
  private readonly base: URL;
  private readonly opts: OpenOptions;
  private readonly timeoutMs: number;
  private readonly maxManifestBytes: number;
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private basic: string | undefined;
  private creds: Credentials | undefined | null = null;

  constructor(registry: string, opts: OpenOptions = {}) {
    this.registry = registry;
    this.opts = opts;
    ({ timeoutMs: this.timeoutMs, maxManifestBytes: this.maxManifestBytes } = readOpenOptions(opts));
    this.base = new URL(`${opts.plainHttp ? 'http' : 'https'}://${apiHost(registry)}`);
  }

  private credentials(): Credentials | undefined {
    if (this.creds === null) this.creds = this.opts.credentials ?? credentialsFromDockerConfig(this.registry, dockerConfigPath(this.opts.dockerConfigPath));
    return this.creds;
  }

  private authorization(scope: string): string | undefined {
    if (this.basic) return this.basic;
    const t = this.tokens.get(scope);
    if (t && t.expiresAt > Date.now()) return `Bearer ${t.token}`;
    return undefined;
  }

  /** Answers a 401 challenge; returns false when there is nothing more we can try. */
  private async authenticate(challenge: Challenge | undefined, scope: string): Promise<boolean> {
    if (challenge?.scheme === 'basic') {
      const c = this.credentials();
      if (!c) return false;
      this.basic = basicAuth(c);
      return true;
    }
    if (challenge?.scheme !== 'bearer' || !challenge.params.realm) return false;
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm);
    } catch {
      throw new OciError('REGISTRY_ERROR', `token realm ${JSON.stringify(challenge.params.realm)} is not a URL`, { input: this.registry });
    }
    if (challenge.params.service) realm.searchParams.set('service', challenge.params.service);
    realm.searchParams.append('scope', scope);
    if (challenge.params.scope && challenge.params.scope !== scope) realm.searchParams.append('scope', challenge.params.scope);
    const headers: Record<string, string> = {};
    const c = this.credentials();
    if (c) {
      // Never send a password in clear text unless the user allowed plain HTTP.
      if (realm.protocol !== 'https:' && !this.opts.plainHttp) {
        throw new OciError('UNAUTHORIZED', `refusing to send credentials to non-HTTPS token realm ${realm.origin} (use --plain-http to allow)`, { input: this.registry });
      }
      headers.Authorization = basicAuth(c);
    }
    const res = await send({ method: 'GET', url: realm, headers }, { timeoutMs: this.timeoutMs, caCerts: this.opts.caCerts });
    if (res.status !== 200) {
      drain(res);
      if (res.status === 401 || res.status === 403) {
        throw new OciError('UNAUTHORIZED', `token server ${realm.origin} refused ${c ? `credentials for ${c.username}` : 'anonymous access'} (HTTP ${res.status})`, { input: this.registry });
      }
      throw new OciError('REGISTRY_ERROR', `token server ${realm.origin} answered HTTP ${res.status}`, { input: this.registry });
    }
    const doc = parseJson(await readBody(res, MAX_ERROR_BODY, 'token response'), 'token response', realm.origin) as Record<string, unknown> | null;
    const token = typeof doc?.token === 'string' ? doc.token : typeof doc?.access_token === 'string' ? doc.access_token : undefined;
    if (!token) throw new OciError('REGISTRY_ERROR', `token server ${realm.origin} returned no token`, { input: this.registry });
    const ttl = typeof doc?.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : DEFAULT_TOKEN_TTL_S;
    // Renew a little early so a token does not expire between check and use.
    this.tokens.set(scope, { token, expiresAt: Date.now() + Math.max(ttl - 5, 1) * 1000 });
    return true;
  }

  /** Sends one request with auth, retrying once after a 401 challenge; follows redirects when asked. */
  private async exchange(x: Exchange): Promise<HttpResponse> {
    const scope = `repository:${x.repo}:${x.actions}`;
    let url = new URL(x.path, this.base);
    let retried = false;
    for (let hops = 0; ; ) {
      const headers: Record<string, string> = { ...x.headers };
      const sameOrigin = url.origin === this.base.origin;
      const auth = sameOrigin ? this.authorization(scope) : undefined;
      if (auth) headers.Authorization = auth;
      const res = await send({ method: x.method, url, headers, body: x.body }, { timeoutMs: this.timeoutMs, caCerts: this.opts.caCerts });
      if (res.status === 401 && sameOrigin && !retried) {
        const body = await readBody(res, MAX_ERROR_BODY, 'error body').catch(() => Buffer.alloc(0));
        retried = true;
        const challenge = parseChallenge(header(res, 'www-authenticate') ?? '');
        if (await this.authenticate(challenge, scope)) continue;
        throw this.errorFor(res.status, x.what, body);
      }
      if (x.followRedirects && [301, 302, 303, 307, 308].includes(res.status)) {
        drain(res);
        const location = header(res, 'location');
        if (!location || ++hops > MAX_REDIRECTS) throw new OciError('REGISTRY_ERROR', `too many or empty redirects fetching ${x.what}`, { input: this.registry });
        const next = new URL(location, url);
        if (next.protocol === 'http:' && url.protocol === 'https:' && !this.opts.plainHttp) {
          throw new OciError('REGISTRY_ERROR', `refusing redirect from HTTPS to ${next.origin} fetching ${x.what}`, { input: this.registry });
        }
        url = next;
        continue;
      }
      return res;
    }
  }

  /** Maps a failed status to an OciError naming what was asked for, with the registry's error codes. */
  private errorFor(status: number, what: string, body: Buffer): OciError {
    let detail = '';
    try {
      const errors = (JSON.parse(body.toString('utf8')) as { errors?: Array<{ code?: string; message?: string }> }).errors;
      if (Array.isArray(errors) && errors.length) detail = ': ' + errors.map((e) => [e.code, e.message].filter(Boolean).join(' ')).join('; ');
    } catch {
      // not a distribution error body
    }
    const input = this.registry;
    if (status === 401 || status === 403) return new OciError('UNAUTHORIZED', `${this.registry} refused access to ${what} (HTTP ${status})${detail}`, { input });
    if (status === 404) return new OciError('NOT_FOUND', `${what} not found on ${this.registry}${detail}`, { input });
    return new OciError('REGISTRY_ERROR', `${this.registry} answered HTTP ${status} for ${what}${detail}`, { input });
  }

  /** Throws unless the status is one of `ok`. Reads the error body unless the caller already discarded it. */
  private async expect(res: HttpResponse, ok: number[], what: string, drained = false): Promise<void> {
    if (ok.includes(res.status)) return;
    const body = drained ? Buffer.alloc(0) : await readBody(res, MAX_ERROR_BODY, 'error body').catch(() => Buffer.alloc(0));
    throw this.errorFor(res.status, what, body);
  }

  /** GET a manifest by tag or digest; checked against the digest asked for, or against Docker-Content-Digest. */
  async getManifest(repo: string, reference: string): Promise<ManifestResponse> {
    const what = `manifest for ${describeReference(reference)} in ${repo}`;
    const res = await this.exchange({ repo, actions: 'pull', method: 'GET', path: `/v2/${repo}/manifests/${reference}`, headers: { Accept: MANIFEST_ACCEPT }, what });
    await this.expect(res, [200], what);
    const body = await readBody(res, this.maxManifestBytes, what);
    const mediaType = (header(res, 'content-type') ?? '').split(';')[0].trim();
    const claimed = header(res, 'docker-content-digest');
    const expected = isValidDigest(reference) ? reference : claimed && isValidDigest(claimed) ? claimed : undefined;
    if (expected) verifyBuffer(body, expected, -1, `${this.registry}/${repo}@${expected}`);
    if (isValidDigest(reference) && claimed && claimed !== reference) {
      throw new OciError('DIGEST_MISMATCH', `registry reports digest ${claimed} for ${what}`, { input: this.registry });
    }
    return { body, mediaType, digest: expected ?? digestOf(body) };
  }

  /** HEAD a manifest: digest, media type and size without the body (NOT_FOUND if absent). */
  async headManifest(repo: string, reference: string): Promise<ManifestHead> {
    const what = `manifest for ${describeReference(reference)} in ${repo}`;
    const res = await this.exchange({ repo, actions: 'pull', method: 'HEAD', path: `/v2/${repo}/manifests/${reference}`, headers: { Accept: MANIFEST_ACCEPT }, what });
    drain(res);
    await this.expect(res, [200], what, true);
    const out: ManifestHead = {};
    const digest = header(res, 'docker-content-digest');
    if (digest && isValidDigest(digest)) out.digest = digest;
    const mediaType = header(res, 'content-type')?.split(';')[0].trim();
    if (mediaType) out.mediaType = mediaType;
    const size = Number(header(res, 'content-length'));
    if (Number.isSafeInteger(size) && size >= 0) out.size = size;
    return out;
  }

  private checkDigest(digest: string): void {
    const problem = digestProblem(digest);
    if (problem) throw new OciError('INVALID_REFERENCE', problem, { input: digest });
  }

  /** Streams a blob (redirects followed), failing the stream with DIGEST_MISMATCH if the bytes are wrong. */
  async openBlob(repo: string, digest: string, size = -1): Promise<Readable> {
    this.checkDigest(digest);
    const what = `blob ${digest} in ${repo}`;
    const res = await this.exchange({ repo, actions: 'pull', method: 'GET', path: `/v2/${repo}/blobs/${digest}`, what, followRedirects: true });
    await this.expect(res, [200], what);
    const toNetwork = (e: Error) => (e instanceof OciError ? e : new OciError('NETWORK', `reading ${what} failed: ${e.message}`, { input: this.registry, cause: e }));
    return verifiedStream(res.body, digest, size, `${this.registry}/${repo}@${digest}`, toNetwork);
  }

  /** Reads a whole blob into memory (at most `max` bytes, default the manifest cap), verified. */
  async getBlob(repo: string, digest: string, size = -1, max = this.maxManifestBytes): Promise<Buffer> {
    this.checkDigest(digest);
    const what = `blob ${digest} in ${repo}`;
    if (size > max) throw new OciError('TOO_LARGE', `${what} is ${size} bytes, over the ${max}-byte limit`, { input: this.registry });
    const res = await this.exchange({ repo, actions: 'pull', method: 'GET', path: `/v2/${repo}/blobs/${digest}`, what, followRedirects: true });
    await this.expect(res, [200], what);
    const data = await readBody(res, max, what);
    verifyBuffer(data, digest, size, `${this.registry}/${repo}@${digest}`);
    return data;
  }

  /** True when the registry already has the blob. */
  async hasBlob(repo: string, digest: string): Promise<boolean> {
    this.checkDigest(digest);
    const what = `blob ${digest} in ${repo}`;
    const res = await this.exchange({ repo, actions: 'pull', method: 'HEAD', path: `/v2/${repo}/blobs/${digest}`, what, followRedirects: true });
    drain(res);
    if (res.status === 404) return false;
    await this.expect(res, [200], what, true);
    return true;
  }

  /** Uploads a blob monolithically (POST, then PUT with the digest), unless it is already there. */
  async putBlob(repo: string, data: Buffer): Promise<{ digest: string; size: number }> {
    const digest = digestOf(data);
    if (await this.hasBlob(repo, digest)) return { digest, size: data.length };
    const what = `upload of blob ${digest} to ${repo}`;
    const start = await this.exchange({ repo, actions: 'pull,push', method: 'POST', path: `/v2/${repo}/blobs/uploads/`, what });
    if (start.status === 202) drain(start);
    await this.expect(start, [202], what);
    const location = header(start, 'location');
    if (!location) throw new OciError('REGISTRY_ERROR', `${this.registry} gave no upload location for ${what}`, { input: this.registry });
    const url = new URL(location, this.base);
    if (url.origin !== this.base.origin) throw new OciError('REGISTRY_ERROR', `${this.registry} sent the upload to another origin ${url.origin}`, { input: this.registry });
    url.searchParams.set('digest', digest);
    const put = await this.exchange({
      repo, actions: 'pull,push', method: 'PUT', path: url.pathname + url.search, what, body: data,
      headers: { 'Content-Type': 'application/octet-stream' },
    });
    if (put.status === 201) drain(put);
    await this.expect(put, [201], what);
    return { digest, size: data.length };
  }

  /** Pushes a manifest under a tag or digest; returns its digest. */
  async putManifest(repo: string, reference: string, body: Buffer, mediaType: string): Promise<string> {
    const digest = digestOf(body);
    if (isValidDigest(reference) && reference !== digest) {
      throw new OciError('DIGEST_MISMATCH', `manifest hashes to ${digest}, not ${reference}`, { input: `${this.registry}/${repo}` });
    }
    const what = `manifest ${describeReference(reference)} for ${repo}`;
    const res = await this.exchange({ repo, actions: 'pull,push', method: 'PUT', path: `/v2/${repo}/manifests/${reference}`, what, body, headers: { 'Content-Type': mediaType } });
    if (res.status === 201 || res.status === 200) drain(res);
    await this.expect(res, [201, 200], what);
    const claimed = header(res, 'docker-content-digest');
    if (claimed && claimed !== digest) throw new OciError('DIGEST_MISMATCH', `registry stored ${what} as ${claimed}, expected ${digest}`, { input: this.registry });
    return digest;
  }

  /** All tags of a repository (following Link pagination), sorted. */
  async listTags(repo: string): Promise<string[]> {
    const tags: string[] = [];
    let path: string | undefined = `/v2/${repo}/tags/list`;
    for (let page = 0; path && page < 1000; page++) {
      const what = `tag list of ${repo}`;
      const res = await this.exchange({ repo, actions: 'pull', method: 'GET', path, what });
      await this.expect(res, [200], what);
      const doc = parseJson(await readBody(res, MAX_LIST_BYTES, what), what, this.registry) as { tags?: unknown } | null;
      if (Array.isArray(doc?.tags)) tags.push(...doc.tags.filter((t): t is string => typeof t === 'string'));
      path = nextLink(header(res, 'link'), this.base);
    }
    return [...new Set(tags)].sort();
  }

  /** OCI 1.1 referrers of a manifest, optionally filtered by artifactType. A registry without the API (404) has none. */
  async getReferrers(repo: string, digest: string, artifactType?: string): Promise<Descriptor[]> {
    this.checkDigest(digest);
    const out: Descriptor[] = [];
    let path: string | undefined = `/v2/${repo}/referrers/${digest}${artifactType ? `?artifactType=${encodeURIComponent(artifactType)}` : ''}`;
    for (let page = 0; path && page < 1000; page++) {
      const what = `referrers of ${digest} in ${repo}`;
      const res = await this.exchange({ repo, actions: 'pull', method: 'GET', path, what, headers: { Accept: 'application/vnd.oci.image.index.v1+json' } });
      if (res.status === 404) {
        drain(res);
        return out;
      }
      await this.expect(res, [200], what);
      const doc = parseJson(await readBody(res, this.maxManifestBytes, what), what, this.registry) as { manifests?: unknown } | null;
      const list = Array.isArray(doc?.manifests) ? doc.manifests : [];
      out.push(...list.map((m, i) => toDescriptor(m, `referrers manifests[${i}]`, this.registry)));
      path = nextLink(header(res, 'link'), this.base);
    }
    // A registry may ignore the filter (it says so in OCI-Filters-Applied); filter here as
    // well. Registries list referrers in no set order: sort by digest for stable output.
    const kept = artifactType ? out.filter((d) => d.artifactType === artifactType) : out;
    return kept.sort((a, b) => (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0));
  }
}

/** The next page from an RFC 5988 Link header (`</v2/…?last=x&n=y>; rel="next"`). */
function nextLink(link: string | undefined, base: URL): string | undefined {
  const m = link ? /<([^>]+)>\s*;\s*rel="?next"?/.exec(link) : null;
  if (!m) return undefined;
  const url = new URL(m[1], base);
  // Only follow pages on the same registry.
  return url.origin === base.origin ? url.pathname + url.search : undefined;
}
