/**
 * The emitter contract the format tables share (STYLE.md "A converter is a table", "Versions
 * are keys, not ifs"). An emitter for IR op O is its variants keyed by the first target version
 * each is valid in (ONNX opset, Core ML iOS target); a variant is a function of one context that
 * carries the node's attributes typed by O, so an emitter reads `c.attrs.stride` without a cast.
 * Each format's context adds its own way to make values (ONNX `emit`, MIL `final`); the shape
 * of the table and how a variant is picked are written here once.
 */
import type { AttrsOf, OpName } from '../../src/ir/ops.js';

/** What every format's emit context says about the IR node being written. */
export interface NodeContext<O extends OpName> {
  /** The IR node's name (formats derive their node names from it). */
  readonly name: string;
  readonly attrs: AttrsOf<O>;
}

/** One emission function: the context in, whatever the format makes of the node out. */
export type EmitFn<C, R> = (ctx: C) => R;

/** Emission variants keyed by the first target version they are valid in (a format may narrow the keys to its targets, leaving the others absent). */
export type Versioned<F> = { readonly [since: number]: F | undefined };

/** A table entry for an op the format cannot express, with the reason the error shows. */
export interface Unsupported { readonly unsupported: string }

/** The versions an entry has, ascending. */
export function versionsOf(entry: Versioned<unknown>): number[] {
  return Object.keys(entry).map(Number).sort((a, b) => a - b);
}

/** The variant for `target`: the one with the highest key <= target, or null when all start later. */
export function pickVersion<F>(entry: Versioned<F>, target: number): F | null {
  const since = versionsOf(entry).filter((v) => v <= target).pop();
  return since === undefined ? null : (entry[since] ?? null);
}
