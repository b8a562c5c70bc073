import type { Command } from 'commander';
import { UsageError } from '../../errors/index.js';
import { encodeCycloneDx, encodeSpdx } from '../../sbom/index.js';
import { renderInventoryTable } from '../../report/index.js';
import { addImageFlags } from '../flags.js';
import type { ImageFlags } from '../context.js';
import { writeOutput } from '../output.js';
import { inventoryTarget } from '../target.js';
import { VERSION } from '../version.js';

const FORMATS = ['cyclonedx', 'spdx-json', 'table'] as const;
type SbomFormat = (typeof FORMATS)[number];

interface SbomFlags extends ImageFlags {
  format: string;
  output?: string;
}

export function registerSbom(program: Command): void {
  const cmd = program
    .command('sbom')
    .description('generate an SBOM for an image reference or a directory')
    .argument('<target>', 'docker-archive:PATH | oci:DIR[:TAG] | dir:ROOTFS | REGISTRY/REPO[:TAG|@DIGEST] | a directory')
    .option('-f, --format <format>', `output format: ${FORMATS.join(', ')}`, 'cyclonedx')
    .option('-o, --output <file>', 'write to FILE instead of stdout');
  addImageFlags(cmd).action(async (target: string, flags: SbomFlags) => {
    if (!(FORMATS as readonly string[]).includes(flags.format)) {
      throw new UsageError('BAD_FLAG', `unknown format "${flags.format}": want one of ${FORMATS.join(', ')}`, { input: '--format' });
    }
    const inv = await inventoryTarget(target, flags);
    const format = flags.format as SbomFormat;
    const text =
      format === 'cyclonedx' ? encodeCycloneDx(inv, { toolVersion: VERSION }) : format === 'spdx-json' ? encodeSpdx(inv, { toolVersion: VERSION }) : renderInventoryTable(inv);
    writeOutput(text, flags.output);
  });
}
