/**
 * conv(x [N,Cin,*S], weight [Cout,Cin/groups,*K], bias?, strides, pad_type, pad, dilations, groups)
 * linear(x [*,Din], weight [Dout,Din], bias? [Dout])
 * matmul(x, y, transpose_x, transpose_y) with numpy batch broadcasting.
 */
import type { MilOpDef, OpContext } from './types.js';
import { type MilTensor, sizeOf, fmt, isFloat, dtypeName } from '../tensor.js';
import { convNd, convOutputSize, type ConvGeometry } from '../kernels/conv.js';
import { gemm, transpose2d } from '../kernels/gemm.js';
import { samePads } from '../../../ir/shape-rules.js';

function floatTensor(c: OpContext, name: string): MilTensor {
  const t = c.tensor(name);
  if (!isFloat(t.dtype)) c.fail(`${name} must be a float tensor, got ${dtypeName(t.dtype)}`);
  return t;
}

function sameDtype(c: OpContext, a: MilTensor, b: MilTensor, what: string): void {
  if (a.dtype !== b.dtype) c.fail(`${what}: ${dtypeName(a.dtype)} vs ${dtypeName(b.dtype)}`);
}

/** Explicit [begin, end] padding per spatial dim for a MIL pad_type. */
function resolvePads(c: OpContext, padType: string, S: number[], K: number[], strides: number[], dil: number[]): [number, number][] {
  const r = S.length;
  switch (padType) {
    case 'valid': return S.map(() => [0, 0]);
    case 'custom': {
      const p = c.ints('pad', new Array(2 * r).fill(0));
      if (p.length !== 2 * r) c.fail(`pad has ${p.length} values, expected ${2 * r}`);
      return S.map((_, d) => [p[2 * d]!, p[2 * d + 1]!]);
    }
    case 'same':
    case 'same_lower':
      // out = ceil(S / stride); the odd pixel goes at the end ('same') or the beginning ('same_lower').
      return S.map((s, d) => {
        const [small, large] = samePads(s, dil[d]! * (K[d]! - 1) + 1, strides[d]!);
        return padType === 'same' ? [small, large] : [large, small];
      });
    default: return c.fail(`pad_type "${padType}" (expected valid, same, same_lower or custom)`);
  }
}

const conv: MilOpDef = {
  required: ['x', 'weight'],
  optional: ['bias', 'strides', 'pad_type', 'pad', 'dilations', 'groups'],
  run(c) {
    const x = floatTensor(c, 'x'), w = floatTensor(c, 'weight');
    sameDtype(c, x, w, 'x and weight dtypes differ');
    const r = x.shape.length - 2;
    if (r < 1 || w.shape.length !== r + 2) c.fail(`x ${fmt(x.shape)} and weight ${fmt(w.shape)} must both be rank 3..5 and equal`);
    const groups = c.int('groups', 1);
    const [, Cin] = x.shape as [number, number];
    const [Cout, cinG] = w.shape as [number, number];
    if (cinG * groups !== Cin || Cout % groups !== 0) c.fail(`weight ${fmt(w.shape)} with groups ${groups} does not fit x channels ${Cin}`);
    const strides = c.ints('strides', new Array(r).fill(1)), dilations = c.ints('dilations', new Array(r).fill(1));
    if (strides.length !== r || dilations.length !== r) c.fail(`strides/dilations need ${r} values`);
    const S = x.shape.slice(2), K = w.shape.slice(2);
    const geo: ConvGeometry = { strides, dilations, groups, pads: resolvePads(c, c.str('pad_type', 'valid'), S, K, strides, dilations) };
    let bias: Float32Array | null = null;
    if (c.has('bias')) {
      const b = floatTensor(c, 'bias');
      if (sizeOf(b.shape) !== Cout) c.fail(`bias ${fmt(b.shape)} must hold ${Cout} values`);
      bias = b.data as Float32Array;
    }
    if (strides.some((v) => v < 1) || dilations.some((v) => v < 1) || geo.pads.some(([b, e]) => b < 0 || e < 0)) c.fail(`strides/dilations must be >= 1 and pads >= 0`);
    const outShape = [x.shape[0]!, Cout, ...convOutputSize(S, K, geo)];
    if (outShape.some((d) => d <= 0)) c.fail(`output shape ${fmt(outShape)} is empty`);
    c.checkSize(outShape);
    const out = convNd(x.data as Float32Array, x.shape, w.data as Float32Array, w.shape, bias, geo);
    return { dtype: x.dtype, ...out };
  },
};

// Transposed weights of `linear`, computed once per constant weight array.
const transposedWeights = new WeakMap<Float32Array, Float32Array>();

