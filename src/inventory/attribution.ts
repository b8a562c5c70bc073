import type { CollectedFile, FileTree, FileVersion } from '../layers/types.js';
import type { Cataloger, OsInfo, Package } from './types.js';

/**
 * Which layer introduced each package. A package found in a single-package file (a
 * status.d stanza, a jar) comes from that file's layer. For a multi-package database
 * rewritten by several layers (dpkg's status, apk's installed), the package belongs to
 * the earliest layer from which every later version of the file still lists it: the
 * cataloger is re-run on each historical version, and presence is keyed by purl.
 */
export function attributeLayers(cataloger: Cataloger, packages: Package[], tree: FileTree, os: OsInfo | undefined): void {
  const presence = new Map<string, Array<{ version: FileVersion; purls: Set<string> }>>();

  const versionsOf = (file: CollectedFile) => {
    let v = presence.get(file.path);
    if (!v) {
      const all: FileVersion[] = [...file.history, file];
      v = all.map((version) => ({ version, purls: purlsIn(cataloger, file, version, tree, os) }));
      presence.set(file.path, v);
    }
    return v;
  };

  for (const pkg of packages) {
    const loc = pkg.locations[0];
    if (!loc) continue;
    const file = fileFor(tree, loc.path);
    if (!file) continue;
    let layer = file.layer;
    if (file.history.length > 0) {
      const versions = versionsOf(file);
      // Walk back from the newest version while the package is still listed.
      for (let i = versions.length - 1; i >= 0 && versions[i].purls.has(pkg.purl); i--) layer = versions[i].version.layer;
    }
    if (layer.digest || layer.diffId) {
      loc.layerDigest = layer.digest || undefined;
      loc.layerDiffId = layer.diffId || undefined;
    }
  }
}

// Nested archive locations read `outer.jar:inner/lib.jar`; the file is the outer one.
function fileFor(tree: FileTree, path: string): CollectedFile | undefined {
  const direct = tree.files.get(path);
  if (direct) return direct;
  const colon = path.indexOf(':');
  return colon > 0 ? tree.files.get(path.slice(0, colon)) : undefined;
}

function purlsIn(cataloger: Cataloger, file: CollectedFile, version: FileVersion, tree: FileTree, os: OsInfo | undefined): Set<string> {
  const single: CollectedFile = { ...version, path: file.path, wantedBy: file.wantedBy, history: [] };
  try {
    const pkgs = cataloger.catalog({
      files: [single],
      lookup: (p) => (p.replace(/^\/+/, '') === file.path ? single : tree.resolve(p)),
      os,
      warn: () => undefined,
    });
    return new Set(pkgs.map((p) => p.purl));
  } catch {
    return new Set();
  }
}
