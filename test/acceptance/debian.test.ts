// Acceptance: a real Debian bookworm minbase image (debootstrap → umoci → skopeo), read
// through every transport; the SBOM must list exactly what dpkg-query reports inside it.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSbom } from '../../src/sbom/index.js';
import { startRegistry } from '../helpers/registry.js';

const root = join(import.meta.dirname, '..', '..');
const out = process.env.PORTCULLIS_ACCEPTANCE_DIR ?? '/var/tmp/portcullis-acceptance';
const bin = join(root, 'bin', 'portcullis.js');

interface Row {
  name: string;
  version: string;
  arch: string;
  source: string;
  sourceVersion: string;
}

function key(r: Row): string {
  return `${r.name}\t${r.version}\t${r.arch}\t${r.source}\t${r.sourceVersion}`;
}

function expected(): string[] {
  const text = execFileSync('dpkg-query', ['--admindir', join(out, 'rootfs/var/lib/dpkg'), '-W', '-f', '${Package}\t${Version}\t${Architecture}\t${source:Package}\t${source:Version}\t${db:Status-Abbrev}\n'], { encoding: 'utf8' });
  return text
    .split('\n')
    .filter((l) => l && l.split('\t')[5].startsWith('ii'))
    .map((l) => l.split('\t').slice(0, 5).join('\t'))
    .sort();
}

function sbomRows(args: string[]): { rows: string[]; layers: Set<string | undefined> } {
  const r = spawnSync(process.execPath, [bin, 'sbom', ...args, '--format', 'cyclonedx', '--no-cache', '-q'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  const inv = decodeSbom(r.stdout, 'stdout');
  const debs = inv.packages.filter((p) => p.type === 'deb');
  return {
    rows: debs.map((p) => key({ name: p.name, version: p.version, arch: p.arch ?? '', source: p.source?.name ?? p.name, sourceVersion: p.source?.version ?? p.version })).sort(),
    layers: new Set(debs.map((p) => p.locations[0]?.layerDiffId)),
  };
}

describe('Debian bookworm minbase image (debootstrap)', () => {
  let want: string[] = [];
  let registry: Awaited<ReturnType<typeof startRegistry>> | undefined;

  beforeAll(async () => {
    execFileSync('bash', [join(import.meta.dirname, 'build-debian-image.sh'), out], { stdio: 'inherit', timeout: 900_000 });
    want = expected();
    registry = await startRegistry();
    execFileSync('skopeo', ['copy', '--quiet', '--dest-tls-verify=false', `oci:${out}/oci:bookworm`, `docker://${registry.host}/portcullis-test/debian:bookworm`]);
  }, 1_000_000);

  afterAll(async () => {
    await registry?.stop();
  });

  it('dpkg-query sees a real system', () => {
    expect(want.length).toBeGreaterThan(50);
    expect(want.some((r) => r.startsWith('libc6\t'))).toBe(true);
  });

  it('docker-archive: lists exactly the installed packages, with source and arch', () => {
    const { rows, layers } = sbomRows([`docker-archive:${out}/debian.tar`]);
    expect(rows).toEqual(want);
    expect(layers.size).toBe(1);
    expect([...layers][0]).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it('oci: lists exactly the installed packages', () => {
    expect(sbomRows([`oci:${out}/oci:bookworm`]).rows).toEqual(want);
  });

  it('the loopback registry lists exactly the installed packages', () => {
    expect(sbomRows([`${registry!.host}/portcullis-test/debian:bookworm`, '--plain-http']).rows).toEqual(want);
  });
});
