import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { UsageError } from '../../errors/index.js';
import { InstallError, MAX_POLICIES_BYTES, renderInstallManifests, type InstallOptions } from '../../admission/index.js';
import { compilePolicy, loadPolicies } from '../../policy/index.js';
import { logger } from '../context.js';
import { writeOutput } from '../output.js';
import type { InstallFlags } from './install.js';

/** A CA bundle larger than this is not a CA bundle. */
const MAX_CA_BUNDLE_BYTES = 1024 * 1024;
const POLICY_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

function wholeNumber(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError('BAD_FLAG', `"${value}" is not a whole number`, { input: flag });
  return Number(value);
}

/** A regular file's UTF-8 text, within a size cap; InstallError BAD_OPTION otherwise. */
function readCapped(file: string, max: number): string {
  let st;
  try {
    st = lstatSync(file);
  } catch (e) {
    throw new InstallError('BAD_OPTION', `cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { input: file, cause: e });
  }
  if (!st.isFile()) throw new InstallError('BAD_OPTION', 'not a regular file (symbolic links are not followed)', { input: file });
  if (st.size > max) throw new InstallError('BAD_OPTION', `${st.size} bytes: larger than ${max}`, { input: file });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(readFileSync(file));
  } catch (e) {
    throw new InstallError('BAD_OPTION', 'not UTF-8 text', { input: file, cause: e });
  }
}

/**
 * The policy files of DIR (not its subdirectories: ConfigMap keys are flat), each checked by
 * the policy engine so a broken policy fails here, not in the Pods. Files without a Kyverno
 * policy (a kyverno-test.yaml) are left out, with a warning.
 */
export function readPolicyDir(dir: string, warn: (msg: string) => void): Array<{ name: string; text: string }> {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch (e) {
    throw new InstallError('BAD_OPTION', `cannot list the directory (${(e as NodeJS.ErrnoException).code ?? 'error'})`, { input: dir, cause: e });
  }
  const out: Array<{ name: string; text: string }> = [];
  for (const name of names) {
    if (name.startsWith('.') || !POLICY_EXTENSIONS.has(extname(name).toLowerCase())) continue;
    const file = join(dir, name);
    if (lstatSync(file).isDirectory()) continue;
    const text = readCapped(file, MAX_POLICIES_BYTES);
    const policies = loadPolicies(text, file);
    if (policies.length === 0) {
      warn(`warning: ${file}: no Kyverno policy in it; left out of the ConfigMap`);
      continue;
    }
    for (const p of policies) compilePolicy(p, file);
    out.push({ name, text });
  }
  if (out.length === 0) throw new InstallError('BAD_OPTION', 'no policy file (*.yaml, *.yml, *.json holding a Kyverno policy) in it', { input: dir });
  return out;
}

/** `portcullis install`: flags → options → manifests on stdout or -o. */
export async function runInstall(flags: InstallFlags): Promise<void> {
  const log = logger(flags);
  if (flags.failurePolicy !== undefined && flags.failurePolicy !== 'Ignore' && flags.failurePolicy !== 'Fail') {
    throw new UsageError('BAD_FLAG', `"${flags.failurePolicy}": want Ignore or Fail`, { input: '--failure-policy' });
  }
  const opts: InstallOptions = {
    namespace: flags.namespace,
    image: flags.image,
    replicas: wholeNumber(flags.replicas, '--replicas'),
    failurePolicy: flags.failurePolicy,
    timeoutSeconds: wholeNumber(flags.timeoutSeconds, '--timeout-seconds'),
    policiesConfigMap: flags.policiesConfigmap,
    excludeNamespaces: flags.excludeNamespace,
    crds: flags.crds !== false,
    certManager: flags.certManager === true,
    mutation: flags.mutation === true,
    pullSecrets: flags.pullSecrets === true,
    reports: flags.reports === true,
  };
  if (flags.caBundle !== undefined) opts.caBundle = readCapped(flags.caBundle, MAX_CA_BUNDLE_BYTES);
  if (flags.policies !== undefined) opts.policies = readPolicyDir(flags.policies, log);

  const text = renderInstallManifests(opts);
  writeOutput(text, flags.output);

  if (!opts.caBundle && !opts.certManager) {
    log('warning: no --ca-bundle or --cert-manager: the API server cannot verify the webhook until a caBundle is set (docs/deployment.md, TLS)');
  }
  if (opts.failurePolicy === 'Fail') {
    log('warning: failurePolicy Fail: while no replica answers, matching requests are refused (docs/deployment.md, failure policy)');
  }
}
