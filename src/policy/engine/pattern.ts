/**
 * validate.pattern matching (Kyverno pkg/engine/validate + anchor handlers), compiled once per
 * policy. A pattern becomes a tree of map/array/scalar nodes; subtrees holding `{{ }}` are kept
 * raw as "dynamic" nodes, substituted per evaluation and compiled through a small cache.
 */
import { anchorString, isOrderingAnchor, isPhaseOneAnchor, isTrackedAnchor, parseAnchor } from './anchor.js';
import type { Anchor } from './anchor.js';
import { compileValuePattern, goValue } from './pattern-value.js';
import type { ValueMatcher, ValueOptions } from './pattern-value.js';
import { containsWildcard, wildcardMatch } from './wildcard.js';

interface ScalarNode {
  readonly t: 's';
  readonly raw: unknown;
  readonly m: ValueMatcher;
}
interface ArrayNode {
  readonly t: 'a';
  readonly raw: unknown[];
  readonly items: PNode[];
}
export interface Entry {
  readonly rawKey: string;
  readonly anchor: Anchor | undefined;
  readonly node: PNode;
  /** Global anchor or nested anchors: evaluated before the other plain keys. */
  readonly front: boolean;
}
interface MapNode {
  readonly t: 'm';
  readonly raw: Record<string, unknown>;
  readonly phaseOne: Entry[];
  readonly plain: Entry[];
  readonly tracked: string[];
  /** labels/annotations under metadata: wildcard keys expand against the resource's keys. */
  readonly expandKeys: boolean;
}
interface DynNode {
  readonly t: 'd';
  readonly idx: number;
  readonly raw: unknown;
}
export type PNode = ScalarNode | ArrayNode | MapNode | DynNode;

