import type { LayerInfo, Platform } from '../oci/types.js';
import type { CollectedFile, FileCandidate, Want } from '../layers/types.js';
import { PortcullisError } from '../errors/index.js';

export type InventoryErrorCode = 'PARSE_ERROR' | 'UNSUPPORTED' | 'TARGET_NOT_FOUND';
export class InventoryError extends PortcullisError<InventoryErrorCode> {}

/** purl types we produce (the `type` component of the purl). */
export type PackageType =
  | 'deb'
  | 'apk'
  | 'rpm'
  | 'npm'
  | 'pypi'
  | 'golang'
  | 'maven'
  | 'cargo'
  | 'gem'
  | 'composer'
  | 'generic';

/** Where a package was found. */
export interface Location {
  /** Path relative to the image root or scanned directory, no leading slash. */
  path: string;
  /** Blob digest of the layer that introduced the package (images only). */
  layerDigest?: string;
  /** Uncompressed digest (diffID) of that layer. */
  layerDiffId?: string;
}

export interface Package {
  /** Stable id, unique within an inventory: see `packageId`. */
  id: string;
  name: string;
  version: string;
  type: PackageType;
  /** Package URL, canonical form (packageurl-js `toString()`). */
  purl: string;
  /** CPU architecture where the metadata states it (deb/apk/rpm). */
  arch?: string;
  /** Source package: deb `Source:`, apk `o:` origin, rpm source RPM name. Version when it differs or is known. */
  source?: { name: string; version?: string };
  /** SPDX expressions where the declared licence parses, otherwise the raw names. Sorted, unique. */
  licenses: string[];
  locations: Location[];
  /** Cataloger name that found it (`dpkg`, `npm-lock`, …). */
  foundBy: string;
  /** Ids of packages this one depends on, when known (dpkg Depends, lockfile graphs). */
  dependsOn?: string[];
  /** Installed files when the metadata lists them (dpkg .list, apk R: lines), relative paths. */
  files?: string[];
  /** Extra facts worth keeping in an SBOM, string-valued: maintainer, epoch, release, dev… */
  metadata?: Record<string, string>;
}

export interface OsInfo {
  /** os-release ID: `debian`, `alpine`, `ubuntu`, `rhel`, … */
  id: string;
  /** os-release VERSION_ID: `12`, `3.19.1`. */
  versionId?: string;
  versionCodename?: string;
  name?: string;
  prettyName?: string;
  idLike?: string[];
}

export type TargetKind = 'image' | 'filesystem' | 'sbom';

export interface Target {
  kind: TargetKind;
  /** Name as the user gave it, normalized (`docker.io/library/nginx:latest`, a path). */
  name: string;
  /** Image manifest digest, when known. */
  digest?: string;
  /** Image config digest (image ID). */
  imageId?: string;
  /** Repository digests (`repo@sha256:…`). */
  repoDigests?: string[];
  /** `pkg:oci/…` purl for images. */
  purl?: string;
  platform?: Platform;
  layers?: Array<Pick<LayerInfo, 'digest' | 'diffId' | 'mediaType' | 'size'>>;
}

/** Everything we know about a target's contents. Collections are sorted (see `sortInventory`). */
export interface Inventory {
  target: Target;
  os?: OsInfo;
  packages: Package[];
  /** Tool that produced it, when read from an SBOM made elsewhere. */
  producer?: string;
}

export type CatalogScope = 'image' | 'filesystem';

export interface CatalogContext {
  /** The files this cataloger asked for, sorted by path. */
  files: CollectedFile[];
  /** Any wanted file of the squashed view, symlinks resolved inside the root. */
  lookup(path: string): CollectedFile | undefined;
  os?: OsInfo;
  /** Report a non-fatal problem (a malformed entry skipped). */
  warn(message: string): void;
}

/**
 * A cataloger declares what files it wants and turns them into packages. `catalog` is
 * pure and synchronous: it sees only buffered file contents, never the disk or network.
 * Packages it returns need `locations[].path` set; the driver fills in layers and ids.
 */
export interface Cataloger {
  name: string;
  /** Bump when output changes for the same input: part of the layer-cache key. */
  version: string;
  scopes: CatalogScope[];
  want(c: FileCandidate): Want;
  catalog(ctx: CatalogContext): Package[];
}
