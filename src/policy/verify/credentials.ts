/**
 * Registry credentials for verifying a resource's images, found as the kubelet finds them to
 * pull: the Pod's imagePullSecrets, else its ServiceAccount's (kubernetes.io/dockerconfigjson
 * or the older kubernetes.io/dockercfg Secrets), then a configured docker config. How Secrets
 * are read is a SecretReader: the Kubernetes API in cluster mode, the documents given on the
 * command line offline. A malformed pull secret is an error naming it, never a silent fallback
 * to anonymous access.
 */
import { readFileSync } from 'node:fs';
import type { Credentials } from '../../oci/index.js';
import { PolicyError } from '../types.js';
import type { Resource } from '../types.js';
import type { VerificationContext } from '../engine/index.js';
import { TtlCache } from './cache.js';

export interface RegistryCredentialSource {
  /** Credentials for `registry` (host[:port]) for this context; undefined: anonymous (or ~/.docker/config.json). */
  credentialsFor(registry: string, ctx: VerificationContext, extraSecrets?: readonly string[]): Promise<Credentials | undefined>;
}

/** How Secrets and ServiceAccounts are read; undefined when there is none by that name. */
export interface SecretReader {
  secret(namespace: string, name: string): Promise<Resource | undefined>;
  serviceAccount(namespace: string, name: string): Promise<Resource | undefined>;
}

/** A docker config's `auths`: registry key → entry. */
export type DockerAuths = Record<string, { auth?: string; username?: string; password?: string }>;

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function bad(input: string, reason: string): PolicyError {
  return new PolicyError('INVALID_RESOURCE', reason, { input });
}

/** `{auths: {...}}` (config.json, .dockerconfigjson) or the bare map of .dockercfg. */
export function parseDockerAuths(doc: unknown, input: string, bare = false): DockerAuths {
  const auths = bare ? doc : isMap(doc) ? doc.auths : undefined;
  if (!isMap(auths)) throw bad(input, bare ? 'expected a map of registries' : 'no "auths" map');
  const out: DockerAuths = {};
  for (const [k, v] of Object.entries(auths)) {
    if (!isMap(v)) continue;
    out[k] = {
      ...(typeof v.auth === 'string' ? { auth: v.auth } : {}),
      ...(typeof v.username === 'string' ? { username: v.username } : {}),
      ...(typeof v.password === 'string' ? { password: v.password } : {}),
    };
  }
  return out;
}

const DOCKER_HUB = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

function keyHost(key: string): string {
  return key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0]!.toLowerCase();
}

