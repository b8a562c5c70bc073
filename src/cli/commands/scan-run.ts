import { existsSync } from 'node:fs';
import { UsageError } from '../../errors/index.js';
import { inventoryDirectory } from '../../inventory/index.js';
import type { Inventory } from '../../inventory/types.js';
import { applyFilters, matchInventory, parseIgnoreFile, parseSeverities, parseStatuses, parseVex } from '../../scan/index.js';
import type { ScanResult } from '../../scan/types.js';
import { decodeSbom } from '../../sbom/index.js';
import { VulnDb } from '../../vulndb/index.js';
import { defaultDbPath, logger, readUserFile } from '../context.js';
import { writeOutput } from '../output.js';
import { inventoryTarget } from '../target.js';
import { VERSION } from '../version.js';
import { SCAN_FORMATS, type ScanFlags } from './scan.js';

async function inventoryFor(kind: 'image' | 'fs' | 'sbom', target: string, flags: ScanFlags): Promise<Inventory> {
  if (kind === 'fs') {
    if (!existsSync(target)) throw new UsageError('USAGE', 'directory does not exist', { input: target });
    return inventoryDirectory(target, { onWarning: (m) => logger(flags)(`warning: ${m}`) });
  }
  if (kind === 'sbom') {
    const text = readUserFile(target, 'the SBOM').toString('utf8');
    return decodeSbom(text, target);
  }
  return inventoryTarget(target, flags);
}

/** One scan: inventory → match → filters → render → the gate's exit code. */
export async function runScan(kind: 'image' | 'fs' | 'sbom', target: string, flags: ScanFlags): Promise<void> {
  if (!(SCAN_FORMATS as readonly string[]).includes(flags.format)) {
    throw new UsageError('BAD_FLAG', `unknown format "${flags.format}": want one of ${SCAN_FORMATS.join(', ')}`, { input: '--format' });
  }
  const exitCode = Number(flags.exitCode ?? '0');
  if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 255) throw new UsageError('BAD_FLAG', `"${flags.exitCode}" is not an exit code (0-255)`, { input: '--exit-code' });
  const severities = flags.severity === undefined ? undefined : parseSeverities(flags.severity);
  const ignoreStatuses = flags.ignoreStatus === undefined ? undefined : parseStatuses(flags.ignoreStatus);

  // Read every input before the (slow) scan, so a typo fails fast.
  const ignorePath = flags.ignorefile ?? (existsSync('.portcullisignore') ? '.portcullisignore' : undefined);
  const ignore = ignorePath ? parseIgnoreFile(readUserFile(ignorePath, '--ignorefile').toString('utf8'), ignorePath) : undefined;
  const vex = (flags.vex ?? []).map((f) => parseVex(readUserFile(f, '--vex').toString('utf8'), f));

  const db = VulnDb.open(flags.db ?? defaultDbPath(), { readonly: true });
  try {
    const inventory = await inventoryFor(kind, target, flags);
    const log = logger(flags);
    const matched = matchInventory(inventory, db, { all: flags.all, warn: flags.debug ? (m) => log(m) : undefined });
    const { findings, suppressed } = applyFilters(matched, { severities, ignoreStatuses, ignoreUnfixed: flags.ignoreUnfixed, all: flags.all, ignore, vex, inventory });
    const result: ScanResult = {
      inventory,
      findings,
      suppressed,
      sources: db.sources().map((s) => ({ name: s.name, newestModified: s.newestModified, importedAt: s.importedAt })),
    };
    writeOutput(await render(result, flags.format), flags.output);
    if (flags.attest && kind === 'image') {
      const { attachToImage } = await import('./attach.js');
      await attachToImage(inventory, await vulnPredicate(result), 'vuln', flags);
    }
    if (exitCode !== 0 && findings.length > 0) process.exitCode = exitCode;
  } finally {
    db.close();
  }
}

async function render(result: ScanResult, format: string): Promise<string> {
  switch (format) {
    case 'json':
      return (await import('../../report/vuln-json.js')).renderVulnJson(result, { toolVersion: VERSION });
    case 'sarif':
      return (await import('../../report/sarif.js')).renderSarif(result, { toolVersion: VERSION });
    case 'cyclonedx':
      return (await import('../../sbom/cyclonedx-vulns.js')).encodeCycloneDxWithVulns(result, { toolVersion: VERSION });
    default:
      return (await import('../../report/vuln-table.js')).renderVulnTable(result);
  }
}

/** cosign's `vuln` predicate (https://cosign.sigstore.dev/attestation/vuln/v1) around our JSON report. */
async function vulnPredicate(result: ScanResult): Promise<unknown> {
  const { toJsonReport } = await import('../../report/vuln-json.js');
  const now = new Date().toISOString();
  return {
    invocation: { parameters: null, uri: '', event_id: '', 'builder.id': '' },
    scanner: { uri: 'pkg:npm/portcullis', version: VERSION, db: { uri: result.sources.map((s) => s.name).join(','), version: result.sources[0]?.importedAt ?? '' }, result: toJsonReport(result, { toolVersion: VERSION }) },
    metadata: { scanStartedOn: now, scanFinishedOn: now },
  };
}
