/**
 * IR op -> TF ops that tfjs-converter's executor runs (op schemas in
 * node_modules/@tensorflow/tfjs-converter/dist/operations/op_list/*.js).
 * One entry per IR op; `check` answers "can this node be expressed?" before
 * anything is written, `emit` adds the nodes. Layout: the IR is channels-last
 * and conv weights are [K, Cin/groups, Cout], so a conv1d becomes an NHWC
 * conv2d over a height-1 image with an HWIO filter of the same bytes.
 */
import type { OpName } from '../../src/ir/ops.js';
import { attr, type AttrValueJson } from './format.js';
import type { EmitContext, Emitter } from './emit-context.js';
import { T_FLOAT } from './graphdef-builder.js';
import { decomposeGeluTanh, decomposeLayerNorm, type ArithmeticBuilder } from '../kit/decompose.js';
import { IMAGE_EMITTERS } from './emitters-image.js';
import { dims } from '../../src/ir/shape-rules.js';

export type { EmitContext, Emitter } from './emit-context.js';

const unary = (tfOp: string): Emitter<OpName> => ({ emit: (c) => void c.op(tfOp, [c.input(0)], T_FLOAT) });
const binary = (tfOp: string): Emitter<OpName> => ({ emit: (c) => void c.op(tfOp, [c.input(0), c.input(1)], T_FLOAT) });

/** IR ReduceMin|ReduceMax(x; axes, keepDims) -> Min|Max(x, Const int32 axes; keep_dims) */
// Typed over the union, not a generic O: AttrsOf of the union is ReduceAttrs, which a generic O would hide.
const reduce = (tfOp: 'Min' | 'Max'): Emitter<'ReduceMin' | 'ReduceMax'> => ({
  emit(c) {
    const { axes, keepDims } = c.attrs;
    c.op(tfOp, [c.input(0), c.ints('axes', axes)], { ...T_FLOAT, Tidx: attr.type('DT_INT32'), keep_dims: attr.bool(keepDims) });
  },
});

/** The float steps the shared decompositions are written in, as TF ops. */
const arithmetic = (c: EmitContext): ArithmeticBuilder<string> => ({
  mul: (a, b, role) => c.op('Mul', [a, b], T_FLOAT, role),
  add: (a, b, role) => c.op('AddV2', [a, b], T_FLOAT, role),
  scalar: (v) => c.scalar(v),
});

