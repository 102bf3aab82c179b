/** ModelOps on tfjs: the interpreter that trains and infers. */
import * as tf from '@tensorflow/tfjs-node';
import type { ModelOps, Init } from './ops.js';
import type { Conv1DAttrs } from '../ir/ops.js';
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

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

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
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, epsilon))), gamma), beta);
  }

  gelu(x: tf.Tensor): tf.Tensor {
    const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
  }

  sigmoid(x: tf.Tensor): tf.Tensor { return tf.sigmoid(x); }
  softmax(x: tf.Tensor): tf.Tensor { return tf.softmax(x); }
  sqrt(x: tf.Tensor): tf.Tensor { return tf.sqrt(x); }
  log(x: tf.Tensor): tf.Tensor { return tf.log(x); }
  reshape(x: tf.Tensor, shape: number[]): tf.Tensor { return tf.reshape(x, shape); }
  transpose(x: tf.Tensor, perm: number[]): tf.Tensor { return tf.transpose(x, perm); }
  slice(x: tf.Tensor, begin: number[], size: number[]): tf.Tensor { return tf.slice(x, begin, size); }
  concat(a: tf.Tensor, b: tf.Tensor, axis: number): tf.Tensor { return tf.concat([a, b], axis); }

  dropout(x: tf.Tensor, rate: number): tf.Tensor {
    if (!this.training || rate <= 0) return x;
    return tf.dropout(x, rate, undefined, this.dropoutSeed * 1000 + this.dropoutCalls++);
  }

  dispose(): void {
    for (const c of this.consts.values()) c.dispose();
    this.consts.clear();
  }
}