export interface CompiledPattern {
  readonly root: PNode;
  /** Raw subtrees holding variables, in the order their nodes were numbered. */
  readonly dynamic: unknown[];
  /** Parent-key context of each dynamic subtree, to compile its substitution the same way. */
  readonly dynamicContext: Array<{ expandKeys: boolean }>;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function hasVariables(v: unknown): boolean {
  if (typeof v === 'string') return v.includes('{{');
  if (Array.isArray(v)) return v.some(hasVariables);
  if (isMap(v)) return Object.entries(v).some(([k, x]) => k.includes('{{') || hasVariables(x));
  return false;
}

/** validate/utils.go hasNestedAnchors. */
function hasNestedAnchors(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasNestedAnchors);
  if (isMap(v)) return Object.entries(v).some(([k, x]) => isOrderingAnchor(parseAnchor(k)) || hasNestedAnchors(x));
  return false;
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders plain keys as getSortedNestedAnchorResource does (PushFront reverses the front group). */
function orderPlain(entries: Entry[]): Entry[] {
  const sorted = [...entries].sort((a, b) => compareStrings(a.rawKey, b.rawKey));
  const front = sorted.filter((e) => e.front).reverse();
  return [...front, ...sorted.filter((e) => !e.front)];
}

function splitEntries(entries: Entry[]): { phaseOne: Entry[]; plain: Entry[]; tracked: string[] } {
  const phaseOne = entries.filter((e) => isPhaseOneAnchor(e.anchor)).sort((a, b) => compareStrings(a.rawKey, b.rawKey));
  const plain = orderPlain(entries.filter((e) => !isPhaseOneAnchor(e.anchor)));
  const tracked = entries.filter((e) => isTrackedAnchor(e.anchor)).map((e) => e.rawKey);
  return { phaseOne, plain, tracked };
}

interface CompileState {
  dynamic: unknown[];
  dynamicContext: Array<{ expandKeys: boolean }>;
}

/**
 * `inMetadata`: the map is the value of a `metadata` key, whose `labels`/`annotations` maps may
 * use wildcard keys (wildcards.ExpandInMetadata).
 */
function compileNode(raw: unknown, st: CompileState | undefined, expandKeys = false, inMetadata = false): PNode {
  const dynamic =
    st !== undefined &&
    ((typeof raw === 'string' && raw.includes('{{')) || (isMap(raw) && Object.keys(raw).some((k) => k.includes('{{')) && hasVariables(raw)));
  if (dynamic) {
    st.dynamic.push(raw);
    st.dynamicContext.push({ expandKeys });
    return { t: 'd', idx: st.dynamic.length - 1, raw };
  }
  if (Array.isArray(raw)) return { t: 'a', raw, items: raw.map((x) => compileNode(x, st)) };
  if (isMap(raw)) {
    const entries: Entry[] = Object.entries(raw).map(([rawKey, v]) => {
      const anchor = parseAnchor(rawKey);
      const key = anchor?.key ?? rawKey;
      const childExpand = inMetadata && isMap(v) && (key === 'labels' || key === 'annotations') && Object.keys(v).some(containsWildcard);
      return {
        rawKey,
        anchor,
        node: compileNode(v, st, childExpand, key === 'metadata'),
        front: anchor?.kind === 'global' || hasNestedAnchors(v),
      };
    });
    return { t: 'm', raw, ...splitEntries(entries), expandKeys };
  }
  return { t: 's', raw, m: compileValuePattern(raw) };
}

/** Compiles a (reference-resolved) pattern; `{{ }}` subtrees become dynamic nodes. */
export function compilePattern(raw: unknown): CompiledPattern {
  const st: CompileState = { dynamic: [], dynamicContext: [] };
  const root = compileNode(raw, st);
  return { root, dynamic: st.dynamic, dynamicContext: st.dynamicContext };
}

/** Compiles a substituted dynamic subtree (no variables left to find). */
export function compileResolved(raw: unknown, expandKeys: boolean): PNode {
  return compileNode(raw, undefined, expandKeys && isMap(raw) && Object.keys(raw).some(containsWildcard));
}

// ---------------------------------------------------------------------------------------
// Matching

type ErrKind = 'cond' | 'global' | 'neg' | 'plain' | 'skip';
interface PErr {
  readonly kind: ErrKind;
  readonly msg: string;
  readonly path: string;
}

function isSkip(e: PErr): boolean {
  return e.kind === 'cond' || e.kind === 'global' || e.kind === 'skip';
}

/** Go's `%T` for the structure-mismatch message. */
function goType(v: unknown, o: ValueOptions): string {
  if (v === null || v === undefined) return '<nil>';
  if (Array.isArray(v)) return '[]interface {}';
  if (typeof v === 'object') return 'map[string]interface {}';
  if (typeof v === 'number') return o.floats || !Number.isInteger(v) ? 'float64' : 'int64';
  return typeof v === 'boolean' ? 'bool' : 'string';
}

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

class Matcher {
  readonly anchorMap = new Map<string, boolean>();
  constructor(
    readonly dyn: PNode[],
    readonly o: ValueOptions,
  ) {}

  resolve(node: PNode): PNode {
    return node.t === 'd' ? this.dyn[node.idx]! : node;
  }

  element(resource: unknown, node0: PNode, path: string): PErr | undefined {
    const node = this.resolve(node0);
    switch (node.t) {
      case 'm': {
        if (!isMap(resource)) {
          return {
            kind: 'plain',
            msg: `pattern and resource have different structures. Path: ${path}. Expected map[string]interface {}, found ${goType(resource, this.o)}`,
            path,
          };
        }
        return this.map(resource, node, path);
      }
      case 'a': {
        if (!Array.isArray(resource)) {
          return { kind: 'plain', msg: `validation rule failed at path ${path}, resource does not satisfy the expected overlay pattern`, path };
        }
        return this.array(resource, node, path);
      }
      case 's': {
        if (Array.isArray(resource)) {
          for (const r of resource) if (!node.m(r, this.o)) return this.mismatch(resource, node.raw, path);
          return undefined;
        }
        return node.m(resource, this.o) ? undefined : this.mismatch(resource, node.raw, path);
      }
      case 'd':
        throw new Error('unresolved dynamic pattern node');
    }
  }

  mismatch(resource: unknown, pattern: unknown, path: string): PErr {
    return {
      kind: 'plain',
      msg: `resource value '${goValue(resource, this.o)}' does not match '${goValue(pattern, { floats: true })}' at path ${path}`,
      path,
    };
  }

  track(keys: string[], resource: Record<string, unknown>): void {
    for (const raw of keys) {
      if (this.anchorMap.get(raw) === true) continue;
      const a = parseAnchor(raw)!;
      this.anchorMap.set(raw, hasOwn(resource, a.key));
    }
  }

