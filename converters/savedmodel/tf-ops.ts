/**
 * The TF ops this converter emits, with their attrs as TF's op registry
 * defines them (name, kind, default). NodeDefs are written with
 * MetaInfoDef.stripped_default_attrs = true, as TF 2 itself saves: attrs that
 * equal their default are left out, so older TF builds that predate an attr
 * (e.g. VarHandleOp.debug_name, MatMul.grad_a) still load the graph.
 * test/converters/savedmodel/schema.test.ts checks this table against the
 * installed TensorFlow's op registry.
 */
import type { AttrValue, NodeDef, TensorProto } from './proto.js';
import { shapeProto } from './proto.js';
import { utf8 } from './bytes.js';
import { DT } from './facts.js';

export type AttrKind = 'type' | 'shape' | 'int' | 'bool' | 'string' | 'tensor' | 'list(int)' | 'list(type)' | 'list(string)';
/** JS value of an attr: type/int -> number, shape -> dims (null: unknown rank), lists -> arrays. */
export type AttrJs = number | boolean | string | number[] | string[] | null | TensorProto;
export interface AttrSpec { kind: AttrKind; default?: AttrJs }

const type = (d?: number): AttrSpec => (d === undefined ? { kind: 'type' } : { kind: 'type', default: d });
const bool = (d: boolean): AttrSpec => ({ kind: 'bool', default: d });
const str = (d?: string): AttrSpec => (d === undefined ? { kind: 'string' } : { kind: 'string', default: d });
const ints = (d?: number[]): AttrSpec => (d === undefined ? { kind: 'list(int)' } : { kind: 'list(int)', default: d });
const T = type();
const ONES4 = [1, 1, 1, 1];

/** TF op -> attrs (registry order). Inputs are positional; `inputs` documents them. */
export const TF_OPS = {
  Placeholder: { inputs: [], attrs: { dtype: T, shape: { kind: 'shape', default: null } } },
  Const: { inputs: [], attrs: { value: { kind: 'tensor' }, dtype: T } },
  Identity: { inputs: ['input'], attrs: { T } },
  NoOp: { inputs: [], attrs: {} },
  VarHandleOp: {
    inputs: [],
    attrs: { container: str(''), shared_name: str(''), debug_name: str(''), dtype: T, shape: { kind: 'shape' }, allowed_devices: { kind: 'list(string)', default: [] } },
  },
  ReadVariableOp: { inputs: ['resource'], attrs: { dtype: T } },
  AssignVariableOp: { inputs: ['resource', 'value'], attrs: { dtype: T, validate_shape: bool(false) } },
  RestoreV2: { inputs: ['prefix', 'tensor_names', 'shape_and_slices'], attrs: { dtypes: { kind: 'list(type)' } } },
  SaveV2: { inputs: ['prefix', 'tensor_names', 'shape_and_slices', 'tensors...'], attrs: { dtypes: { kind: 'list(type)' } } },
  Cast: { inputs: ['x'], attrs: { SrcT: T, DstT: T, Truncate: bool(false) } },
  AddV2: { inputs: ['x', 'y'], attrs: { T } },
  Sub: { inputs: ['x', 'y'], attrs: { T } },
  Mul: { inputs: ['x', 'y'], attrs: { T } },
  RealDiv: { inputs: ['x', 'y'], attrs: { T } },
  SquaredDifference: { inputs: ['x', 'y'], attrs: { T } },
  Sigmoid: { inputs: ['x'], attrs: { T } },
  Tanh: { inputs: ['x'], attrs: { T } },
  Sqrt: { inputs: ['x'], attrs: { T } },
  Rsqrt: { inputs: ['x'], attrs: { T } },
  Log: { inputs: ['x'], attrs: { T } },
  Softmax: { inputs: ['logits'], attrs: { T } },
  Mean: { inputs: ['input', 'reduction_indices'], attrs: { keep_dims: bool(false), T, Tidx: type(DT.INT32) } },
  MatMul: { inputs: ['a', 'b'], attrs: { transpose_a: bool(false), transpose_b: bool(false), T, grad_a: bool(false), grad_b: bool(false) } },
  BatchMatMulV2: { inputs: ['x', 'y'], attrs: { T, adj_x: bool(false), adj_y: bool(false), grad_x: bool(false), grad_y: bool(false) } },
  BiasAdd: { inputs: ['value', 'bias'], attrs: { T, data_format: str('NHWC') } },
  Conv2D: {
    inputs: ['input', 'filter'],
    attrs: { T, strides: ints(), use_cudnn_on_gpu: bool(true), padding: str(), explicit_paddings: ints([]), data_format: str('NHWC'), dilations: ints(ONES4) },
  },
  DepthwiseConv2dNative: {
    inputs: ['input', 'filter'],
    attrs: { T, strides: ints(), padding: str(), explicit_paddings: ints([]), data_format: str('NHWC'), dilations: ints(ONES4) },
  },
  ExpandDims: { inputs: ['input', 'dim'], attrs: { T, Tdim: type(DT.INT32) } },
  Squeeze: { inputs: ['input'], attrs: { T, squeeze_dims: ints([]) } },
  Reshape: { inputs: ['tensor', 'shape'], attrs: { T, Tshape: type(DT.INT32) } },
  Transpose: { inputs: ['x', 'perm'], attrs: { T, Tperm: type(DT.INT32) } },
  Slice: { inputs: ['input', 'begin', 'size'], attrs: { T, Index: T } },
  Split: { inputs: ['split_dim', 'value'], attrs: { num_split: { kind: 'int' }, T } },
  ConcatV2: { inputs: ['values...', 'axis'], attrs: { N: { kind: 'int' }, T, Tidx: type(DT.INT32) } },
  GatherV2: { inputs: ['params', 'indices', 'axis'], attrs: { batch_dims: { kind: 'int', default: 0 }, Tparams: T, Tindices: T, Taxis: T } },
  Relu: { inputs: ['features'], attrs: { T } },
  DivNoNan: { inputs: ['x', 'y'], attrs: { T } },
  Pad: { inputs: ['input', 'paddings'], attrs: { T, Tpaddings: type(DT.INT32) } },
  PadV2: { inputs: ['input', 'paddings', 'constant_values'], attrs: { T, Tpaddings: type(DT.INT32) } },
  MirrorPad: { inputs: ['input', 'paddings'], attrs: { T, Tpaddings: type(DT.INT32), mode: str() } },
  Min: { inputs: ['input', 'reduction_indices'], attrs: { keep_dims: bool(false), T, Tidx: type(DT.INT32) } },
  Max: { inputs: ['input', 'reduction_indices'], attrs: { keep_dims: bool(false), T, Tidx: type(DT.INT32) } },
} as const satisfies Record<string, { inputs: readonly string[]; attrs: Record<string, AttrSpec> }>;

