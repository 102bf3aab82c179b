/**
 * TF ops the closed IR cannot express: their semantics and the IR op that
 * would (quoted in UnsupportedOpsError reports), and stand-in output shapes so
 * the importer can keep going past an unsupported node and report every
 * problem downstream of it too, not just the first.
 */
import { type ImportContext, normAxis } from './import-context.js';
import { denseStridedSlice } from './strided-slice.js';
import { broadcastShapes, samePads } from '../../src/ir/shape-rules.js';

export const GAPS: Record<string, string> = {
  Relu6: 'min(max(x, 0), 6); needs an IR Clip',
  Maximum: 'elementwise max; needs an IR Maximum',
  Minimum: 'elementwise min; needs an IR Minimum',
  Exp: 'e^x; needs an IR Exp',
  Abs: '|x|; needs an IR Abs',
  MaxPool: 'max pooling; needs an IR MaxPool',
  AvgPool: 'average pooling; needs an IR AvgPool (a depthwise Conv2D with 1/k weights covers it)',
  FusedBatchNormV3: 'inference batch norm; fold scale/offset into Mul + Add',
};

/** A stand-in only: shapes that do not broadcast keep the first operand's, and the node is reported unsupported anyway. */
function broadcast(a: number[], b: number[]): number[] {
  return broadcastShapes(a, b) ?? a;
}

function convOut(c: ImportContext, depthwise: boolean): number[] {
  const [B, H, W] = c.shapeOf(0) as [number, number, number, number];
  const f = c.shapeOf(1) as [number, number, number, number];
  const s = c.attrInts('strides', [1, 1, 1, 1]);
  const padding = c.attrStr('padding', 'VALID');
  const e = padding === 'EXPLICIT' ? c.attrInts('explicit_paddings') : [];
  const out = (size: number, k: number, st: number, axis: 1 | 2) => {
    const [pb, pe] = padding === 'SAME' ? samePads(size, k, st) : padding === 'EXPLICIT' ? [e[2 * axis]!, e[2 * axis + 1]!] : [0, 0];
    return Math.floor((size + pb + pe - k) / st) + 1;
  };
  return [B, out(H, f[0], s[1]!, 1), out(W, f[1], s[2]!, 2), depthwise ? f[2] * f[3] : f[3]];
}

function reduced(c: ImportContext): number[] {
  const s = c.shapeOf(0);
  const axes = c.ints(1).map((a) => normAxis(a, s.length));
  return c.attrBool('keep_dims') ? s.map((d, i) => (axes.includes(i) ? 1 : d)) : s.filter((_, i) => !axes.includes(i));
}

/** Output shape of a node the importer could not convert (throws Blocked/Unsupported when unknowable). */
export const STAND_IN_SHAPES: Record<string, (c: ImportContext) => number[]> = {
  Relu: (c) => c.shapeOf(0),
  Relu6: (c) => c.shapeOf(0),
  Exp: (c) => c.shapeOf(0),
  Abs: (c) => c.shapeOf(0),
  MirrorPad: (c) => { const p = c.ints(1); return c.shapeOf(0).map((d, i) => d + p[2 * i]! + p[2 * i + 1]!); },
  Min: reduced,
  Max: reduced,
  Mean: reduced,
  Sum: reduced,
  DivNoNan: (c) => broadcast(c.shapeOf(0), c.shapeOf(1)),
  Maximum: (c) => broadcast(c.shapeOf(0), c.shapeOf(1)),
  Minimum: (c) => broadcast(c.shapeOf(0), c.shapeOf(1)),
  Conv2D: (c) => convOut(c, false),
  _FusedConv2D: (c) => convOut(c, false),
  DepthwiseConv2dNative: (c) => convOut(c, true),
  FusedDepthwiseConv2dNative: (c) => convOut(c, true),
  StridedSlice: (c) => denseStridedSlice(c.shapeOf(0), c.ints(1), c.ints(2), c.ints(3), {
    begin: c.attrInt('begin_mask', 0), end: c.attrInt('end_mask', 0), ellipsis: c.attrInt('ellipsis_mask', 0),
    newAxis: c.attrInt('new_axis_mask', 0), shrinkAxis: c.attrInt('shrink_axis_mask', 0),
  }).outShape,
};
