// Python lockfiles: pip requirements files, poetry.lock and Pipfile.lock.
//
// requirements files only pin what `==`/`===` pins (as Trivy does); ranges, URLs and
// editable or local installs say nothing exact and are skipped, and `-r`/`-c` includes
// are not followed (each included file is found and read on its own when it matches).
// poetry.lock records the dependency graph; Pipfile.lock does not. Names in purls are
// PEP 503 normalized.
import type { CollectedFile } from '../../layers/types.js';
import type { Cataloger, CatalogContext, Package } from '../types.js';
import { normalizePypiName, toPurl } from '../purl.js';
import { LockPackages, catalogEach, isRecord, parseJson, readText, str, warnFile, wantByName } from './lockfile-util.js';
import { parseToml } from './toml.js';

// Virtual environments and installed trees carry other projects' requirement files.
const EXCLUDED = ['node_modules', 'site-packages', 'dist-packages'];

function pypiPurl(name: string, version: string): string {
  return toPurl({ type: 'pypi', name: normalizePypiName(name), version });
}

/** pip's reading order: join `\`-continued lines, then drop `#` comments. */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  let acc = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/\s+$/, '');
    if (line.endsWith('\\') && !/^\s*#/.test(line)) {
      acc += line.slice(0, -1) + ' ';
      continue;
    }
    out.push(acc + line);
    acc = '';
  }
  if (acc) out.push(acc);
  return out.map((l) => l.replace(/(^|\s)#.*$/, '').trim()).filter(Boolean);
}

// name[extras] ==|=== version, nothing else (a second specifier makes it a range).
const PINNED = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*===?\s*([^\s,;*@=<>!~]+)$/;

function parseRequirements(file: CollectedFile, ctx: CatalogContext): Package[] {
  const out = new LockPackages(file.path, 'python-requirements', false);
  let bad = 0;
  for (const line of logicalLines(readText(file, ctx))) {
    if (line.startsWith('-')) continue; // -r/-c includes, -e editables, index options
    // Per-requirement options (`--hash=…`) follow the requirement; markers follow ';'.
    const req = line.split(/\s+--?[A-Za-z]/)[0].split(';')[0].trim();
    const m = PINNED.exec(req);
    if (m) out.add({ name: m[1], version: m[2], type: 'pypi', purl: pypiPurl(m[1], m[2]) });
    // Anything that is not a requirement, a local path or a URL is not pip syntax.
    else if (!/^[A-Za-z0-9]/.test(req) && !/^[./~]/.test(req) && !req.includes('://')) bad++;
  }
  if (bad) warnFile(ctx, file.path, `${bad} unreadable line(s) skipped`);
  return out.toPackages();
}

function parsePipfileLock(file: CollectedFile, ctx: CatalogContext): Package[] {
  const doc = parseJson(readText(file, ctx), file.path, ctx);
  if (doc === undefined) return [];
  if (!isRecord(doc)) {
    warnFile(ctx, file.path, 'not a Pipfile.lock object');
    return [];
  }
  const out = new LockPackages(file.path, 'pipfile-lock', false);
  if (!isRecord(doc.default) && !isRecord(doc.develop)) warnFile(ctx, file.path, 'no default or develop section');
  for (const [section, dev] of [['default', false], ['develop', true]] as const) {
    const deps = doc[section];
    if (!isRecord(deps)) continue;
    for (const [name, entry] of Object.entries(deps)) {
      if (!isRecord(entry)) continue;
      // Local paths and git checkouts carry no version: nothing exact to record.
      if (entry.path !== undefined || str(entry.file)?.startsWith('file:')) continue;
      const version = str(entry.version)?.replace(/^===?/, '');
      if (!version) continue;
      out.add({ name, version, type: 'pypi', purl: pypiPurl(name, version), dev });
    }
  }
  return out.toPackages();
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function parsePoetryLock(file: CollectedFile, ctx: CatalogContext): Package[] {
  const { value, error } = parseToml(readText(file, ctx));
  if (error) warnFile(ctx, file.path, `invalid TOML: ${error.message}`);
  const entries = Array.isArray(value.package) ? value.package : [];
  const out = new LockPackages(file.path, 'poetry-lock', true);
  const byName = new Map<string, string[]>();
  const deps: Array<[string, string[]]> = [];
  for (const p of entries) {
    if (!isRecord(p)) continue;
    const name = str(p.name);
    const version = str(p.version);
    if (!name || !version) continue;
    const source = isRecord(p.source) ? str(p.source.type) : undefined;
    if (source === 'directory' || source === 'file') continue; // the project's own code
    // Poetry 1.x writes category = "dev"; 2.x lists groups, "main" being the runtime one.
    const groups = strings(p.groups);
    const dev = p.category === 'dev' || (groups.length > 0 && !groups.includes('main'));
    const id = out.add({ name, version, type: 'pypi', purl: pypiPurl(name, version), dev });
    const key = normalizePypiName(name);
    byName.set(key, [...(byName.get(key) ?? []), id]);
    deps.push([id, isRecord(p.dependencies) ? Object.keys(p.dependencies) : []]);
  }
  for (const [id, names] of deps) {
    for (const n of names) for (const target of byName.get(normalizePypiName(n)) ?? []) out.depend(id, target);
  }
  return out.toPackages();
}

const isRequirementsFile = (b: string): boolean => b.endsWith('.txt') && b.toLowerCase().includes('requirements');

export const pythonRequirementsCataloger: Cataloger = {
  name: 'python-requirements',
  version: '1',
  scopes: ['filesystem'],
  want: wantByName(isRequirementsFile, EXCLUDED),
  catalog: (ctx) => catalogEach(ctx, (f) => parseRequirements(f, ctx)),
};

export const poetryLockCataloger: Cataloger = {
  name: 'poetry-lock',
  version: '1',
  scopes: ['filesystem'],
  want: wantByName((b) => b === 'poetry.lock', EXCLUDED),
  catalog: (ctx) => catalogEach(ctx, (f) => parsePoetryLock(f, ctx)),
};

export const pipfileLockCataloger: Cataloger = {
  name: 'pipfile-lock',
  version: '1',
  scopes: ['filesystem'],
  want: wantByName((b) => b === 'Pipfile.lock', EXCLUDED),
  catalog: (ctx) => catalogEach(ctx, (f) => parsePipfileLock(f, ctx)),
};
