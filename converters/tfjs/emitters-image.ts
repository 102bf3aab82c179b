/**
 * IR -> TF ops (as tfjs-converter's executor runs them) for the image ops
 * imported models bring (Basic Pitch): Conv2D and Pad. The IR's NHWC
 * activations and HWIO weights are tfjs' own layouts.
 */
import { samePads, dims } from '../../src/ir/shape-rules.js';
import { attr, type AttrValueJson } from './format.js';
import { T_FLOAT } from './graphdef-builder.js';
import type { Emitter } from './emit-context.js';

const I32 = attr.type('DT_INT32');

export const IMAGE_EMITTERS = {
  // Pad(x; constant, value 0) -> Pad(x, Const int32 [rank,2]); value v -> PadV2(x, paddings, Const v);
  // reflect -> MirrorPad(x, paddings; mode REFLECT)
  Pad: {
    emit(c) {
      const { mode, pads, value = 0 } = c.attrs;
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
    emit(c) {
      const { strides: [sh, sw], pads: [pt, pb, pl, pr], groups } = c.attrs;
      const [, H, W, cin] = dims(c.shape(0), 4);
      const [KH, KW, cinG, cout] = dims(c.shape(1), 4);
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
      const hasBias = c.inputCount > 2;
      const op = depthwise ? 'DepthwiseConv2dNative' : 'Conv2D';
      const y = c.op(op, [c.input(0), filter], convAttrs, hasBias ? op : undefined);
      if (hasBias) c.op('BiasAdd', [y, c.input(2)], { ...T_FLOAT, data_format: attr.str('NHWC') });
    },
  } satisfies Emitter<'Conv2D'>,
};
