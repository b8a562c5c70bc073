import { readFileSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import { Ajv2019, type ValidateFunction } from 'ajv/dist/2019.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import type { Inventory, Package } from '../../src/inventory/types.js';
import { decodeSbom, encodeCycloneDx, encodeSpdx } from '../../src/sbom/index.js';
import { sampleInventory } from './sample.js';

const spdxSchema = JSON.parse(readFileSync(new URL('../fixtures/sbom/spdx-2.3.schema.json', import.meta.url), 'utf8')) as object;

// The fields a consumer relies on, in a comparable form (dependsOn order and absence normalized).
function comparable(p: Package) {
  return {
    id: p.id,
    name: p.name,
    version: p.version,
    purl: p.purl,
    type: p.type,
    arch: p.arch,
    source: p.source,
    licenses: p.licenses,
    locations: p.locations,
    foundBy: p.foundBy,
    metadata: p.metadata,
    dependsOn: [...(p.dependsOn ?? [])].sort(),
  };
}

function expectSameInventory(decoded: Inventory, original: Inventory): void {
  expect(decoded.packages.map(comparable)).toEqual(original.packages.map(comparable));
  expect(decoded.target).toEqual(original.target);
  expect(decoded.os).toEqual(original.os);
  expect(decoded.producer).toBe('portcullis');
}

const NOW = new Date('2024-05-01T12:00:00Z');

describe('CycloneDX 1.6', () => {
  const inv = sampleInventory();
  const text = encodeCycloneDx(inv, { now: NOW, toolVersion: '0.1.0' });
  const bom = JSON.parse(text);

  it('is valid against the CycloneDX 1.6 schema (strict)', async () => {
    const errors = await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(text);
    expect(errors).toBeNull();
  });

  it('the strict validator does reject a broken document (so the check above means something)', async () => {
    const broken = JSON.parse(text);
    broken.components[0].type = 'not-a-type';
    expect(await new Validation.JsonStrictValidator(Spec.Version.v1dot6).validate(JSON.stringify(broken))).not.toBeNull();
  });

  it('reads back to the same inventory', () => {
    expectSameInventory(decodeSbom(text, 'sample.cdx.json'), inv);
  });

  it('root component: the image as a container with an oci purl', () => {
    const root = bom.metadata.component;
    expect(root.type).toBe('container');
    expect(root.name).toBe('docker.io/library/debian');
    expect(root.version).toBe('12');
    // purl spec, oci type: name = last repository segment, version = manifest digest,
    // repository_url/tag/arch qualifiers (sorted, values percent-encoded).
    expect(root.purl).toBe(
      `pkg:oci/debian@${inv.target.digest}?arch=amd64&repository_url=docker.io%2Flibrary%2Fdebian&tag=12`,
    );
    const props = Object.fromEntries(root.properties.map((p: { name: string; value: string }) => [p.name, p.value]));
    expect(props['portcullis:image:id']).toBe(inv.target.imageId);
    expect(props['portcullis:image:platform']).toBe('linux/amd64');
    expect(props['portcullis:image:layer:1:diffId']).toBe(inv.target.layers?.[1].diffId);
    expect(bom.metadata.tools.components).toEqual([{ type: 'application', name: 'portcullis', version: '0.1.0' }]);
    expect(bom.metadata.timestamp).toBe('2024-05-01T12:00:00.000Z');
  });

  it('the OS is an operating-system component; packages are libraries keyed by package id', () => {
    const os = bom.components.filter((c: { type: string }) => c.type === 'operating-system');
    expect(os).toHaveLength(1);
    expect(os[0]).toMatchObject({ name: 'debian', version: '12', description: 'Debian GNU/Linux 12 (bookworm)' });
    const libs = bom.components.filter((c: { type: string }) => c.type === 'library');
    expect(libs.map((c: { 'bom-ref': string }) => c['bom-ref']).sort()).toEqual(inv.packages.map((p) => p.id).sort());
    const libc6 = libs.find((c: { name: string }) => c.name === 'libc6');
    const props = libc6.properties.map((p: { name: string; value: string }) => `${p.name}=${p.value}`);
    expect(props).toContain('portcullis:package:source:name=glibc');
    expect(props).toContain('portcullis:package:arch=amd64');
    expect(props).toContain('portcullis:location:1:path=usr/share/doc/libc6/copyright');
    expect(props).toContain(`portcullis:layer:digest=${inv.target.layers?.[0].digest}`);
    expect(props).toContain('portcullis:metadata:installedSize=12986');
  });

  it('licences: one SPDX id → license.id, one compound → expression, a list keeps every entry', () => {
    const lic = (name: string) => bom.components.find((c: { name: string }) => c.name === name).licenses;
    expect(lic('requests')).toEqual([{ license: { id: 'Apache-2.0' } }]);
    expect(lic('perl-base')).toEqual([{ expression: 'Artistic-1.0-Perl OR GPL-1.0-or-later' }]);
    expect(lic('zlib1g')).toHaveLength(3);
    expect(lic('zlib1g')).toContainEqual({ license: { id: 'Zlib' } });
    expect(lic('zlib1g')).toContainEqual({ license: { name: 'Mark Adler permissive notice' } });
    expect(bom.components.find((c: { name: string }) => c.name === 'github.com/sirupsen/logrus').licenses).toBeUndefined();
  });

  it('dependencies: root → OS and every package nothing depends on; packages → their dependsOn', () => {
    const deps = new Map<string, string[]>(bom.dependencies.map((d: { ref: string; dependsOn?: string[] }) => [d.ref, d.dependsOn ?? []]));
    const dependedOn = new Set(inv.packages.flatMap((p) => p.dependsOn ?? []));
    const expectedRoots = inv.packages.filter((p) => !dependedOn.has(p.id)).map((p) => p.id);
    expect(deps.get(bom.metadata.component['bom-ref'])?.sort()).toEqual(['os:debian@12', ...expectedRoots].sort());
    for (const p of inv.packages) expect(deps.get(p.id)?.sort()).toEqual([...(p.dependsOn ?? [])].sort());
  });

  it('a dependency cycle nothing enters is still reachable from the root', () => {
    const small = sampleInventory();
    small.packages = small.packages.filter((p) => p.name === 'libc6' || p.name === 'libgcc-s1');
    const d = JSON.parse(encodeCycloneDx(small, { now: NOW }));
    const rootDeps = d.dependencies.find((x: { ref: string }) => x.ref === d.metadata.component['bom-ref']).dependsOn;
    const cycleIds = small.packages.map((p) => p.id).sort();
    expect(rootDeps).toEqual(['os:debian@12', cycleIds[0]].sort());
  });
});

describe('SPDX 2.3', () => {
  const inv = sampleInventory();
  const text = encodeSpdx(inv, { now: NOW, toolVersion: '0.1.0' });
  const doc = JSON.parse(text);
  let validate: ValidateFunction;

  beforeAll(() => {
    const ajv = new Ajv2019({ strict: false, allErrors: true });
    // ajv-formats is CommonJS: under NodeNext its default import is the module object.
    const mod = addFormatsModule as unknown as FormatsPlugin | { default: FormatsPlugin };
    const addFormats = 'default' in mod ? mod.default : mod;
    addFormats(ajv);
    validate = ajv.compile(spdxSchema);
  });

  it('is valid against the official SPDX 2.3 JSON schema', () => {
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });

  it('the schema does reject a broken document (so the check above means something)', () => {
    const broken = JSON.parse(text);
    broken.packages[1].primaryPackagePurpose = 'OPERATING-SYSTEM-ISH';
    expect(validate(broken)).toBe(false);
  });

  it('reads back to the same inventory', () => {
    expectSameInventory(decodeSbom(text, 'sample.spdx.json'), inv);
  });

  it('document shape: DESCRIBES the image, which CONTAINS the OS and every package', () => {
    expect(doc).toMatchObject({ spdxVersion: 'SPDX-2.3', dataLicense: 'CC0-1.0', SPDXID: 'SPDXRef-DOCUMENT' });
    expect(doc.creationInfo).toEqual({ created: '2024-05-01T12:00:00Z', creators: ['Tool: portcullis-0.1.0'] });
    const rel = (type: string) => doc.relationships.filter((r: { relationshipType: string }) => r.relationshipType === type);
    const describes = rel('DESCRIBES');
    expect(describes).toHaveLength(1);
    const root = doc.packages.find((p: { SPDXID: string }) => p.SPDXID === describes[0].relatedSpdxElement);
    expect(root).toMatchObject({ primaryPackagePurpose: 'CONTAINER', name: 'docker.io/library/debian:12' });
    expect(root.checksums).toEqual([{ algorithm: 'SHA256', checksumValue: inv.target.digest?.slice(7) }]);
    const os = doc.packages.filter((p: { primaryPackagePurpose: string }) => p.primaryPackagePurpose === 'OPERATING_SYSTEM');
    expect(os).toHaveLength(1);
    expect(os[0]).toMatchObject({ name: 'debian', versionInfo: '12' });
    const libs = doc.packages.filter((p: { primaryPackagePurpose: string }) => p.primaryPackagePurpose === 'LIBRARY');
    expect(libs).toHaveLength(inv.packages.length);
    const contained = rel('CONTAINS').filter((r: { spdxElementId: string }) => r.spdxElementId === root.SPDXID);
    expect(contained.map((r: { relatedSpdxElement: string }) => r.relatedSpdxElement).sort()).toEqual(
      [os[0].SPDXID, ...libs.map((p: { SPDXID: string }) => p.SPDXID)].sort(),
    );
    for (const p of libs) {
      expect(p.SPDXID).toMatch(/^SPDXRef-Package-[A-Za-z0-9.-]+$/);
      expect(p).toMatchObject({ downloadLocation: 'NOASSERTION', filesAnalyzed: false, licenseConcluded: 'NOASSERTION' });
    }
    // One DEPENDS_ON per dependsOn edge.
    expect(rel('DEPENDS_ON')).toHaveLength(inv.packages.reduce((n, p) => n + (p.dependsOn?.length ?? 0), 0));
  });

  it('licences: one expression per package; raw names become declared LicenseRefs', () => {
    const pkg = (name: string) => doc.packages.find((p: { name: string }) => p.name === name);
    expect(pkg('requests').licenseDeclared).toBe('Apache-2.0');
    expect(pkg('github.com/sirupsen/logrus').licenseDeclared).toBe('NOASSERTION');
    const zlib = pkg('zlib1g').licenseDeclared as string;
    const ref = /LicenseRef-[A-Za-z0-9.-]+/.exec(zlib)?.[0];
    expect(zlib).toBe(`(Artistic-1.0-Perl OR GPL-1.0-or-later) AND ${ref} AND Zlib`);
    const infos = doc.hasExtractedLicensingInfos as Array<{ licenseId: string; extractedText: string }>;
    expect(infos.find((i) => i.licenseId === ref)?.extractedText).toBe('Mark Adler permissive notice');
    // Every LicenseRef used is declared (SPDX requires it), including ones the inventory already had.
    const used = new Set(doc.packages.flatMap((p: { licenseDeclared?: string }) => p.licenseDeclared?.match(/LicenseRef-[A-Za-z0-9.-]+/g) ?? []));
    expect([...used].sort()).toEqual(infos.map((i) => i.licenseId).sort());
  });
});

describe('reproducibility', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('with SOURCE_DATE_EPOCH, two encodes are byte-identical and use that time', () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    const inv = sampleInventory();
    const a = encodeCycloneDx(inv);
    const b = encodeCycloneDx(sampleInventory());
    expect(a).toBe(b);
    expect(JSON.parse(a).metadata.timestamp).toBe(new Date(1700000000 * 1000).toISOString());
    expect(JSON.parse(a).serialNumber).toMatch(/^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const s1 = encodeSpdx(inv);
    expect(encodeSpdx(sampleInventory())).toBe(s1);
    expect(JSON.parse(s1).creationInfo.created).toBe('2023-11-14T22:13:20Z');
  });

  it('the derived ids follow the content: a changed inventory gets a different serial number and namespace', () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    const inv = sampleInventory();
    const changed = sampleInventory();
    changed.packages[0] = { ...changed.packages[0], version: changed.packages[0].version + '.1' };
    expect(JSON.parse(encodeCycloneDx(changed)).serialNumber).not.toBe(JSON.parse(encodeCycloneDx(inv)).serialNumber);
    expect(JSON.parse(encodeSpdx(changed)).documentNamespace).not.toBe(JSON.parse(encodeSpdx(inv)).documentNamespace);
  });

  it('input order does not change the output', () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    const inv = sampleInventory();
    const shuffled = { ...inv, packages: [...inv.packages].reverse() };
    expect(encodeCycloneDx(shuffled)).toBe(encodeCycloneDx(inv));
    expect(encodeSpdx(shuffled)).toBe(encodeSpdx(inv));
  });

  it('the bytes do not depend on the process locale (localeCompare order)', () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '1700000000');
    const inv = sampleInventory();
    const normal = [encodeCycloneDx(inv), encodeSpdx(inv)];
    // A locale whose collation differs from byte order (in da_DK "aa" sorts after "z"):
    // simulated by reversing every localeCompare.
    const spy = vi.spyOn(String.prototype, 'localeCompare').mockImplementation(function (this: string, other: string) {
      return this < other ? 1 : this > other ? -1 : 0;
    });
    try {
      expect([encodeCycloneDx(inv), encodeSpdx(inv)]).toEqual(normal);
    } finally {
      spy.mockRestore();
    }
  });

  it('without SOURCE_DATE_EPOCH, each document gets a fresh random id', () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', '');
    const inv = sampleInventory();
    const a = JSON.parse(encodeCycloneDx(inv)).serialNumber;
    const b = JSON.parse(encodeCycloneDx(inv)).serialNumber;
    expect(a).not.toBe(b);
    expect(a).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
  });

  it('a malformed SOURCE_DATE_EPOCH is refused, not ignored', () => {
    vi.stubEnv('SOURCE_DATE_EPOCH', 'yesterday');
    expect(() => encodeSpdx(sampleInventory())).toThrow(expect.objectContaining({ code: 'BAD_FLAG' }));
  });
});

describe('filesystem targets', () => {
  it('a directory is a file component with no purl, and round-trips', () => {
    const inv = sampleInventory();
    inv.target = { kind: 'filesystem', name: '/srv/app' };
    delete inv.os;
    const text = encodeCycloneDx(inv, { now: NOW });
    const root = JSON.parse(text).metadata.component;
    expect(root.type).toBe('file');
    expect(root.name).toBe('/srv/app');
    expect(root.purl).toBeUndefined();
    expect(decodeSbom(text, 'fs.cdx.json').target).toEqual(inv.target);
    const spdx = encodeSpdx(inv, { now: NOW });
    expect(JSON.parse(spdx).packages[0].primaryPackagePurpose).toBe('FILE');
    expect(decodeSbom(spdx, 'fs.spdx.json').target).toEqual(inv.target);
  });
});
