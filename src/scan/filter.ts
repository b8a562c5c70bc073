// The scan gate's filters, in Trivy's order (pkg/result/filter.go): severity and status drop
// findings outright, unimportant ones go unless --all, then ignore rules and VEX move what is
// left to `suppressed`, each with the reason, so the report can say what was waived and why.
import type { Inventory } from '../inventory/types.js';
import { dropByOptions } from './filter-basic.js';
import { compileIgnoreRules, type CompiledIgnoreRule, type IgnoreRules } from './ignore.js';
import { compareFindings } from './match.js';
import { purlMatches } from './purl-match.js';
import type { Finding, ScanOptions, Suppression } from './types.js';
import { buildVexGraph, vexSuppression } from './vex-apply.js';
import type { VexStatements } from './vex.js';

export interface FilterOptions extends ScanOptions {
  /** `--ignore-unfixed`: drop every status except `fixed`. */
  ignoreUnfixed?: boolean;
  ignore?: IgnoreRules | readonly IgnoreRules[];
  vex?: readonly VexStatements[];
  /** When ignore rules expire (default: the current time). */
  now?: Date;
  /** The scanned inventory: VEX products may name the image or a package depending on the vulnerable one. */
  inventory?: Pick<Inventory, 'target' | 'packages'>;
}

function ignoreMatch(rule: CompiledIgnoreRule, f: Finding): boolean {
  if (rule.id !== f.id && !f.aliases.includes(rule.id)) return false;
  if (rule.pathRes && !f.pkg.locations.some((l) => rule.pathRes!.some((re) => re.test(l.path)))) return false;
  if (rule.purls?.length && !rule.purls.some((p) => purlMatches(p, f.pkg.purl))) return false;
  return true;
}

/**
 * Apply the options to findings: the ones that count, sorted, and the ones an ignore rule
 * or VEX statement waived, each carrying its `suppressed` reason.
 */
export function applyFilters(findings: readonly Finding[], opts: FilterOptions = {}): { findings: Finding[]; suppressed: Finding[] } {
  const kept = dropByOptions(findings, opts);
  const now = (opts.now ?? new Date()).getTime();
  const sets = opts.ignore === undefined ? [] : Array.isArray(opts.ignore) ? (opts.ignore as readonly IgnoreRules[]) : [opts.ignore as IgnoreRules];
  // Expired entries are dropped (Trivy prunes them when loading the file).
  const rules = compileIgnoreRules(sets).filter((r) => r.expiresAt === undefined || r.expiresAt >= now);
  const vex = opts.vex ?? [];
  const graph = vex.length ? buildVexGraph(opts.inventory) : undefined;
  const out: Finding[] = [];
  const suppressed: Finding[] = [];
  for (const f of kept) {
    let why: Suppression | undefined;
    const rule = rules.find((r) => ignoreMatch(r, f));
    if (rule) {
      why = { kind: 'ignore', source: rule.source };
      if (rule.statement) why.statement = rule.statement;
    } else if (graph) {
      why = vexSuppression(vex, f, graph);
    }
    if (why) suppressed.push({ ...f, suppressed: why });
    else out.push(f);
  }
  return { findings: out.sort(compareFindings), suppressed: suppressed.sort(compareFindings) };
}