  /** wildcards.ExpandInMetadata, applied where the labels/annotations map is matched. */
  expand(node: MapNode, resource: Record<string, unknown>): { phaseOne: Entry[]; plain: Entry[]; tracked: string[] } {
    const resourceKeys = Object.keys(resource).sort(compareStrings);
    const byKey = new Map<string, Entry>();
    for (const e of [...node.phaseOne, ...node.plain]) {
      let rawKey = e.rawKey;
      if (containsWildcard(rawKey)) {
        const target = e.anchor?.key ?? rawKey;
        const hit = resourceKeys.find((k) => wildcardMatch(target, k));
        if (hit !== undefined) rawKey = e.anchor ? anchorString(e.anchor.modifier, hit) : hit;
      }
      byKey.set(rawKey, { ...e, rawKey, anchor: parseAnchor(rawKey) });
    }
    return splitEntries([...byKey.values()]);
  }

  map(resource: Record<string, unknown>, node: MapNode, path: string): PErr | undefined {
    const { phaseOne, plain, tracked } = node.expandKeys ? this.expand(node, resource) : node;
    this.track(tracked, resource);
    // An equality/existence anchor whose nested elements were all skipped is set aside while
    // another anchor of the map applies (validate_test.go test-43 vs test-46: a skipped
    // `=(initContainers)` next to a passing `=(containers)` passes; alone it skips the rule).
    // A failing conditional anchor itself still skips the map at once.
    let applied = 0;
    const skips: PErr[] = [];
    for (const e of phaseOne) {
      const err = this.anchor(e, resource, path);
      if (!err) {
        applied++;
        continue;
      }
      if (e.anchor!.kind !== 'condition' && isSkip(err)) {
        skips.push(err);
        continue;
      }
      return err;
    }
    if (applied === 0 && skips.length > 0) return { kind: 'skip', msg: skips.map((s) => s.msg).join('; '), path };
    for (const e of plain) {
      const err = e.anchor?.kind === 'global' ? this.anchor(e, resource, path) : this.plainKey(e, resource, path);
      if (err) return err;
    }
    return undefined;
  }

  plainKey(e: Entry, resource: Record<string, unknown>, path: string): PErr | undefined {
    const node = this.resolve(e.node);
    const value = resource[e.rawKey];
    if (node.t === 's' && node.raw === '*') {
      if (value !== null && value !== undefined) return undefined;
      return { kind: 'plain', msg: `${path}/${e.rawKey} not found`, path };
    }
    return this.element(value, node, `${path}${e.rawKey}/`);
  }

  anchor(e: Entry, resource: Record<string, unknown>, path: string): PErr | undefined {
    const a = e.anchor!;
    const cur = `${path}${a.key}/`;
    const present = hasOwn(resource, a.key);
    const value = resource[a.key];
    switch (a.kind) {
      case 'condition': {
        if (!present) return { kind: 'cond', msg: "conditional anchor mismatch: conditional anchor key doesn't exist in the resource", path: cur };
        const err = this.element(value, e.node, cur);
        return err ? { kind: 'cond', msg: `conditional anchor mismatch: ${err.msg}`, path: err.path } : undefined;
      }
      case 'global': {
        if (!present) return undefined;
        const err = this.element(value, e.node, cur);
        return err ? { kind: 'global', msg: `global anchor mismatch: ${err.msg}`, path: err.path } : undefined;
      }
      case 'negation':
        return present ? { kind: 'neg', msg: `negation anchor matched in resource: ${cur} is not allowed`, path: cur } : undefined;
      case 'equality':
        return present ? this.element(value, e.node, cur) : undefined;
      case 'existence':
        return present ? this.existence(value, this.resolve(e.node), cur) : undefined;
      default:
        return this.plainKey(e, resource, path);
    }
  }

