import type { Command } from 'commander';

export const CONFIG_FORMATS = ['table', 'json', 'sarif'] as const;

export interface ConfigFlags {
  severity?: string;
  exitCode?: string;
  format: string;
  output?: string;
  allowedRegistries?: string;
  quiet?: boolean;
  debug?: boolean;
}

/** `portcullis config PATH…`: misconfiguration checks of Kubernetes manifests and Dockerfiles. */
export function registerConfig(program: Command): void {
  program
    .command('config')
    .description('check Kubernetes manifests and Dockerfiles for misconfigurations (- reads manifests from stdin)')
    .argument('<paths...>', 'files or directories; - for stdin (helm template … | portcullis config -)')
    .option('--severity <list>', 'severities to report: LOW,MEDIUM,HIGH,CRITICAL (default all)')
    .option('--exit-code <n>', 'exit with N when findings remain after the filter (default 0: never)', '0')
    .option('-f, --format <format>', `output format: ${CONFIG_FORMATS.join(', ')}`, 'table')
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--allowed-registries <list>', 'registries (or registry/path prefixes) images may come from, comma-separated; enables PCL-K8S-043 and PCL-DF-011')
    .option('-q, --quiet', 'no warnings on stderr')
    // The implementation is imported on use, so `--help` and other commands stay fast.
    .action(async (paths: string[], flags: ConfigFlags) => (await import('./config-run.js')).runConfig(paths, flags));
}
