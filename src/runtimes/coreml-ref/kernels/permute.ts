/** Axis permutation of a row-major array (MIL transpose; also used to move reduced axes last). */
import type { MilData } from '../tensor.js';

export function permute<T extends MilData>(data: T, shape: number[], perm: number[]): { shape: number[]; data: T } {
  const rank = shape.length;
  const outShape = perm.map((p) => shape[p]!);
  const n = data.length;
  const inStr = new Array<number>(rank);
  { let acc = 1; for (let d = rank - 1; d >= 0; d--) { inStr[d] = acc; acc *= shape[d]!; } }
  const src = perm.map((p) => inStr[p]!);
  const out = (Array.isArray(data) ? new Array<string>(n) : new (data.constructor as new (n: number) => Exclude<MilData, string[]>)(n)) as T;
  if (n === 0) return { shape: outShape, data: out };
  // Inner loop along the last output axis; odometer over the rest.
  const inner = outShape[rank - 1] ?? 1, innerStride = src[rank - 1] ?? 0;
  const idx = new Array<number>(rank).fill(0);
  let off = 0;
  const o = out as unknown as { [i: number]: unknown }, s = data as unknown as { [i: number]: unknown };
  for (let base = 0; base < n; base += inner) {
    for (let j = 0; j < inner; j++) o[base + j] = s[off + j * innerStride];
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++; off += src[d]!;
      if (idx[d]! < outShape[d]!) break;
      off -= src[d]! * outShape[d]!; idx[d] = 0;
    }
  }
  return { shape: outShape, data: out };
}

/** Normalises possibly-negative axes against `rank`; returns null on an out-of-range or repeated axis. */
export function normAxes(axes: number[], rank: number): number[] | null {
  const out = axes.map((a) => (a < 0 ? a + rank : a));
  if (out.some((a) => a < 0 || a >= rank) || new Set(out).size !== out.length) return null;
  return out;
}

/** Moves `axes` (normalised) to the end: the data becomes [outer, inner] rows, inner = product of the moved axes. */
export function axesLast(data: Float32Array, shape: number[], axes: number[]): { data: Float32Array; outer: number; inner: number; keptShape: number[] } {
  const keep = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...keep, ...axes];
  const identity = perm.every((p, i) => p === i);
  const moved = identity ? data : permute(data, shape, perm).data;
  const inner = axes.reduce((a, i) => a * shape[i]!, 1);
  return { data: moved, outer: inner === 0 ? 0 : data.length / inner, inner, keptShape: keep.map((i) => shape[i]!) };
}

/** Inverse of axesLast for a result still in [kept..., axes...] order. */
export function axesRestore(data: Float32Array, shape: number[], axes: number[]): Float32Array {
  const keep = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...keep, ...axes];
  if (perm.every((p, i) => p === i)) return data;
  const movedShape = perm.map((p) => shape[p]!);
  const inv = new Array<number>(perm.length);
  perm.forEach((p, i) => { inv[p] = i; });
  return permute(data, movedShape, inv).data;
}
