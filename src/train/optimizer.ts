/**
 * AdamW with global-norm gradient clipping applied to the GRADIENTS before the
 * update (the seed clipped after the optimizer, which did nothing), and a
 * linear warm-up + cosine decay schedule. State is plain named tensors so a
 * checkpoint stores and restores it exactly.
 */
import * as tf from '@tensorflow/tfjs-node';
import type { HostTensor } from '../ir/tensor.js';

export interface OptimizerConfig {
  lr: number;
  minLr: number;
  warmupSteps: number;
  totalSteps: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  weightDecay: number;
  clipNorm: number;
}

export const DEFAULT_OPTIMIZER: OptimizerConfig = {
  lr: 1e-3, minLr: 5e-5, warmupSteps: 200, totalSteps: 10000, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.01, clipNorm: 1.0,
};

/** Learning rate at a step (0-based): linear warm-up, then cosine decay to minLr at totalSteps. */
export function learningRate(c: OptimizerConfig, step: number): number {
  if (step < c.warmupSteps) return (c.lr * (step + 1)) / c.warmupSteps;
  const p = Math.min(1, (step - c.warmupSteps) / Math.max(1, c.totalSteps - c.warmupSteps));
  return c.minLr + 0.5 * (c.lr - c.minLr) * (1 + Math.cos(Math.PI * p));
}

/** Weight decay only on matrices (not on norms, biases, layer scales): the usual AdamW practice. */
const decays = (name: string, rank: number) => rank >= 2 && !name.endsWith('/gamma');

export class AdamW {
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();
  step = 0;

  constructor(readonly config: OptimizerConfig) {}

  /** Applies one update (grads keyed by tfjs variable name, as tf.variableGrads returns them); returns the pre-clip global gradient norm. */
  apply(vars: Map<string, tf.Variable>, tfGrads: Record<string, tf.Tensor>): number {
    const grads: Record<string, tf.Tensor> = {};
    for (const [n, v] of vars) if (tfGrads[v.name]) grads[n] = tfGrads[v.name]!;
    const c = this.config;
    const lr = learningRate(c, this.step);
    const t = this.step + 1;
    const names = Object.keys(grads).filter((n) => vars.has(n));
    const normT = tf.tidy(() => tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!))))));
    const norm = normT.dataSync()[0]!;
    normT.dispose();
    const scale = norm > c.clipNorm ? c.clipNorm / (norm + 1e-6) : 1;
    const bc1 = 1 - Math.pow(c.beta1, t), bc2 = 1 - Math.pow(c.beta2, t);
    for (const n of names) {
      const p = vars.get(n)!;
      if (!this.m.has(n)) {
        this.m.set(n, tf.variable(tf.zerosLike(p), false));
        this.v.set(n, tf.variable(tf.zerosLike(p), false));
      }
      const m = this.m.get(n)!, v = this.v.get(n)!;
      tf.tidy(() => {
        const g = scale === 1 ? grads[n]! : tf.mul(grads[n]!, scale);
        m.assign(tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1)));
        v.assign(tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), 1 - c.beta2)));
        const upd = tf.div(tf.div(m, bc1), tf.add(tf.sqrt(tf.div(v, bc2)), c.epsilon));
        let next = tf.sub(p, tf.mul(upd, lr));
        if (c.weightDecay > 0 && decays(n, p.rank)) next = tf.sub(next, tf.mul(p, lr * c.weightDecay));
        p.assign(next);
      });
    }
    this.step++;
    return norm;
  }

  async state(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const [kind, map] of [['m', this.m], ['v', this.v]] as const) {
      for (const [n, t] of map) out.set(`optimizer/${kind}/${n}`, { shape: [...t.shape], data: (await t.data()) as Float32Array });
    }
    return out;
  }

  load(state: Map<string, HostTensor>, step: number): void {
    this.step = step;
    for (const [key, t] of state) {
      const m = /^optimizer\/(m|v)\/(.+)$/.exec(key);
      if (!m) continue;
      const map = m[1] === 'm' ? this.m : this.v;
      map.get(m[2]!)?.dispose();
      map.set(m[2]!, tf.variable(tf.tensor(t.data, t.shape), false));
    }
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
    this.m.clear(); this.v.clear();
  }
}
