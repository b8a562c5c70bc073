// openImage: one entry point for every transport, spelled as skopeo spells them.
import { existsSync, statSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { openDockerArchive } from './docker-archive.js';
import { openOciLayout } from './oci-layout.js';
import { openRegistryImage } from './registry-image.js';
import { OciError, type ImageSource, type LayerInfo, type OpenOptions } from './types.js';

/** skopeo transports we recognize but do not read; named so they are not taken for Docker Hub images. */
const UNSUPPORTED_TRANSPORTS = ['oci-archive', 'docker-daemon', 'containers-storage', 'ostree', 'sif', 'tarball'];

/**
 * Splits `PATH[:SUFFIX]` where PATH may itself hold ':' — the longest prefix that exists
 * with the wanted kind wins, so `/tmp/a:b.tar:app:v1` still finds `/tmp/a:b.tar`.
 */
function splitPath(spec: string, isKind: (p: string) => boolean): { path: string; suffix?: string } {
  if (existsSync(spec)) return { path: spec };
  for (let i = spec.lastIndexOf(':'); i > 0; i = spec.lastIndexOf(':', i - 1)) {
    const prefix = spec.slice(0, i);
    if (existsSync(prefix) && isKind(prefix)) return { path: prefix, suffix: spec.slice(i + 1) };
  }
  return { path: spec };
}

const isFile = (p: string) => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;
const isDir = (p: string) => statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;

async function openDir(path: string): Promise<ImageSource> {
  const abs = resolvePath(path);
  const st = statSync(abs, { throwIfNoEntry: false });
  if (!st) throw new OciError('NOT_FOUND', 'root filesystem directory does not exist', { input: abs });
  if (!st.isDirectory()) throw new OciError('INVALID_TRANSPORT', 'dir: needs a directory (an unpacked root filesystem)', { input: abs });
  return {
    transport: 'dir',
    name: abs,
    rootDir: abs,
    layers: [],
    async openLayer(layer: LayerInfo): Promise<never> {
      throw new OciError('NOT_FOUND', `a dir: image has no layers (asked for ${layer.digest}); read rootDir instead`, { input: abs });
    },
    async close() {
      // nothing held
    },
  };
}

/**
 * Opens an image named with a transport: `docker-archive:PATH[:NAME:TAG|:@N]`,
 * `oci:DIR[:TAG]`, `dir:ROOTFS`, or a bare reference (optionally `docker://REF`) for a registry.
 */
export async function openImage(spec: string, opts: OpenOptions = {}): Promise<ImageSource> {
  const colon = spec.indexOf(':');
  const transport = colon > 0 ? spec.slice(0, colon) : '';
  const rest = spec.slice(colon + 1);
  switch (transport) {
    case 'docker-archive': {
      if (!rest) throw new OciError('INVALID_TRANSPORT', 'docker-archive: needs a path', { input: spec });
      const { path, suffix } = splitPath(rest, isFile);
      return openDockerArchive(path, suffix || undefined, opts);
    }
    case 'oci': {
      if (!rest) throw new OciError('INVALID_TRANSPORT', 'oci: needs a directory', { input: spec });
      const { path, suffix } = splitPath(rest, isDir);
      return openOciLayout(path, suffix || undefined, opts);
    }
    case 'dir':
      if (!rest) throw new OciError('INVALID_TRANSPORT', 'dir: needs a directory', { input: spec });
      return openDir(rest);
    case 'docker':
      if (rest.startsWith('//')) return openRegistryImage(rest.slice(2), opts);
      break;
    default:
      if (UNSUPPORTED_TRANSPORTS.includes(transport)) {
        throw new OciError('INVALID_TRANSPORT', `transport ${transport}: is not supported (use docker-archive:, oci:, dir: or a registry reference)`, { input: spec });
      }
  }
  return openRegistryImage(spec, opts);
}
