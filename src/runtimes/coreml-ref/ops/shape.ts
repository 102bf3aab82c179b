/**
 * Data movement: reshape, transpose, expand_dims, squeeze, concat(values, axis, interleave),
 * stack(values, axis), slice_by_index(x, begin, end, stride, begin_mask, end_mask, squeeze_mask),
 * slice_by_size(x, begin, size), gather(x, indices, axis, batch_dims, validate_indices),
 * pad(x, pad, mode, constant_val), cast(x, dtype), identity(x).
 */
import type { MilOpDef, OpContext } from './types.js';
import { type MilTensor, type MilData, alloc, sizeOf, stridesOf, fmt, convertData, isFloat, isInt, dtypeName } from '../tensor.js';
import { permute, normAxes } from '../kernels/permute.js';
import { CAST_DTYPE_NAMES } from '../../../../converters/coreml/format.js';

type Indexable = { [i: number]: unknown; length: number };

const reshape: MilOpDef = {
  required: ['x', 'shape'],
  run(c) {
    const x = c.tensor('x');
    const req = c.ints('shape');
    // 0 copies the input dim at that position; one -1 is inferred.
    const shape = req.map((d, i) => (d === 0 ? x.shape[i] ?? c.fail(`shape [${req}] copies dim ${i}, x ${fmt(x.shape)} has none`) : d));
    const unknown = shape.filter((d) => d === -1).length;
    if (unknown > 1 || shape.some((d) => d < -1)) c.fail(`shape [${req}] is invalid`);
    if (unknown === 1) {
      const known = shape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
      shape[shape.indexOf(-1)] = known === 0 ? 0 : sizeOf(x.shape) / known;
    }
    if (sizeOf(shape) !== sizeOf(x.shape) || !shape.every(Number.isInteger)) c.fail(`cannot reshape ${fmt(x.shape)} to [${req}]`);
    return { dtype: x.dtype, shape, data: x.data };
  },
};

const transpose: MilOpDef = {
  required: ['x', 'perm'],
  run(c) {
    const x = c.tensor('x');
    const perm = normAxes(c.ints('perm'), x.shape.length);
    if (!perm || perm.length !== x.shape.length) return c.fail(`perm [${c.ints('perm')}] is not a permutation of rank ${x.shape.length}`);
    const r = permute(x.data, x.shape, perm);
    return { dtype: x.dtype, shape: r.shape, data: r.data };
  },
};

const expandDims: MilOpDef = {
  required: ['x', 'axes'],
  run(c) {
    const x = c.tensor('x');
    const outRank = x.shape.length + c.ints('axes').length;
    const axes = normAxes(c.ints('axes'), outRank) ?? c.fail(`axes [${c.ints('axes')}] invalid for output rank ${outRank}`);
    const shape: number[] = [];
    for (let i = 0, j = 0; i < outRank; i++) shape.push(axes.includes(i) ? 1 : x.shape[j++]!);
    return { dtype: x.dtype, shape, data: x.data };
  },
};

const squeeze: MilOpDef = {
  required: ['x'],
  optional: ['axes'],
  run(c) {
    const x = c.tensor('x');
    const axes = c.has('axes') ? normAxes(c.ints('axes'), x.shape.length) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
    if (!axes || axes.some((a) => x.shape[a] !== 1)) return c.fail(`cannot squeeze axes [${c.ints('axes', [])}] of ${fmt(x.shape)}`);
    return { dtype: x.dtype, shape: x.shape.filter((_, i) => !axes.includes(i)), data: x.data };
  },
};

/** Joins tensors along `axis` (interleave: take one slice of each in turn). */
function join(c: OpContext, values: MilTensor[], axis: number, interleave: boolean): MilTensor {
  const first = values[0]!;
  const rank = first.shape.length;
  for (const v of values) {
    if (v.dtype !== first.dtype) c.fail(`values mix ${dtypeName(first.dtype)} and ${dtypeName(v.dtype)}`);
    if (v.shape.length !== rank || v.shape.some((d, i) => i !== axis && d !== first.shape[i])) c.fail(`values ${values.map((t) => fmt(t.shape)).join(' ')} differ off axis ${axis}`);
  }
  if (interleave && values.some((v) => v.shape[axis] !== first.shape[axis])) c.fail('interleave needs equal sizes along axis');
  const shape = first.shape.map((d, i) => (i === axis ? values.reduce((s, v) => s + v.shape[axis]!, 0) : d));
  const out = alloc(first.dtype, shape);
  const outer = sizeOf(shape.slice(0, axis)), innerOf = (t: MilTensor) => sizeOf(t.shape.slice(axis + 1));
  const o = out.data as Indexable;
  let pos = 0;
  if (!interleave) {
    const rowOut = sizeOf(shape.slice(axis));
    let colOff = 0;
    for (const v of values) {
      const row = v.shape[axis]! * innerOf(v), src = v.data as Indexable;
      for (let r = 0; r < outer; r++) for (let j = 0; j < row; j++) o[r * rowOut + colOff + j] = src[r * row + j];
      colOff += row;
    }
  } else {
    const inner = innerOf(first), len = first.shape[axis]!;
    for (let r = 0; r < outer; r++) for (let i = 0; i < len; i++) for (const v of values) {
      const src = v.data as Indexable, so = (r * len + i) * inner;
      for (let j = 0; j < inner; j++) o[pos++] = src[so + j];
    }
  }
  return out;
}

