import type { Command } from 'commander';
import type { ImageFlags } from '../context.js';
import { addImageFlags } from '../flags.js';

export interface PinFlags extends ImageFlags {
  write?: boolean;
  check?: boolean;
  keepTag?: boolean;
  update?: boolean;
  helm?: boolean;
  mirror?: string[];
}

const collect = (value: string, previous: string[]) => [...previous, value];

/**
 * `portcullis pin FILE|DIR…`: rewrite image references to digests. Without --write it
 * prints a unified diff and changes nothing; --check needs no network.
 */
export function registerPin(program: Command): void {
  const cmd = program
    .command('pin')
    .description('pin image references to digests in Kubernetes manifests, Kustomize, compose files, Dockerfiles and (--helm) Helm values')
    .argument('<paths...>', 'files or directories (walked for .yaml, .yml, .json and Dockerfiles)')
    .option('--write', 'rewrite the files in place (default: print a unified diff and change nothing)')
    .option('--check', 'no network: list unpinned references as FILE:LINE: IMAGE and exit 1 if there are any')
    .option('--keep-tag', 'write name:tag@sha256:… instead of name@sha256:… (readable diffs; lets --update follow the tag)')
    .option('--update', 're-resolve pinned references that carry a tag and replace digests whose tag has moved')
    .option('--helm', 'also pin Helm values files (image.repository/image.tag; see docs/pinning.md)')
    .option('--mirror <registry=host>', 'look up REGISTRY\'s images at HOST, names unchanged (repeatable; e.g. docker.io=localhost:5000)', collect, []);
  // The implementation is imported on use, so `--help` and other commands stay fast.
  addImageFlags(cmd).action(async (paths: string[], flags: PinFlags) => (await import('./pin-run.js')).runPin(paths, flags));
}
