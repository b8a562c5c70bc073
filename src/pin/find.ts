// Which files pin reads, and the references in each. Paths named on the command line are
// read whatever their name; directories are walked for YAML, JSON and Dockerfiles without
// following symbolic links, skipping .git, node_modules and Helm chart templates (not
// YAML until rendered). Reading is capped and refuses binary or non-UTF-8 text.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { isDockerfileName } from '../config/index.js';
import { compareStrings } from '../util/sort.js';
import { Collector } from './collector.js';
import { locateDockerfile } from './dockerfile.js';
import { parseJsonTree } from './json-scan.js';
import { locateInDocuments } from './locate.js';
import { LineIndex, parseYamlTrees } from './tree.js';
import { PinError, type FileFormat, type FileScan, type FindOptions, type ScanResult } from './types.js';

/** Largest file pin reads: rendered manifests with CRDs stay well under it. */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

const SKIP_DIRS = new Set(['.git', 'node_modules']);
const MANIFEST_EXT = new Set(['.yaml', '.yml', '.json']);

/** A file's text within the cap. Throws PinError NOT_FOUND, UNREADABLE, TOO_LARGE or BINARY. */
export function readPinFile(file: string): string {
  let buf: Buffer;
  try {
    const size = statSync(file).size;
    if (size > MAX_FILE_BYTES) throw new PinError('TOO_LARGE', `${size} bytes: larger than ${MAX_FILE_BYTES / 1048576} MiB`, { input: file });
    buf = readFileSync(file);
  } catch (e) {
    if (e instanceof PinError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new PinError('NOT_FOUND', 'no such file or directory', { input: file });
    throw new PinError('UNREADABLE', `cannot read (${code ?? 'error'})`, { input: file, cause: e });
  }
  if (buf.includes(0)) throw new PinError('BINARY', 'binary file (NUL bytes): not a manifest or Dockerfile', { input: file });
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(buf);
  } catch {
    throw new PinError('BINARY', 'not UTF-8 text', { input: file });
  }
}

/** Text with no file name to go by is a Dockerfile when its first instruction-like line is FROM or ARG. */
function looksLikeDockerfile(text: string): boolean {
  for (const line of text.split('\n', 200)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    return /^(FROM|ARG)\s/i.test(t) && !/^\S+:(\s|$)/.test(t);
  }
  return false;
}

export function formatOf(file: string, text: string): FileFormat {
  if (isDockerfileName(file)) return 'dockerfile';
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return 'json';
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  // Any other name: a Dockerfile by its first instruction, else YAML (which also reads JSON).
  return looksLikeDockerfile(text) ? 'dockerfile' : 'yaml';
}

/**
 * The image references in one file's text, in source order. Pure: the same text and
 * name give the same result. Throws PinError INVALID_YAML, INVALID_JSON,
 * INVALID_DOCKERFILE or TOO_DEEP.
 */
export function findReferences(text: string, file: string, opts: FindOptions = {}): FileScan {
  const format = formatOf(file, text);
  const lines = new LineIndex(text);
  const c = new Collector(file, lines);
  if (format === 'dockerfile') locateDockerfile(text, c);
  else {
    const roots = format === 'json' ? [parseJsonTree(text, file, lines)] : parseYamlTrees(text, file, lines);
    locateInDocuments(roots, c, text, opts);
  }
  const byOffset = (a: { byteStart: number }, b: { byteStart: number }) => a.byteStart - b.byteStart;
  return { file, format, text, references: c.references.sort(byOffset), skipped: c.skipped.sort(byOffset) };
}

/** Expands paths into the files to read, sorted, each once. */
export function collectPinFiles(paths: readonly string[]): { files: string[]; errors: ScanResult['errors']; skippedFiles: ScanResult['skippedFiles']; walked: Set<string> } {
  const files = new Set<string>();
  const walked = new Set<string>();
  const errors: ScanResult['errors'] = [];
  const skippedFiles: ScanResult['skippedFiles'] = [];
  for (const p of paths) {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) {
      errors.push({ file: p, code: 'NOT_FOUND', message: 'no such file or directory' });
      continue;
    }
    if (!st.isDirectory()) {
      files.add(p);
      continue;
    }
    // Iterative, so a deep tree cannot exhaust the stack.
    const stack = [p];
    while (stack.length) {
      const dir = stack.pop() as string;
      let entries;
      try {
        entries = readdirSync(dir, { withFileTypes: true });
      } catch (e) {
        errors.push({ file: dir, code: 'UNREADABLE', message: `cannot list (${(e as NodeJS.ErrnoException).code ?? 'error'})` });
        continue;
      }
      const chart = entries.some((e) => e.isFile() && e.name === 'Chart.yaml');
      for (const e of entries) {
        const path = join(dir, e.name);
        if (e.isSymbolicLink()) continue;
        if (e.isDirectory()) {
          if (SKIP_DIRS.has(e.name)) continue;
          if (chart && e.name === 'templates') {
            skippedFiles.push({ file: path, reason: 'Helm chart templates: pin the values (--helm) or the rendered output' });
            continue;
          }
          stack.push(path);
        } else if (e.isFile() && (isDockerfileName(e.name) || MANIFEST_EXT.has(extname(e.name).toLowerCase()))) {
          files.add(path);
          walked.add(path);
        }
      }
    }
  }
  return { files: [...files].sort(compareStrings), errors, skippedFiles, walked };
}

/** Reads and scans every file under the paths; a file that cannot be read or parsed is an error entry, and the rest go on. */
export function scanPaths(paths: readonly string[], opts: FindOptions = {}): ScanResult {
  const { files, errors, skippedFiles, walked } = collectPinFiles(paths);
  const out: ScanResult = { files: [], errors, skippedFiles };
  for (const file of files) {
    try {
      const text = readPinFile(file);
      out.files.push(findReferences(text, file, opts));
    } catch (e) {
      // JSON a walk found that is not strict JSON (tsconfig.json with comments) is not ours to pin.
      if (walked.has(file) && e instanceof PinError && e.code === 'INVALID_JSON') {
        skippedFiles.push({ file, reason: `not strict JSON (${e.message}): not a manifest` });
        continue;
      }
      if (e instanceof PinError) errors.push({ file, code: e.code, message: e.message });
      else errors.push({ file, code: 'INVALID_YAML', message: (e as Error).message?.split('\n')[0] ?? String(e) });
    }
  }
  out.errors.sort((a, b) => compareStrings(a.file, b.file));
  out.skippedFiles.sort((a, b) => compareStrings(a.file, b.file));
  return out;
}
