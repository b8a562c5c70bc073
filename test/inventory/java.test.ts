import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync, unzipSync, type Zippable } from 'fflate';
import { catalogJavaArchive, javaArchiveCataloger } from '../../src/inventory/catalogers/java.js';
import { parseArchiveFileName, parseBundleLicense, parseManifest, parseProperties } from '../../src/inventory/catalogers/java-meta.js';
import { packageId } from '../../src/inventory/purl.js';
import type { Package } from '../../src/inventory/types.js';
import { runCataloger } from '../helpers/catalog.js';

const DIR = join(import.meta.dirname, '../fixtures/inventory/java/usr/share/java');
const jar = (name: string): Buffer => readFileSync(join(DIR, name));
const u8 = (s: string): Uint8Array => new TextEncoder().encode(s);

function scan(files: Record<string, Buffer | Uint8Array>): { packages: Package[]; warnings: string[] } {
  const buffers: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(files)) buffers[k] = Buffer.from(v);
  return runCataloger(javaArchiveCataloger, buffers);
}

/** pom.properties of a jar, read with fflate directly (an expectation independent of the cataloger). */
function pomOf(name: string): Record<string, string> {
  const files = unzipSync(jar(name), { filter: (f) => f.name.endsWith('/pom.properties') });
  const [text] = Object.values(files).map((b) => Buffer.from(b).toString('utf8'));
  return Object.fromEntries(
    text
      .split('\n')
      .filter((l) => l.includes('=') && !l.startsWith('#'))
      .map((l) => l.trim().split('=') as [string, string]),
  );
}

describe('java cataloger on real Debian jars', () => {
  const files = Object.fromEntries(readdirSync(DIR).map((n) => [`usr/share/java/${n}`, jar(n)]));
  const { packages, warnings } = scan(files);
  const at = (n: string): Package[] => packages.filter((p) => p.locations[0].path === `usr/share/java/${n}`);

  it('one package per archive here, ids from purl and path, sorted', () => {
    expect(warnings).toEqual([]);
    expect(packages).toHaveLength(Object.keys(files).length);
    for (const p of packages) {
      expect(p.id).toBe(packageId(p.purl, p.locations[0].path));
      expect(p.type).toBe('maven');
      expect(p.foundBy).toBe('java');
    }
    const keys = packages.map((p) => p.purl);
    expect(keys).toEqual([...keys].sort());
  });

  it('pom.properties gives group, artifact and version', () => {
    for (const n of ['slf4j-api.jar', 'slf4j-simple.jar']) {
      const pom = pomOf(n);
      const [p] = at(n);
      expect(p.purl).toBe(`pkg:maven/${pom.groupId}/${pom.artifactId}@${pom.version}`);
      expect(p.metadata).toMatchObject({ groupId: pom.groupId, artifactId: pom.artifactId, source: 'pom.properties' });
    }
  });

  it('without pom.properties: manifest fields, then the file name', () => {
    // objenesis.jar: Implementation-Version 3.3, Bundle-SymbolicName org.objenesis, title "Objenesis".
    expect(at('objenesis.jar')[0].purl).toBe('pkg:maven/org.objenesis/objenesis@3.3');
    expect(at('objenesis.jar')[0].licenses).toEqual(['Apache-2.0']); // Bundle-License: apache.org URL
    // asm-analysis-9.4.jar: title is prose, so the name comes from the file; version from the manifest.
    const asm = at('asm-analysis-9.4.jar')[0];
    expect(asm.purl).toBe('pkg:maven/org.objectweb.asm.tree.analysis/asm-analysis@9.4-SNAPSHOT');
    expect(asm.licenses).toEqual(['BSD-3-Clause']); // Bundle-License: BSD-3-Clause;link=…
    // atinject: only Bundle-SymbolicName javax.inject and Bundle-Version 1.0.0.
    expect(at('atinject-jsr330-api-1.0.jar')[0].purl).toBe('pkg:maven/javax.inject/atinject-jsr330-api@1.0.0');
    // jcip: bare manifest, everything from the file name; group falls back to the name.
    const jcip = at('jcip-annotations-1.0.jar')[0];
    expect(jcip.purl).toBe('pkg:maven/jcip-annotations/jcip-annotations@1.0');
    expect(jcip.metadata).toMatchObject({ source: 'file name', groupIdGuessed: 'true' });
  });
});

