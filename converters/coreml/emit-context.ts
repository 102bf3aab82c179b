/**
 * What a Core ML emitter is given and what it is: the contract both emitter
 * tables (emitters.ts, emitters-image.ts) are written against, kept apart from
 * them so the tables import it one way instead of importing each other.
 */
import type { IrNode } from '../../src/ir/graph.js';
import type { OpName } from '../../src/ir/ops.js';
import type { HostTensor } from '../../src/ir/tensor.js';
import type { EmitFn as KitEmitFn, NodeContext } from '../kit/emitter.js';
import type { IosTarget } from './format.js';

/** What an emitter for op O may do (`attrs` typed by O, from NodeContext); all names are MIL value names. */
export interface EmitApi<O extends OpName = OpName> extends NodeContext<O> {
  node: IrNode<O>;
  /** The node's compute dtype (MIL_DTYPE.FLOAT32 or FLOAT16). */
  dtype: number;
  base: string;
  /** Shapes, -1 where a dim is the free batch of a dynamic-batch graph (src/ir/dynamic-batch.ts symbolicBatchShapes). */
  outShape: number[];
  inShape(i: number): number[];
  hasInput(i: number): boolean;
  /** IR input i as a MIL value in the node's dtype. */
  input(i: number): string;
  /** IR input i's constant data, or null when it is computed. */
  constant(i: number): HostTensor | null;
  /** A const made from constant input i by `make`, which fills `out` while weight.bin is written (cached by key). */
  derivedConst(i: number, key: string, shape: number[], make: (t: HostTensor, out: Float32Array) => void): string;
  ints(what: string, values: number[], scalar?: boolean): string;
  bools(what: string, values: boolean[], scalar?: boolean): string;
  string(what: string, s: string): string;
  /** A float scalar in the node's dtype. */
  scalar(what: string, v: number): string;
  /** An intermediate op in the node's dtype (or `dtype`, e.g. BOOL for a comparison). */
  temp(type: string, what: string, inputs: Record<string, string | string[]>, shape: number[], dtype?: number): string;
  /** The op that produces the node's output (IR shape, public name when it is a model output). */
  final(type: string, inputs: Record<string, string | string[]>): string;
}

/** Returns the MIL value that holds the node's output. */
export type EmitFn<O extends OpName = OpName> = KitEmitFn<EmitApi<O>, string>;
/** Variants keyed by the first iOS target they lower on (kit's Versioned, keys limited to real targets). */
export type Emitter<O extends OpName = OpName> = Partial<Record<IosTarget, EmitFn<O>>>;
