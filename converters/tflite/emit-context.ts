/**
 * What a TFLite emitter is: the contract both emitter tables (emitters.ts,
 * emitters-image.ts) are written against, kept apart from them so the tables
 * import it one way instead of importing each other.
 */
import type { IrNode } from '../../src/ir/graph.js';
import type { OpName } from '../../src/ir/ops.js';
import type { NodeContext } from '../kit/emitter.js';
import type { TflBuilder } from './builder.js';

/**
 * What an emitter for op O is given: the node (`name`, `attrs` typed by O, from the kit's
 * NodeContext) and the model builder, whose tensors outlive the node. Emitters destructure it,
 * `emit({ node: n, b })`, so their bodies read as they did.
 */
export interface EmitContext<O extends OpName = OpName> extends NodeContext<O> {
  readonly node: IrNode<O>;
  readonly b: TflBuilder;
}

export interface Emitter<O extends OpName = OpName> {
  /** Why this node cannot be expressed in TFLite, or null. Run for every node before anything is written. */
  check?(c: EmitContext<O>): string | null;
  /** The kit's EmitFn shape: one context in (see converters/kit/emitter.ts). */
  emit(c: EmitContext<O>): void;
}