describe('java cataloger: nested archives', () => {
  const standalone = (n: string): string => scan({ [n]: jar(n) }).packages[0].purl;

  it('finds packages in a Spring Boot style fat jar and in WEB-INF/lib, located inside the outer jar', () => {
    const app: Zippable = {
      'META-INF/MANIFEST.MF': u8('Manifest-Version: 1.0\r\nImplementation-Title: demo-app\r\nImplementation-Version: 0.0.1\r\nImplementation-Vendor-Id: com.example\r\n\r\n'),
      'BOOT-INF/classes/com/example/App.class': u8('\xca\xfe\xba\xbe'),
      'BOOT-INF/lib/': new Uint8Array(0),
      // Spring Boot stores nested jars uncompressed; others deflate them: both must work.
      'BOOT-INF/lib/slf4j-api.jar': [jar('slf4j-api.jar'), { level: 0 }],
      'BOOT-INF/lib/objenesis.jar': jar('objenesis.jar'),
      'WEB-INF/lib/jcip-annotations-1.0.jar': jar('jcip-annotations-1.0.jar'),
    };
    const { packages, warnings } = scan({ 'app/app.jar': zipSync(app) });
    expect(warnings).toEqual([]);
    const got = packages.map((p) => [p.locations[0].path, p.purl]).sort();
    expect(got).toEqual(
      [
        ['app/app.jar', 'pkg:maven/com.example/demo-app@0.0.1'],
        ['app/app.jar:BOOT-INF/lib/objenesis.jar', standalone('objenesis.jar')],
        ['app/app.jar:BOOT-INF/lib/slf4j-api.jar', standalone('slf4j-api.jar')],
        ['app/app.jar:WEB-INF/lib/jcip-annotations-1.0.jar', standalone('jcip-annotations-1.0.jar')],
      ].sort(),
    );
    for (const p of packages) expect(p.id).toBe(packageId(p.purl, p.locations[0].path));
  });

  it('reads nesting down to depth 4 and reports deeper archives', () => {
    // level1.jar ⊃ level2.jar ⊃ … ⊃ level6.jar, each named by its manifest.
    let inner: Uint8Array = jar('jcip-annotations-1.0.jar');
    for (let n = 6; n >= 1; n--) {
      inner = zipSync({
        'META-INF/MANIFEST.MF': u8(`Manifest-Version: 1.0\nImplementation-Title: level${n}\nImplementation-Version: ${n}.0\n`),
        [`lib/level${n + 1}.jar`]: inner,
      });
    }
    const { packages, warnings } = scan({ 'level1.jar': inner });
    expect(packages.map((p) => p.name).sort()).toEqual(['level1', 'level2', 'level3', 'level4']);
    expect(packages.find((p) => p.name === 'level4')!.locations[0].path).toBe('level1.jar:lib/level2.jar:lib/level3.jar:lib/level4.jar');
    expect(warnings).toEqual([expect.stringContaining('nested deeper than 4')]);
  });

  it('the same jar at two paths is two packages', () => {
    const { packages } = scan({ 'a/slf4j-api.jar': jar('slf4j-api.jar'), 'b/slf4j-api.jar': jar('slf4j-api.jar') });
    expect(packages).toHaveLength(2);
    expect(packages[0].id).not.toBe(packages[1].id);
  });
});

