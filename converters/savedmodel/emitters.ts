/**
 * IR op -> TF ops, one emitter per IR op. Layouts are those TF's CPU kernels
 * accept: the IR is channels-last like TF's NHWC, so a conv1d becomes
 * ExpandDims -> Conv2D / DepthwiseConv2dNative over [B, 1, L, C] with an HWIO
 * filter, then Squeeze. Each emitter returns the TF tensor of its output.
 */
import type { IrNode } from '../../src/ir/graph.js';
import type { OpName } from '../../src/ir/ops.js';
import { DT } from './facts.js';
import type { TfGraph } from './graph-builder.js';
import { IMAGE_EMITTERS } from './emitters-image.js';

const F = DT.FLOAT;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const GELU_CUBIC = 0.044715;

export interface EmitContext {
  g: TfGraph;
  /** TF tensor of input i (constants come back as float32 variable reads). */
  input(i: number): string;
  hasInput(i: number): boolean;
  inShape(i: number): number[];
  outShape: number[];
  /** Name of the IR node: the TF node producing its output is named after it, helpers below it. */
  base: string;
}

export type Emitter<O extends OpName> = (c: EmitContext, node: IrNode<O>) => string;

const binary = (op: 'AddV2' | 'Sub' | 'Mul' | 'RealDiv') => (c: EmitContext) => c.g.add(op, c.base, [c.input(0), c.input(1)], { T: F });
const unary = (op: 'Sigmoid' | 'Sqrt' | 'Log' | 'Softmax') => (c: EmitContext) => c.g.add(op, c.base, [c.input(0)], { T: F });

/**
 * Conv1D(x [B,L,Cin], w [K,Cin/g,Cout], bias?) ->
 * ExpandDims(x,1) [B,1,L,Cin] ; Reshape(w) [1,K,Cin/g,Cout] (HWIO) ; Conv2D | DepthwiseConv2dNative | Split+Conv2D+ConcatV2 ; Squeeze([1]) ; BiasAdd
 */
const conv1d: Emitter<'Conv1D'> = (c, n) => {
  const { g, base } = c;
  const a = n.attrs;
  const [K, cinG, cout] = c.inShape(1) as [number, number, number];
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
  const [K, N] = c.inShape(1) as [number, number];
  const hasBias = c.hasInput(2);
  let y: string;
  if (xs.length === 2) {
    y = g.add('MatMul', hasBias ? `${base}/MatMul` : base, [c.input(0), c.input(1)], { T: F });
  } else {
    const flat = g.add('Reshape', `${base}/flatten`, [c.input(0), g.int32s([-1, K])], { T: F });
    const mm = g.add('MatMul', `${base}/MatMul`, [flat, c.input(1)], { T: F });
    y = g.add('Reshape', hasBias ? `${base}/unflatten` : base, [mm, g.int32s([...xs.slice(0, -1), N])], { T: F });
  }
  return hasBias ? g.add('BiasAdd', base, [y, c.input(2)], { T: F }) : y;
};

/** LayerNorm(x, gamma, beta) over the last axis -> Mean, SquaredDifference, Mean, AddV2(eps), Rsqrt, Sub, Mul, Mul(gamma), AddV2(beta). */
const layerNorm: Emitter<'LayerNorm'> = (c, n) => {
  const { g, base } = c;
  const axis = g.int32s([c.inShape(0).length - 1]);
  const x = c.input(0);
  const mean = g.add('Mean', `${base}/mean`, [x, axis], { keep_dims: true, T: F });
  const sq = g.add('SquaredDifference', `${base}/SquaredDifference`, [x, mean], { T: F });
  const variance = g.add('Mean', `${base}/variance`, [sq, axis], { keep_dims: true, T: F });
  const inv = g.add('Rsqrt', `${base}/Rsqrt`, [g.add('AddV2', `${base}/add_eps`, [variance, g.scalar(n.attrs.epsilon)], { T: F })], { T: F });
  const centered = g.add('Sub', `${base}/centered`, [x, mean], { T: F });
  const normed = g.add('Mul', `${base}/normalized`, [centered, inv], { T: F });
  const scaled = g.add('Mul', `${base}/scaled`, [normed, c.input(1)], { T: F });
  return g.add('AddV2', base, [scaled, c.input(2)], { T: F });
};

/** Gelu(x), tanh form -> 0.5·x·(1 + Tanh(√(2/π)·(x + 0.044715·x³))) with Mul/AddV2/Tanh. */
const gelu: Emitter<'Gelu'> = (c) => {
  const { g, base } = c;
  const x = c.input(0);
  const x3 = g.add('Mul', `${base}/cube`, [g.add('Mul', `${base}/square`, [x, x], { T: F }), x], { T: F });
  const inner = g.add('AddV2', `${base}/inner`, [x, g.add('Mul', `${base}/cubic_term`, [x3, g.scalar(GELU_CUBIC)], { T: F })], { T: F });
  const t = g.add('Tanh', `${base}/Tanh`, [g.add('Mul', `${base}/scaled`, [inner, g.scalar(SQRT_2_OVER_PI)], { T: F })], { T: F });
  const halfX = g.add('Mul', `${base}/half_x`, [x, g.scalar(0.5)], { T: F });
  return g.add('Mul', base, [halfX, g.add('AddV2', `${base}/one_plus_tanh`, [t, g.scalar(1)], { T: F })], { T: F });
};

export const EMITTERS = {
  // Add(a, b) -> AddV2(x, y); the IR broadcasts numpy-style, as TF does.
  Add: binary('AddV2'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  Div: binary('RealDiv'),
  Sigmoid: unary('Sigmoid'),
  Sqrt: unary('Sqrt'),
  Log: unary('Log'),
  // Softmax(x) over the last axis -> Softmax (TF's is over the last axis too).
  Softmax: unary('Softmax'),
  Gelu: gelu,
  Conv1D: conv1d,
  Dense: dense,
  // BatchMatMul(a, b, transposeB) -> BatchMatMulV2(x, y, adj_y)
  BatchMatMul: (c, n) => c.g.add('BatchMatMulV2', c.base, [c.input(0), c.input(1)], { T: F, adj_y: n.attrs.transposeB }),
  LayerNorm: layerNorm,
  // Reshape(x){shape} -> Reshape(tensor, shape int32)
  Reshape: (c, n) => c.g.add('Reshape', c.base, [c.input(0), c.g.int32s(n.attrs.shape)], { T: F }),
  // Transpose(x){perm} -> Transpose(x, perm int32)
  Transpose: (c, n) => c.g.add('Transpose', c.base, [c.input(0), c.g.int32s(n.attrs.perm)], { T: F }),
  // Slice(x){begin, size (-1: to the end)} -> Slice(input, begin, size) with the same -1 rule
  Slice: (c, n) => c.g.add('Slice', c.base, [c.input(0), c.g.int32s(n.attrs.begin), c.g.int32s(n.attrs.size)], { T: F, Index: DT.INT32 }),
  // Concat(a, b){axis} -> ConcatV2(a, b, axis)
  Concat: (c, n) => c.g.add('ConcatV2', c.base, [c.input(0), c.input(1), c.g.int32(n.attrs.axis)], { N: 2, T: F }),
  ...IMAGE_EMITTERS,
} satisfies { [O in OpName]: Emitter<O> };
