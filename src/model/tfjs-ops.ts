/** ModelOps on tfjs: the interpreter that trains and infers. */
import * as tf from '@tensorflow/tfjs-node';
import type { ModelOps, Init } from './ops.js';
import { GELU_TANH_CUBIC, GELU_TANH_SCALE, type Conv1DAttrs } from '../ir/ops.js';
import type { HostTensor } from '../ir/tensor.js';
import { initValues } from './init.js';

/** The model's trainable variables by full (scoped) name. */
export class ParamStore {
  readonly vars = new Map<string, tf.Variable>();
  constructor(readonly seed = 0) {}

  getOrCreate(name: string, shape: number[], init: Init): tf.Variable {
    let v = this.vars.get(name);
    if (!v) {
      const size = shape.reduce((a, b) => a * b, 1);
      v = tf.variable(tf.tensor(initValues(name, size, init, this.seed), shape), true);
      this.vars.set(name, v);
    } else if (v.shape.join() !== shape.join()) {
      throw new Error(`parameter ${name} has shape [${v.shape}], the network expects [${shape}]`);
    }
    return v;
  }

  /** Replaces all values from host tensors (checkpoint load); creates missing variables. */
  assign(weights: Map<string, HostTensor>): void {
    for (const [name, t] of weights) {
      const existing = this.vars.get(name);
      const value = tf.tensor(t.data, t.shape);
      if (existing) { existing.assign(value); value.dispose(); } else this.vars.set(name, tf.variable(value, true));
    }
  }

  async toHost(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const [name, v] of [...this.vars].sort(([a], [b]) => (a < b ? -1 : 1))) {
      out.set(name, { shape: [...v.shape], data: (await v.data()) as Float32Array });
    }
    return out;
  }

  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/*
 * GELU and LayerNorm carry hand-written gradients: tfjs's autodiff of their
 * formulas emits ~3x the eager ops (each broadcast mul's gradient adds a
 * reduction and reshape; Pow's kernel alone was ~10 % of a small-preset
 * step). The formulas are the same as the IR's; test/model/custom-grad.test.ts
 * checks values and gradients against tfjs autodiff of the plain formulas.
 */

/** GELU, tanh approximation: 0.5 x (1 + tanh(c (x + a x^3))), with x^3 as x * x^2 (no Pow). */
export const geluTanh = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
  const x2 = tf.square(x);
  const t = tf.tanh(tf.mul(x, tf.add(tf.mul(x2, GELU_TANH_CUBIC * GELU_TANH_SCALE), GELU_TANH_SCALE)));
  save([x, x2, t]);
  return {
    value: tf.mul(tf.mul(x, 0.5), tf.add(t, 1)),
    // d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) c (1 + 3 a x^2)
    gradFunc: (dy: tf.Tensor, [xs, x2s, ts]: tf.Tensor[]) => {
      const dInner = tf.mul(tf.sub(1, tf.square(ts!)), tf.add(tf.mul(x2s!, 3 * GELU_TANH_CUBIC * GELU_TANH_SCALE), GELU_TANH_SCALE));
      return tf.mul(dy, tf.mul(tf.add(tf.add(ts!, 1), tf.mul(xs!, dInner)), 0.5));
    },
  };
}) as unknown as CustomGradientFunc) as (x: tf.Tensor) => tf.Tensor;

