export interface EncodeOptions {
  /** Version written into the tool entry; the CLI passes its own. */
  toolVersion?: string;
  /** Fixes the document time (and makes ids content-derived); else SOURCE_DATE_EPOCH, else now. */
  now?: Date;
}

export const TOOL_NAME = 'portcullis';
/** Used when the caller names no version (library use); the CLI passes package.json's. */
export const DEFAULT_TOOL_VERSION = 'dev';
