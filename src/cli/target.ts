import { buildInventory, inventoryDirectory } from '../inventory/index.js';
import type { Inventory } from '../inventory/types.js';
import { openImage } from '../oci/index.js';
import { cacheDirFrom, isDirectoryTarget, logger, openOptionsFrom, type ImageFlags } from './context.js';

/** Open a target (image reference with transport, or a directory) and inventory it. */
export async function inventoryTarget(target: string, flags: ImageFlags): Promise<Inventory> {
  const log = logger(flags);
  const seen = new Set<string>();
  const onWarning = (m: string) => {
    if (!seen.has(m)) {
      seen.add(m);
      log(`warning: ${m}`);
    }
  };
  if (isDirectoryTarget(target)) return inventoryDirectory(target, { onWarning });
  const source = await openImage(target, openOptionsFrom(flags));
  try {
    return await buildInventory(source, {
      cacheDir: cacheDirFrom(flags),
      onWarning,
      onLayerRead: flags.debug ? (l) => log(`reading layer ${l.digest}`) : undefined,
    });
  } finally {
    await source.close();
  }
}
