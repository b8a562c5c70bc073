// Go binaries: modules compiled in, read from the build info the Go linker embeds. The
// layer reader streams every executable through the build-info reducer, so only the
// ~64 KiB after the magic of Go binaries is ever buffered.
import type { FileCandidate, Want } from '../../layers/types.js';
import type { Cataloger, CatalogContext, Package } from '../types.js';
import { golangPurlParts, packageId, toPurl } from '../purl.js';
import { sortBy } from '../../util/index.js';
import { isPortcullisError } from '../../errors/index.js';
import { createBuildInfoReducer, parseBuildInfo, type GoBuildInfo, type GoModule } from './go-buildinfo.js';

const MAX_BINARY_BYTES = 512 * 1024 * 1024;
// Smaller than any real executable with a build-info section.
const MIN_BINARY_BYTES = 64;
const DEVEL = '(devel)';

/** A replacement by a directory (`=> ./fork`) names no module: we keep the original. */
function isLocalPath(p: string): boolean {
  return p.startsWith('./') || p.startsWith('../') || p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p);
}

/** `go1.22.4` → `1.22.4`; `go1.20.4 X:boringcrypto` → `1.20.4`; devel toolchains → undefined. */
export function stdlibVersion(goVersion: string): string | undefined {
  const m = /^go(\d+(?:\.\d+)*(?:(?:rc|beta)\d+)?)(?:\s|$)/.exec(goVersion);
  return m ? m[1] : undefined;
}

function goPackage(
  mod: { path: string; version: string },
  binary: string,
  info: GoBuildInfo,
  arch: string | undefined,
  extra: Record<string, string>,
): Package {
  const purl = toPurl(golangPurlParts(mod.path, mod.version || undefined));
  const p: Package = {
    id: packageId(purl, binary),
    name: mod.path,
    version: mod.version,
    type: 'golang',
    purl,
    licenses: [],
    locations: [{ path: binary }],
    foundBy: 'go-binary',
    metadata: { goVersion: info.goVersion, binary, ...extra },
  };
  if (arch) p.arch = arch;
  return p;
}

function depPackage(dep: GoModule, binary: string, info: GoBuildInfo, arch: string | undefined): Package {
  const r = dep.replace;
  if (r && !isLocalPath(r.path)) {
    const extra: Record<string, string> = { replaces: `${dep.path}@${dep.version}` };
    if (r.sum) extra.h1Digest = r.sum;
    return goPackage(r, binary, info, arch, extra);
  }
  const extra: Record<string, string> = {};
  if (dep.sum) extra.h1Digest = dep.sum;
  if (r) extra.replacedBy = r.path;
  return goPackage(dep, binary, info, arch, extra);
}

/** Packages for one binary's build info: main module, dependencies, and the toolchain as `stdlib`. */
export function packagesFromBuildInfo(info: GoBuildInfo, binary: string): Package[] {
  const settings = new Map(info.settings);
  const arch = settings.get('GOARCH');
  const deps = info.deps.map((d) => depPackage(d, binary, info, arch));
  const out = [...deps];

  const sv = stdlibVersion(info.goVersion);
  let stdlib: Package | undefined;
  if (sv) {
    const purl = toPurl({ type: 'golang', name: 'stdlib', version: sv });
    stdlib = {
      id: packageId(purl, binary),
      name: 'stdlib',
      version: sv,
      type: 'golang',
      purl,
      licenses: ['BSD-3-Clause'],
      locations: [{ path: binary }],
      foundBy: 'go-binary',
      metadata: { goVersion: info.goVersion, binary },
    };
    if (arch) stdlib.arch = arch;
    out.push(stdlib);
  }

  // GOPATH-mode builds (Debian's, for one) record only the main package path: report it
  // as the main module at (devel), as syft does. `go build file.go` records a pseudo path.
  const main = info.main ?? (info.path && info.path !== 'command-line-arguments' ? { path: info.path, version: DEVEL } : undefined);
  if (main) {
    const extra: Record<string, string> = {};
    if (info.path) extra.mainPackage = info.path;
    if (!info.main) extra.mainModuleFromPath = 'true';
    if (info.main?.sum) extra.h1Digest = info.main.sum;
    for (const [k, v] of info.settings) extra[`build.${k}`] = v;
    const m = goPackage(main, binary, info, arch, extra);
    m.dependsOn = [...deps.map((d) => d.id), ...(stdlib ? [stdlib.id] : [])].sort();
    out.push(m);
  }
  return out;
}

export const goBinaryCataloger: Cataloger = {
  name: 'go-binary',
  version: '1',
  scopes: ['image', 'filesystem'],
  want(c: FileCandidate): Want {
    if ((c.mode & 0o111) === 0 || c.size < MIN_BINARY_BYTES) return false;
    // Larger executables are skipped by the layer reader, with a warning naming them.
    return { maxBytes: MAX_BINARY_BYTES, reduce: () => createBuildInfoReducer() };
  },
  catalog(ctx: CatalogContext): Package[] {
    const out: Package[] = [];
    for (const f of ctx.files) {
      let info: GoBuildInfo;
      try {
        info = parseBuildInfo(f.data);
      } catch (e) {
        if (!isPortcullisError(e)) throw e;
        ctx.warn(`${f.path}: ${e.message}`);
        continue;
      }
      out.push(...packagesFromBuildInfo(info, f.path));
    }
    // One package per (purl, binary): a module listed twice would otherwise collide on id.
    const seen = new Set<string>();
    const unique = out.filter((p) => (seen.has(p.id) ? false : (seen.add(p.id), true)));
    return sortBy(unique, (p) => p.purl, (p) => p.locations[0].path);
  },
};
