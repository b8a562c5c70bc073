// Parser for the security tracker's own text files: data/CVE/list, data/DSA/list,
// data/DLA/list (salsa security-tracker-team/security-tracker). The grammar follows the
// tracker's reader, lib/python/bugs.py (FileBase, CVEFile, DSAFile):
//
//   CVE-2023-4641 [gpasswd(1) password leak]          header, column 0 ("(…)" = NVD text)
//   [23 Apr 2024] DSA-5673-1 glibc - security update   header of DSA/DLA files
//   	{DSA-5673-1 DLA-3807-1}                          cross references
//   	- shadow 1:4.13+dfsg1-2 (bug #1051062)           unstable: fixed in that version
//   	[bookworm] - shadow <no-dsa> (Minor issue)       a release's own line
//   	- apt <unfixed> (unimportant; bug #642480)       notes: urgency, bug numbers
//   	NOTE: … / TODO: … / NOT-FOR-US: … / RESERVED / REJECTED
//
// Pseudo versions: <unfixed> <removed> <itp> <undetermined> take notes like a version;
// <no-dsa> <ignored> <postponed> (need a release) <not-affected> <end-of-life> take a free
// comment. The tracker rejects any other; so do we (the line is skipped as a problem).
// In annotations, whitespace runs are read as one space (the tracker wants exactly one in
// places); headers are kept as written.

import { createHash } from 'node:crypto';

export type ListKind = 'CVE' | 'DSA' | 'DLA';

export type AnnotationKind = 'fixed' | 'unfixed' | 'not-affected' | 'no-dsa' | 'ignored' | 'postponed' | 'end-of-life' | 'removed' | 'itp' | 'undetermined';

export interface PackageAnnotation {
  line: number;
  /** Codename from `[release]`; absent for the unstable (sid) line. */
  release?: string;
  package: string;
  kind: AnnotationKind;
  /** Fixed version, for kind `fixed`. */
  version?: string;
  /** Urgency written in the line's notes (`low`, `unimportant`…), if any. */
  urgency?: string;
  bugs: number[];
  /** Free comment of no-dsa/ignored/postponed/not-affected/end-of-life. */
  comment?: string;
}

export interface ListEntry {
  line: number;
  /** CVE id, `TEMP-<bug>-<hash>` for a `CVE-YYYY-XXXX` entry (as the tracker names it), or the DSA/DLA id. */
  id: string;
  /** Advisory date (DSA/DLA), `YYYY-MM-DD`. */
  date?: string;
  /** Header text, without its `(…)`/`[…]`. */
  description: string;
  /** `[…]` is a title written by the tracker team, `(…)` a truncated NVD description. */
  descriptionStyle: 'title' | 'nvd' | 'plain';
  xrefs: string[];
  packages: PackageAnnotation[];
  notForUs: boolean;
  reserved: boolean;
  rejected: boolean;
}

export interface ListProblem {
  line: number;
  message: string;
}

const MAX_LINE = 8192;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const URGENCIES = new Set(['high', 'medium', 'low', 'unimportant', 'end-of-life', 'not yet assigned']);
const FREE_TEXT_KINDS = new Set(['no-dsa', 'ignored', 'postponed', 'not-affected', 'end-of-life']);
const NOTE_KINDS = new Set(['unfixed', 'removed', 'itp', 'undetermined']);

