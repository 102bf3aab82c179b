/**
 * The IR ops that imported models need (Basic Pitch: 2-D convs, Relu, reflect
 * and constant Pad, ReduceMin/ReduceMax, DivNoNan): each op's reference
 * evaluation against TensorFlow's kernel for the same op (tfjs-node), plus the
 * shape rules' errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffTensor } from '../../fixtures/compare.js';
import * as tf from '@tensorflow/tfjs-node';
import { OPS } from '../../src/ir/ops.js';
import { initValues } from '../../src/model/init.js';
import type { HostTensor } from '../../src/ir/tensor.js';

// IR evaluation (float64 accumulation) vs TF float32 kernels on O(1) values, sums of <= 150 products.
const ATOL = 1e-5;
const rand = (shape: number[], seed: number): HostTensor => ({ shape, data: initValues(`new-op#${seed}`, shape.reduce((a, b) => a * b, 1), { kind: 'normal', std: 1 }, seed) });
const T = (h: HostTensor) => tf.tensor(h.data, h.shape);
/** Same shape and |a - ref| <= ATOL·(1 + |ref|) everywhere: atol = rtol = ATOL. */
function close(a: HostTensor, ref: tf.Tensor, what: string): void {
  const d = diffTensor({ shape: ref.shape, data: ref.dataSync() as Float32Array }, a, ATOL, ATOL, { name: what });
  assert.ok(d.ok, `${what}: max abs ${d.maxAbs}, ${d.beyond} of ${d.count} elements beyond tolerance`);
}
const explicit = (p: [number, number, number, number]): [[number, number], [number, number], [number, number], [number, number]] => [[0, 0], [p[0], p[1]], [p[2], p[3]], [0, 0]];

test('Conv2D (strided, asymmetric pads, bias) matches tf.conv2d', () => {
  const x = rand([2, 9, 14, 3], 1), w = rand([3, 5, 3, 4], 2), b = rand([4], 3);
  const pads: [number, number, number, number] = [1, 1, 2, 0];
  const y = OPS.Conv2D.evaluate([x, w, b], { strides: [1, 3], pads, groups: 1 });
  const ref = tf.add(tf.conv2d(T(x) as tf.Tensor4D, T(w) as tf.Tensor4D, [1, 3], explicit(pads)), T(b));
  close(y, ref, 'conv2d');
  // Basic Pitch's widest kernel: 3x39, SAME (pads [1,1,19,19]), no bias.
  const x2 = rand([1, 6, 50, 2], 4), w2 = rand([3, 39, 2, 2], 5);
  close(OPS.Conv2D.evaluate([x2, w2], { strides: [1, 1], pads: [1, 1, 19, 19], groups: 1 }), tf.conv2d(T(x2) as tf.Tensor4D, T(w2) as tf.Tensor4D, 1, 'same'), 'conv2d 3x39 same');
});

test('Conv2D depthwise (groups = Cin, multiplier 2) matches tf.depthwiseConv2d; grouped matches split convs', () => {
  const x = rand([1, 7, 8, 3], 6), w = rand([3, 3, 3, 2], 7);
  // TF's depthwise filter [KH,KW,C,m] has the bytes of the IR's [KH,KW,1,C*m] (output channel c*m + j).
  const dw = OPS.Conv2D.evaluate([x, { shape: [3, 3, 1, 6], data: w.data }], { strides: [2, 1], pads: [1, 1, 0, 2], groups: 3 });
  close(dw, tf.depthwiseConv2d(T(x) as tf.Tensor4D, T(w) as tf.Tensor4D, [2, 1], explicit([1, 1, 0, 2])), 'depthwise');
  const xg = rand([1, 6, 6, 4], 8), wg = rand([2, 3, 2, 6], 9);
  const y = OPS.Conv2D.evaluate([xg, wg], { strides: [1, 1], pads: [0, 1, 1, 1], groups: 2 });
  const [x0, x1] = tf.split(T(xg), 2, 3);
  const [w0, w1] = tf.split(T(wg), 2, 3);
  const ref = tf.concat([tf.conv2d(x0 as tf.Tensor4D, w0 as tf.Tensor4D, 1, explicit([0, 1, 1, 1])), tf.conv2d(x1 as tf.Tensor4D, w1 as tf.Tensor4D, 1, explicit([0, 1, 1, 1]))], 3);
  close(y, ref, 'grouped');
});

