/**
 * IR op -> ONNX nodes: one emitter per IR op, keyed by the opset from which that emission is
 * valid (`pickEmitter` takes the highest key <= the target opset, as tf2onnx's version_N
 * handlers). The table must answer every IR op: a new op in src/ir/ops.ts is a compile error
 * here until it has an emitter or an explicit `unsupported` reason.
 *
 * Layout: IR activations are channels-last; ONNX Conv wants NCL, so Conv1D brackets itself
 * with transposes and passes.ts cancels the back-to-back pairs this leaves.
 */
import type { OpName } from '../../src/ir/ops.js';
import { attr, type OnnxAttr } from './model.js';
import { decomposeGeluTanh } from '../kit/decompose.js';
import { pickVersion, versionsOf, type EmitFn as KitEmitFn, type NodeContext, type Unsupported, type Versioned } from '../kit/emitter.js';
import { dims } from '../../src/ir/shape-rules.js';

export type { Unsupported } from '../kit/emitter.js';

/** What an emitter for op O may do (`name` and `attrs` typed by O, from NodeContext). */
export interface EmitContext<O extends OpName = OpName> extends NodeContext<O> {
  readonly opset: number;
  /** Number of IR inputs present (optional trailing inputs may be absent). */
  readonly inputCount: number;
  /** IR shape of input i. */
  shape(i: number): number[];
  /** ONNX value for IR input i in this node's compute type (casts / typed constants added as needed). */
  input(i: number): string;
  /**
   * A weight operand: IR input i transposed by `perm` (on the host when it is a constant),
   * int8-quantized along `channelAxis` (after perm) when the precision plan says so.
   */
  weight(i: number, layout: { perm?: number[]; channelAxis: number }): string;
  /** A shared 1-D INT64 initializer (shapes, axes, starts). */
  int64s(values: number[]): string;
  /** A shared float scalar in this node's compute type. */
  scalar(value: number): string;
  /**
   * Adds an ONNX node. Helper nodes pass a `role` (named `<ir node>/<role>`); the emitter's
   * last node passes none and produces the IR node's output.
   */
  emit(opType: string, inputs: string[], attrs?: Record<string, OnnxAttr>, role?: string): string;
}

export type EmitFn<O extends OpName> = KitEmitFn<EmitContext<O>, void>;
/** Emission variants keyed by the first opset they are valid in. */
export type Emitter<O extends OpName> = Versioned<EmitFn<O>>;
/** Every IR op -> its ONNX emission; indexing with a generic O gives `Emitter<O> | Unsupported` (no cast at lookup). */
export type EmitterTable = { readonly [O in OpName]: Emitter<O> | Unsupported };

// IR:   Add|Sub|Mul|Div(a, b) with numpy broadcasting
// ONNX: Add|Sub|Mul|Div(A, B) (multidirectional broadcasting since opset 7)
const binary = <O extends OpName>(opType: string): Emitter<O> => ({
  7: (c) => { c.emit(opType, [c.input(0), c.input(1)]); },
});
// IR:   Sigmoid|Sqrt|Log|Tanh(x)
// ONNX: Sigmoid|Sqrt|Log|Tanh(X)
const unary = <O extends OpName>(opType: string): Emitter<O> => ({
  6: (c) => { c.emit(opType, [c.input(0)]); },
});

// IR:   ReduceMin|ReduceMax(x) {axes, keepDims}
// ONNX: ReduceMin|ReduceMax(data) axes attribute (until opset 17), axes INT64 input (from 18); keepdims
// Typed over the union, not a generic O: AttrsOf of the union is ReduceAttrs, which a generic O would hide.
const reduce = (opType: 'ReduceMin' | 'ReduceMax'): Emitter<'ReduceMin' | 'ReduceMax'> => ({
  1: (c) => { const a = c.attrs; c.emit(opType, [c.input(0)], { axes: attr.ints(a.axes), keepdims: attr.int(a.keepDims ? 1 : 0) }); },
  18: (c) => { const a = c.attrs; c.emit(opType, [c.input(0), c.int64s(a.axes)], { keepdims: attr.int(a.keepDims ? 1 : 0) }); },
});

