/**
 * What a SavedModel emitter is given and what it is: the contract both emitter
 * tables (emitters.ts, emitters-image.ts) are written against, kept apart from
 * them so the tables import it one way instead of importing each other.
 */
import type { OpName } from '../../src/ir/ops.js';
import type { EmitFn, NodeContext } from '../kit/emitter.js';
import type { TfGraph } from './graph-builder.js';

/** What an emitter for op O is given (`name` and `attrs` typed by O, from NodeContext). */
export interface EmitContext<O extends OpName = OpName> extends NodeContext<O> {
  g: TfGraph;
  /** TF tensor of input i (constants come back as float32 variable reads). */
  input(i: number): string;
  hasInput(i: number): boolean;
  inShape(i: number): number[];
  outShape: number[];
  /** The graph's dim 0 is a free batch (IrGraph.dynamicBatch): in/outShape hold batch 1, so a shape an emitter writes leads with -1. */
  dynamicBatch: boolean;
  /** Name of the IR node: the TF node producing its output is named after it, helpers below it. */
  base: string;
}

/** Returns the TF tensor that holds the node's output. */
export type Emitter<O extends OpName> = EmitFn<EmitContext<O>, string>;
