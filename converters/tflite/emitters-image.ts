/**
 * IR -> TFLite for the image ops imported models bring (Basic Pitch): Conv2D
 * and Pad. The IR is NHWC like TFLite, so no layout changes beyond the filter
 * (HWIO -> OHWI).
 */
import { ACTIVATION, MIRROR_PAD_MODE, PADDING } from './format.js';
import type { Emitter } from './emit-context.js';
import { inputNames } from '../kit/emitter.js';
import { samePads, dims } from '../../src/ir/shape-rules.js';

/** IR conv2d weight HWIO [KH, KW, cinG, Cout] (columns co0..co0+n) -> OHWI [n, KH, KW, cinG]. */
function toOhwi(w: Float32Array, taps: number, cinG: number, cout: number, co0: number, n: number): Float32Array {
  const out = new Float32Array(n * taps * cinG);
  for (let o = 0; o < n; o++) for (let k = 0; k < taps; k++) for (let ci = 0; ci < cinG; ci++) {
    out[(o * taps + k) * cinG + ci] = w[(k * cinG + ci) * cout + co0 + o]!;
  }
  return out;
}

const conv2d: Emitter<'Conv2D'> = {
  check({ node: n, b }) {
    const [, wName, biasName] = n.inputs;
    if (!b.graph.constants.has(wName!)) return `weight ${wName} is not a constant (CONV_2D / DEPTHWISE_CONV_2D want a constant filter)`;
    const cin = b.shapeOf(n.inputs[0]!)[3]!;
    const { groups } = n.attrs;
    if (groups > 1 && groups < cin && biasName && !b.graph.constants.has(biasName)) return `grouped conv bias ${biasName} is not a constant (it is split per group)`;
    return null;
  },
  // IR  Conv2D(x [B,H,W,Cin], w [KH,KW,Cin/g,Cout], bias? [Cout]; strides [sh,sw], pads [t,b,l,r], groups) -> [B,Ho,Wo,Cout]
  // TFL (PAD) -> CONV_2D(filter OHWI [Cout,KH,KW,Cin], SAME|VALID) | DEPTHWISE_CONV_2D(filter [1,KH,KW,Cout])
  //     (1 < groups < Cin: SLICE per group + CONV_2D + CONCATENATION)
  emit({ node: n, b }) {
    const [xName, wName, biasName] = inputNames(n, 2, 1);
    const [B, H, W, cin] = dims(b.shapeOf(xName), 4);
    const w = b.graph.constants.get(wName)!;
    const [KH, KW, cinG, cout] = dims(w.shape, 4);
    const [, HO, WO] = dims(b.shapeOf(n.output), 4);
    const { strides: [sh, sw], pads: [pt, pb, pl, pr], groups } = n.attrs;

    let x = b.value(xName);
    let padding: number = PADDING.VALID, hp = H, wp = W;
    const [st, sb] = samePads(H, KH, sh), [sl, sr] = samePads(W, KW, sw);
    if (pt || pb || pl || pr) {
      if (pt === st && pb === sb && pl === sl && pr === sr) padding = PADDING.SAME;
      else {
        hp = H + pt + pb; wp = W + pl + pr;
        const padded = b.activation(`${n.name}/pad`, [B, hp, wp, cin]);
        b.op('PAD', [x, b.int32([0, 0, pt, pb, pl, pr, 0, 0], [4, 2])], [padded]);
        x = padded;
      }
    }
    const convOpts = { padding, stride_w: sw, stride_h: sh, fused_activation_function: ACTIVATION.NONE };
    const biasOf = (lo: number, count: number): number => {
      if (!biasName) return b.constant(`${n.name}/zero_bias${lo ? `_${lo}` : ''}`, [count], new Float32Array(count), 'plain');
      if (lo === 0 && count === cout) return b.value(biasName);
      return b.constant(`${biasName}#group${lo}`, [count], b.graph.constants.get(biasName)!.data.slice(lo, lo + count), 'plain');
    };
    const y = b.output(n.output);
    if (groups > 1 && groups === cin) {
      // Depthwise: IR weight [KH, KW, 1, Cout] has the memory layout of TFLite's [1, KH, KW, Cout].
      const filter = b.constant(`${wName}#depthwise`, [1, KH, KW, cout], w.data, 'depthwise', wName);
      b.op('DEPTHWISE_CONV_2D', [x, filter, biasOf(0, cout)], [y], { ...convOpts, depth_multiplier: cout / cin });
    } else if (groups === 1) {
      const filter = b.derived(`${wName}#ohwi`, [cout, KH, KW, cin], () => toOhwi(w.data, KH * KW, cin, cout, 0, cout), 'conv', wName);
      b.op('CONV_2D', [x, filter, biasOf(0, cout)], [y], convOpts);
    } else {
      // Grouped: one CONV_2D per group on a channel slice (CONV_2D's grouped mode is not in every kernel).
      const coutG = cout / groups;
      const parts: number[] = [];
      for (let g = 0; g < groups; g++) {
        const xs = b.activation(`${n.name}/group${g}/x`, [B, hp, wp, cinG]);
        b.op('SLICE', [x, b.int32([0, 0, 0, g * cinG]), b.int32([b.lead(B), hp, wp, cinG])], [xs]);
        const filter = b.derived(`${wName}#ohwi_group${g}`, [coutG, KH, KW, cinG], () => toOhwi(w.data, KH * KW, cinG, cout, g * coutG, coutG), 'conv', wName);
        const ys = b.activation(`${n.name}/group${g}/y`, [B, HO, WO, coutG]);
        b.op('CONV_2D', [xs, filter, biasOf(g * coutG, coutG)], [ys], convOpts);
        parts.push(ys);
      }
      b.op('CONCATENATION', parts, [y], { axis: 3, fused_activation_function: ACTIVATION.NONE });
    }
  },
};

const pad: Emitter<'Pad'> = {
  // IR  Pad(x; mode, pads [[before, after] per axis], value)
  // TFL constant: PAD(x, paddings int32 [rank,2]) (value 0) | PADV2(x, paddings, constant_values [])
  //     reflect:  MIRROR_PAD(x, paddings; mode=REFLECT) (TF's REFLECT: the edge is not repeated)
  emit({ node: n, b }) {
    const { mode, pads, value = 0 } = n.attrs;
    const x = b.value(n.inputs[0]!);
    const paddings = b.int32(pads.flat(), [pads.length, 2]);
    const y = b.output(n.output);
    if (mode === 'reflect') b.op('MIRROR_PAD', [x, paddings], [y], { mode: MIRROR_PAD_MODE.REFLECT });
    else if (value === 0) b.op('PAD', [x, paddings], [y]);
    else b.op('PADV2', [x, paddings, b.constant(`${n.name}/constant_value`, [], Float32Array.of(value), 'exact')], [y]);
  },
};

export const IMAGE_EMITTERS = {
  Pad: pad,
  Conv2D: conv2d,
};