export type TfOpName = keyof typeof TF_OPS;

/** Encodes a JS attr value as an AttrValue of the given kind. */
export function attrValue(kind: AttrKind, v: AttrJs): AttrValue {
  switch (kind) {
    case 'type': return { type: v as number };
    case 'int': return { i: v as number };
    case 'bool': return { b: v as boolean };
    case 'string': return { s: utf8.encode(v as string) };
    case 'shape': return { shape: v === null ? { unknown_rank: true } : shapeProto(v as number[]) };
    case 'tensor': return { tensor: v as TensorProto };
    case 'list(int)': return { list: { i: v as number[] } };
    case 'list(type)': return { list: { type: v as number[] } };
    case 'list(string)': return { list: { s: (v as string[]).map((s) => utf8.encode(s)) } };
  }
}

const sameJs = (a: AttrJs | undefined, b: AttrJs | undefined) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Builds a NodeDef, checking attrs against TF_OPS (a missing required attr or an
 * unknown one is a converter bug, reported with the node name) and leaving out
 * attrs equal to their default.
 */
export function nodeDef(op: TfOpName, name: string, inputs: string[], attrs: Record<string, AttrJs>): NodeDef {
  const specs = TF_OPS[op].attrs as Record<string, AttrSpec>;
  for (const k of Object.keys(attrs)) if (!(k in specs)) throw new Error(`TF node ${name} (${op}): unknown attr ${k}`);
  const attr: Record<string, AttrValue> = {};
  for (const [k, spec] of Object.entries(specs)) {
    const v = attrs[k];
    if (v === undefined) {
      if (!('default' in spec)) throw new Error(`TF node ${name} (${op}): missing attr ${k}`);
      continue;
    }
    if ('default' in spec && sameJs(v, spec.default)) continue;
    attr[k] = attrValue(spec.kind, v);
  }
  return { name, op, input: inputs, attr };
}
