// yarn.lock: classic (v1, yarn's own indented format) and Berry (v2+, YAML with a
// `__metadata` block).
//
// Both key each entry by the descriptors (`name@range`) that resolved to it; an entry's
// `dependencies` are more descriptors, resolved through that map. Workspace, link,
// portal and file: entries are the project's own code and are not recorded. yarn.lock
// does not say which dependencies are for development, so nothing is marked dev.
import type { CollectedFile } from '../../layers/types.js';
import type { Cataloger, CatalogContext, Package } from '../types.js';
import { LockPackages, catalogEach, isRecord, npmPurl, parseYaml, readText, str, stringEntries, warnFile, wantByName } from './lockfile-util.js';

const NAME = 'yarn-lock';
const LOCAL_PROTOCOLS = ['file:', 'link:', 'portal:', 'workspace:'];

/** `@scope/name@range` → [name, range]: the name ends at the first '@' after the first character. */
export function splitDescriptor(d: string): [string, string] | undefined {
  const at = d.indexOf('@', 1);
  return at > 0 ? [d.slice(0, at), d.slice(at + 1)] : undefined;
}

function isLocalRange(range: string): boolean {
  return LOCAL_PROTOCOLS.some((p) => range.startsWith(p));
}

interface Entry {
  descriptors: string[];
  version?: string;
  resolved?: string;
  deps: Array<[string, string]>;
  line: number;
}

/** One scalar of the classic format: a JSON-style quoted string or a bare word. */
function readToken(s: string, i: number): [string, number] | undefined {
  if (s[i] === '"') {
    let j = i + 1;
    while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
    if (j >= s.length) return undefined;
    try {
      return [JSON.parse(s.slice(i, j + 1)) as string, j + 1];
    } catch {
      return undefined;
    }
  }
  let j = i;
  while (j < s.length && s[j] !== ' ' && s[j] !== ',' && !(s[j] === ':' && j === s.length - 1)) j++;
  return j > i ? [s.slice(i, j), j] : undefined;
}

/** Header `"a@^1", a@^1.2:` → descriptors. */
function readHeader(line: string): string[] | undefined {
  if (!line.endsWith(':')) return undefined;
  const body = line.slice(0, -1);
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    const t = readToken(body, i);
    if (!t) return undefined;
    out.push(t[0]);
    i = t[1];
    while (body[i] === ',' || body[i] === ' ') i++;
  }
  return out.length ? out : undefined;
}

/** Parses the classic format; malformed lines are reported and skipped. */
function parseClassic(text: string, path: string, ctx: CatalogContext): Entry[] {
  const entries: Entry[] = [];
  let current: Entry | undefined;
  let block: string | undefined;
  let bad = 0;
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (!line.trim() || line.trimStart().startsWith('#')) continue;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (indent === 0) {
      const descriptors = readHeader(body);
      block = undefined;
      current = descriptors ? { descriptors, deps: [], line: n + 1 } : undefined;
      if (current) entries.push(current);
      else bad++;
      continue;
    }
    if (!current) continue; // inside a header we could not read
    const key = readToken(body, 0);
    if (!key) {
      bad++;
      continue;
    }
    const rest = body.slice(key[1]).trim();
    if (indent === 2) {
      block = undefined;
      if (rest === ':' || (rest === '' && body.endsWith(':'))) block = key[0].replace(/:$/, '');
      else {
        const value = readToken(rest, 0)?.[0];
        if (key[0] === 'version') current.version = value;
        else if (key[0] === 'resolved') current.resolved = value;
      }
    } else if (block === 'dependencies' || block === 'optionalDependencies') {
      const value = readToken(rest, 0)?.[0];
      if (value !== undefined) current.deps.push([key[0], value]);
      else bad++;
    }
  }
  if (bad) warnFile(ctx, path, `${bad} malformed line(s) skipped`);
  return entries;
}

