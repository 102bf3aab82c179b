/**
 * The emitter contract the format tables share (STYLE.md "A converter is a table", "Versions
 * are keys, not ifs"). An emitter for IR op O is its variants keyed by the first target version
 * each is valid in (ONNX opset, Core ML iOS target); a variant is a function of one context that
 * carries the node's attributes typed by O, so an emitter reads `c.attrs.stride` without a cast.
 * Each format's context adds its own way to make values (ONNX `emit`, MIL `final`); the shape
 * of the table and how a variant is picked are written here once.
 */
import { A2mError } from '../../src/errors.js';
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

/**
 * A table entry for an op the format cannot express, with the reason the error shows.
 *
 * This is a verdict on the op alone (and, through `Versioned`, the target version): converters
 * ask it in `validateAgainst(graph, target, (op) => reason)` from the op's name, before any node
 * is looked at. tfjs and TFLite keep a per-entry `check` beside `emit` instead, because what they
 * refuse depends on the node, not the op: its attributes (negative Conv1D padding), its input
 * shapes (TRANSPOSE above rank 6, Conv's groups against Cin) and whether an input is a constant
 * (a filter or a grouped bias). Folding those into `Unsupported` would mean either making it a
 * function of the node in all five tables (ONNX and Core ML have no node-level refusals to put
 * there) or losing the checks; tfjs's also runs over the whole graph before the writer that emit
 * contexts come from exists. So the tables share `emit`'s shape, and the two refusal kinds stay apart.
 */
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

/** A tuple of N items of type T (what `inputNames` returns, so destructuring gives plain names). */
type Repeat<T, N extends number, Acc extends T[] = []> = Acc['length'] extends N ? Acc : Repeat<T, N, [...Acc, T]>;

/**
 * The node's input names as a tuple: `required` names, then `optional` ones (undefined where
 * the node leaves them off, as a Conv's bias), after checking the count. Emitters destructure
 * inputs (`[x, w, bias] = ...`): an unchecked `as [string, string, ...]` would pass a missing
 * input on as undefined and fail later, far from the node; this names the node instead.
 */
export function inputNames<R extends 1 | 2 | 3 | 4, P extends 0 | 1 | 2 = 0>(
  node: { readonly name: string; readonly op: string; readonly inputs: readonly string[] },
  required: R,
  optional?: P,
): [...Repeat<string, R>, ...Repeat<string | undefined, P>] {
  const max = required + (optional ?? 0), have = node.inputs.length;
  if (have < required || have > max) {
    throw new A2mError(`node ${node.name} (${node.op}): ${have} inputs, expected ${required === max ? required : `${required} to ${max}`}`);
  }
  // The one cast, after the count check: TS cannot relate an array to a tuple built from R and P.
  return Array.from({ length: max }, (_, i) => node.inputs[i]) as unknown as [...Repeat<string, R>, ...Repeat<string | undefined, P>];
}
