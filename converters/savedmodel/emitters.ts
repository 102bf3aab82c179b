/**
 * IR op -> TF ops, one emitter per IR op. Layouts are those TF's CPU kernels
 * accept: the IR is channels-last like TF's NHWC, so a conv1d becomes
 * ExpandDims -> Conv2D / DepthwiseConv2dNative over [B, 1, L, C] with an HWIO
 * filter, then Squeeze. Each emitter returns the TF tensor of its output.
 */
import type { OpName } from '../../src/ir/ops.js';
import { DT } from './facts.js';
import type { TfOpName } from './tf-ops.js';
import type { EmitContext, Emitter } from './emit-context.js';
import { IMAGE_EMITTERS } from './emitters-image.js';
import { decomposeGeluTanh, decomposeLayerNorm, type GeluBuilder, type LayerNormBuilder } from '../kit/decompose.js';
import { dims } from '../../src/ir/shape-rules.js';

export type { EmitContext, Emitter } from './emit-context.js';

const F = DT.FLOAT;

const binary = (op: 'AddV2' | 'Sub' | 'Mul' | 'RealDiv') => (c: EmitContext) => c.g.add(op, c.base, [c.input(0), c.input(1)], { T: F });
const unary = (op: 'Sigmoid' | 'Sqrt' | 'Log' | 'Tanh' | 'Softmax') => (c: EmitContext) => c.g.add(op, c.base, [c.input(0)], { T: F });

/** ReduceMin|ReduceMax(x; axes, keepDims) -> Min|Max(input, reduction_indices int32; keep_dims) */
// Typed over the union, not a generic O: AttrsOf of the union is ReduceAttrs, which a generic O would hide.
const reduce = (op: 'Min' | 'Max'): Emitter<'ReduceMin' | 'ReduceMax'> => (c) => {
  const { axes, keepDims } = c.attrs;
  return c.g.add(op, c.base, [c.input(0), c.g.int32s(axes)], { T: F, keep_dims: keepDims });
};

/**
 * Conv1D(x [B,L,Cin], w [K,Cin/g,Cout], bias?) ->
 * ExpandDims(x,1) [B,1,L,Cin] ; Reshape(w) [1,K,Cin/g,Cout] (HWIO) ; Conv2D | DepthwiseConv2dNative | Split+Conv2D+ConcatV2 ; Squeeze([1]) ; BiasAdd
 */
const conv1d: Emitter<'Conv1D'> = (c) => {
  const { g, base } = c;
  const a = c.attrs;
  const [K, cinG, cout] = dims(c.inShape(1), 3);
  const cin = c.inShape(0)[2]!;
  const x = g.add('ExpandDims', `${base}/ExpandDims`, [c.input(0), g.int32(1)], { T: F });
  const explicit = a.padBegin !== 0 || a.padEnd !== 0;
  const conv = {
    T: F, strides: [1, 1, a.stride, 1], padding: explicit ? 'EXPLICIT' : 'VALID',
    ...(explicit ? { explicit_paddings: [0, 0, 0, 0, a.padBegin, a.padEnd, 0, 0] } : {}),
  };
  let y: string;
  if (a.groups === 1) {
    const w = g.add('Reshape', `${base}/filter`, [c.input(1), g.int32s([1, K, cinG, cout])], { T: F });
    y = g.add('Conv2D', `${base}/Conv2D`, [x, w], conv);
  } else if (a.groups === cin && cinG === 1) {
    // Depthwise: output channel g*m + j comes from input channel g, as DepthwiseConv2dNative's [1,K,C,m].
    const w = g.add('Reshape', `${base}/filter`, [c.input(1), g.int32s([1, K, cin, cout / cin])], { T: F });
    y = g.add('DepthwiseConv2dNative', `${base}/depthwise`, [x, w], conv);
  } else {
    // Grouped: TF's CPU Conv2D has no groups; one conv per group, concatenated.
    const w = g.add('Reshape', `${base}/filter`, [c.input(1), g.int32s([1, K, cinG, cout])], { T: F });
    const xs = g.add('Split', `${base}/split_input`, [g.int32(3), x], { num_split: a.groups, T: F });
    const ws = g.add('Split', `${base}/split_filter`, [g.int32(3), w], { num_split: a.groups, T: F });
    const parts = Array.from({ length: a.groups }, (_, i) => g.add('Conv2D', `${base}/Conv2D_group${i}`, [`${xs}:${i}`, `${ws}:${i}`], conv));
    y = g.add('ConcatV2', `${base}/concat_groups`, [...parts, g.int32(3)], { N: a.groups, T: F });
  }
  const hasBias = c.hasInput(2);
  const sq = g.add('Squeeze', hasBias ? `${base}/Squeeze` : base, [y], { T: F, squeeze_dims: [1] });
  return hasBias ? g.add('BiasAdd', base, [sq, c.input(2)], { T: F }) : sq;
};

/** Dense(x [...,K], w [K,N], bias?) -> [Reshape [-1,K]] ; MatMul ; [Reshape [...,N]] ; BiasAdd (as Keras' Dense/Tensordot). */
const dense: Emitter<'Dense'> = (c) => {
  const { g, base } = c;
  const xs = c.inShape(0);
  const [K, N] = dims(c.inShape(1), 2);
  const hasBias = c.hasInput(2);
  let y: string;
  if (xs.length === 2) {
    y = g.add('MatMul', hasBias ? `${base}/MatMul` : base, [c.input(0), c.input(1)], { T: F });
  } else {
    const flat = g.add('Reshape', `${base}/flatten`, [c.input(0), g.int32s([-1, K])], { T: F });
    const mm = g.add('MatMul', `${base}/MatMul`, [flat, c.input(1)], { T: F });
    const lead = c.dynamicBatch ? [-1, ...xs.slice(1, -1)] : xs.slice(0, -1);
    y = g.add('Reshape', hasBias ? `${base}/unflatten` : base, [mm, g.int32s([...lead, N])], { T: F });
  }
  return hasBias ? g.add('BiasAdd', base, [y, c.input(2)], { T: F }) : y;
};