export const EMITTERS = {
  // Add(a, b) -> AddV2(a, b); Sub -> Sub; Mul -> Mul; Div -> RealDiv (numpy broadcasting in both)
  Add: binary('AddV2'),
  Sub: binary('Sub'),
  Mul: binary('Mul'),
  Div: binary('RealDiv'),
  Sigmoid: unary('Sigmoid'),
  Sqrt: unary('Sqrt'),
  Log: unary('Log'),
  Tanh: unary('Tanh'),

  // Gelu(x) -> Mul(Mul(x, .5), AddV2(Tanh(Mul(AddV2(x, Mul(Pow(x, 3), .044715)), sqrt(2/pi))), 1)) (converters/kit/decompose.ts)
  Gelu: {
    emit(c) {
      decomposeGeluTanh({
        ...arithmetic(c),
        tanh: (x, role) => c.op('Tanh', [x], T_FLOAT, role),
        cube: (x, role) => c.op('Pow', [x, c.scalar(3)], T_FLOAT, role),
      }, c.input(0));
    },
  },

  // Conv1D(x [B,L,Cin], w [K,Cin/g,Cout], b?) -> ExpandDims(x,1) [B,1,L,Cin]; Conv2D(filter [1,K,Cin,Cout], EXPLICIT pads)
  //   or DepthwiseConv2dNative(filter [1,K,Cin,Cout/Cin]) when g = Cin; Squeeze(1); BiasAdd(b)
  Conv1D: {
    check(n, [x, w]) {
      const g = n.attrs.groups, cin = x![2]!, cout = w![2]!;
      if (g !== 1 && !(g === cin && cout % cin === 0)) return `grouped conv (groups ${g} of ${cin} channels): tfjs has only dense and depthwise convolutions`;
      return null;
    },
    emit(c) {
      const { stride, padBegin, padEnd, groups } = c.attrs;
      const [K, cinG, cout] = dims(c.shape(1), 3);
      const cin = c.shape(0)[2]!;
      const x4 = c.op('ExpandDims', [c.input(0), c.ints('expand_axis', [1], [])], { ...T_FLOAT, Tdim: attr.type('DT_INT32') }, 'ExpandDims');
      const depthwise = groups !== 1;
      const filter = c.inputAs(1, depthwise ? [1, K, cin, cout / cin] : [1, K, cinG, cout]);
      const padded = padBegin !== 0 || padEnd !== 0;
      const convAttrs: Record<string, AttrValueJson> = {
        ...T_FLOAT,
        strides: attr.ints([1, 1, stride, 1]),
        padding: attr.str(padded ? 'EXPLICIT' : 'VALID'),
        explicit_paddings: attr.ints(padded ? [0, 0, 0, 0, padBegin, padEnd, 0, 0] : []),
        dilations: attr.ints([1, 1, 1, 1]),
        data_format: attr.str('NHWC'),
      };
      if (!depthwise) convAttrs.use_cudnn_on_gpu = attr.bool(true);
      const y4 = c.op(depthwise ? 'DepthwiseConv2dNative' : 'Conv2D', [x4, filter], convAttrs, depthwise ? 'depthwise' : 'conv2d');
      const hasBias = c.inputCount > 2;
      const y = c.op('Squeeze', [y4], { ...T_FLOAT, squeeze_dims: attr.ints([1]) }, hasBias ? 'Squeeze' : undefined);
      if (hasBias) c.op('BiasAdd', [y, c.input(2)], { ...T_FLOAT, data_format: attr.str('NHWC') });
    },
  },

  // Dense(x [...,K], w [K,N], b?) -> [Reshape [rows,K]]; MatMul(x, w); BiasAdd(b); [Reshape [...,N]] (Keras' Tensordot form)
  Dense: {
    emit(c) {
      const xs = c.shape(0), K = xs.at(-1)!, N = c.outShape.at(-1)!;
      const matmulAttrs = { ...T_FLOAT, transpose_a: attr.bool(false), transpose_b: attr.bool(false) };
      const biasAttrs = { ...T_FLOAT, data_format: attr.str('NHWC') };
      const hasBias = c.inputCount > 2;
      const w = c.inputAs(1, [K, N]);
      if (xs.length === 2) {
        if (!hasBias) { c.op('MatMul', [c.input(0), w], matmulAttrs); return; }
        c.op('BiasAdd', [c.op('MatMul', [c.input(0), w], matmulAttrs, 'MatMul'), c.input(2)], biasAttrs);
        return;
      }
      const rows = c.dynamicBatch ? -1 : xs.slice(0, -1).reduce((a, b) => a * b, 1);
      const x2 = c.op('Reshape', [c.input(0), c.ints('rows_shape', [rows, K])], { ...T_FLOAT, Tshape: attr.type('DT_INT32') }, 'Reshape_rows');
      let y = c.op('MatMul', [x2, w], matmulAttrs, 'MatMul');
      if (hasBias) y = c.op('BiasAdd', [y, c.input(2)], biasAttrs, 'BiasAdd');
      c.op('Reshape', [y, c.ints('out_shape', c.dynamicBatch ? [-1, ...c.outShape.slice(1)] : c.outShape)], { ...T_FLOAT, Tshape: attr.type('DT_INT32') });
    },
  },

  // BatchMatMul(a, b, transposeB) -> BatchMatMulV2(a, b, adj_x=false, adj_y=transposeB)
  BatchMatMul: {
    emit: (c) => void c.op('BatchMatMulV2', [c.input(0), c.input(1)], { ...T_FLOAT, adj_x: attr.bool(false), adj_y: attr.bool(c.attrs.transposeB) }),
  },

  // LayerNorm(x, g, b, eps) -> m = Mean(x,-1,keep); v = Mean(SquaredDifference(x,m),-1,keep);
  //   AddV2(Mul(Mul(Sub(x,m), Rsqrt(AddV2(v,eps))), g), b): tf.moments as the canonical model computes it (converters/kit/decompose.ts)
  LayerNorm: {
    emit(c) {
      const axis = c.ints('axis', [-1]);
      const meanAttrs = { ...T_FLOAT, Tidx: attr.type('DT_INT32'), keep_dims: attr.bool(true) };
      decomposeLayerNorm({
        ...arithmetic(c),
        sub: (a, b, role) => c.op('Sub', [a, b], T_FLOAT, role),
        squaredDifference: (a, b, role) => c.op('SquaredDifference', [a, b], T_FLOAT, role),
        meanLastAxis: (x, role) => c.op('Mean', [x, axis], meanAttrs, role),
        rsqrt: (x, role) => c.op('Rsqrt', [x], T_FLOAT, role),
      }, c.input(0), c.input(1), c.input(2), c.attrs.epsilon);
    },
  },

  // Softmax(x) over the last axis -> Softmax (TF's is always the last axis)
  Softmax: unary('Softmax'),
  // Reshape(x, shape) -> Reshape(x, Const int32 shape)
  Reshape: { emit: (c) => void c.op('Reshape', [c.input(0), c.ints('shape', c.attrs.shape)], { ...T_FLOAT, Tshape: attr.type('DT_INT32') }) },
  // Transpose(x, perm) -> Transpose(x, Const int32 perm)
  Transpose: { emit: (c) => void c.op('Transpose', [c.input(0), c.ints('perm', c.attrs.perm)], { ...T_FLOAT, Tperm: attr.type('DT_INT32') }) },
  // Slice(x, begin, size) -> Slice(x, Const begin, Const size)
  Slice: { emit: (c) => void c.op('Slice', [c.input(0), c.ints('begin', c.attrs.begin), c.ints('size', c.attrs.size)], { ...T_FLOAT, Index: attr.type('DT_INT32') }) },
  // Concat(x1..xN, axis) -> ConcatV2(x1..xN, Const axis), N
  Concat: {
    emit(c) {
      const values = Array.from({ length: c.inputCount }, (_, i) => c.input(i));
      c.op('ConcatV2', [...values, c.ints('axis', [c.attrs.axis], [])], { ...T_FLOAT, N: attr.int(values.length), Tidx: attr.type('DT_INT32') });
    },
  },
  // Gather(x, axis, indices) -> GatherV2(x, Const int32 indices [N], Const axis), batch_dims 0
  Gather: {
    emit: (c) => void c.op('GatherV2', [c.input(0), c.ints('indices', c.attrs.indices), c.ints('axis', [c.attrs.axis], [])], {
      Tparams: attr.type('DT_FLOAT'), Tindices: attr.type('DT_INT32'), Taxis: attr.type('DT_INT32'), batch_dims: attr.int(0),
    }),
  },
  // Relu(x) -> Relu(x)
  Relu: { emit: (c) => void c.op('Relu', [c.input(0)], T_FLOAT) },
  // DivNoNan(a, b) -> DivNoNan(a, b) (tfjs' divNoNan: 0 where b == 0)
  DivNoNan: { emit: (c) => void c.op('DivNoNan', [c.input(0), c.input(1)], T_FLOAT) },
  ReduceMin: reduce('Min'),
  ReduceMax: reduce('Max'),

  ...IMAGE_EMITTERS,
} satisfies TfjsEmitterTable;

/** Every IR op -> its TF ops; indexing with a generic O gives Emitter<O> (no cast at lookup). */
type TfjsEmitterTable = { readonly [O in OpName]: Emitter<O> };
const TABLE: TfjsEmitterTable = EMITTERS;
export const emitterFor = <O extends OpName>(op: O): Emitter<O> => TABLE[op];
