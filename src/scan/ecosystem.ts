// Inventory package + OS → the OSV query that finds its advisories: ecosystem string,
// the name that ecosystem keys on, and the version to compare. Distro data is keyed by
// source package (Debian tracker, DSAs, Ubuntu, Alpine origin); Debian and Ubuntu compare
// the source version, as Trivy does, while the finding stays on the binary package.
import { parsePurl, normalizePypiName } from '../inventory/purl.js';
import type { OsInfo, Package } from '../inventory/types.js';

export interface OsvQuery {
  ecosystem: string;
  name: string;
  version: string;
}

export type QueryPlan = { query: OsvQuery } | { skip: string };

/**
 * Debian codename → release number, from the tracker's distributions.json
 * (aquasecurity/vuln-list-debian). A testing image says only its codename.
 */
const DEBIAN_RELEASES: Readonly<Record<string, string>> = {
  wheezy: '7',
  jessie: '8',
  stretch: '9',
  buster: '10',
  bullseye: '11',
  bookworm: '12',
  trixie: '13',
  forky: '14',
  duke: '15',
};

function major(versionId: string | undefined): string | undefined {
  return /^(\d+)/.exec(versionId ?? '')?.[1];
}

/**
 * `Debian:<major>` from VERSION_ID, else from the codename; sid, and a codename newer than
 * the table (a testing release whose packages come from sid), query `Debian:sid`.
 */
export function debianEcosystem(os: OsInfo): string {
  const m = major(os.versionId);
  if (m) return `Debian:${m}`;
  const code = os.versionCodename?.toLowerCase();
  const num = code ? DEBIAN_RELEASES[code] : undefined;
  return num ? `Debian:${num}` : 'Debian:sid';
}

/** `Ubuntu:22.04:LTS`: LTS when the release says so, or (no name at hand) an even-year .04. */
export function ubuntuEcosystem(os: OsInfo): string | undefined {
  const m = /^(\d{2})\.(\d{2})/.exec(os.versionId ?? '');
  if (!m) return undefined;
  const said = `${os.prettyName ?? ''} ${os.name ?? ''}`;
  const lts = /\bLTS\b/.test(said) || (!os.prettyName && m[2] === '04' && Number(m[1]) % 2 === 0);
  return `Ubuntu:${m[1]}.${m[2]}${lts ? ':LTS' : ''}`;
}

function alpineEcosystem(os: OsInfo): string | undefined {
  const m = /^(\d+)\.(\d+)/.exec(os.versionId ?? '');
  return m ? `Alpine:v${m[1]}.${m[2]}` : undefined;
}

function osQuery(pkg: Package, os: OsInfo | undefined): QueryPlan {
  if (!os) return { skip: 'no operating system detected' };
  const srcName = pkg.source?.name ?? pkg.name;
  switch (pkg.type) {
    case 'deb': {
      // Ubuntu derivatives name themselves with ID_LIKE; only Debian and Ubuntu have data.
      const version = pkg.source?.version ?? pkg.version;
      if (os.id === 'ubuntu') {
        const eco = ubuntuEcosystem(os);
        return eco ? { query: { ecosystem: eco, name: srcName, version } } : { skip: `Ubuntu release "${os.versionId ?? ''}" not recognised` };
      }
      if (os.id === 'debian') return { query: { ecosystem: debianEcosystem(os), name: srcName, version } };
      return { skip: `no advisory data for dpkg packages on ${os.id}` };
    }
    case 'apk': {
      // Alpine advisories are per origin package; the version is the package's own (origin builds share it).
      if (os.id === 'alpine') {
        const eco = alpineEcosystem(os);
        return eco ? { query: { ecosystem: eco, name: srcName, version: pkg.version } } : { skip: `Alpine release "${os.versionId ?? ''}" not recognised` };
      }
      // Wolfi and Chainguard advisories name the origin too (`haproxy-2.8` for its -doc subpackage).
      if (os.id === 'wolfi') return { query: { ecosystem: 'Wolfi', name: srcName, version: pkg.version } };
      if (os.id === 'chainguard') return { query: { ecosystem: 'Chainguard', name: srcName, version: pkg.version } };
      return { skip: `no advisory data for apk packages on ${os.id}` };
    }
    case 'rpm': {
      // AlmaLinux/Rocky advisories list binary package names, versions `[epoch:]version-release`.
      const m = major(os.versionId);
      if (os.id === 'almalinux' && m) return { query: { ecosystem: `AlmaLinux:${m}`, name: pkg.name, version: pkg.version } };
      if (os.id === 'rocky' && m) return { query: { ecosystem: `Rocky Linux:${m}`, name: pkg.name, version: pkg.version } };
      if (os.id === 'opensuse-leap' && os.versionId) return { query: { ecosystem: `openSUSE:Leap ${os.versionId}`, name: pkg.name, version: pkg.version } };
      if (os.id === 'rhel') return { skip: 'Red Hat advisories are keyed by repository CPE, which the rpm database does not record' };
      return { skip: `no advisory data for rpm packages on ${os.id}` };
    }
    default:
      return { skip: `not an OS package` };
  }
}

