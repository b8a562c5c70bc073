import type { Command } from 'commander';

export interface PromoteFlags {
  to: string;
  namespace?: string;
  name?: string;
  write?: boolean;
  force?: boolean;
  cluster?: boolean;
  resources?: string[];
  file?: string[];
  kubeconfig?: string;
  context?: string;
  ownNamespace: string;
  debug?: boolean;
}

// The implementation is imported on use, so `--help` and other commands stay fast.
const run = () => import('./promote-run.js');

/** `portcullis policy promote`: registered by the lead on the `policy` command group. */
export function registerPromote(policyCommand: Command): void {
  policyCommand
    .command('promote')
    .description(
      "rewrite a policy's failure action in its file (comments kept) and print the diff; refuses (exit 1) while Enforce would block existing resources, unless --force",
    )
    .argument('<policy-file>', 'the YAML file holding the ClusterPolicy or Policy')
    .requiredOption('--to <action>', 'Enforce or Audit')
    .option('-n, --namespace <ns>', 'only in this namespace, through a failure-action override (staged enforcement)')
    .option('--name <policy>', "the policy's metadata.name, when the file holds several")
    .option('--write', 'write the file (without it, only the diff is printed)')
    .option('--force', 'promote even though Enforce would block existing resources')
    .option('--resources <path...>', 'check readiness on these manifest files or directories')
    .option('-f, --file <dump...>', 'check readiness on a `kubectl get all -A -o json` List')
    .option('--cluster', 'check readiness on the cluster (kubeconfig)')
    .option('--kubeconfig <file>', 'with --cluster: the kubeconfig')
    .option('--context <name>', 'with --cluster: the kubeconfig context')
    .option('--own-namespace <ns>', "the admission controller's namespace, reported with the system namespaces", 'portcullis')
    .action(async (file: string, flags: PromoteFlags) => (await run()).runPromote(file, flags));
}
