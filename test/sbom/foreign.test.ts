// Other tools' real output (see test/fixtures/sbom/SOURCE.md). Every expected value
// below was read off the fixture file itself.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Inventory, Package } from '../../src/inventory/types.js';
import { packageId } from '../../src/inventory/purl.js';
import { decodeSbom } from '../../src/sbom/index.js';

function load(file: string): Inventory {
  return decodeSbom(readFileSync(new URL(`../fixtures/sbom/${file}`, import.meta.url), 'utf8'), file);
}

function pkg(inv: Inventory, name: string): Package {
  const p = inv.packages.find((x) => x.name === name);
  if (!p) throw new Error(`no ${name} in ${inv.packages.map((x) => x.name).join(', ')}`);
  return p;
}

const TRIVY_LAYER = {
  layerDigest: 'sha256:ac9208207adaac3a48e54a4dc6b49c69e78c3072d2b3add7efdabf814db2133b',
  layerDiffId: 'sha256:89169d87dbe2b72ba42bfbb3579c957322baca28e03a1e558076542a1c1b2b4a',
};
const TRIVY_IMAGE_ID = 'sha256:f1cb7c7d58b73eac859c395882eec49d50651244e342cd6c68a5c7809785f427';

describe('Trivy CycloneDX 1.5 (centos-7 image)', () => {
  const inv = load('trivy-centos-7.cdx.json');

  it('producer, target and OS', () => {
    expect(inv.producer).toBe('trivy');
    expect(inv.target).toMatchObject({ kind: 'image', name: 'integration/testdata/fixtures/images/centos-7.tar.gz', imageId: TRIVY_IMAGE_ID });
    expect(inv.os).toEqual({ id: 'centos', versionId: '7.6.1810' });
  });

  it('packages with purl, arch, source package (epoch and release joined) and layer', () => {
    expect(inv.packages.map((p) => p.name)).toEqual(['bash', 'openssl-libs']);
    const bash = pkg(inv, 'bash');
    expect(bash).toMatchObject({
      type: 'rpm',
      version: '4.2.46-31.el7',
      purl: 'pkg:rpm/centos/bash@4.2.46-31.el7?arch=x86_64&distro=centos-7.6.1810',
      arch: 'x86_64',
      source: { name: 'bash', version: '4.2.46-31.el7' },
      foundBy: 'trivy',
    });
    // "GPLv3+" as Trivy wrote it, normalized to SPDX as the inventory keeps licences.
    expect(bash.licenses).toEqual(['GPL-3.0-or-later']);
    expect(bash.locations).toEqual([{ path: '', ...TRIVY_LAYER }]);
    const ssl = pkg(inv, 'openssl-libs');
    // Qualifiers re-sorted into the canonical purl; epoch kept.
    expect(ssl.purl).toBe('pkg:rpm/centos/openssl-libs@1.0.2k-16.el7?arch=x86_64&distro=centos-7.6.1810&epoch=1');
    expect(ssl.source).toEqual({ name: 'openssl', version: '1:1.0.2k-16.el7' });
    expect(ssl.licenses).toEqual(['OpenSSL+']);
    expect(ssl.locations).toEqual([{ path: '', ...TRIVY_LAYER }]);
  });

  it('the OS → package edges Trivy writes are containment, not package dependencies', () => {
    for (const p of inv.packages) expect(p.dependsOn).toBeUndefined();
  });

  it('ids are computed as the inventory computes them (purl + first path)', () => {
    for (const p of inv.packages) expect(p.id).toBe(packageId(p.purl, p.locations[0]?.path ?? ''));
  });
});

describe('Trivy SPDX 2.2 (centos-7 image)', () => {
  const inv = load('trivy-centos-7.spdx.json');

  it('producer from "Tool: trivy-dev", the described package as the image, OS from its SPDXID', () => {
    expect(inv.producer).toBe('trivy');
    expect(inv.target).toMatchObject({ kind: 'image', name: 'integration/testdata/fixtures/images/centos-7.tar.gz', imageId: TRIVY_IMAGE_ID });
    expect(inv.os).toEqual({ id: 'centos', versionId: '7.6.1810' });
  });

  it('packages: versionInfo as written, purl from externalRefs, layers from attributionTexts, source from sourceInfo', () => {
    expect(inv.packages.map((p) => p.name)).toEqual(['bash', 'openssl-libs']);
    const bash = pkg(inv, 'bash');
    expect(bash).toMatchObject({
      type: 'rpm',
      version: '4.2.46',
      purl: 'pkg:rpm/centos/bash@4.2.46-31.el7?arch=x86_64&distro=centos-7.6.1810',
      arch: 'x86_64',
      source: { name: 'bash', version: '4.2.46-31.el7' },
      licenses: ['GPL-3.0-or-later'],
    });
    expect(bash.locations).toEqual([{ path: '', ...TRIVY_LAYER }]);
    const ssl = pkg(inv, 'openssl-libs');
    expect(ssl.version).toBe('1:1.0.2k-19.el7');
    expect(ssl.source).toEqual({ name: 'openssl-libs', version: '1:1.0.2k-16.el7' });
    expect(ssl.licenses).toEqual(['OpenSSL']);
  });
});

describe('syft CycloneDX 1.6 (image encoder snapshot)', () => {
  const inv = load('syft-image-encoder.cdx.json');

  it('producer from tools.components, container root, OS from syft:distro properties', () => {
    expect(inv.producer).toBe('syft');
    expect(inv.target).toEqual({ kind: 'image', name: 'user-image-input' });
    expect(inv.os).toEqual({ id: 'debian', versionId: '1.2.3', prettyName: 'debian', idLike: ['like!'] });
  });

  it('the deb package with syft locations (layerID is the diffID) and foundBy', () => {
    const p = pkg(inv, 'package-2');
    expect(p).toMatchObject({
      type: 'deb',
      version: '2.0.1',
      purl: 'pkg:deb/debian/package-2@2.0.1',
      foundBy: 'the-cataloger-2',
      licenses: [],
      metadata: { installedSize: '0' },
    });
    expect(p.locations).toEqual([{ path: 'somefile-2.txt', layerDiffId: 'sha256:redacted' }]);
  });

  it('a package whose purl is invalid ("a-purl-1") is kept as generic from its name and version', () => {
    const p = pkg(inv, 'package-1');
    expect(p).toMatchObject({ type: 'generic', version: '1.0.1', purl: 'pkg:generic/package-1@1.0.1', licenses: ['MIT'], foundBy: 'the-cataloger-1' });
    expect(p.locations).toEqual([{ path: 'somefile-1.txt', layerDiffId: 'sha256:redacted' }]);
  });
});

describe('syft SPDX 2.3 (go.mod)', () => {
  const inv = load('syft-go-module.spdx.json');

  it('the Go module, its location from sourceInfo, and no OS', () => {
    expect(inv.producer).toBe('syft');
    expect(inv.target).toEqual({ kind: 'sbom', name: 'go.mod' });
    expect(inv.os).toBeUndefined();
    expect(inv.packages).toHaveLength(1);
    expect(inv.packages[0]).toMatchObject({
      name: 'github.com/wagoodman/go-partybus',
      version: 'v0.0.0-20230516145632-8ccac152c651',
      type: 'golang',
      purl: 'pkg:golang/github.com/wagoodman/go-partybus@v0.0.0-20230516145632-8ccac152c651',
      licenses: [],
      locations: [{ path: 'go.mod' }],
    });
  });
});