/** The float steps the shared decompositions (converters/kit/decompose.ts) are written in, as TF ops below the IR node's name. */
function tfSteps(c: EmitContext): LayerNormBuilder<string> & GeluBuilder<string> {
  const { g, base } = c;
  const step = (op: TfOpName) => (a: string, b: string, role?: string) => g.add(op, role ? `${base}/${role}` : base, [a, b], { T: F });
  const unaryStep = (op: TfOpName) => (x: string, role?: string) => g.add(op, role ? `${base}/${role}` : base, [x], { T: F });
  // Made on first use, so a Gelu adds no unused axis constant.
  let axis: string | undefined;
  return {
    mul: step('Mul'), add: step('AddV2'), sub: step('Sub'), squaredDifference: step('SquaredDifference'),
    tanh: unaryStep('Tanh'), rsqrt: unaryStep('Rsqrt'),
    meanLastAxis: (x, role) => g.add('Mean', `${base}/${role}`, [x, axis ??= g.int32s([c.inShape(0).length - 1])], { keep_dims: true, T: F }),
    scalar: (v) => g.scalar(v),
  };
}

/** LayerNorm(x, gamma, beta) over the last axis -> Mean, SquaredDifference, Mean, AddV2(eps), Rsqrt, Sub, Mul, Mul(gamma), AddV2(beta). */
const layerNorm: Emitter<'LayerNorm'> = (c) => decomposeLayerNorm(tfSteps(c), c.input(0), c.input(1), c.input(2), c.attrs.epsilon);

/** Gelu(x), tanh form -> 0.5·x·(1 + Tanh(√(2/π)·(x + 0.044715·x³))) with Mul/AddV2/Tanh. */
const gelu: Emitter<'Gelu'> = (c) => decomposeGeluTanh(tfSteps(c), c.input(0));

export const EMITTERS = {
  // Add(a, b) -> AddV2(x, y); the IR broadcasts numpy-style, as TF does.
  Add: binary('AddV2'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  Div: binary('RealDiv'),
  Sigmoid: unary('Sigmoid'),
  Sqrt: unary('Sqrt'),
  Log: unary('Log'),
  Tanh: unary('Tanh'),
  // Softmax(x) over the last axis -> Softmax (TF's is over the last axis too).
  Softmax: unary('Softmax'),
  Gelu: gelu,
  Conv1D: conv1d,
  Dense: dense,
  // BatchMatMul(a, b, transposeB) -> BatchMatMulV2(x, y, adj_y)
  BatchMatMul: (c) => c.g.add('BatchMatMulV2', c.base, [c.input(0), c.input(1)], { T: F, adj_y: c.attrs.transposeB }),
  LayerNorm: layerNorm,
  // Reshape(x){shape} -> Reshape(tensor, shape int32)
  Reshape: (c) => c.g.add('Reshape', c.base, [c.input(0), c.g.int32s(c.attrs.shape)], { T: F }),
  // Transpose(x){perm} -> Transpose(x, perm int32)
  Transpose: (c) => c.g.add('Transpose', c.base, [c.input(0), c.g.int32s(c.attrs.perm)], { T: F }),
  // Slice(x){begin, size (-1: to the end)} -> Slice(input, begin, size) with the same -1 rule
  Slice: (c) => c.g.add('Slice', c.base, [c.input(0), c.g.int32s(c.attrs.begin), c.g.int32s(c.attrs.size)], { T: F, Index: DT.INT32 }),
  // Concat(x1..xN){axis} -> ConcatV2(x1..xN, axis) {N}
  Concat: (c) => {
    const values: string[] = [];
    for (let i = 0; c.hasInput(i); i++) values.push(c.input(i));
    return c.g.add('ConcatV2', c.base, [...values, c.g.int32(c.attrs.axis)], { N: values.length, T: F });
  },
  // Gather(x){axis, indices} -> GatherV2(params, indices int32 [N], axis int32) {batch_dims = 0}
  Gather: (c) => c.g.add('GatherV2', c.base, [c.input(0), c.g.int32s(c.attrs.indices), c.g.int32(c.attrs.axis)], { Tparams: F, Tindices: DT.INT32, Taxis: DT.INT32 }),
  // Relu(x) -> Relu(features)
  Relu: (c) => c.g.add('Relu', c.base, [c.input(0)], { T: F }),
  // DivNoNan(a, b) -> DivNoNan(x, y) (TF's own op: 0 where y == 0)
  DivNoNan: (c) => c.g.add('DivNoNan', c.base, [c.input(0), c.input(1)], { T: F }),
  ReduceMin: reduce('Min'),
  ReduceMax: reduce('Max'),
  ...IMAGE_EMITTERS,
} satisfies SavedModelEmitterTable;

/** Every IR op -> its TF ops; indexing with a generic O gives Emitter<O> (no cast at lookup). */
type SavedModelEmitterTable = { readonly [O in OpName]: Emitter<O> };
const TABLE: SavedModelEmitterTable = EMITTERS;
export const emitterFor = <O extends OpName>(op: O): Emitter<O> => TABLE[op];
