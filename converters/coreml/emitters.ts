/**
 * The Core ML converter as a table: every IR op -> MIL ops, keyed by the first
 * iOS target the lowering works on (pickEmitter takes the highest key <= target).
 * IR activations are channels-last; MIL conv is channels-first, so Conv1D wraps
 * its conv in transposes and the cancel-transposes pass removes the pairs that
 * meet (e.g. the model's own NCL->NLC input transpose).
 */
import type { OpName } from '../../src/ir/ops.js';
import { MIL_DTYPE, type IosTarget } from './format.js';
import { pickVersion, versionsOf } from '../kit/emitter.js';
import { reverseAxes3, transposeMatrix } from './layout.js';
import { IMAGE_EMITTERS } from './emitters-image.js';
import type { EmitApi, EmitFn, Emitter } from './emit-context.js';
import { dims } from '../../src/ir/shape-rules.js';

export type { EmitApi, EmitFn, Emitter } from './emit-context.js';

const binary = (type: string): Emitter => ({
  // IR Add/Sub/Mul/Div(a, b) numpy broadcasting -> MIL <type>(x, y), same broadcasting
  15: (e) => e.final(type, { x: e.input(0), y: e.input(1) }),
});

const unary = (type: string): Emitter => ({
  15: (e) => e.final(type, { x: e.input(0) }),
});

// Typed over the union, not a generic O: AttrsOf of the union is ReduceAttrs, which a generic O would hide.
const reduce = (type: 'reduce_min' | 'reduce_max'): Emitter<'ReduceMin' | 'ReduceMax'> => ({
  // IR ReduceMin|ReduceMax(x; axes, keepDims) -> MIL reduce_min|reduce_max(x, axes, keep_dims)
  15: (e) => {
    const { axes, keepDims } = e.attrs;
    return e.final(type, { x: e.input(0), axes: e.ints('axes', axes), keep_dims: e.bools('keep_dims', [keepDims], true) });
  },
});

/** Dense weight as MIL linear's [out, in] const. */
const linearWeight = (e: EmitApi) => {
  const [K, N] = dims(e.inShape(1), 2);
  return e.derivedConst(1, 'oi', [N, K], transposeMatrix);
};

const gatherInputs = (e: EmitApi<'Gather'>) => ({ x: e.input(0), indices: e.ints('indices', e.attrs.indices), axis: e.ints('axis', [e.attrs.axis], true) });

