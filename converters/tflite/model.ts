/**
 * A TFLite model in memory, one subgraph, before serialization: what the
 * emitters build and `serializeModel` writes. Operator codes, op versions and
 * `min_runtime_version` are derived at serialization, not kept by hand.
 */
import type { EmittedOp, OptionValues, TensorTypeName } from './format.js';

export interface TflQuantization {
  scale: number[];
  zeroPoint: number[];
  /** Axis the per-channel scales run along (0 for one scale). */
  quantizedDimension: number;
}

export interface TflTensor {
  name: string;
  shape: number[];
  type: TensorTypeName;
  /** Index into TflModel.buffers; 0 (the empty sentinel) for every non-constant tensor. */
  buffer: number;
  quantization?: TflQuantization;
  /** shape_signature: `shape` with -1 where the dim is free at run time (a dynamic batch); absent when static. */
  shapeSignature?: number[];
}

export interface TflOperator {
  op: EmittedOp;
  /** Tensor indices; -1 marks an absent optional input. */
  inputs: number[];
  outputs: number[];
  options?: OptionValues;
}

export interface TensorMapEntry { name: string; tensor: number }

export interface TflModel {
  description: string;
  subgraphName: string;
  tensors: TflTensor[];
  operators: TflOperator[];
  inputs: number[];
  outputs: number[];
  /** buffers[0] must be empty. */
  buffers: Uint8Array[];
  signature: { key: string; inputs: TensorMapEntry[]; outputs: TensorMapEntry[] };
  /** Extra metadata entries (min_runtime_version is added by the serializer). */
  metadata: { name: string; data: Uint8Array }[];
}
