// composer.lock: `packages` (run time) and `packages-dev` (marked dev), each with its
// `require` map as the graph. Versions are kept exactly as Composer wrote them, leading
// `v` included (`v4.6.2`), as syft and Trivy do: Packagist advisories are matched on the
// normalized version downstream. Path-repository packages are the project's own code.
import type { CollectedFile } from '../../layers/types.js';
import type { Cataloger, CatalogContext, Package } from '../types.js';
import { toPurl } from '../purl.js';
import { LockPackages, catalogEach, isRecord, parseJson, readText, str, warnFile, wantByName } from './lockfile-util.js';

/** `require` keys that are platform requirements, not packages. */
function isPlatform(name: string): boolean {
  return /^(php(-64bit|-ipv6|-zts|-debug)?|hhvm|ext-.+|lib-.+|composer(-plugin-api|-runtime-api)?)$/i.test(name);
}

function licensesOf(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

function parseComposerLock(file: CollectedFile, ctx: CatalogContext): Package[] {
  const doc = parseJson(readText(file, ctx), file.path, ctx);
  if (doc === undefined) return [];
  if (!isRecord(doc)) {
    warnFile(ctx, file.path, 'not a composer.lock object');
    return [];
  }
  const out = new LockPackages(file.path, 'composer-lock', true);
  const byName = new Map<string, string>();
  const pending: Array<[string, unknown]> = [];
  let bad = 0;
  if (!Array.isArray(doc.packages) && !Array.isArray(doc['packages-dev'])) warnFile(ctx, file.path, 'no packages or packages-dev list');
  for (const [section, dev] of [['packages', false], ['packages-dev', true]] as const) {
    const list = doc[section];
    if (!Array.isArray(list)) continue;
    for (const entry of list) {
      if (!isRecord(entry)) continue;
      const name = str(entry.name);
      const version = str(entry.version);
      const slash = name?.indexOf('/') ?? -1;
      if (!name || !version || slash < 1 || slash === name.length - 1) {
        bad++;
        continue;
      }
      const local = (isRecord(entry.dist) && entry.dist.type === 'path') || (isRecord(entry.source) && entry.source.type === 'path');
      if (local) continue;
      const id = out.add({
        name,
        version,
        type: 'composer',
        purl: toPurl({ type: 'composer', namespace: name.slice(0, slash), name: name.slice(slash + 1), version }),
        licenses: licensesOf(entry.license),
        dev,
      });
      byName.set(name.toLowerCase(), id);
      pending.push([id, entry.require]);
    }
  }
  if (bad) warnFile(ctx, file.path, `${bad} package(s) without a vendor/name or version skipped`);
  for (const [id, require] of pending) {
    if (!isRecord(require)) continue;
    for (const dep of Object.keys(require)) {
      if (isPlatform(dep)) continue;
      const target = byName.get(dep.toLowerCase());
      if (target) out.depend(id, target);
    }
  }
  return out.toPackages();
}

export const composerLockCataloger: Cataloger = {
  name: 'composer-lock',
  version: '1',
  scopes: ['filesystem'],
  want: wantByName((b) => b === 'composer.lock', ['node_modules', 'vendor']),
  catalog: (ctx) => catalogEach(ctx, (f) => parseComposerLock(f, ctx)),
};
