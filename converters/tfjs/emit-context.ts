/**
 * What a tfjs emitter is given and what it is: the contract both emitter tables
 * (emitters.ts, emitters-image.ts) are written against, kept apart from them so
 * the tables import it one way instead of importing each other.
 */
import type { IrNode } from '../../src/ir/graph.js';
import type { OpName } from '../../src/ir/ops.js';
import type { NodeContext } from '../kit/emitter.js';
import type { AttrValueJson } from './format.js';

/** What an emitter for op O is given (`name` and `attrs` typed by O, from NodeContext). */
export interface EmitContext<O extends OpName = OpName> extends NodeContext<O> {
  /** Number of IR inputs present (optional trailing inputs, such as a bias, may be absent). */
  readonly inputCount: number;
  /** TF tensor name of IR input i. */
  input(i: number): string;
  /** Static shape of IR input i. */
  shape(i: number): number[];
  /** Static shape of the node's output. */
  readonly outShape: number[];
  /** The graph's dim 0 is a free batch (IrGraph.dynamicBatch): shapes hold batch 1, so a shape an emitter writes leads with -1. */
  readonly dynamicBatch: boolean;
  /** IR input i with the given shape: a Const when the input is an IR constant, else a Reshape. */
  inputAs(i: number, shape: number[]): string;
  /** Adds a TF node; without `suffix` it is the node that produces the IR output (and gets the IR name). */
  op(op: string, inputs: string[], attrs?: Record<string, AttrValueJson>, suffix?: string): string;
  /** An int32 Const (shape [n] by default; `[]` for a scalar). */
  ints(suffix: string, values: number[], shape?: number[]): string;
  scalar(v: number): string;
}

export interface Emitter<O extends OpName> {
  /** Why this node cannot be written (null when it can). */
  check?(node: IrNode<O>, inputShapes: number[][]): string | null;
  /** The kit's EmitFn shape: one context in (see converters/kit/emitter.ts). */
  emit(c: EmitContext<O>): void;
}