function purlParts(pkg: Package): { namespace?: string; name: string } | undefined {
  try {
    const p = parsePurl(pkg.purl);
    return { namespace: p.namespace, name: p.name };
  } catch {
    return undefined;
  }
}

/** `go1.22rc1` style toolchain versions → the SemVer OSV's `stdlib` entries use (`1.22.0-rc.1`). */
export function goStdlibVersion(v: string): string {
  const m = /^(?:go)?v?(\d+)\.(\d+)(?:\.(\d+))?(?:(rc|beta)(\d+))?$/.exec(v);
  if (!m) return v.replace(/^v/, '');
  const core = `${m[1]}.${m[2]}.${m[3] ?? '0'}`;
  return m[4] ? `${core}-${m[4]}.${m[5]}` : core;
}

function langQuery(pkg: Package): QueryPlan {
  switch (pkg.type) {
    case 'npm':
      return { query: { ecosystem: 'npm', name: pkg.name, version: pkg.version } };
    case 'pypi':
      return { query: { ecosystem: 'PyPI', name: normalizePypiName(pkg.name), version: pkg.version } };
    case 'cargo':
      return { query: { ecosystem: 'crates.io', name: pkg.name, version: pkg.version } };
    case 'gem':
      return { query: { ecosystem: 'RubyGems', name: pkg.name, version: pkg.version } };
    case 'golang': {
      const p = purlParts(pkg);
      const path = p ? (p.namespace ? `${p.namespace}/${p.name}` : p.name) : pkg.name;
      // OSV's Go entries write versions without the `v`; the toolchain is `stdlib`.
      const version = path === 'stdlib' ? goStdlibVersion(pkg.version) : pkg.version.replace(/^v/, '');
      return { query: { ecosystem: 'Go', name: path, version } };
    }
    case 'maven': {
      const p = purlParts(pkg);
      if (!p?.namespace) return { skip: 'Maven package without a groupId' };
      return { query: { ecosystem: 'Maven', name: `${p.namespace}:${p.name}`, version: pkg.version } };
    }
    case 'composer': {
      const p = purlParts(pkg);
      const name = p?.namespace ? `${p.namespace}/${p.name}` : pkg.name;
      // Composer tags are often `v1.2.3`; advisories compare the bare version.
      return { query: { ecosystem: 'Packagist', name, version: pkg.version.replace(/^v(?=\d)/, '') } };
    }
    default:
      return { skip: `no advisory ecosystem for ${pkg.type} packages` };
  }
}

/** The OSV query for a package, or why it cannot be matched (unknown type, OS, no version). */
export function toOsvQuery(pkg: Package, os: OsInfo | undefined): QueryPlan {
  if (!pkg.version) return { skip: 'no version' };
  const plan = pkg.type === 'deb' || pkg.type === 'apk' || pkg.type === 'rpm' ? osQuery(pkg, os) : langQuery(pkg);
  if ('query' in plan && (!plan.query.name || !plan.query.version)) return { skip: 'no name or version to query' };
  return plan;
}