const concat: MilOpDef = {
  required: ['values', 'axis'],
  optional: ['interleave'],
  run(c) {
    const values = c.list('values');
    const axes = normAxes([c.int('axis')], values[0]!.shape.length) ?? c.fail(`axis ${c.int('axis')} out of range`);
    return join(c, values, axes[0]!, c.bool('interleave', false));
  },
};

const stack: MilOpDef = {
  required: ['values', 'axis'],
  run(c) {
    const values = c.list('values');
    const axes = normAxes([c.int('axis')], values[0]!.shape.length + 1) ?? c.fail(`axis ${c.int('axis')} out of range`);
    const a = axes[0]!;
    const expanded = values.map((v) => ({ ...v, shape: [...v.shape.slice(0, a), 1, ...v.shape.slice(a)] }));
    return join(c, expanded, a, false);
  },
};

/** Gathers x at start_d + i*step_d for i < count_d along every axis. */
function stridedGather(x: MilTensor, start: number[], step: number[], count: number[]): MilData {
  const n = sizeOf(count), rank = count.length;
  const out = alloc(x.dtype, count).data as Indexable, src = x.data as Indexable;
  if (n === 0) return out as MilData;
  const xs = stridesOf(x.shape);
  const idx = new Array<number>(rank).fill(0);
  let off = start.reduce((a, s, d) => a + s * xs[d]!, 0);
  for (let i = 0; i < n; i++) {
    o: {
      out[i] = src[off];
      for (let d = rank - 1; d >= 0; d--) {
        idx[d]!++; off += step[d]! * xs[d]!;
        if (idx[d]! < count[d]!) break o;
        off -= step[d]! * xs[d]! * count[d]!; idx[d] = 0;
      }
    }
  }
  return out as MilData;
}

const sliceByIndex: MilOpDef = {
  required: ['x', 'begin', 'end'],
  optional: ['stride', 'begin_mask', 'end_mask', 'squeeze_mask'],
  run(c) {
    const x = c.tensor('x'), rank = x.shape.length;
    const begin = c.ints('begin'), end = c.ints('end');
    const stride = c.ints('stride', new Array(rank).fill(1));
    const bm = c.bools('begin_mask', new Array(rank).fill(false)), em = c.bools('end_mask', new Array(rank).fill(false));
    const sq = c.bools('squeeze_mask', new Array(rank).fill(false));
    if ([begin, end, stride, bm, em, sq].some((a) => a.length !== rank)) c.fail(`begin/end/stride/masks must have ${rank} entries`);
    const start: number[] = [], count: number[] = [];
    for (let d = 0; d < rank; d++) {
      const dim = x.shape[d]!, s = stride[d]!;
      if (s === 0) c.fail(`stride 0 on axis ${d}`);
      // Python slice semantics: negative indices count from the end, then clamp.
      const norm = (v: number, lo: number, hi: number) => Math.min(Math.max(v < 0 ? v + dim : v, lo), hi);
      if (sq[d]) {
        const b = begin[d]! < 0 ? begin[d]! + dim : begin[d]!;
        if (b < 0 || b >= dim) c.fail(`squeezed index ${begin[d]} out of range on axis ${d} (size ${dim})`);
        start.push(b); count.push(1);
        continue;
      }
      let b: number, e: number;
      if (s > 0) { b = bm[d] ? 0 : norm(begin[d]!, 0, dim); e = em[d] ? dim : norm(end[d]!, 0, dim); }
      else { b = bm[d] ? dim - 1 : norm(begin[d]!, -1, dim - 1); e = em[d] ? -1 : norm(end[d]!, -1, dim - 1); }
      start.push(b);
      count.push(Math.max(0, Math.ceil((e - b) / s)));
    }
    const data = stridedGather(x, start, stride, count);
    return { dtype: x.dtype, shape: count.filter((_, d) => !sq[d]), data };
  },
};

const sliceBySize: MilOpDef = {
  required: ['x', 'begin', 'size'],
  run(c) {
    const x = c.tensor('x');
    const begin = c.ints('begin'), size = c.ints('size');
    if (begin.length !== x.shape.length || size.length !== x.shape.length) c.fail(`begin/size must have ${x.shape.length} entries`);
    const count = size.map((s, d) => (s === -1 ? x.shape[d]! - begin[d]! : s));
    if (count.some((n, d) => begin[d]! < 0 || n < 0 || begin[d]! + n > x.shape[d]!)) c.fail(`slice [${begin}]+[${size}] out of range for ${fmt(x.shape)}`);
    return { dtype: x.dtype, shape: count, data: stridedGather(x, begin, begin.map(() => 1), count) };
  },
};

