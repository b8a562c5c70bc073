import type { Command } from 'commander';

/** Flags every image-reading command shares (DESIGN.md, CLI contract). */
export function addImageFlags(cmd: Command): Command {
  return cmd
    .option('--plain-http', 'allow plain http to the registry (loopback registries)')
    .option('--platform <os/arch[/variant]>', 'platform to pick from a multi-arch index (default: this host)')
    .option('--username <user>', 'registry user name (with --password-stdin)')
    .option('--password-stdin', 'read the registry password from stdin')
    .option('--cache-dir <dir>', 'layer cache directory (default: ~/.cache/portcullis)')
    .option('--no-cache', 'do not read or write the layer cache')
    .option('-q, --quiet', 'no progress or warnings on stderr');
}
