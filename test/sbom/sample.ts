// A small but complete Inventory for encoder tests: a Debian 12 image with dpkg packages
// (source packages, arch, layer locations, the real libc6 ⇄ libgcc-s1 dependency cycle)
// and npm (scoped), PyPI, Go and Maven packages in an application layer. Names, versions
// and relationships are those of Debian bookworm and the named upstream releases.
import type { Inventory, Package, PackageType } from '../../src/inventory/types.js';
import { golangPurlParts, packageId, toPurl, type PurlParts } from '../../src/inventory/purl.js';

export const LAYER0 = {
  digest: 'sha256:' + '1a'.repeat(32),
  diffId: 'sha256:' + '2b'.repeat(32),
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  size: 29_150_000,
};
export const LAYER1 = {
  digest: 'sha256:' + '3c'.repeat(32),
  diffId: 'sha256:' + '4d'.repeat(32),
  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
  size: 1_204_000,
};
export const MANIFEST_DIGEST = 'sha256:' + '5e'.repeat(32);
export const CONFIG_DIGEST = 'sha256:' + '6f'.repeat(32);

interface Spec {
  purl: PurlParts;
  type: PackageType;
  name: string;
  paths: Array<[path: string, layer: typeof LAYER0]>;
  licenses?: string[];
  arch?: string;
  source?: { name: string; version?: string };
  foundBy: string;
  metadata?: Record<string, string>;
}

function pkg(s: Spec): Package {
  const purl = toPurl(s.purl);
  const p: Package = {
    id: packageId(purl, s.paths[0][0]),
    name: s.name,
    version: s.purl.version ?? '',
    type: s.type,
    purl,
    // The inventory keeps licences sorted and unique (normalizeLicenses).
    licenses: [...new Set(s.licenses ?? [])].sort(),
    locations: s.paths.map(([path, l]) => ({ path, layerDigest: l.digest, layerDiffId: l.diffId })),
    foundBy: s.foundBy,
  };
  if (s.arch) p.arch = s.arch;
  if (s.source) p.source = s.source;
  if (s.metadata) p.metadata = s.metadata;
  return p;
}

const deb = (name: string, version: string, arch: string, rest: Partial<Spec>): Package =>
  pkg({
    purl: { type: 'deb', namespace: 'debian', name, version, qualifiers: { arch, distro: 'debian-12' } },
    type: 'deb',
    name,
    arch,
    foundBy: 'dpkg',
    paths: [['var/lib/dpkg/status', LAYER0], [`usr/share/doc/${name}/copyright`, LAYER0]],
    ...rest,
  });

export function sampleInventory(): Inventory {
  const libc6 = deb('libc6', '2.36-9+deb12u7', 'amd64', {
    source: { name: 'glibc' },
    licenses: ['GPL-2.0-only', 'LGPL-2.1-or-later'],
    metadata: { maintainer: 'GNU Libc Maintainers <debian-glibc@lists.debian.org>', installedSize: '12986' },
  });
  const libgcc = deb('libgcc-s1', '12.2.0-14', 'amd64', {
    source: { name: 'gcc-12', version: '12.2.0-14' },
    licenses: ['GPL-3.0-or-later WITH GCC-exception-3.1'],
  });
  // One compound expression alone, and a list mixing an id, an expression and a raw name.
  const perl = deb('perl-base', '5.36.0-7+deb12u1', 'amd64', {
    source: { name: 'perl' },
    licenses: ['Artistic-1.0-Perl OR GPL-1.0-or-later'],
  });
  const tzdata = deb('tzdata', '2024a-0+deb12u1', 'all', {
    licenses: ['LicenseRef-public-domain'],
  });
  const zlib = deb('zlib1g', '1:1.2.13.dfsg-1', 'amd64', {
    source: { name: 'zlib', version: '1:1.2.13.dfsg-1' },
    licenses: ['Zlib', 'Artistic-1.0-Perl OR GPL-1.0-or-later', 'Mark Adler permissive notice'],
  });
  const babel = pkg({
    purl: { type: 'npm', namespace: '@babel', name: 'core', version: '7.24.0' },
    type: 'npm',
    name: '@babel/core',
    foundBy: 'npm-lock',
    licenses: ['MIT'],
    paths: [['usr/src/app/node_modules/@babel/core/package.json', LAYER1]],
  });
  const debug = pkg({
    purl: { type: 'npm', name: 'debug', version: '4.3.4' },
    type: 'npm',
    name: 'debug',
    foundBy: 'npm-lock',
    licenses: ['MIT'],
    paths: [['usr/src/app/node_modules/debug/package.json', LAYER1]],
  });
  const requests = pkg({
    purl: { type: 'pypi', name: 'requests', version: '2.31.0' },
    type: 'pypi',
    name: 'requests',
    foundBy: 'python-dist-info',
    licenses: ['Apache-2.0'],
    paths: [['usr/lib/python3/dist-packages/requests-2.31.0.dist-info/METADATA', LAYER1]],
  });
  const logrus = pkg({
    purl: golangPurlParts('github.com/sirupsen/logrus', 'v1.9.3'),
    type: 'golang',
    name: 'github.com/sirupsen/logrus',
    foundBy: 'go-binary',
    paths: [['usr/local/bin/app', LAYER1]],
  });
  const lang3 = pkg({
    purl: { type: 'maven', namespace: 'org.apache.commons', name: 'commons-lang3', version: '3.14.0' },
    type: 'maven',
    name: 'org.apache.commons:commons-lang3',
    foundBy: 'java-archive',
    licenses: ['Apache-2.0'],
    paths: [['opt/app/lib/commons-lang3-3.14.0.jar', LAYER1]],
  });

  // Debian bookworm: libc6 Depends libgcc-s1, libgcc-s1 Depends libc6; perl-base and
  // zlib1g Depend libc6. @babel/core depends on debug.
  libc6.dependsOn = [libgcc.id];
  libgcc.dependsOn = [libc6.id];
  perl.dependsOn = [libc6.id];
  zlib.dependsOn = [libc6.id];
  babel.dependsOn = [debug.id];

  const packages = [libc6, libgcc, perl, tzdata, zlib, babel, debug, requests, logrus, lang3].sort((a, b) =>
    a.purl < b.purl ? -1 : a.purl > b.purl ? 1 : 0,
  );
  return {
    target: {
      kind: 'image',
      name: 'docker.io/library/debian:12',
      digest: MANIFEST_DIGEST,
      imageId: CONFIG_DIGEST,
      repoDigests: [`docker.io/library/debian@${MANIFEST_DIGEST}`],
      platform: { os: 'linux', architecture: 'amd64' },
      layers: [LAYER0, LAYER1],
    },
    os: {
      id: 'debian',
      versionId: '12',
      versionCodename: 'bookworm',
      name: 'Debian GNU/Linux',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    },
    packages,
  };
}

export function byName(inv: Inventory, name: string): Package {
  const p = inv.packages.find((x) => x.name === name);
  if (!p) throw new Error(`no package ${name}`);
  return p;
}
