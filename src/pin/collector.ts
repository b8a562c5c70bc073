// Gathers the references of one file with their positions, and the ones that must be
// skipped with a reason. Shared by the YAML/JSON locators and the Dockerfile locator.
import { splitWritten } from './imageref.js';
import type { LineIndex, TNode } from './tree.js';
import type { ImageReference, PinTarget, ReferenceKind, ScalarSlot, SkippedReference, SourcePosition } from './types.js';

export class Collector {
  readonly references: ImageReference[] = [];
  readonly skipped: SkippedReference[] = [];

  constructor(
    readonly file: string,
    readonly lines: LineIndex,
  ) {}

  position(start: number, end: number): SourcePosition {
    const { line, column } = this.lines.position(start);
    return { file: this.file, line, column, byteStart: this.lines.byteOffset(start), byteEnd: this.lines.byteOffset(end) };
  }

  skip(kind: ReferenceKind, where: string, image: string, start: number, end: number, reason: string): void {
    this.skipped.push({ ...this.position(start, end), kind, where, image, reason });
  }

  /** A whole reference in one scalar (container image, compose image, FROM word). */
  addImage(kind: ReferenceKind, where: string, node: TNode | null, raw?: ScalarSlot): void {
    if (!node && !raw) return;
    const slot = raw ?? toSlot(node as TNode);
    if (!slot) {
      const n = node as TNode;
      if (n.type === 'scalar' && n.isNull) return;
      this.skip(kind, where, '', n.start, n.end, n.type === 'scalar' ? 'written as a block scalar: edit it by hand' : 'not a string (an alias or a collection)');
      return;
    }
    if (slot.value === '') return;
    const w = splitWritten(slot.value);
    if ('problem' in w) {
      this.skip(kind, where, slot.value, slot.start, slot.end, w.problem);
      return;
    }
    this.add(kind, where, slot.value, w, { kind: 'image', slot }, slot.start, slot.end);
  }

  add(kind: ReferenceKind, where: string, image: string, w: { name: string; tag?: string; digest?: string }, target: PinTarget, start: number, end: number): void {
    const ref: ImageReference = { ...this.position(start, end), kind, where, image, name: w.name, target };
    if (w.tag !== undefined) ref.tag = w.tag;
    if (w.digest !== undefined) ref.digest = w.digest;
    this.references.push(ref);
  }
}

/** A rewritable slot for a scalar node, or undefined (block scalars, collections, aliases). */
export function toSlot(node: TNode | null | undefined): ScalarSlot | undefined {
  if (!node || node.type !== 'scalar' || node.style === 'block') return undefined;
  return { start: node.start, end: node.end, style: node.style, value: node.isNull ? '' : node.value };
}
