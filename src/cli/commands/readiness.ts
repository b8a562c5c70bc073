import type { Command } from 'commander';

export const READINESS_FORMATS = ['table', 'json'] as const;

export interface ReadinessFlags {
  cluster?: boolean;
  resources?: string[];
  file?: string[];
  policies?: string[];
  namespace?: string;
  ownNamespace: string;
  kubeconfig?: string;
  context?: string;
  writeReports?: string;
  format: string;
  output?: string;
  debug?: boolean;
}

// The implementation is imported on use, so `--help` and other commands stay fast.
const run = () => import('./readiness-run.js');

export function registerReadiness(program: Command): void {
  program
    .command('readiness')
    .description('for every Audit policy, what Enforce would block today: violations by namespace and owner, the exclusion that would cover system namespaces, and a verdict (exit 0: it is a report)')
    .option('--cluster', 'read resources and policies from the cluster (kubeconfig)')
    .option('--resources <path...>', 'manifest files or directories (read recursively for .yaml, .yml, .json)')
    .option('-f, --file <dump...>', 'a `kubectl get all -A -o json` List')
    .option('--policies <path...>', 'policy files or directories (default: the ClusterPolicies/Policies among the resources, or in the cluster)')
    .option('-n, --namespace <ns>', 'only resources in this namespace')
    .option('--own-namespace <ns>', "the admission controller's namespace, reported with the system namespaces", 'portcullis')
    .option('--kubeconfig <file>', 'with --cluster: the kubeconfig (default $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'with --cluster: the kubeconfig context')
    .option('--write-reports <dir>', 'also write the background-scan PolicyReports of these resources as YAML files into DIR')
    .option('--format <format>', `output format: ${READINESS_FORMATS.join(', ')}`, 'table')
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .action(async (flags: ReadinessFlags) => (await run()).runReadiness(flags));
}
