// The pin folder's contract: where an image reference sits in a file (exact source
// offsets, so a rewrite replaces only that text), how a digest is written back, and what
// a pin run reports.
import { PortcullisError } from '../errors/index.js';

export type PinErrorCode =
  | 'NOT_FOUND'
  | 'UNREADABLE'
  | 'TOO_LARGE'
  | 'BINARY'
  | 'INVALID_YAML'
  | 'INVALID_JSON'
  | 'INVALID_DOCKERFILE'
  | 'TOO_DEEP'
  | 'BAD_OPTION'
  | 'VERIFY_FAILED'
  | 'WRITE_FAILED';

export class PinError extends PortcullisError<PinErrorCode> {}

/** What kind of file the reference was found in. */
export type ReferenceKind = 'kubernetes' | 'kustomize' | 'compose' | 'dockerfile' | 'helm';

/**
 * How a scalar is written in its file, so a replacement keeps it: YAML plain, 'single' or
 * "double" quoted, a JSON string, or raw text (a Dockerfile word).
 */
export type ScalarStyle = 'plain' | 'single' | 'double' | 'json' | 'raw';

/** A scalar's source text: `start`/`end` are UTF-16 offsets into the file text, quotes included. */
export interface ScalarSlot {
  start: number;
  end: number;
  style: ScalarStyle;
  /** The scalar's value (for plain YAML scalars, the source text itself). */
  value: string;
}

/** Where a new `key: value` pair goes in a mapping (Kustomize `digest:` with --keep-tag). */
export interface Insertion {
  /** Offset the text is inserted at. */
  at: number;
  /** Block mapping (new line at `indent`), or a flow/JSON mapping (`, key: value`). */
  layout: 'block' | 'flow';
  /** For block layout and multi-line flow mappings: the indentation of the keys. */
  indent: string;
  /** Multi-line flow/JSON mapping: the new pair goes on its own line. */
  multiline: boolean;
  /** Line ending used by the file at that point. */
  eol: string;
  /** Keys are JSON strings (quoted). */
  json: boolean;
}

/** How a resolved digest is written back. */
export type PinTarget =
  /** A whole reference string: a container `image:`, a compose `image:`, FROM, COPY --from. */
  | { kind: 'image'; slot: ScalarSlot }
  /** A Kustomize `images:` entry: `digest:` set; `newTag:` replaced by it unless the tag is kept. */
  | { kind: 'kustomize'; tagKey?: ScalarSlot; tag?: ScalarSlot; digest?: ScalarSlot; insert: Insertion }
  /** Helm values `image: {repository, tag, digest?}`: `digest:` when the chart has one, else `tag@digest`. */
  | { kind: 'helm'; tag?: ScalarSlot; digest?: ScalarSlot };

export interface SourcePosition {
  file: string;
  /** 1-based line and column (UTF-16 code units) of the reference's text. */
  line: number;
  column: number;
  /** Byte offsets (UTF-8) of that text in the file. */
  byteStart: number;
  byteEnd: number;
}

/** One image reference found in a file. */
export interface ImageReference extends SourcePosition {
  kind: ReferenceKind;
  /** Human context: `Deployment/bookstore/catalog containers[0]`, `services.db.image`, `FROM (stage build)`. */
  where: string;
  /** The reference as it reads (Kustomize and Helm entries composed from their fields). */
  image: string;
  /** The name part as written, without tag or digest: `bookstore/catalog`. */
  name: string;
  tag?: string;
  /** Set when the reference is already pinned. */
  digest?: string;
  target: PinTarget;
}

/** A reference pin cannot act on (an ARG or `${VAR}` only the build decides), with the reason. */
export interface SkippedReference extends SourcePosition {
  kind: ReferenceKind;
  where: string;
  image: string;
  reason: string;
}

export type FileFormat = 'yaml' | 'json' | 'dockerfile';

/** The references of one file, in source order. */
export interface FileScan {
  file: string;
  format: FileFormat;
  text: string;
  references: ImageReference[];
  skipped: SkippedReference[];
}

export interface FileProblem {
  file: string;
  code: PinErrorCode;
  message: string;
}

export interface FindOptions {
  /** Also read Helm values files (`image.repository`/`image.tag`); off by default. */
  helm?: boolean;
}

export interface ScanResult {
  files: FileScan[];
  /** Files that could not be read or parsed: never rewritten. */
  errors: FileProblem[];
  /** Files a directory walk passed over, with the reason (e.g. JSON with comments). */
  skippedFiles: Array<{ file: string; reason: string }>;
}
