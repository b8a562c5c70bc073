import { UsageError } from '../../errors/index.js';
import type { Inventory } from '../../inventory/types.js';
import { writeOutput } from '../output.js';
import { inventoryTarget } from '../target.js';
import { VERSION } from '../version.js';
import { SBOM_FORMATS, type SbomFlags } from './sbom.js';

type SbomFormat = (typeof SBOM_FORMATS)[number];

async function render(inv: Inventory, format: SbomFormat): Promise<string> {
  // Each encoder is loaded only when asked for: the CycloneDX library alone costs ~70 ms.
  if (format === 'cyclonedx') return (await import('../../sbom/cyclonedx-encode.js')).encodeCycloneDx(inv, { toolVersion: VERSION });
  if (format === 'spdx-json') return (await import('../../sbom/spdx-encode.js')).encodeSpdx(inv, { toolVersion: VERSION });
  return (await import('../../report/inventory-table.js')).renderInventoryTable(inv);
}

export async function runSbom(target: string, flags: SbomFlags): Promise<void> {
  if (!(SBOM_FORMATS as readonly string[]).includes(flags.format)) {
    throw new UsageError('BAD_FLAG', `unknown format "${flags.format}": want one of ${SBOM_FORMATS.join(', ')}`, { input: '--format' });
  }
  if (flags.attest && flags.format === 'table') throw new UsageError('BAD_FLAG', '--attest needs --format cyclonedx or spdx-json', { input: '--attest' });
  const inv = await inventoryTarget(target, flags);
  const text = await render(inv, flags.format as SbomFormat);
  writeOutput(text, flags.output);
  if (flags.attest) {
    const { attachToImage } = await import('./attach.js');
    await attachToImage(inv, JSON.parse(text), flags.format === 'cyclonedx' ? 'cyclonedx' : 'spdxjson', flags);
  }
}
