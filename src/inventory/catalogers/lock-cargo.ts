// Cargo.lock, all formats (v1/v2 without a version key, v3, v4).
//
// Packages without a `source` are the workspace's own crates (members and path
// dependencies) and are not recorded. A dependency is written `name`, `name version` or
// `name version (source)`, the longer forms only when the shorter would be ambiguous.
import type { CollectedFile } from '../../layers/types.js';
import type { Cataloger, CatalogContext, Package } from '../types.js';
import { toPurl } from '../purl.js';
import { LockPackages, catalogEach, isRecord, readText, str, warnFile, wantByName } from './lockfile-util.js';
import { parseToml } from './toml.js';

interface Crate {
  version: string;
  source?: string;
  id?: string;
}

function parseCargoLock(file: CollectedFile, ctx: CatalogContext): Package[] {
  const { value, error } = parseToml(readText(file, ctx));
  if (error) warnFile(ctx, file.path, `invalid TOML: ${error.message}`);
  const entries = Array.isArray(value.package) ? value.package : [];
  const out = new LockPackages(file.path, 'cargo-lock', true);
  const byName = new Map<string, Crate[]>();
  const pending: Array<[string, unknown]> = [];
  let unnamed = 0;
  for (const p of entries) {
    if (!isRecord(p)) continue;
    const name = str(p.name);
    const version = str(p.version);
    if (!name || !version) {
      unnamed++;
      continue;
    }
    const crate: Crate = { version, source: str(p.source) };
    if (crate.source) {
      crate.id = out.add({ name, version, type: 'cargo', purl: toPurl({ type: 'cargo', name, version }) });
      pending.push([crate.id, p.dependencies]);
    }
    byName.set(name, [...(byName.get(name) ?? []), crate]);
  }
  if (unnamed) warnFile(ctx, file.path, `${unnamed} package(s) without name or version skipped`);
  for (const [id, deps] of pending) {
    if (!Array.isArray(deps)) continue;
    for (const d of deps) {
      if (typeof d !== 'string') continue;
      const m = /^(\S+)(?: (\S+))?(?: \((.+)\))?$/.exec(d.trim());
      if (!m) continue;
      const target = (byName.get(m[1]) ?? []).find((c) => (m[2] === undefined || c.version === m[2]) && (m[3] === undefined || c.source === m[3]));
      if (target?.id) out.depend(id, target.id);
    }
  }
  return out.toPackages();
}

export const cargoLockCataloger: Cataloger = {
  name: 'cargo-lock',
  version: '1',
  scopes: ['filesystem'],
  want: wantByName((b) => b === 'Cargo.lock'),
  catalog: (ctx) => catalogEach(ctx, (f) => parseCargoLock(f, ctx)),
};