/** The entry for `registry` (scheme and path of the key ignored; Docker Hub's aliases equal). */
export function credentialsFromAuths(auths: DockerAuths, registry: string, input: string): Credentials | undefined {
  const want = registry.toLowerCase();
  const hub = DOCKER_HUB.includes(want);
  for (const [key, v] of Object.entries(auths)) {
    const host = keyHost(key);
    if (host !== want && !(hub && DOCKER_HUB.includes(host))) continue;
    if (v.auth !== undefined && v.auth !== '') {
      const decoded = Buffer.from(v.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw bad(input, `auths entry for ${key} is not base64 user:password`);
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (v.username !== undefined && v.password !== undefined) return { username: v.username, password: v.password };
  }
  return undefined;
}

/** The auths of a pull secret: data (base64) or stringData, `.dockerconfigjson` or `.dockercfg`. */
export function pullSecretAuths(secret: Resource, input: string): DockerAuths {
  const read = (key: string): string | undefined => {
    const data = isMap(secret.data) ? secret.data[key] : undefined;
    if (typeof data === 'string') return Buffer.from(data, 'base64').toString('utf8');
    const s = isMap(secret.stringData) ? secret.stringData[key] : undefined;
    return typeof s === 'string' ? s : undefined;
  };
  const json = read('.dockerconfigjson');
  const cfg = json === undefined ? read('.dockercfg') : undefined;
  const text = json ?? cfg;
  if (text === undefined) throw bad(input, `not a pull secret (type ${JSON.stringify(secret.type ?? null)}: no .dockerconfigjson or .dockercfg)`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(input, `${json !== undefined ? '.dockerconfigjson' : '.dockercfg'} is not JSON: ${(e as Error).message}`);
  }
  return parseDockerAuths(doc, input, json === undefined);
}

/** A docker config.json file (`--registry-credentials`, a mounted Secret): read once. */
export function readDockerConfigFile(file: string): DockerAuths {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw bad(file, `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw bad(file, `not JSON: ${(e as Error).message}`);
  }
  return parseDockerAuths(doc, file);
}

export interface PullSecretOptions {
  /** Checked after the pull secrets: a configured docker config (`--registry-credentials`). */
  fallback?: DockerAuths;
  /** Where imageRegistryCredentials.secrets are read (default: the resource's namespace). */
  secretsNamespace?: string;
  /** Secrets are re-read after this long (default 60 s), so a rotated secret is picked up. */
  cacheTtlMs?: number;
  clock?: () => number;
}

/** Pull-secret credentials: rule secrets, the Pod's imagePullSecrets, else its ServiceAccount's, then the fallback. */
export function createPullSecretCredentials(reader: SecretReader | undefined, opts: PullSecretOptions = {}): RegistryCredentialSource {
  const cache = new TtlCache<Promise<Resource | undefined>>(opts.cacheTtlMs ?? 60_000, 1000, opts.clock);
  const cached = (kind: 'secret' | 'serviceAccount', ns: string, name: string): Promise<Resource | undefined> => {
    if (!reader) return Promise.resolve(undefined);
    const key = `${kind}\u0000${ns}\u0000${name}`;
    let hit = cache.get(key);
    if (!hit) {
      hit = reader[kind](ns, name);
      // A failed read is not remembered: the next request tries again.
      hit.catch(() => cache.delete(key));
      cache.set(key, hit);
    }
    return hit;
  };
  const fromSecret = async (ns: string, name: string, registry: string): Promise<Credentials | undefined> => {
    const s = await cached('secret', ns, name);
    // A missing secret is skipped, as the kubelet does (it warns and pulls without it).
    if (!s) return undefined;
    const input = `Secret ${ns}/${name}`;
    return credentialsFromAuths(pullSecretAuths(s, input), registry, input);
  };
  return {
    async credentialsFor(registry, ctx, extraSecrets = []) {
      for (const name of extraSecrets) {
        const c = await fromSecret(opts.secretsNamespace ?? ctx.namespace, name, registry);
        if (c) return c;
      }
      let names = ctx.pullSecrets;
      if (names.length === 0 && ctx.namespace !== '') {
        const sa = await cached('serviceAccount', ctx.namespace, ctx.serviceAccountName);
        const list = sa && Array.isArray(sa.imagePullSecrets) ? sa.imagePullSecrets : [];
        names = list.flatMap((x) => (isMap(x) && typeof x.name === 'string' && x.name !== '' ? [x.name] : []));
      }
      for (const name of names) {
        const c = await fromSecret(ctx.namespace, name, registry);
        if (c) return c;
      }
      return opts.fallback ? credentialsFromAuths(opts.fallback, registry, 'registry credentials') : undefined;
    },
  };
}

function metaOf(r: Resource): { name: string; namespace: string } {
  const md = isMap(r.metadata) ? r.metadata : {};
  return { name: typeof md.name === 'string' ? md.name : '', namespace: typeof md.namespace === 'string' && md.namespace !== '' ? md.namespace : 'default' };
}

/** Offline: Secrets and ServiceAccounts among the documents given (`policy apply --resource`). */
export function resourceSecretReader(resources: readonly Resource[]): SecretReader {
  const index = new Map<string, Resource>();
  for (const r of resources) {
    if ((r.kind === 'Secret' || r.kind === 'ServiceAccount') && (r.apiVersion === 'v1' || r.apiVersion === undefined)) {
      const { name, namespace } = metaOf(r);
      index.set(`${String(r.kind)}\u0000${namespace}\u0000${name}`, r);
    }
  }
  return {
    secret: (ns, name) => Promise.resolve(index.get(`Secret\u0000${ns}\u0000${name}`)),
    serviceAccount: (ns, name) => Promise.resolve(index.get(`ServiceAccount\u0000${ns}\u0000${name}`)),
  };
}
