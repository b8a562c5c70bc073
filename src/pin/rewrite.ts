// Writing digests back: each reference becomes a few text edits of its own scalars (quote
// style kept), applied from the end of the file backwards so earlier offsets stay valid.
// Everything else in the file — comments, indentation, key order — is left byte for byte.
import { randomBytes } from 'node:crypto';
import { chmodSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pinnedString } from './imageref.js';
import { PinError, type ImageReference, type Insertion, type ScalarSlot, type ScalarStyle } from './types.js';

export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** A value written in a scalar's style. Pinned references never need escaping in any of them. */
export function formatScalar(style: ScalarStyle, value: string): string {
  switch (style) {
    case 'single':
      return `'${value.replace(/'/g, "''")}'`;
    case 'double':
    case 'json':
      return JSON.stringify(value);
    default:
      return value;
  }
}

const replace = (slot: ScalarSlot, value: string): TextEdit => ({ start: slot.start, end: slot.end, text: formatScalar(slot.style, value) });

function insertPair(ins: Insertion, key: string, value: string): TextEdit {
  const k = ins.json ? JSON.stringify(key) : key;
  const v = ins.json ? JSON.stringify(value) : value;
  if (ins.layout === 'block') return { start: ins.at, end: ins.at, text: `${ins.eol}${ins.indent}${k}: ${v}` };
  return { start: ins.at, end: ins.at, text: ins.multiline ? `,${ins.eol}${ins.indent}${k}: ${v}` : `, ${k}: ${v}` };
}

/** What `ref` reads as once pinned to `digest` (for reports and for checking the rewrite). */
export function pinnedImage(ref: ImageReference, digest: string, keepTag: boolean): string {
  if (ref.target.kind === 'image') return pinnedString(ref, digest, keepTag);
  // Kustomize and Helm keep the tag next to the digest whenever the file still has one.
  const keeps = ref.target.kind === 'helm' || keepTag || Boolean(ref.target.digest);
  return keeps && ref.tag ? `${ref.name}:${ref.tag}@${digest}` : `${ref.name}@${digest}`;
}

/**
 * The edits that pin `ref` to `digest`. Container, compose and Dockerfile references are
 * rewritten as `name@digest` (`name:tag@digest` with keepTag, or when already so written).
 * Kustomize: `digest:` is set; `newTag:` is replaced by it unless the tag is kept (then
 * kustomize writes `name:tag@digest`). Helm: the `digest:` field when the chart has one,
 * else the tag becomes `tag@digest`, which a `repository:tag` template renders as a pin.
 */
export function editsFor(ref: ImageReference, digest: string, keepTag: boolean): TextEdit[] {
  const t = ref.target;
  switch (t.kind) {
    case 'image':
      return [replace(t.slot, pinnedString(ref, digest, keepTag))];
    case 'kustomize':
      if (t.digest) return [replace(t.digest, digest)];
      if (keepTag || !t.tag || !t.tagKey) return [insertPair(t.insert, 'digest', digest)];
      return [replace(t.tagKey, 'digest'), replace(t.tag, digest)];
    case 'helm':
      if (t.digest) return [replace(t.digest, digest)];
      if (!t.tag) return [];
      return [replace(t.tag, `${ref.tag ?? t.tag.value.replace(/@.*$/, '')}@${digest}`)];
  }
}

/** Applies non-overlapping edits, last first. Throws PinError VERIFY_FAILED on overlap (two references sharing text). */
export function applyEdits(text: string, edits: readonly TextEdit[], file: string): string {
  const sorted = [...edits].sort((a, b) => b.start - a.start || b.end - a.end);
  let out = text;
  let floor = Infinity;
  for (const e of sorted) {
    if (e.end > floor) throw new PinError('VERIFY_FAILED', 'two rewrites overlap', { input: file });
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
    floor = e.start;
  }
  return out;
}

/**
 * Replaces `file` with `text` atomically: a temporary file beside it, the original's mode,
 * then a rename, so a crash leaves the old file or the new one, never half of either. A
 * symbolic link named on the command line is followed: its target is rewritten, the link kept.
 */
export function writeFileAtomic(file: string, text: string): void {
  let tmp = '';
  try {
    const target = realpathSync(file);
    tmp = join(dirname(target), `.${basename(target)}.pin-${randomBytes(6).toString('hex')}.tmp`);
    const mode = statSync(target).mode & 0o7777;
    writeFileSync(tmp, text, { flag: 'wx', mode: 0o600 });
    chmodSync(tmp, mode);
    renameSync(tmp, target);
  } catch (e) {
    if (tmp) rmSync(tmp, { force: true });
    throw new PinError('WRITE_FAILED', `cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, { input: file, cause: e });
  }
}
