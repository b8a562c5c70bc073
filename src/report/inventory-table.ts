import type { Inventory } from '../inventory/types.js';
import { compareStrings } from '../util/sort.js';
import { renderTable } from './table.js';

const short = (d?: string) => (d ? d.replace(/^sha256:/, '').slice(0, 12) : '');

/** The human summary of an inventory: target, OS, counts per type, then every package. */
export function renderInventoryTable(inv: Inventory): string {
  const out: string[] = [];
  out.push(`Target:   ${inv.target.name}${inv.target.digest ? ` (${inv.target.digest})` : ''}`);
  if (inv.os) out.push(`OS:       ${inv.os.prettyName ?? `${inv.os.id} ${inv.os.versionId ?? ''}`.trim()}`);
  const counts = new Map<string, number>();
  for (const p of inv.packages) counts.set(p.type, (counts.get(p.type) ?? 0) + 1);
  const summary = [...counts.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([t, n]) => `${t} ${n}`);
  out.push(`Packages: ${inv.packages.length}${summary.length ? ` (${summary.join(', ')})` : ''}`);
  out.push('');
  const layerIndex = new Map((inv.target.layers ?? []).map((l, i) => [l.diffId, i]));
  const rows = inv.packages.map((p) => {
    const loc = p.locations[0];
    const li = loc?.layerDiffId ? layerIndex.get(loc.layerDiffId) : undefined;
    const layer = loc?.layerDiffId ? `${li ?? '?'}:${short(loc.layerDiffId)}` : '';
    const lic = p.licenses.join(', ') || '-';
    return [p.name, p.version, p.type, lic.length > 40 ? lic.slice(0, 39) + '…' : lic, layer, loc?.path ?? ''];
  });
  out.push(renderTable(['NAME', 'VERSION', 'TYPE', 'LICENSE', 'LAYER', 'PATH'], rows));
  return out.join('\n');
}