/**
 * gather(x, indices, axis = 0): x.shape[:axis] + indices.shape + x.shape[axis+1:], entry j of the
 * new dims being x's entry indices[j] on `axis`; a negative index counts from the end. batch_dims
 * (iOS 16) must be 0 here; validate_indices (iOS 17) changes nothing: an index out of range fails.
 */
const gather: MilOpDef = {
  required: ['x', 'indices'],
  optional: ['axis', 'batch_dims', 'validate_indices'],
  run(c) {
    const x = c.tensor('x'), ind = c.tensor('indices');
    if (!isInt(ind.dtype)) c.fail(`indices must be an int tensor, got ${dtypeName(ind.dtype)}`);
    const batchDims = c.int('batch_dims', 0);
    if (batchDims !== 0) c.fail(`batch_dims ${batchDims} is not supported (only 0)`);
    const axis = normAxes([c.int('axis', 0)], x.shape.length)?.[0] ?? c.fail(`axis ${c.int('axis', 0)} out of range for ${fmt(x.shape)}`);
    const d = x.shape[axis]!;
    const idx = Array.from(ind.data as Int32Array, (i) => {
      const j = i < 0 ? i + d : i;
      return j >= 0 && j < d ? j : c.fail(`index ${i} out of range on axis ${axis} of ${fmt(x.shape)}`);
    });
    const shape = [...x.shape.slice(0, axis), ...ind.shape, ...x.shape.slice(axis + 1)];
    c.checkSize(shape);
    const out = alloc(x.dtype, shape);
    const src = x.data as Indexable, dst = out.data as Indexable;
    const outer = sizeOf(x.shape.slice(0, axis)), inner = sizeOf(x.shape.slice(axis + 1));
    let p = 0;
    for (let o = 0; o < outer; o++) {
      for (const i of idx) {
        const s = (o * d + i) * inner;
        for (let k = 0; k < inner; k++) dst[p++] = src[s + k];
      }
    }
    return out;
  },
};

const pad: MilOpDef = {
  required: ['x', 'pad'],
  optional: ['mode', 'constant_val'],
  run(c) {
    const x = c.tensor('x'), rank = x.shape.length;
    if (!isFloat(x.dtype)) c.fail(`x must be a float tensor, got ${dtypeName(x.dtype)}`);
    const p = c.ints('pad');
    if (p.length % 2 !== 0 || p.length > 2 * rank) c.fail(`pad has ${p.length} values; expected an even count up to ${2 * rank}`);
    // pad covers the LAST p.length/2 axes, (begin, end) per axis.
    const first = rank - p.length / 2;
    const before = x.shape.map((_, d) => (d < first ? 0 : p[2 * (d - first)]!));
    const after = x.shape.map((_, d) => (d < first ? 0 : p[2 * (d - first) + 1]!));
    const mode = c.str('mode', 'constant'), cval = c.float('constant_val', 0);
    if (!['constant', 'reflect', 'replicate'].includes(mode)) c.fail(`mode "${mode}" (expected constant, reflect or replicate)`);
    if (mode === 'reflect' && x.shape.some((d, i) => before[i]! >= d || after[i]! >= d)) c.fail(`reflect padding must be smaller than the padded dims of ${fmt(x.shape)}`);
    if (p.some((v) => v < 0)) c.fail(`negative padding [${p}]`);
    const shape = x.shape.map((d, i) => d + before[i]! + after[i]!);
    c.checkSize(shape);
    const out = new Float32Array(sizeOf(shape)), src = x.data as Float32Array;
    const xs = stridesOf(x.shape), idx = new Array<number>(rank).fill(0);
    for (let i = 0; i < out.length; i++) {
      let off = 0, inside = true;
      for (let d = 0; d < rank; d++) {
        let j = idx[d]! - before[d]!;
        const dim = x.shape[d]!;
        if (j < 0 || j >= dim) {
          if (mode === 'constant') { inside = false; break; }
          j = mode === 'reflect' ? (j < 0 ? -j : 2 * (dim - 1) - j) : (j < 0 ? 0 : dim - 1);
        }
        off += j * xs[d]!;
      }
      out[i] = inside ? src[off]! : cval;
      for (let d = rank - 1; d >= 0; d--) { if (++idx[d]! < shape[d]!) break; idx[d] = 0; }
    }
    return { dtype: x.dtype, shape, data: out };
  },
};

const cast: MilOpDef = {
  required: ['x', 'dtype'],
  run(c) {
    const x = c.tensor('x'), name = c.str('dtype');
    const to = CAST_DTYPE_NAMES[name] ?? c.fail(`dtype "${name}" (expected one of ${Object.keys(CAST_DTYPE_NAMES).join(', ')})`);
    return { dtype: to, shape: [...x.shape], data: convertData(x.data, to) };
  },
};

const identity: MilOpDef = { required: ['x'], run: (c) => ({ ...c.tensor('x') }) };

export const SHAPE_OPS = {
  reshape, transpose, expand_dims: expandDims, squeeze, concat, stack,
  slice_by_index: sliceByIndex, slice_by_size: sliceBySize, gather, pad, cast, identity,
} satisfies Record<string, MilOpDef>;
