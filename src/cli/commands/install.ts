import type { Command } from 'commander';

export interface InstallFlags {
  namespace?: string;
  image?: string;
  replicas?: string;
  caBundle?: string;
  certManager?: boolean;
  failurePolicy?: string;
  timeoutSeconds?: string;
  policies?: string;
  policiesConfigmap?: string;
  excludeNamespace?: string[];
  crds?: boolean;
  mutation?: boolean;
  pullSecrets?: boolean;
  reports?: boolean;
  output?: string;
  quiet?: boolean;
  debug?: boolean;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** `portcullis install`: print the manifests that run the admission webhook. */
export function registerInstall(program: Command): void {
  program
    .command('install')
    .description('print the Kubernetes manifests that run the admission webhook (pipe to kubectl apply -f -)')
    .option('-n, --namespace <ns>', 'namespace of its own for Portcullis (default portcullis)')
    .option('--image <ref>', 'image to run; pin it by digest (REGISTRY/portcullis@sha256:…) (default portcullis:<version>)')
    .option('--replicas <n>', 'webhook replicas (default 2; a PodDisruptionBudget is rendered for 2 or more)')
    .option('--ca-bundle <file>', 'PEM file of the CA that signed the serving certificate in Secret portcullis-tls')
    .option('--cert-manager', 'have cert-manager issue the serving certificate and inject the caBundle')
    .option('--failure-policy <policy>', 'Ignore (default, while policies are in Audit) or Fail')
    .option('--timeout-seconds <n>', 'API server deadline for a review, 3-30 (default 10; the server answers 2 s sooner)')
    .option('--policies <dir>', 'render the policy files of DIR (*.yaml, *.yml, *.json) into the policies ConfigMap')
    .option('--policies-configmap <name>', 'ConfigMap the policies are mounted from (default portcullis-policies)')
    .option('--exclude-namespace <ns>', 'namespace the webhook never reviews, besides kube-system and its own (repeatable)', collect)
    .option('--pull-secrets', "let verifyImages read Pods' imagePullSecrets through the API (adds get on secrets and serviceaccounts; off by default)")
    .option('--reports', 'write PolicyReports through the API (serve --reports-cluster; adds a Role on Leases in its namespace so one replica writes; off by default)')
    .option('--mutation', 'also render the MutatingWebhookConfiguration that pins images by digest at admission (serve --pin-images)')
    .option('--no-crds', 'leave out the PolicyReport CRDs (Kyverno or Policy Reporter installed them already)')
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('-q, --quiet', 'no warnings on stderr')
    // The implementation is imported on use, so `--help` and other commands stay fast.
    .action(async (flags: InstallFlags) => (await import('./install-run.js')).runInstall(flags));
}
