// Shared plumbing for the source converters: options, how bad entries are reported, input
// shape checks and deterministic ordering. The converters are pure and synchronous: they
// take data already read into memory and return OSV records, sorted.

import { compareStrings } from '../../util/index.js';
import type { OsvAffected, OsvRecord } from '../osv-types.js';
import { VulnDbError } from '../types.js';

/**
 * Options every converter takes.
 *
 * Bad input policy (the same in every converter):
 * - input that is not the expected format at all (wrong top-level shape, or nothing in it
 *   recognisable) → throws `VulnDbError` `IMPORT_UNKNOWN_FORMAT`;
 * - one bad entry (a package, issue, release or line of the wrong shape) in otherwise
 *   recognisable input is skipped, and `warn` gets one line naming the entry and the reason;
 *   with `strict: true` the first such entry throws `IMPORT_INVALID_RECORD` instead (after
 *   the whole input was examined, so the format check above always wins).
 * - `warn` also gets notes that are not errors (e.g. releases with no version mapping);
 *   those never throw.
 */
export interface SourceOptions {
  warn?: (message: string) => void;
  strict?: boolean;
  /**
   * `modified` of every record (any date `Date` parses; written as ISO 8601 UTC). Pass the
   * source's own date (the tracker's Last-Modified, the list file's commit date). Default:
   * an advisory's own date where it has one, else 1970-01-01T00:00:00Z, so output stays
   * deterministic.
   */
  modified?: string;
}

export const EPOCH = '1970-01-01T00:00:00Z';

/** Collects problems while converting, then reports them (warn) or throws the first (strict). */
export class ProblemLog {
  private readonly problems: string[] = [];
  private readonly notes: string[] = [];

  constructor(
    readonly source: string,
    private readonly opts: SourceOptions,
  ) {}

  /** An invalid entry that was skipped. */
  invalid(where: string, reason: string): void {
    this.problems.push(`${where}: ${reason}`);
  }

  /** Something worth telling the user that is not an error. */
  note(message: string): void {
    this.notes.push(message);
  }

  get invalidCount(): number {
    return this.problems.length;
  }

  /** Throws IMPORT_UNKNOWN_FORMAT when nothing usable was found but problems were. */
  failIfNothingUsable(usable: number, what: string): void {
    if (usable === 0 && this.problems.length > 0) {
      throw new VulnDbError('IMPORT_UNKNOWN_FORMAT', `not ${what}: ${this.problems[0]}`, { input: this.source });
    }
  }

  /** Reports what was collected: throws the first problem under `strict`, else warns. */
  flush(): void {
    if (this.opts.strict && this.problems.length > 0) {
      throw new VulnDbError('IMPORT_INVALID_RECORD', this.problems[0], { input: this.source });
    }
    const warn = this.opts.warn;
    if (!warn) return;
    for (const p of this.problems) warn(`${this.source}: skipped ${p}`);
    for (const n of this.notes) warn(`${this.source}: ${n}`);
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** ISO 8601 UTC without milliseconds when they are zero. */
export function toIsoUtc(d: Date): string {
  return d.toISOString().replace('.000Z', 'Z');
}

/** `opts.modified` checked and normalised, or undefined when not given. */
export function resolveModified(source: string, opts: SourceOptions): string | undefined {
  if (opts.modified === undefined) return undefined;
  const d = typeof opts.modified === 'string' ? new Date(opts.modified) : new Date(NaN);
  if (Number.isNaN(d.getTime())) {
    throw new VulnDbError('IMPORT_INVALID_RECORD', `option modified ${JSON.stringify(opts.modified)} is not a date`, { input: source });
  }
  return toIsoUtc(d);
}

/** A short JSON rendering of untrusted text for messages (bounded, one line). */
export function show(s: string): string {
  return JSON.stringify(s.length > 80 ? s.slice(0, 80) + '…' : s);
}

function affectedKey(a: OsvAffected): string {
  return `${a.package?.ecosystem ?? ''}\0${a.package?.name ?? ''}\0${JSON.stringify(a.ranges ?? [])}`;
}

/** Records sorted by id, each one's affected entries by (ecosystem, name, ranges). */
export function sortRecords(records: OsvRecord[]): OsvRecord[] {
  for (const r of records) {
    if (r.affected && r.affected.length > 1) {
      // Keys computed once per entry: this runs over a million entries for the full tracker.
      r.affected = r.affected
        .map((a) => ({ a, k: affectedKey(a) }))
        .sort((x, y) => compareStrings(x.k, y.k))
        .map((x) => x.a);
    }
  }
  return records.sort((x, y) => compareStrings(x.id, y.id));
}

/** Sorted, de-duplicated strings. */
export function uniqSorted(xs: Iterable<string>): string[] {
  return [...new Set(xs)].sort(compareStrings);
}
