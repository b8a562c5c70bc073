import { readSync } from 'node:fs';
import { UsageError } from '../../errors/index.js';
import { CONFIG_SEVERITIES, MAX_FILE_BYTES, parseRegistryList, renderConfigJson, renderConfigSarif, renderConfigTable, scanConfig, type ConfigSeverity } from '../../config/index.js';
import { logger } from '../context.js';
import { writeOutput } from '../output.js';
import { VERSION } from '../version.js';
import { CONFIG_FORMATS, type ConfigFlags } from './config.js';

/** Standard input, read up to one byte past the scan's cap (so an oversized input is reported, not truncated silently). */
export function readStdin(max = MAX_FILE_BYTES + 1): string {
  const chunks: Buffer[] = [];
  let total = 0;
  const buf = Buffer.alloc(1 << 16);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, buf, 0, Math.min(buf.length, max - total), null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') continue;
      if (code === 'EOF') break;
      throw new UsageError('USAGE', `cannot read standard input (${code ?? 'error'})`, { input: '-' });
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
    total += n;
    if (total >= max) break;
  }
  // Invalid UTF-8 becomes U+FFFD here; a NUL byte still marks the input as binary.
  return new TextDecoder('utf-8').decode(Buffer.concat(chunks));
}

export function parseConfigSeverities(list: string): ConfigSeverity[] {
  const out = new Set<ConfigSeverity>();
  for (const raw of list.split(',')) {
    const s = raw.trim().toUpperCase();
    if (s === '') continue;
    if (!(CONFIG_SEVERITIES as readonly string[]).includes(s)) {
      throw new UsageError('BAD_FLAG', `unknown severity "${raw.trim()}": want ${CONFIG_SEVERITIES.join(', ')}`, { input: '--severity' });
    }
    out.add(s as ConfigSeverity);
  }
  if (out.size === 0) throw new UsageError('BAD_FLAG', 'no severity given', { input: '--severity' });
  return [...out];
}

/**
 * One config scan: options → scan → render → exit code. Files that could not be scanned
 * are listed in the report and on stderr, and make the exit code 2 (bad input) once the
 * report is written; otherwise findings trip `--exit-code`.
 */
export async function runConfig(paths: string[], flags: ConfigFlags, io: { stdin?: () => string } = {}): Promise<void> {
  if (!(CONFIG_FORMATS as readonly string[]).includes(flags.format)) {
    throw new UsageError('BAD_FLAG', `unknown format "${flags.format}": want one of ${CONFIG_FORMATS.join(', ')}`, { input: '--format' });
  }
  const exitCode = Number(flags.exitCode ?? '0');
  if (!/^\d+$/.test(flags.exitCode ?? '0') || exitCode > 255) throw new UsageError('BAD_FLAG', `"${flags.exitCode}" is not an exit code (0-255)`, { input: '--exit-code' });
  const severities = flags.severity === undefined ? undefined : parseConfigSeverities(flags.severity);
  const allowedRegistries = flags.allowedRegistries === undefined ? undefined : parseRegistryList(flags.allowedRegistries);
  if (paths.filter((p) => p === '-').length > 1) throw new UsageError('USAGE', 'stdin (-) can be named once', { input: '-' });
  const stdin = paths.includes('-') ? (io.stdin ?? readStdin)() : undefined;

  const report = scanConfig(paths, { severities, allowedRegistries, stdin });
  const text = flags.format === 'json' ? renderConfigJson(report, { toolVersion: VERSION }) : flags.format === 'sarif' ? renderConfigSarif(report, { toolVersion: VERSION }) : renderConfigTable(report);
  writeOutput(text, flags.output);

  const log = logger(flags);
  for (const e of report.errors) log(`warning: ${e.file}: ${e.message} (${e.code})`);
  const findings = report.files.reduce((n, f) => n + f.findings.length, 0);
  if (report.errors.length > 0) process.exitCode = 2;
  else if (exitCode !== 0 && findings > 0) process.exitCode = exitCode;
}
