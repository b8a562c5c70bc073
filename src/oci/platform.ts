// Platform selection from an image index, the way containerd's default matcher does it
// for the cases that matter: os and architecture must match; a requested variant must
// match (arm64's variant defaults to v8); without one, any variant will do.
import { OciError, type Descriptor, type Platform } from './types.js';

/** The host's platform as image indexes spell it (process.arch x64 → amd64). Images are linux. */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch };
}

/** Parses `os/arch[/variant]` (as in `--platform linux/arm64/v8`). */
export function parsePlatform(s: string): Platform {
  const parts = s.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !/^[a-z0-9._-]+$/i.test(p))) {
    throw new OciError('NO_MATCHING_PLATFORM', `platform ${JSON.stringify(s)} is not os/arch[/variant]`, { input: s });
  }
  const p: Platform = { os: parts[0], architecture: parts[1] };
  if (parts[2]) p.variant = parts[2];
  return p;
}

export function formatPlatform(p: Platform): string {
  return p.variant ? `${p.os}/${p.architecture}/${p.variant}` : `${p.os}/${p.architecture}`;
}

function normalizedVariant(p: Platform): string | undefined {
  if (p.architecture === 'arm64' && (p.variant === undefined || p.variant === '')) return 'v8';
  return p.variant || undefined;
}

export function platformMatches(want: Platform, have: Platform): boolean {
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  const wantVariant = normalizedVariant(want);
  return !want.variant || wantVariant === normalizedVariant(have);
}

/**
 * Picks the manifest for `want` from an index's descriptors. Candidates keep index
 * order; an exact variant match wins over a looser one. Throws NO_MATCHING_PLATFORM
 * listing what the index offers.
 */
export function selectPlatform(manifests: readonly Descriptor[], want: Platform, input: string): Descriptor {
  const candidates = manifests.filter((d) => d.platform && platformMatches(want, d.platform));
  const exact = candidates.find((d) => d.platform && normalizedVariant(d.platform) === normalizedVariant(want));
  const chosen = exact ?? candidates[0];
  if (chosen) return chosen;
  const offered = manifests.filter((d) => d.platform && d.platform.os !== 'unknown').map((d) => formatPlatform(d.platform as Platform));
  throw new OciError(
    'NO_MATCHING_PLATFORM',
    `no manifest for platform ${formatPlatform(want)} in the index (it offers ${offered.length ? [...new Set(offered)].sort().join(', ') : 'none'})`,
    { input },
  );
}