const linear: MilOpDef = {
  required: ['x', 'weight'],
  optional: ['bias'],
  run(c) {
    const x = floatTensor(c, 'x'), w = floatTensor(c, 'weight');
    sameDtype(c, x, w, 'x and weight dtypes differ');
    if (w.shape.length !== 2) c.fail(`weight must be [Dout, Din], got ${fmt(w.shape)}`);
    // The MIL spec limits linear's x to rank 1..3 (use matmul beyond); a device rejects more.
    if (x.shape.length < 1 || x.shape.length > 3) c.fail(`x ${fmt(x.shape)} must have rank 1..3`);
    const [Dout, Din] = w.shape as [number, number];
    if (x.shape.at(-1) !== Din) c.fail(`x ${fmt(x.shape)} last dim must equal weight Din ${Din}`);
    const wd = w.data as Float32Array;
    let wt = transposedWeights.get(wd);
    if (!wt) { wt = transpose2d(wd, 0, Dout, Din); transposedWeights.set(wd, wt); }
    const rows = sizeOf(x.shape) / Din;
    const out = new Float32Array(rows * Dout);
    if (c.has('bias')) {
      const b = floatTensor(c, 'bias');
      if (sizeOf(b.shape) !== Dout) c.fail(`bias ${fmt(b.shape)} must hold ${Dout} values`);
      for (let r = 0; r < rows; r++) out.set(b.data as Float32Array, r * Dout);
    }
    gemm(rows, Dout, Din, x.data as Float32Array, 0, Din, wt, 0, Dout, out, 0, Dout);
    return { dtype: x.dtype, shape: [...x.shape.slice(0, -1), Dout], data: out };
  },
};

const matmul: MilOpDef = {
  required: ['x', 'y'],
  optional: ['transpose_x', 'transpose_y'],
  run(c) {
    const x = floatTensor(c, 'x'), y = floatTensor(c, 'y');
    sameDtype(c, x, y, 'x and y dtypes differ');
    const tx = c.bool('transpose_x', false), ty = c.bool('transpose_y', false);
    // numpy promotion of rank-1 operands; the added axis is dropped from the result.
    const xs = x.shape.length === 1 ? (tx ? [x.shape[0]!, 1] : [1, x.shape[0]!]) : x.shape;
    const ys = y.shape.length === 1 ? (ty ? [1, y.shape[0]!] : [y.shape[0]!, 1]) : y.shape;
    const [xr, xc] = xs.slice(-2) as [number, number], [yr, yc] = ys.slice(-2) as [number, number];
    const M = tx ? xc : xr, K = tx ? xr : xc, K2 = ty ? yc : yr, N = ty ? yr : yc;
    if (K !== K2) c.fail(`inner dims differ: x ${fmt(x.shape)} y ${fmt(y.shape)} (transpose_x=${tx}, transpose_y=${ty})`);
    const bx = xs.slice(0, -2), by = ys.slice(0, -2);
    const n = Math.max(bx.length, by.length);
    const batch: number[] = [];
    for (let i = 0; i < n; i++) {
      const a = bx[bx.length - n + i] ?? 1, b = by[by.length - n + i] ?? 1;
      if (a !== b && a !== 1 && b !== 1) c.fail(`batch dims of x ${fmt(x.shape)} and y ${fmt(y.shape)} do not broadcast`);
      batch.push(Math.max(a, b));
    }
    const nb = sizeOf(batch);
    c.checkSize([...batch, M, N]);
    const out = new Float32Array(nb * M * N);
    const xd = x.data as Float32Array, yd = y.data as Float32Array;
    const idx = new Array<number>(n).fill(0);
    const batchOffset = (shape: number[], mat: number) => {
      let off = 0, acc = 1;
      for (let d = shape.length - 1; d >= 0; d--) {
        if (shape[d] !== 1) off += idx[n - shape.length + d]! * acc;
        acc *= shape[d]!;
      }
      return off * mat;
    };
    for (let b = 0; b < nb; b++) {
      let rem = b;
      for (let d = n - 1; d >= 0; d--) { idx[d] = rem % batch[d]!; rem = Math.floor(rem / batch[d]!); }
      const xo = batchOffset(bx, xr * xc), yo = batchOffset(by, yr * yc);
      const A = tx ? transpose2d(xd, xo, xr, xc) : xd, aOff = tx ? 0 : xo;
      const B = ty ? transpose2d(yd, yo, yr, yc) : yd, bOff = ty ? 0 : yo;
      gemm(M, N, K, A, aOff, K, B, bOff, N, out, b * M * N, N);
    }
    const shape = [...batch, ...(x.shape.length === 1 ? [] : [M]), ...(y.shape.length === 1 ? [] : [N])];
    return { dtype: x.dtype, shape, data: out };
  },
};

export const LINALG_OPS = { conv, linear, matmul } satisfies Record<string, MilOpDef>;
