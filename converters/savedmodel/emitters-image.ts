/**
 * IR -> TF ops for the image ops imported models bring (Basic Pitch): Conv2D
 * and Pad. The IR's NHWC activations and HWIO conv weights are TF's own CPU
 * layouts, so every op maps one to one.
 */
import { DT } from './facts.js';
import { samePads, dims } from '../../src/ir/shape-rules.js';
import type { Emitter } from './emit-context.js';

const F = DT.FLOAT;

/**
 * Conv2D(x [B,H,W,Cin], w [KH,KW,Cin/g,Cout] (HWIO), bias?; strides, pads [t,b,l,r], groups) ->
 * [Pad] ; Conv2D | DepthwiseConv2dNative (filter [KH,KW,Cin,Cout/Cin]) | Split+Conv2D+ConcatV2 (other groups) ; BiasAdd.
 * Padding is SAME when the pads are TF's SAME pads, else VALID after an explicit Pad: TF's grappler fuses
 * DepthwiseConv2dNative + BiasAdd, and that fused kernel aborts the process on EXPLICIT padding (TF 2.21).
 */
const conv2d: Emitter<'Conv2D'> = (c) => {
  const { g, base } = c;
  const { strides: [sh, sw], pads: [pt, pb, pl, pr], groups } = c.attrs;
  const [, H, W, cin] = dims(c.inShape(0), 4);
  const [KH, KW, cinG, cout] = dims(c.inShape(1), 4);
  const hasBias = c.hasInput(2);
  const [st, sb] = samePads(H, KH, sh), [sl, sr] = samePads(W, KW, sw);
  const padded = pt + pb + pl + pr > 0;
  const same = padded && pt === st && pb === sb && pl === sl && pr === sr;
  let x = c.input(0);
  if (padded && !same) x = g.add('Pad', `${base}/pad`, [x, g.int32Shaped([0, 0, pt, pb, pl, pr, 0, 0], [4, 2])], { T: F });
  const conv = { T: F, strides: [1, sh, sw, 1], padding: same ? 'SAME' : 'VALID' };
  const convName = hasBias ? `${base}/Conv2D` : base;
  let y: string;
  if (groups === 1) {
    y = g.add('Conv2D', convName, [x, c.input(1)], conv);
  } else if (groups === cin && cinG === 1) {
    // Depthwise: output channel c*m + j comes from input channel c, as DepthwiseConv2dNative's [KH,KW,C,m] (same bytes).
    const w = g.add('Reshape', `${base}/filter`, [c.input(1), g.int32s([KH, KW, cin, cout / cin])], { T: F });
    y = g.add('DepthwiseConv2dNative', convName, [x, w], conv);
  } else {
    // Grouped: TF's CPU Conv2D has no groups; one conv per group, concatenated.
    const xs = g.add('Split', `${base}/split_input`, [g.int32(3), x], { num_split: groups, T: F });
    const ws = g.add('Split', `${base}/split_filter`, [g.int32(3), c.input(1)], { num_split: groups, T: F });
    const parts = Array.from({ length: groups }, (_, i) => g.add('Conv2D', `${base}/Conv2D_group${i}`, [`${xs}:${i}`, `${ws}:${i}`], conv));
    y = g.add('ConcatV2', hasBias ? `${base}/concat_groups` : base, [...parts, g.int32(3)], { N: groups, T: F });
  }
  return hasBias ? g.add('BiasAdd', base, [y, c.input(2)], { T: F }) : y;
};

/** Pad(x; constant value | reflect, pads) -> Pad (value 0) | PadV2(x, paddings, value) | MirrorPad(mode REFLECT); paddings int32 [rank, 2] */
const pad: Emitter<'Pad'> = (c) => {
  const { g, base } = c;
  const { mode, pads, value = 0 } = c.attrs;
  const paddings = g.int32Shaped(pads.flat(), [pads.length, 2]);
  if (mode === 'reflect') return g.add('MirrorPad', base, [c.input(0), paddings], { T: F, mode: 'REFLECT' });
  if (value === 0) return g.add('Pad', base, [c.input(0), paddings], { T: F });
  return g.add('PadV2', base, [c.input(0), paddings, g.scalar(value)], { T: F });
};

export const IMAGE_EMITTERS = {
  Pad: pad,
  Conv2D: conv2d,
};
