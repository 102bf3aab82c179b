/**
 * IR -> TF ops (as tfjs-converter's executor runs them) for the ops imported
 * models bring (Basic Pitch): Conv2D, Relu, Pad, ReduceMin/ReduceMax,
 * DivNoNan. The IR's NHWC activations and HWIO weights are tfjs' own layouts.
 */
import type { ReduceAttrs } from '../../src/ir/ops.js';
import { attr, type AttrValueJson } from './format.js';
import { T_FLOAT } from './graphdef-builder.js';
import type { Emitter } from './emitters.js';

const I32 = attr.type('DT_INT32');

/** TF's SAME padding along one axis: total = max((ceil(in/s)-1)*s + k - in, 0), the odd pixel at the end. */
function samePads(size: number, k: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + k - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** IR ReduceMin|ReduceMax(x; axes, keepDims) -> Min|Max(x, Const int32 axes; keep_dims) */
const reduce = <O extends 'ReduceMin' | 'ReduceMax'>(tfOp: 'Min' | 'Max'): Emitter<O> => ({
  emit(n, c) {
    const { axes, keepDims } = n.attrs as ReduceAttrs;
    c.op(tfOp, [c.input(0), c.ints('axes', axes)], { ...T_FLOAT, Tidx: I32, keep_dims: attr.bool(keepDims) });
  },
});

export const IMAGE_EMITTERS = {
  // Relu(x) -> Relu(x)
  Relu: { emit: (_n, c) => void c.op('Relu', [c.input(0)], T_FLOAT) } satisfies Emitter<'Relu'>,
  // DivNoNan(a, b) -> DivNoNan(a, b) (tfjs' divNoNan: 0 where b == 0)
  DivNoNan: { emit: (_n, c) => void c.op('DivNoNan', [c.input(0), c.input(1)], T_FLOAT) } satisfies Emitter<'DivNoNan'>,
  ReduceMin: reduce<'ReduceMin'>('Min'),
  ReduceMax: reduce<'ReduceMax'>('Max'),

  // Pad(x; constant, value 0) -> Pad(x, Const int32 [rank,2]); value v -> PadV2(x, paddings, Const v);
  // reflect -> MirrorPad(x, paddings; mode REFLECT)
  Pad: {
    emit(n, c) {
      const { mode, pads, value = 0 } = n.attrs;
      const paddings = c.ints('paddings', pads.flat(), [pads.length, 2]);
      const attrs = { ...T_FLOAT, Tpaddings: I32 };
      if (mode === 'reflect') c.op('MirrorPad', [c.input(0), paddings], { ...attrs, mode: attr.str('REFLECT') });
      else if (value === 0) c.op('Pad', [c.input(0), paddings], attrs);
      else c.op('PadV2', [c.input(0), paddings, c.scalar(value)], attrs);
    },
  } satisfies Emitter<'Pad'>,

  // Conv2D(x [B,H,W,Cin], w [KH,KW,Cin/g,Cout], b?; strides, pads [t,b,l,r], groups) -> Conv2D(filter HWIO)
  //   or DepthwiseConv2dNative(filter [KH,KW,Cin,Cout/Cin]) when g = Cin; BiasAdd(b).
  //   Padding SAME when the pads are TF's SAME pads (as Keras models carry it), VALID when none, else EXPLICIT.
  Conv2D: {
    check(n, [x, w]) {
      const g = n.attrs.groups, cin = x![3]!, cout = w![3]!;
      if (g !== 1 && !(g === cin && cout % cin === 0)) return `grouped conv (groups ${g} of ${cin} channels): tfjs has only dense and depthwise convolutions`;
      return null;
    },
    emit(n, c) {
      const { strides: [sh, sw], pads: [pt, pb, pl, pr], groups } = n.attrs;
      const [, H, W, cin] = c.shape(0) as [number, number, number, number];
      const [KH, KW, cinG, cout] = c.shape(1) as [number, number, number, number];
      const depthwise = groups !== 1;
      const filter = c.inputAs(1, depthwise ? [KH, KW, cin, cout / cin] : [KH, KW, cinG, cout]);
      const [st, sb] = samePads(H, KH, sh), [sl, sr] = samePads(W, KW, sw);
      const padded = pt + pb + pl + pr > 0;
      const same = padded && pt === st && pb === sb && pl === sl && pr === sr;
      const explicit = padded && !same;
      const convAttrs: Record<string, AttrValueJson> = {
        ...T_FLOAT,
        strides: attr.ints([1, sh, sw, 1]),
        padding: attr.str(same ? 'SAME' : explicit ? 'EXPLICIT' : 'VALID'),
        explicit_paddings: attr.ints(explicit ? [0, 0, pt, pb, pl, pr, 0, 0] : []),
        dilations: attr.ints([1, 1, 1, 1]),
        data_format: attr.str('NHWC'),
      };
      if (!depthwise) convAttrs.use_cudnn_on_gpu = attr.bool(true);
      const hasBias = n.inputs.length > 2;
      const op = depthwise ? 'DepthwiseConv2dNative' : 'Conv2D';
      const y = c.op(op, [c.input(0), filter], convAttrs, hasBias ? op : undefined);
      if (hasBias) c.op('BiasAdd', [y, c.input(2)], { ...T_FLOAT, data_format: attr.str('NHWC') });
    },
  } satisfies Emitter<'Conv2D'>,
};