describe('java cataloger: hostile and broken archives', () => {
  it('a truncated zip is a warning, not a crash', () => {
    const whole = jar('slf4j-api.jar');
    const { packages, warnings } = scan({ 'x/truncated.jar': whole.subarray(0, whole.length >> 1), 'x/ok.jar': jar('slf4j-simple.jar') });
    expect(packages.map((p) => p.name)).toEqual(['slf4j-simple']);
    expect(warnings).toEqual([expect.stringContaining('x/truncated.jar')]);
  });

  it('a decompression bomb member is skipped by the inflation cap; the rest is read', () => {
    // 24 MiB of zeros deflates to ~24 KiB: a 1000:1 ratio.
    const bomb = zipSync({
      'META-INF/maven/org.slf4j/slf4j-api/pom.properties': u8('groupId=org.slf4j\nartifactId=slf4j-api\nversion=1.7.32\n'),
      'BOOT-INF/lib/bomb.jar': new Uint8Array(24 * 1024 * 1024),
      'BOOT-INF/lib/slf4j-simple.jar': jar('slf4j-simple.jar'),
    });
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const warnings: string[] = [];
    const packages = catalogJavaArchive(bomb, 'bomb.jar', (m) => warnings.push(m), { maxInflatedBytes: 8 * 1024 * 1024, maxDepth: 4, maxMetaBytes: 1024 * 1024 });
    expect(packages.map((p) => p.name).sort()).toEqual(['slf4j-api', 'slf4j-simple']);
    expect(warnings).toEqual([expect.stringContaining('BOOT-INF/lib/bomb.jar')]);
  });

  it('a member that lies about its size (4 GiB declared) is refused before inflating', () => {
    const z = Buffer.from(zipSync({ 'META-INF/MANIFEST.MF': u8('Manifest-Version: 1.0\n'), 'lib/x.jar': jar('jcip-annotations-1.0.jar') }));
    // Patch the uncompressed-size field of every central directory header (offset 24).
    for (let i = z.indexOf('PK\x01\x02', 0, 'latin1'); i >= 0; i = z.indexOf('PK\x01\x02', i + 4, 'latin1')) z.writeUInt32LE(0xfffffff0, i + 24);
    const { packages, warnings } = scan({ 'lying-1.0.jar': z });
    expect(packages.map((p) => p.purl)).toEqual(['pkg:maven/lying/lying@1.0']); // from the file name
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toContain('META-INF/MANIFEST.MF');
    expect(warnings.join('\n')).toContain('lib/x.jar');
  });

  it('a malformed pom.properties is a warning; the manifest answers instead', () => {
    const z = zipSync({
      'META-INF/MANIFEST.MF': u8('Manifest-Version: 1.0\nImplementation-Title: broken-pom\nImplementation-Version: 2.1\n'),
      'META-INF/maven/org.example/broken-pom/pom.properties': u8('groupId=org.example\nartifactId=broken-pom\n\u0000\u0001garbage\n'),
    });
    const { packages, warnings } = scan({ 'lib/broken.jar': z });
    expect(packages.map((p) => p.purl)).toEqual(['pkg:maven/broken-pom/broken-pom@2.1']);
    expect(warnings).toEqual([expect.stringContaining('malformed META-INF/maven/org.example/broken-pom/pom.properties')]);
  });

  it('a corrupt deflate stream in one member does not lose the others', () => {
    const z = Buffer.from(
      zipSync({
        'META-INF/maven/org.slf4j/slf4j-api/pom.properties': u8('groupId=org.slf4j\nartifactId=slf4j-api\nversion=1.7.32\n'),
        'lib/inner.jar': jar('objenesis.jar'),
      }),
    );
    // Corrupt the deflated data of lib/inner.jar: the first copy of its name is in its
    // local header (30 fixed bytes, then name and extra field, then the data).
    const lh = z.indexOf('lib/inner.jar', 0, 'latin1') - 30;
    expect(z.readUInt32LE(lh)).toBe(0x04034b50);
    const start = lh + 30 + z.readUInt16LE(lh + 26) + z.readUInt16LE(lh + 28);
    z.fill(0xff, start, start + 64);
    const { packages, warnings } = scan({ 'outer.jar': z });
    expect(packages.map((p) => p.name)).toContain('slf4j-api');
    expect(warnings.length).toBeGreaterThanOrEqual(1);
  });

  it('wants archives by extension, any case, with a 256 MiB cap', () => {
    for (const ext of ['jar', 'war', 'ear', 'jpi', 'hpi', 'JAR']) {
      const w = javaArchiveCataloger.want({ path: `opt/app/x.${ext}`, size: 10, mode: 0o644 });
      expect(typeof w === 'object' && w.maxBytes).toBe(256 * 1024 * 1024);
    }
    expect(javaArchiveCataloger.want({ path: 'opt/app/x.zip', size: 10, mode: 0o644 })).toBe(false);
  });
});

describe('java metadata parsers', () => {
  it('manifest: continuation lines, CRLF, main section only', () => {
    const m = parseManifest('Manifest-Version: 1.0\r\nBundle-Description: Apache Commons Lang, a package of Java utility class\r\n es for the classes\r\n\r\nName: x\r\nImplementation-Version: 9\r\n');
    expect(m.get('bundle-description')).toBe('Apache Commons Lang, a package of Java utility classes for the classes');
    expect(m.has('implementation-version')).toBe(false);
  });

  it('properties: separators, comments, escapes, continuations', () => {
    const p = parseProperties('#c\n! c\nversion = 1.0\nartifactId:a\\\n  b\ngroupId org\\:x\n');
    expect(Object.fromEntries(p)).toEqual({ version: '1.0', artifactId: 'ab', groupId: 'org:x' });
  });

  it('file names', () => {
    expect(parseArchiveFileName('a/b/hamcrest-integration-1.3.1-SNAPSHOT.jar')).toEqual({ name: 'hamcrest-integration', version: '1.3.1-SNAPSHOT' });
    expect(parseArchiveFileName('commons-lang3.jar')).toEqual({ name: 'commons-lang3' });
    expect(parseArchiveFileName('jsr305-3.0.2.jar')).toEqual({ name: 'jsr305', version: '3.0.2' });
  });

  it('Bundle-License forms', () => {
    expect(parseBundleLicense('BSD-3-Clause;link=https://asm.ow2.io/LICENSE.txt')).toEqual(['BSD-3-Clause']);
    expect(parseBundleLicense('http://www.apache.org/licenses/LICENSE-2.0.txt')).toEqual(['Apache-2.0']);
    expect(parseBundleLicense('https://opensource.org/licenses/EPL-2.0,MIT')).toEqual(['EPL-2.0', 'MIT']);
    expect(parseBundleLicense('The Apache License, Version 2.0')).toEqual(['The Apache License, Version 2.0']);
    expect(parseBundleLicense('<<EXTERNAL>>')).toEqual([]);
  });
});
