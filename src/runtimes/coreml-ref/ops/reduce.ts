/**
 * reduce_{sum,mean,max,min,prod,sum_square,l2_norm}(x, axes?, keep_dims=false): axes absent = all axes.
 * softmax(x, axis=-1); layer_norm(x, axes, gamma?, beta?, epsilon=1e-5);
 * batch_norm(x [N,C,*], mean [C], variance [C], gamma?, beta?, epsilon=1e-5).
 */
import type { MilOpDef, OpContext } from './types.js';
import { type MilTensor, sizeOf, fmt, isFloat, dtypeName } from '../tensor.js';
import { axesLast, axesRestore, normAxes } from '../kernels/permute.js';

function floatX(c: OpContext): MilTensor {
  const x = c.tensor('x');
  if (!isFloat(x.dtype)) c.fail(`x must be a float tensor, got ${dtypeName(x.dtype)}`);
  return x;
}

function axesOf(c: OpContext, x: MilTensor, name: string, all: boolean): number[] {
  const raw = c.has(name) ? c.ints(name) : all ? x.shape.map((_, i) => i) : c.fail(`missing ${name}`);
  const axes = normAxes(raw, x.shape.length) ?? c.fail(`${name} [${raw}] invalid for rank ${x.shape.length}`);
  return axes;
}

function reduce(init: number, step: (acc: number, v: number) => number, finish: (acc: number, n: number) => number = (a) => a): MilOpDef {
  return {
    required: ['x'],
    optional: ['axes', 'keep_dims'],
    run(c) {
      const x = floatX(c);
      const axes = axesOf(c, x, 'axes', true);
      const { data, outer, inner, keptShape } = axesLast(x.data as Float32Array, x.shape, axes);
      const out = new Float32Array(outer);
      for (let r = 0; r < outer; r++) {
        let acc = init;
        for (let j = 0, o = r * inner; j < inner; j++) acc = step(acc, data[o + j]!);
        out[r] = finish(acc, inner);
      }
      const shape = c.bool('keep_dims', false) ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : keptShape;
      return { dtype: x.dtype, shape, data: out };
    },
  };
}

const softmax: MilOpDef = {
  required: ['x'],
  optional: ['axis'],
  run(c) {
    const x = floatX(c);
    const axes = normAxes([c.int('axis', -1)], x.shape.length) ?? c.fail(`axis out of range for ${fmt(x.shape)}`);
    const { data, outer, inner } = axesLast(x.data as Float32Array, x.shape, axes);
    const out = new Float32Array(data.length);
    for (let r = 0; r < outer; r++) {
      const o = r * inner;
      let m = -Infinity;
      for (let j = 0; j < inner; j++) m = Math.max(m, data[o + j]!);
      let s = 0;
      for (let j = 0; j < inner; j++) { const e = Math.exp(data[o + j]! - m); out[o + j] = e; s += e; }
      for (let j = 0; j < inner; j++) out[o + j]! /= s;
    }
    return { dtype: x.dtype, shape: [...x.shape], data: axesRestore(out, x.shape, axes) };
  },
};

const layerNorm: MilOpDef = {
  required: ['x'],
  optional: ['axes', 'gamma', 'beta', 'epsilon'],
  run(c) {
    const x = floatX(c);
    const axes = axesOf(c, x, 'axes', true);
    const eps = c.float('epsilon', 1e-5);
    const normShape = axes.map((a) => x.shape[a]!);
    const param = (name: string) => {
      if (!c.has(name)) return null;
      const t = c.tensor(name);
      if (t.shape.join() !== normShape.join()) c.fail(`${name} ${fmt(t.shape)} must have the normalised shape ${fmt(normShape)}`);
      return t.data as Float32Array;
    };
    // gamma/beta are laid out in the order of `axes`, which is the order axesLast moves them to.
    const gamma = param('gamma'), beta = param('beta');
    const { data, outer, inner } = axesLast(x.data as Float32Array, x.shape, axes);
    const out = new Float32Array(data.length);
    for (let r = 0; r < outer; r++) {
      const o = r * inner;
      let mean = 0;
      for (let j = 0; j < inner; j++) mean += data[o + j]!;
      mean /= inner;
      let v = 0;
      for (let j = 0; j < inner; j++) { const d = data[o + j]! - mean; v += d * d; }
      const inv = 1 / Math.sqrt(v / inner + eps);
      for (let j = 0; j < inner; j++) out[o + j] = (data[o + j]! - mean) * inv * (gamma ? gamma[j]! : 1) + (beta ? beta[j]! : 0);
    }
    return { dtype: x.dtype, shape: [...x.shape], data: axesRestore(out, x.shape, axes) };
  },
};

const batchNorm: MilOpDef = {
  required: ['x', 'mean', 'variance'],
  optional: ['gamma', 'beta', 'epsilon'],
  run(c) {
    const x = floatX(c);
    if (x.shape.length < 2) c.fail(`x ${fmt(x.shape)} needs a channel axis 1`);
    const C = x.shape[1]!;
    const vec = (name: string, fallback: number) => {
      if (!c.has(name)) return new Float32Array(C).fill(fallback);
      const t = c.floats(name);
      if (t.length !== C) c.fail(`${name} holds ${t.length} values, expected ${C} channels`);
      return t;
    };
    const mean = vec('mean', 0), variance = vec('variance', 1), gamma = vec('gamma', 1), beta = vec('beta', 0);
    const eps = c.float('epsilon', 1e-5);
    const inner = sizeOf(x.shape.slice(2)), src = x.data as Float32Array, out = new Float32Array(src.length);
    for (let n = 0; n < x.shape[0]!; n++) for (let ch = 0; ch < C; ch++) {
      const scale = gamma[ch]! / Math.sqrt(variance[ch]! + eps), shift = beta[ch]! - mean[ch]! * scale;
      const o = (n * C + ch) * inner;
      for (let j = 0; j < inner; j++) out[o + j] = src[o + j]! * scale + shift;
    }
    return { dtype: x.dtype, shape: [...x.shape], data: out };
  },
};

export const REDUCE_OPS = {
  reduce_sum: reduce(0, (a, v) => a + v),
  reduce_mean: reduce(0, (a, v) => a + v, (a, n) => a / n),
  reduce_max: reduce(-Infinity, Math.max),
  reduce_min: reduce(Infinity, Math.min),
  reduce_prod: reduce(1, (a, v) => a * v),
  reduce_sum_square: reduce(0, (a, v) => a + v * v),
  reduce_l2_norm: reduce(0, (a, v) => a + v * v, (a) => Math.sqrt(a)),
  softmax,
  layer_norm: layerNorm,
  batch_norm: batchNorm,
} satisfies Record<string, MilOpDef>;
