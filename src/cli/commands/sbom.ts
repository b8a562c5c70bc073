import type { Command } from 'commander';
import { addImageFlags } from '../flags.js';
import { signerOptions, type SignerFlags } from './trust-image.js';
import type { ImageFlags } from '../context.js';

export const SBOM_FORMATS = ['cyclonedx', 'spdx-json', 'table'] as const;

export interface SbomFlags extends ImageFlags, Partial<Omit<SignerFlags, keyof ImageFlags>> {
  attest?: boolean;
  format: string;
  output?: string;
}

export function registerSbom(program: Command): void {
  const cmd = program
    .command('sbom')
    .description('generate an SBOM for an image reference or a directory')
    .argument('<target>', 'docker-archive:PATH | oci:DIR[:TAG] | dir:ROOTFS | REGISTRY/REPO[:TAG|@DIGEST] | a directory')
    .option('-f, --format <format>', `output format: ${SBOM_FORMATS.join(', ')}`, 'cyclonedx')
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--attest', 'also sign the SBOM as an attestation of the image digest and store it in the registry (cyclonedx or spdx-json)');
  signerOptions(cmd);
  // The implementation is imported on use, so `--help` and other commands stay fast.
  addImageFlags(cmd).action(async (target: string, flags: SbomFlags) => (await import('./sbom-run.js')).runSbom(target, flags));
}
