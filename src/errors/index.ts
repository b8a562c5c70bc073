/**
 * One error base class for the whole project. Each domain narrows `code` to its own
 * union (e.g. `class OciError extends PortcullisError<OciErrorCode>`); tests assert on
 * codes, never on message text. `input` names what was bad (a path, a reference, a URL)
 * so the CLI can print one line: `portcullis: error: <input>: <message>`.
 */
export class PortcullisError<C extends string = string> extends Error {
  readonly code: C;
  readonly input?: string;
  /** Exit code the CLI should use; 2 (bad input or usage) unless a domain says otherwise. */
  readonly exitCode: number;

  constructor(code: C, message: string, options: { input?: string; cause?: unknown; exitCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.input = options.input;
    this.exitCode = options.exitCode ?? 2;
  }

  /** The one-line form the CLI prints. */
  toLine(): string {
    return this.input ? `${this.input}: ${this.message}` : this.message;
  }
}

export type UsageErrorCode = 'USAGE' | 'BAD_FLAG' | 'NOT_IMPLEMENTED';
export class UsageError extends PortcullisError<UsageErrorCode> {}

export function isPortcullisError(e: unknown): e is PortcullisError {
  return e instanceof PortcullisError;
}
