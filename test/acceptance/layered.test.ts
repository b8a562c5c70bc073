// Acceptance: layered images through the whole pipeline (transport → layers → catalogers →
// inventory). Real package metadata from test/fixtures (copied from Debian packages and
// real installs; see each SOURCE.md), real Go binaries from Debian (/usr/bin/umoci), and
// images assembled as real OCI layouts and docker-archives.
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildInventory } from '../../src/inventory/index.js';
import type { Inventory, Package } from '../../src/inventory/types.js';
import { openImage } from '../../src/oci/index.js';
import { buildLayer, writeDockerArchive, writeOciLayout, type BuiltLayer, type Entry } from '../helpers/build-image.js';

const fx = join(import.meta.dirname, '..', 'fixtures', 'inventory');
const realStatus = readFileSync(join(fx, 'dpkg/root/var/lib/dpkg/status'), 'utf8');
const osRelease = readFileSync(join(fx, 'os/debian-12-os-release'));

/** The real stanza of one package from a real dpkg status file. */
function stanza(name: string): string {
  const s = realStatus.split(/\n\n+/).find((x) => x.startsWith(`Package: ${name}\n`));
  if (!s) throw new Error(`fixture status has no ${name}`);
  return s.trim() + '\n';
}
const version = (name: string) => /^Version: (.*)$/m.exec(stanza(name))![1];

const file = (path: string, content: string | Buffer, mode = 0o644): Entry => ({ path, content, mode });