const CVE_HEADER = /^(CVE-[0-9]{4}-(?:[0-9]{4,9}|XXXX))(?:\s+(.*))?$/;
const XREF_ENTRY = /^(?:CVE-[0-9]{4}-[0-9]{4,9}|VU#[0-9]{6}|DSA-[0-9]+(?:-[0-9]+)?|DTSA-[0-9]+-[0-9]+|DLA-[0-9]+-[0-9]+)$/;
const PKG_VERSION = /^(?:\[([a-z]+)\] )?- ([A-Za-z0-9:.+-]+)(?: ([A-Za-z0-9:.+~-]+))?(?: \((.*)\))?$/;
const PKG_PSEUDO = /^(?:\[([a-z]+)\] )?- ([A-Za-z0-9:.+-]+) <([a-z-]+)>(?: \((.*)\))?$/;

function advisoryHeader(kind: 'DSA' | 'DLA'): RegExp {
  return new RegExp(`^\\[([0-9]{2}) ([A-Z][a-z]{2}) ([0-9]{4})\\] (${kind}-[0-9]+(?:-[0-9]+)?)(?:\\s+(.*))?$`);
}

/** The tracker's temporary name for a `CVE-YYYY-XXXX` entry (bugs.py temp_bug_name). */
export function tempBugName(bugNumber: number, description: string): string {
  const hash = createHash('md5').update(description, 'utf8').digest('hex').slice(0, 6).toUpperCase();
  return `TEMP-${String(bugNumber).padStart(7, '0')}-${hash}`;
}

function splitDescription(raw: string): { description: string; style: ListEntry['descriptionStyle'] } {
  // Kept byte for byte (no trimming): the TEMP name hashes it.
  if (raw.startsWith('(') && raw.endsWith(')')) return { description: raw.slice(1, -1), style: 'nvd' };
  if (raw.startsWith('[') && raw.endsWith(']')) return { description: raw.slice(1, -1), style: 'title' };
  return { description: raw, style: 'plain' };
}

/** Read one list file. Problems (bad lines) are returned, not thrown: the caller decides. */
export function parseDebianTrackerList(text: string, kind: ListKind): { entries: ListEntry[]; problems: ListProblem[] } {
  const entries: ListEntry[] = [];
  const problems: ListProblem[] = [];
  const header = kind === 'CVE' ? CVE_HEADER : advisoryHeader(kind);
  let current: ListEntry | undefined;
  // After a bad header its annotations are skipped quietly: the header was the problem.
  let inBadEntry = false;
  let rawHeaderId = '';

  const finish = (): void => {
    if (!current) return;
    if (rawHeaderId.endsWith('-XXXX')) {
      const firstBug = current.packages.find((p) => p.bugs.length > 0)?.bugs[0] ?? 0;
      current.id = tempBugName(firstBug, current.description);
    }
    entries.push(current);
    current = undefined;
  };

  let lineNo = 0;
  const problem = (message: string): void => {
    problems.push({ line: lineNo, message });
  };
  // Walked with indexOf rather than split: the real CVE list has over a million lines.
  for (let start = 0; start <= text.length; ) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    let raw = text.slice(start, end);
    start = end + 1;
    lineNo++;
    if (raw.endsWith('\r')) raw = raw.slice(0, -1);
    if (raw.trim() === '' || raw.startsWith('--')) continue;
    const indented = raw[0] === ' ' || raw[0] === '\t';
    if (raw.length > MAX_LINE) {
      problem('line too long');
      if (!indented) finishBad();
      continue;
    }
    // The tracker's files are printable ASCII; its reader rejects anything else.
    if (/[^\t\x20-\x7e]/.test(raw)) {
      problem('non-printable or non-ASCII character');
      if (!indented) finishBad();
      continue;
    }
    if (!indented) {
      const head = raw.trimEnd();
      if (/^STOP:/.test(head) || /^(?:begin|end) claimed by \S+$/.test(head)) continue;
      finish();
      const m = header.exec(head);
      if (!m) {
        problem(`malformed ${kind} header ${JSON.stringify(head.slice(0, 60))}`);
        inBadEntry = true;
        continue;
      }
      inBadEntry = false;
      if (kind === 'CVE') {
        rawHeaderId = m[1];
        const d = splitDescription(m[2] ?? '');
        current = { line: lineNo, id: m[1], description: d.description, descriptionStyle: d.style, xrefs: [], packages: [], notForUs: false, reserved: false, rejected: false };
      } else {
        const [, day, mon, year, id, desc] = m;
        const month = MONTHS.indexOf(mon) + 1;
        if (month === 0 || Number(day) < 1 || Number(day) > 31) {
          problem(`bad date in ${kind} header ${JSON.stringify(head.slice(0, 60))}`);
          inBadEntry = true;
          continue;
        }
        rawHeaderId = id;
        current = {
          line: lineNo,
          id,
          date: `${year}-${String(month).padStart(2, '0')}-${day}`,
          description: desc ?? '',
          descriptionStyle: 'plain',
          xrefs: [],
          packages: [],
          notForUs: false,
          reserved: false,
          rejected: false,
        };
      }
      continue;
    }
    if (!current) {
      if (!inBadEntry) problem('annotation outside an entry');
      continue;
    }
    parseAnnotation(raw.trim().replace(/\s+/g, ' '), lineNo, current, problem);
  }
  finish();
  return { entries, problems };

  function finishBad(): void {
    finish();
    inBadEntry = true;
  }
}

