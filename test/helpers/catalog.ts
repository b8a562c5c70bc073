// Builds a CatalogContext from in-memory files, for cataloger unit tests. Catalogers are
// pure functions over buffered files, so no image is needed to test their parsing; the
// end-to-end tests run them over real layers.
import type { CollectedFile } from '../../src/layers/types.js';
import type { CatalogContext, Cataloger, OsInfo, Package } from '../../src/inventory/types.js';

const fakeLayer = { index: 0, digest: 'sha256:' + '0'.repeat(64), diffId: 'sha256:' + '0'.repeat(64), mediaType: 'application/vnd.oci.image.layer.v1.tar', size: -1 };

export function collected(path: string, content: string | Buffer, mode = 0o644, wantedBy: string[] = []): CollectedFile {
  const data = typeof content === 'string' ? Buffer.from(content) : content;
  return { path, data, mode, size: data.length, layer: fakeLayer, history: [], wantedBy };
}

/**
 * Runs a cataloger over files given as path → content, honouring its `want` (files it
 * does not want are not shown to it; reducers are applied) as the layer reader would.
 */
export function runCataloger(c: Cataloger, files: Record<string, string | Buffer>, os?: OsInfo): { packages: Package[]; warnings: string[] } {
  const all = new Map<string, CollectedFile>();
  for (const [path, content] of Object.entries(files)) {
    const data = typeof content === 'string' ? Buffer.from(content) : content;
    const mode = path.includes('bin/') ? 0o755 : 0o644;
    const w = c.want({ path, size: data.length, mode });
    if (!w) continue;
    let kept: Buffer | null = data;
    if (typeof w === 'object' && w.reduce) {
      const r = w.reduce();
      r.push(data);
      kept = r.end();
    }
    if (kept) all.set(path, collected(path, kept, mode, [c.name]));
  }
  const warnings: string[] = [];
  const ctx: CatalogContext = {
    files: [...all.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    lookup: (p) => all.get(p.replace(/^\/+/, '')),
    os,
    warn: (m) => warnings.push(m),
  };
  return { packages: c.catalog(ctx), warnings };
}
