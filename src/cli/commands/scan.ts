import type { Command } from 'commander';
import { addImageFlags } from '../flags.js';
import { signerOptions, type SignerFlags } from './trust-image.js';
import type { ImageFlags } from '../context.js';

export const SCAN_FORMATS = ['table', 'json', 'sarif', 'cyclonedx'] as const;

export interface ScanFlags extends ImageFlags, Partial<Omit<SignerFlags, keyof ImageFlags>> {
  attest?: boolean;
  severity?: string;
  exitCode?: string;
  ignoreUnfixed?: boolean;
  ignoreStatus?: string;
  ignorefile?: string;
  vex?: string[];
  format: string;
  output?: string;
  db?: string;
  all?: boolean;
}

function addScanFlags(cmd: Command): Command {
  return cmd
    .option('--severity <list>', 'severities to report: UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL (default all)')
    .option('--exit-code <n>', 'exit with N when findings remain after filters (default 0: never)', '0')
    .option('--ignore-unfixed', 'drop findings with no fixed version (every status but fixed)')
    .option('--ignore-status <list>', 'statuses to drop: affected,will_not_fix,fix_deferred,end_of_life,unknown')
    .option('--ignorefile <file>', 'ignore file: plain IDs (exp:YYYY-MM-DD) or YAML (.yaml/.yml); default ./.portcullisignore if present')
    .option('--vex <file>', 'OpenVEX or CycloneDX VEX document; not_affected statements suppress findings (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--all', 'also show Debian "unimportant" findings')
    .option('--db <path>', 'vulnerability database (default ~/.cache/portcullis/db/portcullis.db)')
    .option('-f, --format <format>', `output format: ${SCAN_FORMATS.join(', ')}`, 'table')
    .option('-o, --output <file>', 'write to FILE instead of stdout');
}

/** `image`, `fs` and `scan-sbom`: the same scan over three kinds of target. */
export function registerScan(program: Command): void {
  const run = (kind: 'image' | 'fs' | 'sbom') => async (target: string, flags: ScanFlags) =>
    (await import('./scan-run.js')).runScan(kind, target, flags);

  const image = addScanFlags(addImageFlags(program.command('image').description('scan an image for known vulnerabilities').argument('<ref>', 'docker-archive:PATH | oci:DIR[:TAG] | dir:ROOTFS | REGISTRY/REPO[:TAG|@DIGEST]')));
  image.option('--attest', "also sign the scan result as a cosign 'vuln' attestation of the image digest and store it in the registry");
  signerOptions(image).action(run('image'));
  addScanFlags(program.command('fs').description('scan a directory: lockfiles, binaries and installed packages').argument('<dir>', 'a directory')).action(run('fs'));
  addScanFlags(program.command('scan-sbom').description('scan an SBOM (CycloneDX or SPDX JSON, ours or another tool\'s)').argument('<file>', 'an SBOM file')).action(run('sbom'));
}
