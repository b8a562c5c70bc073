// Path handling for entries of untrusted archives. Tar entry names are normalized
// strictly (an escape is an error); lookups and link targets are clamped at the root,
// as the kernel does for a chrooted process.

/**
 * Normalizes a tar entry name to a root-relative path ('' is the root itself).
 * Returns null when the name is absolute or a `..` climbs above the root.
 */
export function normalizeEntryPath(name: string): string | null {
  if (name.startsWith('/')) return null;
  const out: string[] = [];
  for (const seg of name.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (out.length === 0) return null;
      out.pop();
      continue;
    }
    out.push(seg);
  }
  return out.join('/');
}

/** Splits a lookup path or link target into segments, leniently (no validation). */
export function splitPath(p: string): string[] {
  return p.split('/').filter((s) => s !== '' && s !== '.');
}

/** Normalizes a path for lookup: leading `/` ignored, `..` clamped at the root. */
export function clampPath(p: string): string {
  const out: string[] = [];
  for (const seg of splitPath(p)) {
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return out.join('/');
}

/** Parent directory of a normalized path ('' for top-level entries). */
export function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i < 0 ? '' : p.slice(0, i);
}

/** Whether `p` is strictly inside directory `dir` ('' is the root). */
export function isUnder(p: string, dir: string): boolean {
  return dir === '' ? p !== '' : p.length > dir.length + 1 && p.startsWith(dir) && p.charCodeAt(dir.length) === 47;
}
