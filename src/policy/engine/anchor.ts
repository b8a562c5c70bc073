/**
 * Pattern anchors (Kyverno pkg/engine/anchor): `(key)` conditional, `<(key)` global,
 * `X(key)` negation, `=(key)` equality, `^(key)` existence, `+(key)` add-if-not-present.
 */

export type AnchorKind = 'condition' | 'global' | 'negation' | 'equality' | 'existence' | 'add';

export interface Anchor {
  readonly kind: AnchorKind;
  /** The key without its anchor: `name` for `=(name)`. */
  readonly key: string;
  readonly modifier: '' | '<' | 'X' | '=' | '^' | '+';
}

const ANCHOR = /^([+<=X^])?\((.+)\)$/;
const KINDS: Record<string, AnchorKind> = { '': 'condition', '<': 'global', X: 'negation', '=': 'equality', '^': 'existence', '+': 'add' };

/** anchor.Parse: the key trimmed, then `^([+<=X^])?\((.+)\)$`; undefined when not an anchor. */
export function parseAnchor(raw: string): Anchor | undefined {
  const m = ANCHOR.exec(raw.trim());
  if (!m) return undefined;
  const modifier = (m[1] ?? '') as Anchor['modifier'];
  return { kind: KINDS[modifier]!, key: m[2]!, modifier };
}

export function anchorString(modifier: Anchor['modifier'], key: string): string {
  return `${modifier}(${key})`;
}

/** Anchors evaluated in a map's first phase (anchor.GetAnchorsResourcesFromMap). */
export function isPhaseOneAnchor(a: Anchor | undefined): boolean {
  return a !== undefined && (a.kind === 'condition' || a.kind === 'existence' || a.kind === 'equality' || a.kind === 'negation');
}

/** Anchors that count for ordering (validate/utils.go getAnchorsFromMap). */
export function isOrderingAnchor(a: Anchor | undefined): boolean {
  return isPhaseOneAnchor(a) || a?.kind === 'global';
}

/** Anchors whose presence in some resource map the AnchorMap records (CheckAnchorInResource). */
export function isTrackedAnchor(a: Anchor | undefined): boolean {
  return a !== undefined && (a.kind === 'condition' || a.kind === 'existence' || a.kind === 'negation');
}

/** Strips anchors from every segment of a `/`-separated path. */
export function removeAnchorsFromPath(p: string): string {
  const abs = p.startsWith('/');
  const parts = p.split('/').filter((x, i) => !(i === 0 && x === ''));
  const out = parts.map((s) => parseAnchor(s)?.key ?? s);
  return (abs ? '/' : '') + out.join('/');
}
