/**
 * AdamW (flat slots on tfjs) against a plain per-element JavaScript AdamW
 * written here from the update rule: clipping by global norm, bias
 * correction, decoupled weight decay on matrices only, warm-up + cosine lr.
 * Also: slots survive state() -> load() exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-node';
import { AdamW, learningRate, type OptimizerConfig } from '../../src/train/optimizer.js';

const config: OptimizerConfig = { lr: 1e-2, minLr: 1e-4, warmupSteps: 2, totalSteps: 6, beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.1, clipNorm: 1 };
const shapes: Record<string, number[]> = { 'a/kernel': [3, 4], 'a/bias': [4], 'ln/gamma': [4], 'b/kernel': [2, 2, 3] };
const decays = (name: string, rank: number) => rank >= 2 && !name.endsWith('/gamma');

function rand(seed: number, n: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 - 0.5; });
}

function reference(params: Record<string, Float64Array>, grads: Record<string, Float32Array>[]) {
  const m: Record<string, Float64Array> = {}, v: Record<string, Float64Array> = {};
  for (const n in params) { m[n] = new Float64Array(params[n]!.length); v[n] = new Float64Array(params[n]!.length); }
  grads.forEach((g, step) => {
    let sq = 0;
    for (const n in g) for (const x of g[n]!) sq += x * x;
    const norm = Math.sqrt(sq), scale = norm > config.clipNorm ? config.clipNorm / (norm + 1e-6) : 1;
    const lr = learningRate(config, step), t = step + 1;
    for (const n in params) {
      const p = params[n]!, decay = decays(n, shapes[n]!.length);
      for (let i = 0; i < p.length; i++) {
        const gi = g[n]![i]! * scale;
        m[n]![i] = config.beta1 * m[n]![i]! + (1 - config.beta1) * gi;
        v[n]![i] = config.beta2 * v[n]![i]! + (1 - config.beta2) * gi * gi;
        const upd = (m[n]![i]! / (1 - config.beta1 ** t)) / (Math.sqrt(v[n]![i]! / (1 - config.beta2 ** t)) + config.epsilon);
        p[i] = p[i]! - lr * upd - (decay ? lr * config.weightDecay * p[i]! : 0);
      }
    }
  });
}

test('flat AdamW matches a per-element reference AdamW over 5 steps (clipped and unclipped)', () => {
  const vars = new Map<string, tf.Variable>();
  const ref: Record<string, Float64Array> = {};
  let seed = 1;
  for (const [n, s] of Object.entries(shapes)) {
    const init = rand(seed++, s.reduce((a, b) => a * b, 1));
    vars.set(n, tf.variable(tf.tensor(init, s), true, n));
    ref[n] = Float64Array.from(init);
  }
  // Steps 0-2 have small gradients (no clipping), 3-4 large ones (clipped).
  const grads = Array.from({ length: 5 }, (_, k) => Object.fromEntries(Object.entries(shapes).map(([n, s], j) =>
    [n, rand(100 + 10 * k + j, s.reduce((a, b) => a * b, 1)).map((x) => x * (k < 3 ? 0.1 : 5))])));
  const opt = new AdamW(config);
  for (const g of grads) {
    const tg = Object.fromEntries(Object.entries(g).map(([n, d]) => [vars.get(n)!.name, tf.tensor(d, shapes[n])]));
    opt.apply(vars, tg);
    tf.dispose(Object.values(tg));
  }
  reference(ref, grads);
  for (const [n, v] of vars) {
    const got = v.dataSync();
    const d = Math.max(...Array.from(got, (x, i) => Math.abs(x - ref[n]![i]!)));
    assert.ok(d < 1e-5, `${n}: max abs diff ${d}`);
  }
  opt.dispose(); for (const v of vars.values()) v.dispose();
});

test('AdamW slots survive state() -> load() bit-exactly', async () => {
  const vars = new Map([['w/kernel', tf.variable(tf.tensor(rand(5, 6), [2, 3]), true, 'w/kernel')]]);
  const opt = new AdamW(config);
  const g = { 'w/kernel': tf.tensor(rand(6, 6), [2, 3]) };
  opt.apply(vars, g);
  const saved = await opt.state();
  const again = new AdamW(config);
  again.load(saved, 1);
  const a = vars.get('w/kernel')!.clone();
  opt.apply(vars, g);
  const b = vars.get('w/kernel')!.dataSync();
  vars.get('w/kernel')!.assign(a);
  again.apply(vars, g);
  assert.deepEqual(Array.from(vars.get('w/kernel')!.dataSync()), Array.from(b));
  assert.deepEqual([...(await again.state()).keys()].sort(), ['optimizer/m/w/kernel', 'optimizer/v/w/kernel']);
});