  existence(value: unknown, node: PNode, cur: string): PErr | undefined {
    if (!Array.isArray(value)) {
      return {
        kind: 'plain',
        msg: `invalid resource type ${goType(value, this.o)}: Existence ^ () anchor can be used only on list/array type resource`,
        path: cur,
      };
    }
    if (node.t !== 'a') {
      return { kind: 'plain', msg: `invalid pattern type ${goType(node.raw, this.o)}: Pattern has to be of list to compare against resource`, path: cur };
    }
    for (const item0 of node.items) {
      const item = this.resolve(item0);
      if (item.t !== 'm') {
        return { kind: 'plain', msg: 'invalid pattern type []interface {}: Pattern has to be of type map to compare against items in resource', path: cur };
      }
      const found = value.some((r, i) => this.element(r, item, `${cur}${i}/`) === undefined);
      if (!found) return { kind: 'plain', msg: `existence anchor validation failed at path ${cur}`, path: cur };
    }
    return undefined;
  }

  array(resource: unknown[], node: ArrayNode, path: string): PErr | undefined {
    if (node.items.length === 0) return { kind: 'plain', msg: 'pattern Array empty', path };
    const first = this.resolve(node.items[0]!);
    if (first.t === 'm') return this.collect(resource.map((r, i) => () => this.element(r, first, `${path}${i}/`)), path);
    if (first.t === 's') return this.element(resource, first, path);
    if (resource.length < node.items.length) {
      return {
        kind: 'plain',
        msg: `validate Array failed, array length mismatch, resource Array len is ${resource.length} and pattern Array len is ${node.items.length}`,
        path: '',
      };
    }
    return this.collect(
      node.items.map((p, i) => () => this.element(resource[i], p, `${path}${i}/`)),
      path,
    );
  }

  /** Elements where a conditional/global anchor fails are skipped; all skipped → the skip propagates. */
  collect(checks: Array<() => PErr | undefined>, path: string): PErr | undefined {
    let applied = 0;
    const skips: PErr[] = [];
    for (const check of checks) {
      const err = check();
      if (err) {
        if (isSkip(err)) {
          skips.push(err);
          continue;
        }
        return err;
      }
      applied++;
    }
    if (applied === 0 && skips.length > 0) return { kind: 'skip', msg: skips.map((s) => s.msg).join('; '), path };
    return undefined;
  }
}

/** The outcome of validate.MatchPattern. */
export type PatternOutcome =
  | { readonly status: 'pass' }
  | { readonly status: 'skip'; readonly message: string }
  | { readonly status: 'fail'; readonly message: string; readonly path: string }
  | { readonly status: 'error'; readonly message: string };

/**
 * Matches a resource against a compiled pattern whose dynamic nodes have been resolved
 * (`dyn[i]` for `pattern.dynamic[i]`). Never throws on a resource of another shape.
 */
export function matchCompiled(resource: unknown, pattern: CompiledPattern, dyn: PNode[], o: ValueOptions): PatternOutcome {
  const m = new Matcher(dyn, o);
  const err = m.element(resource, pattern.root, '/');
  if (!err) return { status: 'pass' };
  if (isSkip(err)) return { status: 'skip', message: err.msg };
  if (err.kind === 'neg') return { status: 'fail', message: err.msg, path: err.path };
  const keysMissing = [...m.anchorMap.values()].some((v) => !v);
  if (keysMissing || err.path === '') return { status: 'error', message: err.msg };
  return { status: 'fail', message: err.msg, path: err.path };
}

/** Convenience for tests and static patterns: compile and match a pattern without variables. */
export function matchPattern(resource: unknown, pattern: unknown, o: ValueOptions = { floats: false }): PatternOutcome {
  const c = compilePattern(pattern);
  const dyn = c.dynamic.map((raw, i) => compileResolved(raw, c.dynamicContext[i]!.expandKeys));
  return matchCompiled(resource, c, dyn, o);
}

/**
 * validate.validateResourceElement from the root: `{ path: '' }` when the resource matches,
 * otherwise the path Kyverno reports and its error (the unit the Go tests assert on).
 */
export function validateElement(resource: unknown, pattern: unknown, o: ValueOptions = { floats: false }): { path: string; error?: string } {
  const c = compilePattern(pattern);
  const dyn = c.dynamic.map((raw, i) => compileResolved(raw, c.dynamicContext[i]!.expandKeys));
  const err = new Matcher(dyn, o).element(resource, c.root, '/');
  return err ? { path: err.path, error: err.msg } : { path: '' };
}