test('Relu, DivNoNan (zeros in the divisor) match tf.relu / tf.divNoNan', () => {
  const x = rand([3, 5, 4], 10);
  close(OPS.Relu.evaluate([x], {}), tf.relu(T(x)), 'relu');
  const d = rand([5, 1], 11);
  d.data[0] = 0; d.data[3] = 0;
  const y = OPS.DivNoNan.evaluate([x, d], {});
  close(y, tf.divNoNan(T(x), T(d)), 'divNoNan');
  assert.ok(y.data.every(Number.isFinite));
});

test('Pad constant (with a value) and reflect match tf.pad / tf.mirrorPad', () => {
  const x = rand([2, 5, 4], 12);
  const pads: [number, number][] = [[0, 1], [2, 3], [1, 0]];
  close(OPS.Pad.evaluate([x], { mode: 'constant', pads, value: -1.5 }), tf.pad(T(x), pads, -1.5), 'pad constant');
  close(OPS.Pad.evaluate([x], { mode: 'constant', pads }), tf.pad(T(x), pads), 'pad zero');
  const reflect: [number, number][] = [[1, 1], [4, 3], [0, 3]];
  close(OPS.Pad.evaluate([x], { mode: 'reflect', pads: reflect }), tf.mirrorPad(T(x), reflect, 'reflect'), 'pad reflect');
});

test('ReduceMin / ReduceMax over axes, with and without keepDims, match tf.min / tf.max', () => {
  const x = rand([2, 4, 3, 5], 13);
  for (const [axes, keepDims] of [[[1, 2], false], [[0, 3], true], [[3], false], [[0, 1, 2, 3], false]] as const) {
    close(OPS.ReduceMin.evaluate([x], { axes: [...axes], keepDims }), tf.min(T(x), [...axes], keepDims), `min ${axes} ${keepDims}`);
    close(OPS.ReduceMax.evaluate([x], { axes: [...axes], keepDims }), tf.max(T(x), [...axes], keepDims), `max ${axes} ${keepDims}`);
  }
});

test('shape rules name what is wrong', () => {
  assert.throws(() => OPS.Conv2D.inferShape([[1, 4, 4, 3], [3, 3, 2, 4]], { strides: [1, 1], pads: [0, 0, 0, 0], groups: 1 }), /does not fit input channels 3/);
  assert.throws(() => OPS.Conv2D.inferShape([[1, 2, 2, 3], [3, 3, 3, 4]], { strides: [1, 1], pads: [0, 0, 0, 0], groups: 1 }), /empty/);
  assert.throws(() => OPS.Conv2D.inferShape([[1, 4, 4, 3], [1, 1, 3, 4]], { strides: [0, 1], pads: [0, 0, 0, 0], groups: 1 }), /strides/);
  assert.throws(() => OPS.Pad.inferShape([[3, 4]], { mode: 'reflect', pads: [[0, 0], [4, 0]] }), /exceeds 3/);
  assert.throws(() => OPS.Pad.inferShape([[3, 4]], { mode: 'constant', pads: [[0, 0]] }), /1 \[before, after\] pairs for rank 2/);
  assert.throws(() => OPS.ReduceMax.inferShape([[3, 4]], { axes: [2], keepDims: false }), /axes \[2\]/);
  assert.throws(() => OPS.ReduceMin.inferShape([[3, 4]], { axes: [1, 1], keepDims: false }), /distinct/);
});