export const COREML_EMITTERS = {
  Add: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  Div: binary('real_div'),
  Sigmoid: unary('sigmoid'),
  Sqrt: unary('sqrt'),
  // IR Log(x) = ln x -> MIL log(x, epsilon=1e-45 default): the epsilon vanishes in fp32 for x >= 1e-38.
  Log: unary('log'),
  Tanh: unary('tanh'),
  Gelu: {
    // IR Gelu(x) (tanh form) -> MIL gelu(x, mode=TANH_APPROXIMATION)
    15: (e) => e.final('gelu', { x: e.input(0), mode: e.string('mode', 'TANH_APPROXIMATION') }),
  },
  Softmax: {
    // IR Softmax(x) over the last axis -> MIL softmax(x, axis=-1)
    15: (e) => e.final('softmax', { x: e.input(0), axis: e.ints('axis', [-1], true) }),
  },
  LayerNorm: {
    // IR LayerNorm(x [..., C], gamma [C], beta [C]; epsilon) -> MIL layer_norm(x, axes=[-1], gamma, beta, epsilon)
    15: (e) => e.final('layer_norm', {
      x: e.input(0), axes: e.ints('axes', [-1]), gamma: e.input(1), beta: e.input(2),
      epsilon: e.scalar('epsilon', e.attrs.epsilon),
    }),
  },
  Conv1D: {
    // IR Conv1D(x [B,L,Cin], w [K,Cin/g,Cout], bias? [Cout]; stride, padBegin, padEnd, groups) -> [B,Lout,Cout]
    // MIL transpose(x,[0,2,1]) -> conv(x [B,Cin,L], weight [Cout,Cin/g,K], bias, strides, pad_type=custom, pad, dilations, groups)
    //     -> transpose(., [0,2,1])
    15: (e) => {
      const a = e.attrs;
      const [B, L, Cin] = dims(e.inShape(0), 3);
      const [K, cinG, Cout] = dims(e.inShape(1), 3);
      const Lout = e.outShape[1]!;
      const x = e.temp('transpose', 'ncl', { x: e.input(0), perm: e.ints('ncl_perm', [0, 2, 1]) }, [B, Cin, L]);
      const weight = e.constant(1)
        ? e.derivedConst(1, 'oik', [Cout, cinG, K], reverseAxes3)
        : e.temp('transpose', 'w_oik', { x: e.input(1), perm: e.ints('w_perm', [2, 1, 0]) }, [Cout, cinG, K]);
      const ins: Record<string, string> = {
        x, weight,
        strides: e.ints('strides', [a.stride]),
        pad_type: e.string('pad_type', 'custom'),
        pad: e.ints('pad', [a.padBegin, a.padEnd]),
        dilations: e.ints('dilations', [1]),
        groups: e.ints('groups', [a.groups], true),
      };
      if (e.hasInput(2)) ins.bias = e.input(2);
      const y = e.temp('conv', 'conv', ins, [B, Cout, Lout]);
      return e.final('transpose', { x: y, perm: e.ints('nlc_perm', [0, 2, 1]) });
    },
  },
  Dense: {
    // IR Dense(x [..., K], w [K, N], bias? [N]) -> [..., N]
    // MIL linear(x, weight [N, K], bias) for rank(x) <= 3 and a constant w (the spec's limits);
    //     else matmul(x, w) (+ add(bias)).
    15: (e) => {
      const rank = e.inShape(0).length;
      if (rank <= 3 && e.constant(1)) {
        const ins: Record<string, string> = { x: e.input(0), weight: linearWeight(e) };
        if (e.hasInput(2)) ins.bias = e.input(2);
        return e.final('linear', ins);
      }
      const mm = { x: e.input(0), y: e.input(1), transpose_x: e.bools('transpose_x', [false], true), transpose_y: e.bools('transpose_y', [false], true) };
      if (!e.hasInput(2)) return e.final('matmul', mm);
      const y = e.temp('matmul', 'matmul', mm, e.outShape);
      return e.final('add', { x: y, y: e.input(2) });
    },
  },
  BatchMatMul: {
    // IR BatchMatMul(a [...,M,K], b [...,K,N] | [...,N,K]; transposeB) -> MIL matmul(x, y, transpose_x=false, transpose_y)
    15: (e) => e.final('matmul', {
      x: e.input(0), y: e.input(1),
      transpose_x: e.bools('transpose_x', [false], true),
      transpose_y: e.bools('transpose_y', [e.attrs.transposeB], true),
    }),
  },
  Reshape: {
    // IR Reshape(x; shape) -> MIL reshape(x, shape)
    15: (e) => e.final('reshape', { x: e.input(0), shape: e.ints('shape', e.attrs.shape) }),
  },
  Transpose: {
    // IR Transpose(x; perm) -> MIL transpose(x, perm)
    15: (e) => e.final('transpose', { x: e.input(0), perm: e.ints('perm', e.attrs.perm) }),
  },
  Slice: {
    // IR Slice(x; begin, size) -> MIL slice_by_index(x, begin, end = begin + out size)
    //     a dim whose out size is the free batch (-1: the slice runs to the end, size -1) -> end_mask there
    15: (e) => {
      const { begin } = e.attrs;
      const free = e.outShape.map((d) => d === -1);
      const end = e.ints('end', begin.map((b, d) => (free[d] ? 0 : b + e.outShape[d]!)));
      if (!free.some(Boolean)) return e.final('slice_by_index', { x: e.input(0), begin: e.ints('begin', begin), end });
      return e.final('slice_by_index', { x: e.input(0), begin: e.ints('begin', begin), end, end_mask: e.bools('end_mask', free) });
    },
  },
  Concat: {
    // IR Concat(x1..xN; axis) -> MIL concat(values=(x1..xN), axis, interleave=false)
    15: (e) => e.final('concat', { values: e.node.inputs.map((_, i) => e.input(i)), axis: e.ints('axis', [e.attrs.axis], true), interleave: e.bools('interleave', [false], true) }),
  },
  Gather: {
    // IR Gather(x; axis, indices) -> MIL gather(x, indices int32 [N], axis): dim `axis` becomes N.
    // Each later opset's new inputs are written at their defaults, as coremltools writes every input.
    15: (e) => e.final('gather', gatherInputs(e)),
    // iOS 16 adds batch_dims
    16: (e) => e.final('gather', { ...gatherInputs(e), batch_dims: e.ints('batch_dims', [0], true) }),
    // iOS 17 adds validate_indices (false: the indices are the converter's own, in range by the IR shape rule)
    17: (e) => e.final('gather', { ...gatherInputs(e), batch_dims: e.ints('batch_dims', [0], true), validate_indices: e.bools('validate_indices', [false], true) }),
  },
  // IR Relu(x) -> MIL relu(x)
  Relu: { 15: (e) => e.final('relu', { x: e.input(0) }) },
  ReduceMin: reduce('reduce_min'),
  ReduceMax: reduce('reduce_max'),
  DivNoNan: {
    // IR DivNoNan(a, b) = a / b, 0 where b == 0 -> MIL select(cond=equal(b, 0), a=0, b=real_div(a, b))
    15: (e) => {
      const zero = e.scalar('zero', 0);
      const isZero = e.temp('equal', 'divisor_is_zero', { x: e.input(1), y: zero }, e.inShape(1), MIL_DTYPE.BOOL);
      const q = e.temp('real_div', 'quotient', { x: e.input(0), y: e.input(1) }, e.outShape);
      return e.final('select', { cond: isZero, a: zero, b: q });
    },
  },
  ...IMAGE_EMITTERS,
} satisfies CoremlEmitterTable;

/** Every IR op -> its MIL lowering; indexing with a generic O gives Emitter<O> (no cast at lookup). */
type CoremlEmitterTable = { readonly [O in OpName]: Emitter<O> };
const TABLE: CoremlEmitterTable = COREML_EMITTERS;

/** The emitter for `op` at deployment target `ios`: the highest version key <= ios. */
export function pickEmitter<O extends OpName>(op: O, ios: IosTarget): EmitFn<O> | null {
  return pickVersion<EmitFn<O>>(TABLE[op], ios);
}

/** Why `op` cannot be exported for `ios`, or null. */
export function unsupportedReason(op: OpName, ios: IosTarget): string | null {
  return pickEmitter(op, ios) ? null : `needs iOS ${versionsOf(TABLE[op])[0]}+ (target iOS ${ios})`;
}