export const onnxEmitters = {
  Add: binary('Add'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  Div: binary('Div'),
  Sigmoid: unary('Sigmoid'),
  Sqrt: unary('Sqrt'),
  Log: unary('Log'),
  Tanh: unary('Tanh'),

  Gelu: {
    // IR:   Gelu(x), tanh approximation: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    // ONNX: Mul, Add, Tanh decomposition (Gelu is an operator only from opset 20)
    13: (c) => {
      decomposeGeluTanh({
        mul: (a, b, role) => c.emit('Mul', [a, b], {}, role),
        add: (a, b, role) => c.emit('Add', [a, b], {}, role),
        tanh: (x, role) => c.emit('Tanh', [x], {}, role),
        scalar: (v) => c.scalar(v),
      }, c.input(0));
    },
    // ONNX: Gelu(X, approximate="tanh")
    20: (c) => { c.emit('Gelu', [c.input(0)], { approximate: attr.string('tanh') }); },
  },

  Conv1D: {
    // IR:   Conv1D(x [B,L,Cin], w [K,Cin/g,Cout], bias? [Cout]) {stride, padBegin, padEnd, groups} -> [B,Lout,Cout]
    // ONNX: Transpose(x,[0,2,1]) -> Conv(X [B,Cin,L], W [Cout,Cin/g,K], B [Cout]) -> Transpose([0,2,1])
    11: (c) => {
      const { stride, padBegin, padEnd, groups } = c.attrs;
      const K = c.shape(1)[0]!;
      const xNcl = c.emit('Transpose', [c.input(0)], { perm: attr.ints([0, 2, 1]) }, 'to_ncl');
      const w = c.weight(1, { perm: [2, 1, 0], channelAxis: 0 });
      const inputs = c.inputCount > 2 ? [xNcl, w, c.input(2)] : [xNcl, w];
      const y = c.emit('Conv', inputs, {
        kernel_shape: attr.ints([K]), strides: attr.ints([stride]), pads: attr.ints([padBegin, padEnd]),
        dilations: attr.ints([1]), group: attr.int(groups),
      }, 'conv');
      c.emit('Transpose', [y], { perm: attr.ints([0, 2, 1]) });
    },
  },

  Dense: {
    // IR:   Dense(x [...,K], w [K,N], bias? [N]) -> [...,N]
    // ONNX: MatMul(x, W [K,N]) (+ Add(bias))
    13: (c) => {
      const w = c.weight(1, { channelAxis: 1 });
      if (c.inputCount > 2) c.emit('Add', [c.emit('MatMul', [c.input(0), w], {}, 'matmul'), c.input(2)]);
      else c.emit('MatMul', [c.input(0), w]);
    },
  },

  BatchMatMul: {
    // IR:   BatchMatMul(a [...,M,K], b [...,K,N] | [...,N,K] when transposeB) -> [...,M,N]
    // ONNX: MatMul(a, b) or MatMul(a, Transpose(b, swap last two))
    13: (c) => {
      let b = c.input(1);
      if (c.attrs.transposeB) {
        const r = c.shape(1).length;
        const perm = [...Array(r - 2).keys(), r - 1, r - 2];
        b = c.emit('Transpose', [b], { perm: attr.ints(perm) }, 'transpose_b');
      }
      c.emit('MatMul', [c.input(0), b]);
    },
  },

  LayerNorm: {
    // IR:   LayerNorm(x, gamma [C], beta [C]) {epsilon} over the last axis
    // ONNX: LayerNormalization(X, Scale, B) axis=-1, epsilon (stash_type 1: statistics in float32)
    17: (c) => { c.emit('LayerNormalization', [c.input(0), c.input(1), c.input(2)], { axis: attr.int(-1), epsilon: attr.float(c.attrs.epsilon) }); },
  },

  Softmax: {
    // IR:   Softmax(x) over the last axis
    // ONNX: Softmax(input) axis=-1 (single-axis semantics since opset 13)
    13: (c) => { c.emit('Softmax', [c.input(0)], { axis: attr.int(-1) }); },
  },

  Reshape: {
    // IR:   Reshape(x) {shape}
    // ONNX: Reshape(data, shape INT64)
    5: (c) => { c.emit('Reshape', [c.input(0), c.int64s(c.attrs.shape)]); },
  },

  Transpose: {
    // IR:   Transpose(x) {perm}
    // ONNX: Transpose(data) perm
    1: (c) => { c.emit('Transpose', [c.input(0)], { perm: attr.ints(c.attrs.perm) }); },
  },

  Slice: {
    // IR:   Slice(x) {begin, size (-1 = to the end)}
    // ONNX: Slice(data, starts, ends, axes) INT64 inputs, only the axes actually cut
    10: (c) => {
      const shape = c.shape(0);
      const axes: number[] = [], starts: number[] = [], ends: number[] = [];
      shape.forEach((d, i) => {
        const b = c.attrs.begin[i]!, s = c.attrs.size[i]!;
        const e = s === -1 ? d : b + s;
        if (b !== 0 || e !== d) { axes.push(i); starts.push(b); ends.push(e); }
      });
      if (axes.length === 0) c.emit('Identity', [c.input(0)]);
      else c.emit('Slice', [c.input(0), c.int64s(starts), c.int64s(ends), c.int64s(axes)]);
    },
  },

  Concat: {
    // IR:   Concat(x1..xN) {axis}
    // ONNX: Concat(x1..xN) axis (variadic inputs)
    4: (c) => { c.emit('Concat', Array.from({ length: c.inputCount }, (_, i) => c.input(i)), { axis: attr.int(c.attrs.axis) }); },
  },

  Gather: {
    // IR:   Gather(x) {axis, indices (constant, each in [0, dim))}
    // ONNX: Gather(data, indices INT64 [N]) axis (1-D indices: dim `axis` becomes N)
    1: (c) => { c.emit('Gather', [c.input(0), c.int64s(c.attrs.indices)], { axis: attr.int(c.attrs.axis) }); },
  },
  Relu: unary('Relu'),

  DivNoNan: {
    // IR:   DivNoNan(a, b) = a / b, 0 where b == 0 (numpy broadcasting)
    // ONNX: Where(Equal(B, 0), 0, Div(A, B)) (Equal on floats since opset 11)
    11: (c) => {
      const zero = c.scalar(0);
      const isZero = c.emit('Equal', [c.input(1), zero], {}, 'divisor_is_zero');
      const q = c.emit('Div', [c.input(0), c.input(1)], {}, 'quotient');
      c.emit('Where', [isZero, zero, q]);
    },
  },

  ReduceMin: reduce('ReduceMin'),
  ReduceMax: reduce('ReduceMax'),

  Pad: {
    // IR:   Pad(x) {mode constant|reflect, pads [[before, after] per axis], value}
    // ONNX: Pad(data, pads INT64 [x1_begin, x2_begin, ..., x1_end, x2_end, ...], constant_value) mode
    //       (pads as an input since opset 11; 'reflect' mirrors without the edge, as numpy's)
    11: (c) => {
      const { mode, pads, value } = c.attrs;
      const flat = c.int64s([...pads.map((p) => p[0]), ...pads.map((p) => p[1])]);
      const inputs = mode === 'constant' ? [c.input(0), flat, c.scalar(value ?? 0)] : [c.input(0), flat];
      c.emit('Pad', inputs, { mode: attr.string(mode) });
    },
  },

  Conv2D: {
    // IR:   Conv2D(x [B,H,W,Cin], w [KH,KW,Cin/g,Cout], bias? [Cout]) {strides [sh,sw], pads [t,b,l,r], groups} -> [B,Ho,Wo,Cout]
    // ONNX: Transpose(x,[0,3,1,2]) -> Conv(X [B,Cin,H,W], W [Cout,Cin/g,KH,KW], B) pads [t,l,b,r] -> Transpose([0,2,3,1])
    11: (c) => {
      const { strides, pads, groups } = c.attrs;
      const [KH, KW] = dims(c.shape(1), 4, `${c.name} weight`);
      const xNchw = c.emit('Transpose', [c.input(0)], { perm: attr.ints([0, 3, 1, 2]) }, 'to_nchw');
      const w = c.weight(1, { perm: [3, 2, 0, 1], channelAxis: 0 });
      const inputs = c.inputCount > 2 ? [xNchw, w, c.input(2)] : [xNchw, w];
      const y = c.emit('Conv', inputs, {
        kernel_shape: attr.ints([KH, KW]), strides: attr.ints(strides), pads: attr.ints([pads[0], pads[2], pads[1], pads[3]]),
        dilations: attr.ints([1, 1]), group: attr.int(groups),
      }, 'conv');
      c.emit('Transpose', [y], { perm: attr.ints([0, 2, 3, 1]) });
    },
  },
} satisfies EmitterTable;

const TABLE: EmitterTable = onnxEmitters;

/** The variant for `opset`, or why there is none. */
export function pickEmitter<O extends OpName>(op: O, opset: number): EmitFn<O> | string {
  const entry = TABLE[op];
  if ('unsupported' in entry) return entry.unsupported;
  return pickVersion(entry, opset) ?? `needs opset >= ${versionsOf(entry)[0]}, target is ${opset}`;
}
