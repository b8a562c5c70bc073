import { UsageError } from '../../errors/index.js';
import type { CompiledPolicy } from '../../policy/index.js';
import { compilePolicyDocs, loadOfflineInput, loadPolicyFiles, scanOnce, type ScanInput } from '../../admission/background.js';
import { assessReadiness, renderReadinessText } from '../../admission/readiness.js';
import { FileReportWriter, ReportStore, sourceDateClock } from '../../admission/reports.js';
import { writeOutput } from '../output.js';
import { READINESS_FORMATS, type ReadinessFlags } from './readiness.js';

export interface ResourceSourceFlags {
  cluster?: boolean;
  resources?: string[];
  file?: string[];
  kubeconfig?: string;
  context?: string;
}

/**
 * Resources and policies from the cluster or from files; `policyPaths` overrides where
 * policies come from, and `null` means no policies are wanted (promote brings its own).
 */
export async function loadLifecycleInput(flags: ResourceSourceFlags, policyPaths: string[] | undefined | null): Promise<{ input: ScanInput; policies: CompiledPolicy[] }> {
  const offline = (flags.resources?.length ?? 0) > 0 || (flags.file?.length ?? 0) > 0;
  if (flags.cluster && offline) throw new UsageError('BAD_FLAG', '--cluster reads the cluster: drop --resources/-f, or drop --cluster', { input: '--cluster' });
  if (!flags.cluster && !offline) throw new UsageError('USAGE', 'say where the resources are: --cluster, --resources DIR or -f dump.json', { input: 'readiness' });
  if (flags.cluster) {
    const { KubeClient, listClusterPolicyDocs, listClusterResources, loadKubeConfig } = await import('../../admission/cluster.js');
    const client = new KubeClient(loadKubeConfig({ kubeconfig: flags.kubeconfig, context: flags.context }));
    const input = await listClusterResources(client);
    if (policyPaths === null) return { input, policies: [] };
    const policies = policyPaths ? loadPolicyFiles(policyPaths) : compilePolicyDocs(await listClusterPolicyDocs(client));
    return { input, policies };
  }
  const off = loadOfflineInput({ paths: flags.resources ?? [], dumps: flags.file ?? [] });
  if (policyPaths === null) return { input: off, policies: [] };
  const policies = policyPaths ? loadPolicyFiles(policyPaths) : compilePolicyDocs(off.policyDocs);
  if (policies.length === 0) throw new UsageError('USAGE', 'no ClusterPolicy or Policy among the resources: name them with --policies', { input: 'readiness' });
  return { input: off, policies };
}

export async function runReadiness(flags: ReadinessFlags): Promise<void> {
  if (!(READINESS_FORMATS as readonly string[]).includes(flags.format)) {
    throw new UsageError('BAD_FLAG', `unknown format "${flags.format}": want one of ${READINESS_FORMATS.join(', ')}`, { input: '--format' });
  }
  const { input, policies } = await loadLifecycleInput(flags, flags.policies);
  const report = assessReadiness(policies, input, { ownNamespace: flags.ownNamespace, ...(flags.namespace ? { namespace: flags.namespace } : {}) });
  writeOutput(flags.format === 'json' ? JSON.stringify(report, null, 2) : renderReadinessText(report), flags.output);
  if (flags.writeReports) {
    // Offline mode: the reports a background scan of the same resources would write to the cluster.
    const store = new ReportStore({ clock: sourceDateClock() });
    scanOnce(store, policies, input);
    const { written, removed } = new FileReportWriter(flags.writeReports).write(store.snapshot());
    process.stderr.write(`portcullis: wrote ${written.length} report file(s) to ${flags.writeReports}${removed.length ? `, removed ${removed.length} stale` : ''}\n`);
  }
}
