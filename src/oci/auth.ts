// Registry authentication helpers: WWW-Authenticate challenges and docker config.json
// credentials (`auths` only; credential helpers are out of scope).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OciError, type Credentials } from './types.js';

export interface Challenge {
  scheme: string;
  params: Record<string, string>;
}

/**
 * Parses the first challenge of a WWW-Authenticate header:
 * `Bearer realm="https://auth/token",service="registry",scope="repository:a:pull,push"`.
 * Quoted values may hold commas and escaped quotes.
 */
export function parseChallenge(value: string): Challenge | undefined {
  const m = /^\s*([A-Za-z][A-Za-z0-9_-]*)\s*/.exec(value);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,\s*|$)/y;
  re.lastIndex = m[0].length;
  let p: RegExpExecArray | null;
  while (re.lastIndex < value.length && (p = re.exec(value)) !== null) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return { scheme: m[1].toLowerCase(), params };
}

export function basicAuth(c: Credentials): string {
  return 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64');
}

/** Where docker keeps its config: opts path, else $DOCKER_CONFIG/config.json, else ~/.docker/config.json. */
export function dockerConfigPath(explicit?: string): string {
  if (explicit) return explicit;
  const dir = process.env.DOCKER_CONFIG;
  return dir ? join(dir, 'config.json') : join(homedir(), '.docker', 'config.json');
}

/** The host part of an `auths` key: scheme and path dropped (`https://host:5000/v1/` → `host:5000`). */
function keyHost(key: string): string {
  return key.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0].toLowerCase();
}

const DOCKER_HUB_HOSTS = ['docker.io', 'index.docker.io', 'registry-1.docker.io'];

/**
 * Finds credentials for `registry` in a docker config.json. Returns undefined when the
 * file or entry is missing; a malformed file is an error, since silently going anonymous
 * would hide the problem.
 */
export function credentialsFromDockerConfig(registry: string, configPath: string): Credentials | undefined {
  let text: string;
  try {
    text = readFileSync(configPath, 'utf8');
  } catch {
    return undefined;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new OciError('UNAUTHORIZED', `docker config is not valid JSON: ${(e as Error).message}`, { input: configPath, cause: e });
  }
  const auths = (doc as { auths?: unknown } | null)?.auths;
  if (typeof auths !== 'object' || auths === null) return undefined;
  const want = registry.toLowerCase();
  const hub = DOCKER_HUB_HOSTS.includes(want);
  // Exact keys first (Docker's own `https://index.docker.io/v1/` for Hub), then any key whose host matches.
  const entries = Object.entries(auths as Record<string, unknown>).sort(([a], [b]) => rank(a) - rank(b));
  function rank(k: string): number {
    if (k === registry || (hub && k === 'https://index.docker.io/v1/')) return 0;
    return 1;
  }
  for (const [key, value] of entries) {
    const host = keyHost(key);
    if (host !== want && !(hub && DOCKER_HUB_HOSTS.includes(host))) continue;
    if (typeof value !== 'object' || value === null) continue;
    const v = value as Record<string, unknown>;
    if (typeof v.auth === 'string' && v.auth !== '') {
      const decoded = Buffer.from(v.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) throw new OciError('UNAUTHORIZED', `auths entry for ${key} has an auth value that is not base64 user:password`, { input: configPath });
      return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
    }
    if (typeof v.username === 'string' && typeof v.password === 'string') return { username: v.username, password: v.password };
  }
  return undefined;
}
