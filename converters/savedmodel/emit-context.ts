/**
 * What a SavedModel emitter is given and what it is: the contract both emitter
 * tables (emitters.ts, emitters-image.ts) are written against, kept apart from
 * them so the tables import it one way instead of importing each other.
 */
import type { IrNode } from '../../src/ir/graph.js';
import type { OpName } from '../../src/ir/ops.js';
import type { TfGraph } from './graph-builder.js';

export interface EmitContext {
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

export type Emitter<O extends OpName> = (c: EmitContext, node: IrNode<O>) => string;
