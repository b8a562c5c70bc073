// `portcullis config`: find the files, read each within its caps, run the Dockerfile checks
// or the Kubernetes library (through the policy engine), and gather one report. A file
// that cannot be read or parsed becomes an error entry naming it; the scan goes on.
import { readFileSync, statSync } from 'node:fs';
import { compareStrings } from '../util/sort.js';
import { checkDockerfile } from './dockerfile-checks.js';
import { DOCKERFILE_CHECKS } from './dockerfile-meta.js';
import { checkObject, compileLibrary, type CompiledLibrary } from './k8s.js';
import { kubernetesChecks, REGISTRY_POLICY } from './library/index.js';
import { loadManifests } from './manifests.js';
import { registryPatterns } from './registries.js';
import { ConfigError, type CheckMeta, type CheckTarget, type ConfigFileError, type ConfigFileResult, type ConfigFinding, type ConfigReport, type ScanConfigOptions } from './types.js';
import { collectTargets } from './walk.js';

/** Largest file (or stdin) a scan reads: rendered charts with all their CRDs stay well under it. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** Text of a file within the caps; throws ConfigError TOO_LARGE, BINARY or UNREADABLE. */
export function readText(file: string, data?: string): string {
  let buf: Buffer;
  if (data !== undefined) {
    if (Buffer.byteLength(data) > MAX_FILE_BYTES) throw new ConfigError('TOO_LARGE', `larger than ${MAX_FILE_BYTES / 1048576} MiB`, { input: file });
    buf = Buffer.from(data);
  } else {
    try {
      const size = statSync(file).size;
      if (size > MAX_FILE_BYTES) throw new ConfigError('TOO_LARGE', `${size} bytes: larger than ${MAX_FILE_BYTES / 1048576} MiB`, { input: file });
      buf = readFileSync(file);
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError('UNREADABLE', `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { input: file, cause: e });
    }
  }
  if (buf.includes(0)) throw new ConfigError('BINARY', 'binary file (NUL bytes): not a manifest or Dockerfile', { input: file });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new ConfigError('BINARY', 'not UTF-8 text', { input: file });
  }
}

/** Piped text is a Dockerfile when its first instruction-like line is FROM or ARG (YAML never starts so). */
function looksLikeDockerfile(text: string): boolean {
  for (const line of text.split('\n', 200)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    return /^(FROM|ARG)\s/i.test(t) && !/^\S+:(\s|$)/.test(t);
  }
  return false;
}

const byPosition = (a: ConfigFinding, b: ConfigFinding) =>
  (a.line ?? 0) - (b.line ?? 0) || compareStrings(a.resource, b.resource) || compareStrings(a.checkId, b.checkId) || compareStrings(a.rule ?? '', b.rule ?? '') || compareStrings(a.message, b.message);

/**
 * Scan manifests and Dockerfiles. Throws ConfigError BAD_OPTION for unusable options and
 * ENGINE when the policy engine rejects the built-in library; problems with an input file
 * are error entries in the report.
 */
export function scanConfig(paths: readonly string[], opts: ScanConfigOptions = {}): ConfigReport {
  const severities = opts.severities ? new Set(opts.severities) : undefined;
  const allowed = opts.allowedRegistries ? registryPatterns(opts.allowedRegistries) : undefined;
  const wanted = (c: CheckMeta) => !severities || severities.has(c.severity);
  const walk = collectTargets(paths);
  const report: ConfigReport = { files: [], errors: [...walk.errors], checks: [], skipped: walk.skipped };
  const ran = new Set<CheckTarget>();
  let lib: CompiledLibrary | undefined;

  for (const target of walk.targets) {
    let text: string;
    try {
      text = readText(target.file, target.file === '-' ? opts.stdin ?? '' : undefined);
    } catch (e) {
      report.errors.push(errorEntry(target.file, e));
      continue;
    }
    const type: CheckTarget = target.file === '-' && looksLikeDockerfile(text) ? 'dockerfile' : target.type;
    try {
      if (type === 'dockerfile') {
        const r = checkDockerfile(text, target.file, { allowedRegistries: allowed });
        const findings = r.findings.filter((f) => !severities || severities.has(f.severity)).sort(byPosition);
        const passed = r.passed.filter((id) => wanted(DOCKERFILE_CHECKS.find((c) => c.id === id) as CheckMeta)).length;
        report.files.push({ file: target.file, type, resources: 1, successes: passed, findings });
        ran.add('dockerfile');
      } else {
        const manifest = loadManifests(text, target.file);
        // A YAML file a walk found that holds no Kubernetes object (a CI workflow, a
        // compose file) is not a manifest: leave it out rather than list it as clean.
        if (manifest.objects.length === 0 && !target.explicit) continue;
        lib ??= compileLibrary({ allowedRegistries: allowed });
        const result: ConfigFileResult = { file: target.file, type, resources: manifest.objects.length, successes: 0, findings: [] };
        for (const obj of manifest.objects) {
          const r = checkObject(lib, obj, target.file, wanted);
          result.successes += r.passed;
          result.findings.push(...r.findings);
        }
        result.findings.sort(byPosition);
        report.files.push(result);
        ran.add('kubernetes');
      }
    } catch (e) {
      if (e instanceof ConfigError && e.code === 'ENGINE') throw e;
      // A walk meets JSON that is not for us and not strict JSON (tsconfig.json with
      // comments): that is not a broken manifest.
      if (!target.explicit && /\.json$/i.test(target.file) && e instanceof ConfigError && e.code === 'INVALID_YAML') {
        report.skipped.push({ file: target.file, reason: 'not strict JSON (comments?): not a manifest' });
        continue;
      }
      report.errors.push(errorEntry(target.file, e, type));
    }
  }

  const checks: CheckMeta[] = [];
  if (ran.has('kubernetes')) checks.push(...kubernetesChecks().filter((c) => allowed || c.policy !== REGISTRY_POLICY));
  if (ran.has('dockerfile')) checks.push(...DOCKERFILE_CHECKS.filter((c) => allowed || c.id !== 'PCL-DF-011'));
  report.checks = checks.filter(wanted).sort((a, b) => compareStrings(a.id, b.id));
  report.files.sort((a, b) => compareStrings(a.file, b.file));
  report.errors.sort((a, b) => compareStrings(a.file, b.file));
  report.skipped.sort((a, b) => compareStrings(a.file, b.file));
  return report;
}

function errorEntry(file: string, e: unknown, type: CheckTarget = 'kubernetes'): ConfigFileError {
  if (e instanceof ConfigError) return { file, code: e.code, message: e.message };
  // Anything else from a parser (a RangeError from a pathological input) is still the file's problem.
  return { file, code: type === 'dockerfile' ? 'INVALID_DOCKERFILE' : 'INVALID_YAML', message: (e as Error).message?.split('\n')[0] ?? String(e) };
}