function parseAnnotation(r: string, line: number, entry: ListEntry, problem: (m: string) => void): void {
  if (r.startsWith('{')) {
    const m = /^\{ ?([^}]+?) ?\}$/.exec(r);
    if (!m) return problem('malformed cross reference');
    const ids = m[1].split(' ');
    const bad = ids.find((x) => !XREF_ENTRY.test(x));
    if (bad !== undefined) return problem(`invalid cross reference ${JSON.stringify(bad)}`);
    entry.xrefs.push(...ids);
    return;
  }
  if (/^(?:\[[^\]]*\] ?)?-/.test(r)) {
    const v = PKG_VERSION.exec(r);
    if (v) {
      const [, release, pkg, version, inner] = v;
      const notes = parseNotes(inner, problem);
      entry.packages.push({ line, release, package: pkg, kind: version === undefined ? 'unfixed' : 'fixed', version, ...notes });
      return;
    }
    const p = PKG_PSEUDO.exec(r);
    if (!p) return problem('unparsable package line');
    const [, release, pkg, kind, inner] = p;
    if (FREE_TEXT_KINDS.has(kind)) {
      if ((kind === 'no-dsa' || kind === 'ignored' || kind === 'postponed') && release === undefined) {
        return problem(`<${kind}> without a release`);
      }
      const a: PackageAnnotation = { line, release, package: pkg, kind: kind as AnnotationKind, bugs: [] };
      if (inner !== undefined) a.comment = inner;
      entry.packages.push(a);
      return;
    }
    if (NOTE_KINDS.has(kind)) {
      entry.packages.push({ line, release, package: pkg, kind: kind as AnnotationKind, ...parseNotes(inner, problem) });
      return;
    }
    return problem(`unknown pseudo version <${kind}>`);
  }
  if (/^NOT-FOR-US:/.test(r)) {
    entry.notForUs = true;
    return;
  }
  if (r === 'RESERVED' || r === 'NOTE: reserved') {
    entry.reserved = true;
    return;
  }
  if (r === 'REJECTED' || r === 'NOTE: rejected') {
    entry.rejected = true;
    return;
  }
  if (/^(?:NOTE|TODO):/.test(r)) return;
  problem(`unknown annotation ${JSON.stringify(r.slice(0, 40))}`);
}

/** `(low; bug #123)`: urgency words, `bug #N`, `bug filed` (bugs.py PackageNoteParsed). */
function parseNotes(inner: string | undefined, problem: (m: string) => void): { urgency?: string; bugs: number[] } {
  const out: { urgency?: string; bugs: number[] } = { bugs: [] };
  if (inner === undefined) return out;
  for (const part of inner.split(/ ?; ?/)) {
    const n = part.trim();
    if (n === '' || n === 'bug filed') continue;
    if (URGENCIES.has(n)) {
      out.urgency = n;
      continue;
    }
    const b = /^bug #([0-9]{1,9})$/.exec(n);
    if (b) {
      out.bugs.push(Number(b[1]));
      continue;
    }
    // The tracker rejects the whole file here; one odd note is not worth losing the line.
    problem(`unknown package note ${JSON.stringify(n.slice(0, 40))}`);
  }
  return out;
}