function parseBerry(doc: unknown, path: string, ctx: CatalogContext): Entry[] {
  if (!isRecord(doc)) {
    warnFile(ctx, path, 'not a yarn lockfile mapping');
    return [];
  }
  const entries: Entry[] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (key === '__metadata' || !isRecord(value)) continue;
    entries.push({
      descriptors: key.split(',').map((d) => d.trim()).filter(Boolean),
      version: str(value.version),
      resolved: str(value.resolution),
      deps: [...stringEntries(value.dependencies), ...stringEntries(value.optionalDependencies)],
      line: 0,
    });
  }
  return entries;
}

/**
 * Name and version an entry stands for, or undefined for the project's own code. Berry
 * names come from the resolution locator (which also undoes aliases); classic names from
 * the first descriptor, with `npm:` aliases followed to the real package.
 */
function identify(e: Entry, berry: boolean): { name: string; version: string } | 'local' | undefined {
  if (!e.version) return undefined;
  if (e.descriptors.some((d) => isLocalRange(splitDescriptor(d)?.[1] ?? ''))) return 'local';
  if (berry) {
    const loc = e.resolved ? splitDescriptor(e.resolved) : undefined;
    if (!loc) return undefined;
    const [name, reference] = loc;
    if (isLocalRange(reference) || e.version === '0.0.0-use.local') return 'local';
    if (reference.startsWith('patch:')) {
      // `pkg@patch:pkg@npm%3A2.1.3#…`: a patched registry package is still that package.
      let inner: [string, string] | undefined;
      try {
        inner = splitDescriptor(decodeURIComponent(reference.slice(6).split('#')[0]));
      } catch {
        inner = undefined; // malformed percent-encoding
      }
      if (!inner || !inner[1].startsWith('npm:')) return 'local';
    }
    return { name, version: e.version };
  }
  if (e.resolved?.startsWith('file:')) return 'local';
  const first = splitDescriptor(e.descriptors[0]);
  if (!first) return undefined;
  let name = first[0];
  if (first[1].startsWith('npm:')) {
    const real = splitDescriptor(first[1].slice(4));
    if (real) name = real[0];
  }
  return { name, version: e.version };
}

function parseYarnLock(file: CollectedFile, ctx: CatalogContext): Package[] {
  const text = readText(file, ctx);
  const berry = /^__metadata:/m.test(text);
  const entries = berry ? parseBerry(parseYaml(text, file.path, ctx)[0], file.path, ctx) : parseClassic(text, file.path, ctx);
  const out = new LockPackages(file.path, NAME, true);
  const byDescriptor = new Map<string, string>();
  const ids: Array<[Entry, string]> = [];
  let unnamed = 0;
  for (const e of entries) {
    const who = identify(e, berry);
    if (who === 'local') continue;
    if (!who) {
      unnamed++;
      continue;
    }
    const id = out.add({ name: who.name, version: who.version, type: 'npm', purl: npmPurl(who.name, who.version) });
    for (const d of e.descriptors) byDescriptor.set(d, id);
    ids.push([e, id]);
  }
  if (unnamed) warnFile(ctx, file.path, `${unnamed} entr${unnamed === 1 ? 'y' : 'ies'} without a readable name or version skipped`);
  for (const [e, id] of ids) {
    for (const [name, range] of e.deps) {
      // Berry v4-era lockfiles write `dep: ^1.0.0` for the descriptor `dep@npm:^1.0.0`.
      const target = byDescriptor.get(`${name}@${range}`) ?? (berry && !/^[a-z+]+:/.test(range) ? byDescriptor.get(`${name}@npm:${range}`) : undefined);
      if (target) out.depend(id, target);
    }
  }
  return out.toPackages();
}

export const yarnLockCataloger: Cataloger = {
  name: NAME,
  version: '1',
  scopes: ['filesystem'],
  want: wantByName((b) => b === 'yarn.lock'),
  catalog: (ctx) => catalogEach(ctx, (f) => parseYarnLock(f, ctx)),
};
