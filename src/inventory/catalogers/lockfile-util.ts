// Shared plumbing for the lockfile catalogers: which paths they want, decoding untrusted
// bytes, parsing JSON/YAML defensively, and collecting packages with stable ids, merged
// duplicates and sorted output.
import { parseAllDocuments } from 'yaml';
import type { CollectedFile, FileCandidate, Want } from '../../layers/types.js';
import type { CatalogContext, Package, PackageType } from '../types.js';
import { packageId, toPurl } from '../purl.js';
import { normalizeLicenses } from '../license.js';
import { compareStrings } from '../../util/index.js';

export type JsonRecord = Record<string, unknown>;

export function isRecord(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value when it is a non-empty string. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** Entries of an object whose values are strings (dependency maps): other values dropped. */
export function stringEntries(v: unknown): Array<[string, string]> {
  if (!isRecord(v)) return [];
  return Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string');
}

/**
 * A `want` accepting files whose base name matches, anywhere in the tree except inside
 * the named directories (installed or vendored trees: their lockfiles describe other
 * projects, and the installed-package catalogers cover what is really there).
 */
export function wantByName(match: (base: string) => boolean, excludedDirs: readonly string[] = ['node_modules']): (c: FileCandidate) => Want {
  return (c) => {
    const segs = c.path.split('/');
    if (!match(segs[segs.length - 1])) return false;
    for (let i = 0; i < segs.length - 1; i++) if (excludedDirs.includes(segs[i])) return false;
    return true;
  };
}

/** Reports a problem with one lockfile, naming it. */
export function warnFile(ctx: CatalogContext, path: string, message: string): void {
  ctx.warn(`${path}: ${message}`);
}

function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0].slice(0, 200);
}

/**
 * Decodes a lockfile. A UTF-8 BOM is dropped and UTF-16 (with BOM, as Windows tools write
 * requirements files) is honoured; invalid UTF-8 is reported and decoded with U+FFFD so
 * the rest of the file is still read.
 */
export function readText(file: CollectedFile, ctx: CatalogContext): string {
  const b = file.data;
  if (b.length >= 2 && b[0] === 0xff && b[1] === 0xfe) return b.subarray(2).toString('utf16le');
  if (b.length >= 2 && b[0] === 0xfe && b[1] === 0xff) {
    const le = Buffer.from(b.subarray(2, b.length - (b.length % 2)));
    le.swap16();
    return le.toString('utf16le');
  }
  const body = b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.subarray(3) : b;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    warnFile(ctx, file.path, 'invalid UTF-8; undecodable bytes replaced');
    return new TextDecoder('utf-8').decode(body);
  }
}

/** JSON.parse that warns instead of throwing. V8's JSON parser is iterative, so deep nesting is safe here. */
export function parseJson(text: string, path: string, ctx: CatalogContext): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    warnFile(ctx, path, `invalid JSON: ${oneLine(e)}`);
    return undefined;
  }
}

// Lockfiles never use YAML aliases; a small budget defeats alias bombs ("billion laughs").
const YAML_MAX_ALIAS_COUNT = 100;

/**
 * Every document of a YAML stream as plain JS, warning on syntax errors but keeping what
 * could be read. The failsafe schema keeps every scalar a string, so `version: 1.10` stays
 * "1.10" instead of becoming the number 1.1.
 */
export function parseYaml(text: string, path: string, ctx: CatalogContext): unknown[] {
  const out: unknown[] = [];
  try {
    for (const doc of parseAllDocuments(text, { schema: 'failsafe', uniqueKeys: false })) {
      if (doc.errors.length) warnFile(ctx, path, `invalid YAML: ${oneLine(doc.errors[0])}`);
      try {
        out.push(doc.toJS({ maxAliasCount: YAML_MAX_ALIAS_COUNT }));
      } catch (e) {
        warnFile(ctx, path, `unreadable YAML: ${oneLine(e)}`);
      }
    }
  } catch (e) {
    // Stack exhaustion on absurd nesting lands here too (RangeError is catchable).
    warnFile(ctx, path, `unreadable YAML: ${oneLine(e)}`);
  }
  return out;
}

/** `pkg:npm/%40scope/name@version` from an npm package name (scoped or not). */
export function npmPurl(name: string, version: string): string {
  const i = name.startsWith('@') ? name.indexOf('/') : -1;
  return i > 0
    ? toPurl({ type: 'npm', namespace: name.slice(0, i), name: name.slice(i + 1), version })
    : toPurl({ type: 'npm', name, version });
}

export interface PackageInput {
  name: string;
  version: string;
  type: PackageType;
  purl: string;
  licenses?: string[];
  /** true: the lockfile marks this occurrence development-only. */
  dev?: boolean;
  metadata?: Record<string, string>;
}

interface Collected {
  input: PackageInput;
  id: string;
  /** Every occurrence was development-only (a package needed at run time once is not dev). */
  dev: boolean;
  licenses: Set<string>;
  deps: Set<string>;
}

/**
 * Packages of one lockfile. The same purl seen twice (npm v1 nests identical copies,
 * pnpm has peer variants) is one package: its edges are merged and it is dev only if
 * every occurrence is.
 */
export class LockPackages {
  private readonly byId = new Map<string, Collected>();

  constructor(
    readonly path: string,
    private readonly foundBy: string,
    /** The format records a dependency graph: emit `dependsOn` (possibly empty). */
    private readonly graph: boolean,
  ) {}

  /** Adds or merges a package and returns its id. */
  add(p: PackageInput): string {
    const id = packageId(p.purl, this.path);
    const seen = this.byId.get(id);
    if (seen) {
      seen.dev = seen.dev && p.dev === true;
      for (const l of p.licenses ?? []) seen.licenses.add(l);
      return id;
    }
    this.byId.set(id, { input: p, id, dev: p.dev === true, licenses: new Set(p.licenses ?? []), deps: new Set() });
    return id;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  depend(from: string, to: string): void {
    if (from !== to) this.byId.get(from)?.deps.add(to);
  }

  toPackages(): Package[] {
    const out: Package[] = [];
    for (const c of this.byId.values()) {
      const metadata: Record<string, string> = { ...(c.input.metadata ?? {}) };
      if (c.dev) metadata.dev = 'true';
      const pkg: Package = {
        id: c.id,
        name: c.input.name,
        version: c.input.version,
        type: c.input.type,
        purl: c.input.purl,
        licenses: normalizeLicenses(c.licenses),
        locations: [{ path: this.path }],
        foundBy: this.foundBy,
      };
      if (this.graph) pkg.dependsOn = [...c.deps].filter((d) => this.byId.has(d)).sort(compareStrings);
      if (Object.keys(metadata).length) pkg.metadata = metadata;
      out.push(pkg);
    }
    return sortPackages(out);
  }
}

/** Deterministic order: purl, then location, then id. */
export function sortPackages(pkgs: Package[]): Package[] {
  return pkgs.sort(
    (a, b) =>
      compareStrings(a.purl, b.purl) ||
      compareStrings(a.locations[0]?.path ?? '', b.locations[0]?.path ?? '') ||
      compareStrings(a.id, b.id),
  );
}

/** Runs a per-file parser over every wanted file; one bad file never stops the others. */
export function catalogEach(ctx: CatalogContext, parse: (file: CollectedFile) => Package[]): Package[] {
  const out: Package[] = [];
  for (const f of ctx.files) {
    try {
      out.push(...parse(f));
    } catch (e) {
      // Parsers are written not to throw; this is the last guard (e.g. stack exhaustion).
      warnFile(ctx, f.path, `unreadable: ${oneLine(e)}`);
    }
  }
  return sortPackages(out);
}