let dir: string;
let layers: BuiltLayer[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-layered-'));
  const six = 'usr/lib/python3/dist-packages/six-1.16.0.egg-info/PKG-INFO';
  const blinker = 'usr/local/lib/python3.11/site-packages/blinker-1.9.0.dist-info/METADATA';
  layers = [
    // 0: a Debian base with three packages and a Python egg-info.
    await buildLayer([
      file('etc/os-release', osRelease),
      file('var/lib/dpkg/status', [stanza('base-files'), stanza('libc6'), stanza('zlib1g')].join('\n')),
      file(six, readFileSync(join(fx, 'python', six))),
      file('etc/removed-later.conf', 'x'),
    ]),
    // 1: apt removes zlib1g and installs tzdata; the egg-info is deleted by a whiteout; an
    //    opaque /opt hides nothing here but must not hide the base's files elsewhere.
    await buildLayer([
      file('var/lib/dpkg/status', [stanza('base-files'), stanza('libc6'), stanza('tzdata')].join('\n')),
      file('usr/lib/python3/dist-packages/.wh.six-1.16.0.egg-info', ''),
      file('etc/.wh.removed-later.conf', ''),
      file('opt/.wh..wh..opq', ''),
      file('app/node_modules/ms/package.json', readFileSync(join(fx, 'npm/usr/src/app/node_modules/ms/package.json'))),
      file('app/lib/slf4j-api.jar', readFileSync(join(fx, 'java/usr/share/java/slf4j-api.jar'))),
      file(blinker, readFileSync(join(fx, 'python', blinker))),
    ], { compression: 'gzip' }),
    // 2: a Go binary (Debian's umoci build, a real Go executable).
    await buildLayer([file('usr/local/bin/umoci', readFileSync('/usr/bin/umoci'), 0o755)], { compression: 'none' }),
  ];
  await writeOciLayout(join(dir, 'oci'), { layers, tag: 'layered' });
  await writeDockerArchive(join(dir, 'image.tar'), { layers, repoTag: 'portcullis-test/layered:1' });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function inventory(spec: string): Promise<Inventory> {
  const src = await openImage(spec);
  try {
    return await buildInventory(src);
  } finally {
    await src.close();
  }
}

const byName = (inv: Inventory, type: string, name: string): Package | undefined => inv.packages.find((p) => p.type === type && p.name === name);

// A docker-archive stores layers uncompressed, so there the blob digest is the diffID.
describe.each([
  ['oci layout', () => `oci:${join(dir, 'oci')}:layered`, (l: BuiltLayer) => l.digest],
  ['docker-archive', () => `docker-archive:${join(dir, 'image.tar')}`, (l: BuiltLayer) => l.diffId],
])('a three-layer image through %s', (_label, spec, blobDigest) => {
  let inv: Inventory;
  beforeAll(async () => {
    inv = await inventory(spec());
  });

  it('detects the OS from the base layer', () => {
    expect(inv.os).toMatchObject({ id: 'debian', versionId: '12' });
  });

  it('drops a package removed in a later layer and keeps the others, each with the layer that added it', () => {
    expect(byName(inv, 'deb', 'zlib1g')).toBeUndefined();
    const libc6 = byName(inv, 'deb', 'libc6')!;
    const tzdata = byName(inv, 'deb', 'tzdata')!;
    // libc6 was in every version of the status file since layer 0; tzdata appeared in layer 1.
    expect(libc6.locations[0]).toMatchObject({ path: 'var/lib/dpkg/status', layerDiffId: layers[0].diffId });
    expect(tzdata.locations[0]).toMatchObject({ path: 'var/lib/dpkg/status', layerDiffId: layers[1].diffId });
    expect(libc6.purl).toBe(`pkg:deb/debian/libc6@${version('libc6').replace(/\+/g, '%2B')}?arch=amd64&distro=debian-12`);
  });

  it('hides files deleted by whiteouts', () => {
    expect(byName(inv, 'pypi', 'six')).toBeUndefined();
  });

  it('finds the Node package, the jar, the Python dist-info and the Go binary with correct purls and layers', () => {
    const ms = byName(inv, 'npm', 'ms')!;
    const msVersion = (JSON.parse(readFileSync(join(fx, 'npm/usr/src/app/node_modules/ms/package.json'), 'utf8')) as { version: string }).version;
    expect(ms.purl).toBe(`pkg:npm/ms@${msVersion}`);
    expect(ms.locations[0]).toMatchObject({ path: 'app/node_modules/ms/package.json', layerDiffId: layers[1].diffId, layerDigest: blobDigest(layers[1]) });

    const slf4j = inv.packages.find((p) => p.type === 'maven' && p.purl.startsWith('pkg:maven/org.slf4j/slf4j-api@'))!;
    expect(slf4j.purl).toBe('pkg:maven/org.slf4j/slf4j-api@1.7.32');
    expect(slf4j.locations[0].layerDiffId).toBe(layers[1].diffId);

    const blinker = byName(inv, 'pypi', 'blinker')!;
    expect(blinker.purl).toBe('pkg:pypi/blinker@1.9.0');
    expect(blinker.locations[0]).toMatchObject({ path: 'usr/local/lib/python3.11/site-packages/blinker-1.9.0.dist-info/METADATA', layerDiffId: layers[1].diffId });

    const golang = inv.packages.filter((p) => p.type === 'golang');
    const stdlib = golang.find((p) => p.name === 'stdlib')!;
    const goVersionLine = readFileSync(join(fx, 'go/umoci.go-version-m.txt'), 'utf8').split('\n')[0];
    const goVersion = /go(\d+\.\d+(?:\.\d+)?)/.exec(goVersionLine)![1];
    expect(stdlib.purl).toBe(`pkg:golang/stdlib@${goVersion}`);
    expect(stdlib.locations[0]).toMatchObject({ path: 'usr/local/bin/umoci', layerDiffId: layers[2].diffId });
    expect(golang.length).toBeGreaterThanOrEqual(2);
  });

  it('names the image and its layers in the target', () => {
    expect(inv.target.kind).toBe('image');
    expect(inv.target.layers?.map((l) => l.diffId)).toEqual(layers.map((l) => l.diffId));
    expect(inv.target.imageId).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('a distroless-style image (status.d, one stanza per file)', () => {
  it('finds every package with its purl, ignoring md5sums files', async () => {
    const root = join(fx, 'dpkg/distroless');
    const entries: Entry[] = [file('etc/os-release', osRelease)];
    const sd = 'var/lib/dpkg/status.d';
    for (const name of readdirSync(join(root, sd))) entries.push(file(`${sd}/${name}`, readFileSync(join(root, sd, name))));
    const layer = await buildLayer(entries);
    await writeOciLayout(join(dir, 'distroless'), { layers: [layer], tag: 'x' });
    const inv = await inventory(`oci:${join(dir, 'distroless')}:x`);
    const stanzas = readdirSync(join(root, sd)).filter((n) => !n.endsWith('.md5sums'));
    const expected = stanzas.map((n) => {
      const text = readFileSync(join(root, sd, n), 'utf8');
      return `${/^Package: (.*)$/m.exec(text)![1]}@${/^Version: (.*)$/m.exec(text)![1]}`;
    });
    const debs = inv.packages.filter((p) => p.type === 'deb');
    expect(debs.map((p) => `${p.name}@${p.version}`).sort()).toEqual(expected.sort());
    for (const p of debs) {
      expect(p.locations[0].path).toBe(`${sd}/${p.name}`);
      expect(p.purl).toMatch(new RegExp(`^pkg:deb/debian/${p.name}@[^?]+\\?arch=[a-z0-9]+&distro=debian-12$`));
    }
  });
});
