import type { Command } from 'commander';
import { registerPromote } from './promote.js';

export const POLICY_APPLY_FORMATS = ['table', 'json', 'policyreport'] as const;

export interface PolicyApplyFlags {
  resource?: string[];
  values?: string;
  format: string;
  output?: string;
  debug?: boolean;
  /** verifyImages rules: a docker config.json for private registries. */
  registryCredentials?: string;
  /** verifyImages rules: a Sigstore trusted_root.json (offline keyless verification). */
  trustedRoot?: string;
  plainHttp?: boolean;
}

export interface PolicyTestFlags {
  detailedResults?: boolean;
  failOnly?: boolean;
  fileName: string;
  debug?: boolean;
}

// The implementation is imported on use, so `--help` and other commands stay fast.
const run = () => import('./policy-run.js');

export function registerPolicy(program: Command): void {
  const policy = program.command('policy').description('evaluate Kyverno policies on Kubernetes manifests, and run kyverno-test.yaml suites');
  policy
    .command('apply')
    .description('apply validate policies to resources; exit 1 when an Enforce rule fails (Audit failures are warnings on stderr)')
    .argument('<policy...>', 'policy files or directories (read recursively for .yaml, .yml, .json)')
    .requiredOption('-r, --resource <path...>', 'resource files or directories (read recursively for .yaml, .yml, .json)')
    .option('--values <file>', 'a kyverno Values file (globalValues, per-policy/per-resource values, namespace labels)')
    .option('-f, --format <format>', `output format: ${POLICY_APPLY_FORMATS.join(', ')}`, 'table')
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .option('--registry-credentials <file>', 'verifyImages: a docker config.json for private registries (pull secrets among the resources are used first)')
    .option('--trusted-root <file>', 'verifyImages: a Sigstore trusted_root.json for keyless verification (default: the cached public-good root, offline)')
    .option('--plain-http', 'verifyImages: allow plain http to registries (loopback registries)')
    .action(async (policies: string[], flags: PolicyApplyFlags) => (await run()).runPolicyApply(policies, flags));
  policy
    .command('test')
    .description('run kyverno-test.yaml suites found under the paths; exit 1 when any row does not match')
    .argument('<path...>', 'directories to search (or test files)')
    .option('--detailed-results', 'show every row with its rule message')
    .option('--fail-only', 'show only the rows that failed')
    .option('--file-name <name>', 'the test file name to look for', 'kyverno-test.yaml')
    .action(async (paths: string[], flags: PolicyTestFlags) => (await run()).runPolicyTest(paths, flags));
  registerPromote(policy);
}
