// Gemfile.lock (Bundler).
//
// GEM and GIT sections list resolved gems at four spaces (`name (version)`), each
// followed by its dependencies at six spaces; dependencies name gems, resolved to the
// specs of that name. PATH gems are the project's own code and are not recorded. As in
// Bundler's own parser, `name (1.16.0-x86_64-linux)` is version 1.16.0 built for that
// platform, which goes into the purl's `platform` qualifier. Gemfile.lock does not keep
// Gemfile groups, so nothing is marked dev.
import type { CollectedFile } from '../../layers/types.js';
import type { Cataloger, CatalogContext, Package } from '../types.js';
import { toPurl } from '../purl.js';
import { LockPackages, catalogEach, readText, warnFile, wantByName } from './lockfile-util.js';

const SOURCES = new Set(['GEM', 'GIT', 'PATH']);

interface Spec {
  name: string;
  id?: string;
  deps: string[];
}

function parseGemfileLock(file: CollectedFile, ctx: CatalogContext): Package[] {
  const out = new LockPackages(file.path, 'gemfile-lock', true);
  const specs: Spec[] = [];
  let section: string | undefined;
  let inSpecs = false;
  let current: Spec | undefined;
  let bad = 0;
  for (const line of readText(file, ctx).split(/\r?\n/)) {
    if (!line.trim()) continue;
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (indent === 0) {
      section = body;
      inSpecs = false;
      current = undefined;
      continue;
    }
    if (!section || !SOURCES.has(section)) continue; // PLATFORMS, DEPENDENCIES, CHECKSUMS, unknown
    if (indent === 2) {
      inSpecs = body === 'specs:';
      current = undefined;
    } else if (indent === 4 && inSpecs) {
      const m = /^([^\s(]+) \(([^-)\s]+)(?:-([^)\s]+))?\)$/.exec(body);
      if (!m) {
        bad++;
        current = undefined;
        continue;
      }
      const [, name, version, platform] = m;
      current = { name, deps: [] };
      specs.push(current);
      if (section !== 'PATH') {
        current.id = out.add({
          name,
          version,
          type: 'gem',
          purl: toPurl({ type: 'gem', name, version, qualifiers: { platform } }),
          metadata: platform ? { platform } : undefined,
        });
      }
    } else if (indent === 6 && inSpecs && current) {
      const m = /^([^\s(]+)(?: \(.*\))?$/.exec(body);
      if (m) current.deps.push(m[1]);
      else bad++;
    }
  }
  if (bad) warnFile(ctx, file.path, `${bad} malformed spec line(s) skipped`);
  const byName = new Map<string, string[]>();
  for (const s of specs) if (s.id) byName.set(s.name, [...(byName.get(s.name) ?? []), s.id]);
  for (const s of specs) {
    if (!s.id) continue;
    for (const d of s.deps) for (const target of byName.get(d) ?? []) out.depend(s.id, target);
  }
  return out.toPackages();
}

export const gemfileLockCataloger: Cataloger = {
  name: 'gemfile-lock',
  version: '1',
  scopes: ['filesystem'],
  want: wantByName((b) => b === 'Gemfile.lock' || b === 'gems.locked', ['node_modules', 'vendor']),
  catalog: (ctx) => catalogEach(ctx, (f) => parseGemfileLock(f, ctx)),
};
