// The pin run: scan, decide what needs a registry, resolve each distinct tag once, rewrite
// each file whose every reference resolved, check the result reads back pinned, and only
// then (with `write`) replace the file. `checkPaths` is the offline half: what is unpinned.
import { compareStrings } from '../util/sort.js';
import { findReferences, scanPaths } from './find.js';
import { lookupKey, lookupOf } from './imageref.js';
import { resolveAll, type ResolveOptions, type ResolveOutcome } from './resolve.js';
import { applyEdits, editsFor, pinnedImage, writeFileAtomic, type TextEdit } from './rewrite.js';
import { PinError, type FileProblem, type FileScan, type FindOptions, type ImageReference, type ScanResult, type SkippedReference, type SourcePosition } from './types.js';
import type { ImageRef } from '../oci/index.js';

export interface PinOptions extends ResolveOptions, FindOptions {
  /** Replace the files (default: compute the pinned text only, for a diff). */
  write?: boolean;
  /** Write `name:tag@sha256:…` rather than `name@sha256:…`. */
  keepTag?: boolean;
  /** Re-resolve pinned references that carry a tag; replace digests that moved. */
  update?: boolean;
}

export interface PinChange extends SourcePosition {
  where: string;
  before: string;
  after: string;
  digest: string;
  /** With `update`: the digest the reference was pinned to before the tag moved. */
  previous?: string;
}

export interface PinFailure extends SourcePosition {
  where: string;
  image: string;
  /** oci/'s code: NOT_FOUND (no such tag), UNAUTHORIZED, NETWORK (unreachable), … */
  code: string;
  message: string;
}

export interface FilePin {
  file: string;
  before: string;
  /** The pinned text (equal to `before` when nothing changed or something failed). */
  after: string;
  changes: PinChange[];
  failures: PinFailure[];
  /** References already pinned and left as they are. */
  current: number;
  written: boolean;
}

export interface PinReport {
  files: FilePin[];
  skipped: SkippedReference[];
  errors: FileProblem[];
  skippedFiles: ScanResult['skippedFiles'];
}

export interface CheckReport {
  unpinned: ImageReference[];
  pinned: number;
  skipped: SkippedReference[];
  errors: FileProblem[];
  skippedFiles: ScanResult['skippedFiles'];
}

const NO_TAG_TO_FOLLOW = 'pinned without a tag: nothing for --update to follow (pin with --keep-tag to keep one)';

/** What is not pinned, with no network: for `pin --check`. */
export function checkPaths(paths: readonly string[], opts: FindOptions = {}): CheckReport {
  const scan = scanPaths(paths, opts);
  const refs = scan.files.flatMap((f) => f.references);
  return {
    unpinned: refs.filter((r) => r.digest === undefined),
    pinned: refs.filter((r) => r.digest !== undefined).length,
    skipped: scan.files.flatMap((f) => f.skipped),
    errors: scan.errors,
    skippedFiles: scan.skippedFiles,
  };
}

/** Scans the paths and pins every file found (see `pinScans`). */
export async function pinPaths(paths: readonly string[], opts: PinOptions = {}): Promise<PinReport> {
  const scan = scanPaths(paths, opts);
  const pinned = await pinScans(scan.files, opts);
  return { files: pinned.files, skipped: pinned.skipped, errors: scan.errors, skippedFiles: scan.skippedFiles };
}

