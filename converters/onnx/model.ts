/**
 * The ONNX graph under construction: what the emitters produce, what the passes rewrite and
 * what serialize.ts turns into a ModelProto. Plain data, no protobuf types.
 */
import { A2mError } from '../../src/errors.js';

export type TensorType = 'float32' | 'float16' | 'int8' | 'int64';
export type FloatType = 'float32' | 'float16';

export interface OnnxInitializer {
  name: string;
  type: TensorType;
  dims: number[];
  /** float16 as raw bits (Uint16Array); int64 as BigInt64Array. */
  data: Float32Array | Uint16Array | Int8Array | BigInt64Array;
}

export type OnnxAttr =
  | { type: 'INT'; i: number }
  | { type: 'FLOAT'; f: number }
  | { type: 'INTS'; ints: number[] }
  | { type: 'STRING'; s: string };

export const attr = {
  int: (i: number): OnnxAttr => ({ type: 'INT', i }),
  float: (f: number): OnnxAttr => ({ type: 'FLOAT', f }),
  ints: (ints: number[]): OnnxAttr => ({ type: 'INTS', ints: [...ints] }),
  string: (s: string): OnnxAttr => ({ type: 'STRING', s }),
};

export interface OnnxNode {
  name: string;
  opType: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, OnnxAttr>;
}

/** A graph input/output; a string dim is symbolic (dim_param), e.g. a free batch. */
export interface OnnxValueInfo { name: string; type: FloatType; shape: (number | string)[] }

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: Map<string, OnnxInitializer>;
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

/**
 * Structural check run after lowering and after every pass: nodes in topological order,
 * every input defined before use, each value produced once, every graph output produced.
 */
export function checkOnnxGraph(g: OnnxGraph, after: string): void {
  const defined = new Set<string>([...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  for (const n of g.nodes) {
    for (const i of n.inputs) {
      if (i !== '' && !defined.has(i)) throw new A2mError(`ONNX graph after ${after}: node ${n.name} (${n.opType}) uses ${i} before it is defined`);
    }
    for (const o of n.outputs) {
      if (defined.has(o)) throw new A2mError(`ONNX graph after ${after}: value ${o} is produced twice (node ${n.name})`);
      defined.add(o);
    }
  }
  for (const o of g.outputs) if (!defined.has(o.name)) throw new A2mError(`ONNX graph after ${after}: output ${o.name} is never produced`);
}
