import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffTensor } from '../../fixtures/compare.js';
import * as tf from '@tensorflow/tfjs-node';
import { OPS } from '../../src/ir/ops.js';
import { initValues } from '../../src/model/init.js';
import type { HostTensor } from '../../src/ir/tensor.js';

// Each IR op's reference evaluation against TensorFlow's kernel for the same op (tfjs-node).
const ATOL = 1e-5;
const rand = (shape: number[], seed: number): HostTensor => ({ shape, data: initValues(`op#${seed}`, shape.reduce((a, b) => a * b, 1), { kind: 'normal', std: 1 }, seed) });
/** |a - b| <= ATOL·(1 + |b|) everywhere: atol = rtol = ATOL against TensorFlow's values `b`. */
const close = (a: HostTensor, b: Float32Array, what: string) => {
  const d = diffTensor({ shape: [b.length], data: b }, a, ATOL, ATOL, { name: what, lengthOnly: true });
  assert.ok(d.ok, `${what}: max abs ${d.maxAbs}, ${d.beyond} of ${d.count} elements beyond tolerance`);
};
const T = (h: HostTensor) => tf.tensor(h.data, h.shape);

test('Conv1D strided and depthwise match tf.conv1d / depthwiseConv2d', () => {
  const x = rand([2, 37, 4], 1), w = rand([5, 4, 6], 2), b = rand([6], 3);
  const y = OPS.Conv1D.evaluate([x, w, b], { stride: 3, padBegin: 2, padEnd: 1, groups: 1 });
  const ref = tf.add(tf.conv1d(tf.pad(T(x) as tf.Tensor3D, [[0, 0], [2, 1], [0, 0]]), T(w) as tf.Tensor3D, 3, 'valid'), T(b));
  assert.deepEqual(y.shape, ref.shape);
  close(y, ref.dataSync() as Float32Array, 'conv1d');
  const wd = rand([7, 1, 4], 4);
  const yd = OPS.Conv1D.evaluate([x, wd], { stride: 1, padBegin: 3, padEnd: 3, groups: 4 });
  const refd = tf.squeeze(tf.depthwiseConv2d(tf.expandDims(tf.pad(T(x) as tf.Tensor3D, [[0, 0], [3, 3], [0, 0]]), 1) as tf.Tensor4D, tf.reshape(T(wd), [1, 7, 4, 1]) as tf.Tensor4D, 1, 'valid'), [1]);
  close(yd, refd.dataSync() as Float32Array, 'depthwise');
});

test('Dense, BatchMatMul, LayerNorm, Softmax, Gelu, Transpose, Slice, Concat match TensorFlow', () => {
  const x = rand([2, 3, 5], 5), w = rand([5, 4], 6), b = rand([4], 7);
  close(OPS.Dense.evaluate([x, w, b]), tf.add(tf.matMul(tf.reshape(T(x), [6, 5]), T(w)), T(b)).dataSync() as Float32Array, 'dense');
  const a4 = rand([1, 2, 3, 4], 8), b4 = rand([1, 2, 5, 4], 9);
  close(OPS.BatchMatMul.evaluate([a4, b4], { transposeB: true }), tf.matMul(T(a4), T(b4), false, true).dataSync() as Float32Array, 'bmm');
  const g = rand([5], 10), be = rand([5], 11);
  const { mean, variance } = tf.moments(T(x), -1, true);
  close(OPS.LayerNorm.evaluate([x, g, be], { epsilon: 1e-6 }), tf.add(tf.mul(tf.div(tf.sub(T(x), mean), tf.sqrt(tf.add(variance, 1e-6))), T(g)), T(be)).dataSync() as Float32Array, 'layernorm');
  close(OPS.Softmax.evaluate([x]), tf.softmax(T(x)).dataSync() as Float32Array, 'softmax');
  const gx = T(x);
  const gelu = tf.mul(tf.mul(gx, 0.5), tf.add(1, tf.tanh(tf.mul(Math.sqrt(2 / Math.PI), tf.add(gx, tf.mul(0.044715, tf.pow(gx, 3)))))));
  close(OPS.Gelu.evaluate([x], {}), gelu.dataSync() as Float32Array, 'gelu');
  close(OPS.Transpose.evaluate([a4], { perm: [0, 2, 1, 3] }), tf.transpose(T(a4), [0, 2, 1, 3]).dataSync() as Float32Array, 'transpose');
  close(OPS.Slice.evaluate([x], { begin: [0, 1, 2], size: [2, 2, -1] }), tf.slice(T(x), [0, 1, 2], [2, 2, 3]).dataSync() as Float32Array, 'slice');
  close(OPS.Concat.evaluate([x, x], { axis: 1 }), tf.concat([T(x), T(x)], 1).dataSync() as Float32Array, 'concat');
  const x2 = rand([2, 3, 2], 13), x3 = rand([2, 3, 1], 14);
  const cat3 = OPS.Concat.evaluate([x, x2, x3, x], { axis: 2 });
  assert.deepEqual(cat3.shape, [2, 3, 13]);
  close(cat3, tf.concat([T(x), T(x2), T(x3), T(x)], 2).dataSync() as Float32Array, 'concat of 4');
  close(OPS.Add.evaluate([x, b.shape[0] === 4 ? rand([3, 1], 12) : x], {}), tf.add(T(x), T(rand([3, 1], 12))).dataSync() as Float32Array, 'broadcast add');
});

test('shape errors name the problem', () => {
  assert.throws(() => OPS.Dense.inferShape([[2, 3], [4, 5]]), /does not match weight/);
  assert.throws(() => OPS.Reshape.inferShape([[2, 3]], { shape: [7] }), /element count/);
  assert.throws(() => OPS.Concat.inferShape([[2, 3]], { axis: 1 }), /Concat takes at least 2 inputs, got 1/);
  assert.throws(() => OPS.Concat.inferShape([[2, 3], [2, 4], [3, 4]], { axis: 1 }), /Concat shapes \[2,3\] and \[3,4\] differ off axis 1/);
  assert.throws(() => OPS.Concat.inferShape([[2, 3], [2, 4]], { axis: 2 }), /axis 2 is outside rank 2/);
});
