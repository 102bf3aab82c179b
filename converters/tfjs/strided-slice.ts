/**
 * TF StridedSlice semantics (tensorflow/core/util/strided_slice_op.cc): a
 * sparse spec (begin, end, strides + begin/end/ellipsis/new_axis/shrink_axis
 * bit masks) expanded to one range per input axis, and the output shape.
 */
import { Unsupported } from './import-context.js';

export interface StridedSliceMasks { begin: number; end: number; ellipsis: number; newAxis: number; shrinkAxis: number }

export interface AxisRange { begin: number; stride: number; length: number; shrink: boolean }

export interface DenseSlice {
  /** One range per input axis. */
  axes: AxisRange[];
  /** Output shape: kept axes in order, 1 for each new axis, shrunk axes removed. */
  outShape: number[];
}

const bit = (mask: number, i: number) => ((mask >>> i) & 1) === 1;

export function denseStridedSlice(shape: number[], begin: number[], end: number[], strides: number[], m: StridedSliceMasks): DenseSlice {
  const n = begin.length;
  if (end.length !== n || strides.length !== n) throw new Unsupported(`begin/end/strides lengths differ (${begin.length}, ${end.length}, ${strides.length})`);
  if (strides.some((s) => s === 0)) throw new Unsupported('a stride is 0');
  let ellipsisAt = -1;
  for (let i = 0; i < n; i++) if (bit(m.ellipsis, i)) { if (ellipsisAt >= 0) throw new Unsupported('more than one ellipsis'); ellipsisAt = i; }
  // Without an ellipsis the spec ends in an implicit one covering the remaining axes.
  const specs = Array.from({ length: n }, (_, i) => ({ i, ellipsis: i === ellipsisAt, newAxis: bit(m.newAxis, i) && i !== ellipsisAt }));
  if (ellipsisAt < 0) specs.push({ i: -1, ellipsis: true, newAxis: false });
  const realAfter = (k: number) => specs.slice(k + 1).filter((s) => !s.newAxis && !s.ellipsis).length;
  const axes: AxisRange[] = [];
  const outShape: number[] = [];
  specs.forEach((s, k) => {
    if (s.ellipsis) {
      const upto = shape.length - realAfter(k);
      while (axes.length < upto) { const d = shape[axes.length]!; axes.push({ begin: 0, stride: 1, length: d, shrink: false }); outShape.push(d); }
      return;
    }
    if (s.newAxis) { outShape.push(1); return; }
    const axis = axes.length;
    if (axis >= shape.length) throw new Unsupported(`slice spec has more axes than the input's rank ${shape.length}`);
    const d = shape[axis]!, st = strides[s.i]!;
    if (bit(m.shrinkAxis, s.i)) {
      const b = begin[s.i]! < 0 ? begin[s.i]! + d : begin[s.i]!;
      if (b < 0 || b >= d) throw new Unsupported(`index ${begin[s.i]} out of range for axis ${axis} of size ${d}`);
      axes.push({ begin: b, stride: 1, length: 1, shrink: true });
      return;
    }
    const clamp = (v: number) => (st > 0 ? Math.min(Math.max(v, 0), d) : Math.min(Math.max(v, -1), d - 1));
    const norm = (v: number) => clamp(v < 0 ? v + d : v);
    const b = bit(m.begin, s.i) ? (st > 0 ? 0 : d - 1) : norm(begin[s.i]!);
    const e = bit(m.end, s.i) ? (st > 0 ? d : -1) : norm(end[s.i]!);
    const length = Math.max(0, Math.ceil((e - b) / st));
    axes.push({ begin: b, stride: st, length, shrink: false });
    outShape.push(length);
  });
  return { axes, outShape };
}

/** Applies a dense slice to host data (int folding). */
export function sliceHost(data: number[], shape: number[], s: DenseSlice): number[] {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const out: number[] = [];
  const rec = (axis: number, off: number) => {
    if (axis === s.axes.length) { out.push(data[off]!); return; }
    const r = s.axes[axis]!;
    for (let k = 0; k < r.length; k++) rec(axis + 1, off + (r.begin + k * r.stride) * strides[axis]!);
  };
  rec(0, 0);
  return out;
}