const layerNormByEpsilon = new Map<number, (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor>();

/** LayerNorm over the last axis: (x - mean) / sqrt(var + eps) * gamma + beta (biased variance). */
export function layerNormWithGrad(epsilon: number): (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor {
  let f = layerNormByEpsilon.get(epsilon);
  if (f) return f;
  f = tf.customGrad(((x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, save: tf.GradSaveFunc) => {
    const centered = tf.sub(x, tf.mean(x, -1, true));
    const rstd = tf.rsqrt(tf.add(tf.mean(tf.square(centered), -1, true), epsilon));
    const xhat = tf.mul(centered, rstd);
    save([xhat, rstd, gamma]);
    return {
      value: tf.add(tf.mul(xhat, gamma), beta),
      // dx = rstd (g - mean(g) - xhat mean(g xhat)) with g = dy gamma; gamma/beta sum over all but the last axis.
      gradFunc: (dy: tf.Tensor, [xh, rs, gm]: tf.Tensor[]) => {
        const c = dy.shape.at(-1)!;
        const dy2 = tf.reshape(dy, [-1, c]), xh2 = tf.reshape(xh!, [-1, c]);
        const g = tf.mul(dy, gm!);
        const dx = tf.mul(rs!, tf.sub(tf.sub(g, tf.mean(g, -1, true)), tf.mul(xh!, tf.mean(tf.mul(g, xh!), -1, true))));
        return [dx, tf.sum(tf.mul(dy2, xh2), 0), tf.sum(dy2, 0)];
      },
    };
  }) as unknown as CustomGradientFunc) as (x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor) => tf.Tensor;
  layerNormByEpsilon.set(epsilon, f);
  return f;
}

export class TfjsOps implements ModelOps<tf.Tensor> {
  private scopes: string[] = [];
  private consts = new Map<string, tf.Tensor>();
  private dropoutCalls = 0;

  /**
   * @param training enables dropout
   * @param dropoutSeed seeds each dropout mask (call index is mixed in), so a resumed run replays the same masks
   */
  constructor(private store: ParamStore, private training = false, private dropoutSeed = 0) {}

  setTraining(training: boolean, dropoutSeed = 0): void {
    this.training = training;
    this.dropoutSeed = dropoutSeed;
    this.dropoutCalls = 0;
  }

  private full(name: string): string {
    return [...this.scopes, name].join('/');
  }

  param(name: string, shape: number[], init: Init): tf.Tensor {
    return this.store.getOrCreate(this.full(name), shape, init);
  }

  constant(name: string, make: () => HostTensor): tf.Tensor {
    let c = this.consts.get(name);
    if (!c) {
      const t = make();
      c = tf.keep(tf.tensor(t.data, t.shape));
      this.consts.set(name, c);
    }
    return c;
  }

  scope<R>(name: string, fn: () => R): R {
    this.scopes.push(name);
    try { return fn(); } finally { this.scopes.pop(); }
  }

  output(_name: string, x: tf.Tensor): tf.Tensor { return x; }
  shape(x: tf.Tensor): number[] { return x.shape; }

  conv1d(x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor | null, a: Conv1DAttrs): tf.Tensor {
    const cin = x.shape[2]!;
    let xp = x as tf.Tensor3D;
    if (a.padBegin || a.padEnd) xp = tf.pad(xp, [[0, 0], [a.padBegin, a.padEnd], [0, 0]]);
    let y: tf.Tensor3D;
    if (a.groups === 1) {
      y = tf.conv1d(xp, w as tf.Tensor3D, a.stride, 'valid');
    } else if (a.groups === cin && w.shape[2] === cin) {
      // Depthwise: tfjs has no grouped conv1d; run it as a 1xK depthwise conv2d.
      const f = tf.reshape(w, [1, w.shape[0]!, cin, 1]) as tf.Tensor4D;
      y = tf.squeeze(tf.depthwiseConv2d(tf.expandDims(xp, 1) as tf.Tensor4D, f, [1, a.stride], 'valid'), [1]);
    } else {
      throw new Error(`tfjs conv1d: groups=${a.groups} with ${cin} input channels is not supported (only 1 or depthwise)`);
    }
    return bias ? tf.add(y, bias) : y;
  }

  dense(x: tf.Tensor, w: tf.Tensor, bias: tf.Tensor | null): tf.Tensor {
    const k = x.shape.at(-1)!;
    const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, k]) as tf.Tensor2D;
    const y = tf.fused.matMul({ a: x2, b: w as tf.Tensor2D, bias: bias ?? undefined });
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), w.shape[1]!]);
  }

  batchMatMul(a: tf.Tensor, b: tf.Tensor, transposeB: boolean): tf.Tensor { return tf.matMul(a, b, false, transposeB); }
  add(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return tf.add(a, b); }
  sub(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return tf.sub(a, b); }
  mul(a: tf.Tensor, b: tf.Tensor): tf.Tensor { return tf.mul(a, b); }

  layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, epsilon: number): tf.Tensor {
    return layerNormWithGrad(epsilon)(x, gamma, beta);
  }

  gelu(x: tf.Tensor): tf.Tensor { return geluTanh(x); }

  sigmoid(x: tf.Tensor): tf.Tensor { return tf.sigmoid(x); }
  softmax(x: tf.Tensor): tf.Tensor { return tf.softmax(x); }
  sqrt(x: tf.Tensor): tf.Tensor { return tf.sqrt(x); }
  log(x: tf.Tensor): tf.Tensor { return tf.log(x); }
  reshape(x: tf.Tensor, shape: number[]): tf.Tensor { return tf.reshape(x, shape); }
  transpose(x: tf.Tensor, perm: number[]): tf.Tensor { return tf.transpose(x, perm); }
  slice(x: tf.Tensor, begin: number[], size: number[]): tf.Tensor { return tf.slice(x, begin, size); }
  concat(parts: tf.Tensor[], axis: number): tf.Tensor { return tf.concat(parts, axis); }
  /** The index table is made per call: it is small, and a kept tensor would need a cache keyed by its contents. */
  gather(x: tf.Tensor, indices: number[], axis: number): tf.Tensor { return tf.gather(x, tf.tensor1d(indices, 'int32'), axis); }

  dropout(x: tf.Tensor, rate: number): tf.Tensor {
    if (!this.training || rate <= 0) return x;
    return tf.dropout(x, rate, undefined, this.dropoutSeed * 1000 + this.dropoutCalls++);
  }

  dispose(): void {
    for (const c of this.consts.values()) c.dispose();
    this.consts.clear();
  }
}
