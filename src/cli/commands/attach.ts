import type { Inventory } from '../../inventory/types.js';
import { UsageError } from '../../errors/index.js';
import { logger, openOptionsFrom } from '../context.js';
import type { SignerFlags } from './trust-image.js';

export interface AttestableFlags extends Partial<SignerFlags> {
  attest?: boolean;
}

/**
 * `--attest` on `sbom` and `image`: sign the SBOM or the scan result as an in-toto
 * attestation about exactly the image digest that was read, and store it as cosign does.
 */
export async function attachToImage(inv: Inventory, predicate: unknown, type: string, flags: AttestableFlags): Promise<void> {
  if (inv.target.kind !== 'image' || !inv.target.digest || /^(docker-archive|oci|dir):/.test(inv.target.name)) {
    throw new UsageError('USAGE', '--attest needs an image in a registry (the attestation is stored next to it)', { input: inv.target.name });
  }
  const run = await import('./trust-image-run.js');
  const signer = run.signerFrom(flags as SignerFlags);
  const { attachAttestation } = await import('../../trust/attest.js');
  const r = await attachAttestation(inv.target.name, predicate, type, { ...openOptionsFrom(flags), ...signer, format: run.storageFrom(flags as SignerFlags), digest: inv.target.digest });
  logger(flags)(`attested ${r.repository}@${r.digest} (${r.predicateType})`);
}