/** The references of a scan that need the registry, keyed by normalized lookup. */
function plan(scans: readonly FileScan[], opts: PinOptions): { lookups: Map<string, ImageRef>; keyOf: Map<ImageReference, string>; skipped: SkippedReference[] } {
  const lookups = new Map<string, ImageRef>();
  const keyOf = new Map<ImageReference, string>();
  const skipped: SkippedReference[] = [];
  for (const scan of scans) {
    skipped.push(...scan.skipped);
    for (const ref of scan.references) {
      if (ref.digest !== undefined && !opts.update) continue;
      if (ref.digest !== undefined && ref.tag === undefined) {
        const { kind, where, image, file, line, column, byteStart, byteEnd } = ref;
        skipped.push({ file, line, column, byteStart, byteEnd, kind, where, image, reason: NO_TAG_TO_FOLLOW });
        continue;
      }
      const lookup = lookupOf(ref);
      const key = lookupKey(lookup);
      lookups.set(key, lookup);
      keyOf.set(ref, key);
    }
  }
  return { lookups, keyOf, skipped };
}

/** Pins already-scanned files. Resolution failures are per reference; a file with any is left untouched. */
export async function pinScans(scans: readonly FileScan[], opts: PinOptions = {}): Promise<{ files: FilePin[]; skipped: SkippedReference[] }> {
  const { lookups, keyOf, skipped } = plan(scans, opts);
  const outcomes = lookups.size ? await resolveAll(lookups, opts) : new Map<string, ResolveOutcome>();
  const files = scans.map((scan) => pinFile(scan, keyOf, outcomes, opts));
  return { files, skipped: skipped.sort((a, b) => compareStrings(a.file, b.file) || a.byteStart - b.byteStart) };
}

function pinFile(scan: FileScan, keyOf: ReadonlyMap<ImageReference, string>, outcomes: ReadonlyMap<string, ResolveOutcome>, opts: PinOptions): FilePin {
  const result: FilePin = { file: scan.file, before: scan.text, after: scan.text, changes: [], failures: [], current: 0, written: false };
  const edits: TextEdit[] = [];
  const expected = new Map<number, string>();
  scan.references.forEach((ref, i) => {
    const key = keyOf.get(ref);
    const outcome = key === undefined ? undefined : outcomes.get(key);
    const pos = { file: ref.file, line: ref.line, column: ref.column, byteStart: ref.byteStart, byteEnd: ref.byteEnd };
    if (!outcome) {
      if (ref.digest !== undefined) result.current++;
      return;
    }
    if (!outcome.ok) {
      result.failures.push({ ...pos, where: ref.where, image: ref.image, code: outcome.code, message: outcome.message });
      return;
    }
    const digest = outcome.value.digest;
    if (ref.digest === digest) {
      result.current++;
      return;
    }
    const after = pinnedImage(ref, digest, Boolean(opts.keepTag));
    edits.push(...editsFor(ref, digest, Boolean(opts.keepTag)));
    expected.set(i, after);
    result.changes.push({ ...pos, where: ref.where, before: ref.image, after, digest, ...(ref.digest ? { previous: ref.digest } : {}) });
  });
  if (result.failures.length || edits.length === 0) return result;
  const after = applyEdits(scan.text, edits, scan.file);
  verify(scan, after, expected, opts);
  result.after = after;
  if (opts.write) {
    writeFileAtomic(scan.file, after);
    result.written = true;
  }
  return result;
}

/** The rewritten text must parse again and read back exactly as planned, reference by reference. */
function verify(scan: FileScan, after: string, expected: ReadonlyMap<number, string>, opts: FindOptions): void {
  let again: FileScan;
  try {
    again = findReferences(after, scan.file, opts);
  } catch (e) {
    throw new PinError('VERIFY_FAILED', `the rewritten file does not parse: ${(e as Error).message}`, { input: scan.file, cause: e });
  }
  const fail = (why: string) => new PinError('VERIFY_FAILED', `the rewritten file does not read back as planned: ${why}`, { input: scan.file });
  if (again.references.length !== scan.references.length || again.skipped.length !== scan.skipped.length) throw fail('the references changed in number');
  scan.references.forEach((ref, i) => {
    const now = again.references[i];
    const want = expected.get(i) ?? ref.image;
    if (now.image !== want || now.where !== ref.where) throw fail(`${ref.where} reads ${now.image}, expected ${want}`);
  });
}
