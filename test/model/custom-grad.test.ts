/**
 * The tfjs interpreter's hand-written GELU and LayerNorm gradients (the
 * trainer's speed-up) against tfjs's own autodiff of the plain formulas, on
 * random inputs: values and every input's gradient.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-node';
import { geluTanh, layerNormWithGrad } from '../../src/model/tfjs-ops.js';
import { maxAbsError } from '../../fixtures/compare.js';

const plainGelu = (x: tf.Tensor) =>
  tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI))), 1));
const plainLayerNorm = (eps: number) => (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, eps))), g), b);
};

const host = (t: tf.Tensor) => ({ shape: t.shape, data: t.dataSync() as Float32Array });
/** Max |ours - ref| (fixtures/compare.ts's measure: shapes must match, a non-finite value fails). */
const maxAbsDiff = (ours: tf.Tensor, ref: tf.Tensor): number => maxAbsError(host(ref), host(ours));

test('GELU (tanh) custom gradient equals tfjs autodiff of the formula', () => {
  tf.tidy(() => {
    const x = tf.mul(tf.randomNormal([4, 37, 24], 0, 1, 'float32', 11), 3);
    const w = tf.randomNormal([4, 37, 24], 0, 1, 'float32', 12); // a non-uniform upstream gradient
    const loss = (f: (t: tf.Tensor) => tf.Tensor) => (t: tf.Tensor) => tf.sum(tf.mul(f(t), w));
    assert.ok(maxAbsDiff(geluTanh(x), plainGelu(x)) < 1e-5, 'values');
    const d = maxAbsDiff(tf.grad(loss(geluTanh))(x), tf.grad(loss(plainGelu))(x));
    assert.ok(d < 1e-4, `gradient max abs diff ${d}`);
  });
});

test('LayerNorm custom gradient equals tfjs autodiff of the formula (x, gamma, beta)', () => {
  tf.tidy(() => {
    const eps = 1e-6;
    const x = tf.add(tf.mul(tf.randomNormal([3, 50, 32], 0, 1, 'float32', 21), 2), 0.5);
    const g = tf.randomNormal([32], 1, 0.3, 'float32', 22), b = tf.randomNormal([32], 0, 0.3, 'float32', 23);
    const w = tf.randomNormal([3, 50, 32], 0, 1, 'float32', 24);
    const custom = layerNormWithGrad(eps), plain = plainLayerNorm(eps);
    assert.ok(maxAbsDiff(custom(x, g, b), plain(x, g, b)) < 1e-5, 'values');
    const loss = (f: typeof custom) => (xi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.mul(f(xi, gi, bi), w));
    const ours = tf.grads(loss(custom))([x, g, b]), ref = tf.grads(loss(plain))([x, g, b]);
    ['x', 'gamma', 'beta'].forEach((name, i) => {
      const d = maxAbsDiff(ours[i]!, ref[i]!);
      assert.ok(d < 1e-3, `d/d${name} max abs diff ${d}`);
    });
  });
});
