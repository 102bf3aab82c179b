/**
 * What a TFLite emitter is: the contract both emitter tables (emitters.ts,
 * emitters-image.ts) are written against, kept apart from them so the tables
 * import it one way instead of importing each other.
 */
import type { IrNode } from '../../src/ir/graph.js';
import type { OpName } from '../../src/ir/ops.js';
import type { TflBuilder } from './builder.js';

export interface Emitter<O extends OpName = OpName> {
  /** Why this node cannot be expressed in TFLite, or null. Run for every node before anything is written. */
  check?(node: IrNode<O>, b: TflBuilder): string | null;
  emit(node: IrNode<O>, b: TflBuilder): void;
}
