import type { Readable } from 'node:stream';
import { PortcullisError } from '../errors/index.js';

export type OciErrorCode =
  | 'INVALID_REFERENCE'
  | 'INVALID_TRANSPORT'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'REGISTRY_ERROR'
  | 'NETWORK'
  | 'DIGEST_MISMATCH'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | 'INVALID_MANIFEST'
  | 'INVALID_ARCHIVE'
  | 'INVALID_LAYOUT'
  | 'NO_MATCHING_PLATFORM'
  | 'TOO_LARGE';

export class OciError extends PortcullisError<OciErrorCode> {}

/** A registry reference normalized exactly as Docker does (docker.io/library/nginx:latest). */
export interface ImageRef {
  /** Registry host, with port when given: `docker.io`, `localhost:5000`. */
  registry: string;
  /** Repository path: `library/nginx`, `team/app`. */
  repository: string;
  /** Tag, when given or defaulted (`latest` when neither tag nor digest is given). */
  tag?: string;
  /** `sha256:<hex>` when the reference carries a digest. */
  digest?: string;
}

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  artifactType?: string;
  urls?: string[];
}

/** One layer of an image, in manifest order (base first). */
export interface LayerInfo {
  /** Position in the manifest, 0 = base layer. */
  index: number;
  /** Digest of the blob as stored (compressed for registries and OCI layouts). */
  digest: string;
  /** Digest of the uncompressed tar (config.rootfs.diff_ids[index]). */
  diffId: string;
  mediaType: string;
  /** Stored size in bytes, -1 when unknown. */
  size: number;
}

/** The parsed image config blob (only the fields we use are typed). */
export interface ImageConfig {
  architecture?: string;
  os?: string;
  variant?: string;
  created?: string;
  config?: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Labels?: Record<string, string> | null;
    WorkingDir?: string;
  };
  rootfs?: { type: string; diff_ids: string[] };
  history?: Array<{ created?: string; created_by?: string; empty_layer?: boolean; comment?: string }>;
}

export type Transport = 'docker-archive' | 'oci' | 'dir' | 'registry';

/**
 * An opened image, whatever its transport. Layers are read with `openLayer`, which
 * returns the stored (possibly compressed) bytes and fails the stream with
 * DIGEST_MISMATCH if they do not hash to `layer.digest`.
 */
export interface ImageSource {
  transport: Transport;
  /** What the user named, normalized: `docker.io/library/nginx:latest`, `oci:/path:tag`. */
  name: string;
  /** Set for the registry transport (and for archives/layouts whose tag names a repository). */
  ref?: ImageRef;
  /** Digest of the image manifest that was read (for a registry: what the platform resolved to). */
  manifestDigest?: string;
  /** Digest of the index the manifest was chosen from, when there was one. */
  indexDigest?: string;
  /** Raw manifest bytes, as read. */
  manifest?: Buffer;
  /** Config digest (the image ID) and parsed config; absent for `dir:`. */
  configDigest?: string;
  config?: ImageConfig;
  platform?: Platform;
  layers: LayerInfo[];
  /** For `dir:` only: the unpacked root filesystem on disk. */
  rootDir?: string;
  openLayer(layer: LayerInfo): Promise<Readable>;
  close(): Promise<void>;
}

export interface Credentials {
  username: string;
  password: string;
}

export interface OpenOptions {
  /** Allow http:// for registries (loopback tests). */
  plainHttp?: boolean;
  /** Platform for multi-arch indexes; default is the host's (linux/amd64 on x86_64). */
  platform?: Platform;
  /** Explicit credentials (from --username/--password-stdin); else ~/.docker/config.json. */
  credentials?: Credentials;
  /** Path to a docker config.json; default `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`. */
  dockerConfigPath?: string;
  /** Extra CA certificates (PEM) to trust for registry TLS. */
  caCerts?: string[];
  /** Upper bound for manifests and configs read into memory (default 4 MiB). */
  maxManifestBytes?: number;
  /** Request timeout in ms for registry calls (default 30 s). */
  timeoutMs?: number;
}
